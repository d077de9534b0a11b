-- The portal's two database roles and its database, for the postgres container in
-- docker-compose.yml. The image runs this file once, as the superuser, when it initialises an
-- empty data directory (/docker-entrypoint-initdb.d); later password changes need ALTER ROLE.
--
--   portal_owner  owns the database and the schema; migrations run as it
--                 (MIGRATION_DATABASE_URL).
--   portal_app    the web app and the workers (DATABASE_URL): neither owner, superuser nor
--                 BYPASSRLS, so row-level security applies to it. Each migration grants it
--                 the table privileges it needs.
--
-- The passwords come from the container's environment (PORTAL_OWNER_PASSWORD,
-- PORTAL_APP_PASSWORD) through psql's \getenv (psql 15 or newer), never from this file.

\set ON_ERROR_STOP on
\getenv owner_password PORTAL_OWNER_PASSWORD
\getenv app_password PORTAL_APP_PASSWORD

\if :{?owner_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'PORTAL_OWNER_PASSWORD is not set in the postgres container'; END $$;
\endif
\if :{?app_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'PORTAL_APP_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE portal_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE portal_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';

CREATE DATABASE portal OWNER portal_owner;
REVOKE ALL ON DATABASE portal FROM PUBLIC;
GRANT CONNECT ON DATABASE portal TO portal_app;

\connect portal
ALTER SCHEMA public OWNER TO portal_owner;
GRANT USAGE ON SCHEMA public TO portal_app;
