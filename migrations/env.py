"""Alembic environment: migrations run as the owner role (MIGRATION_DATABASE_URL)."""
from __future__ import annotations

import logging
import os
import sys
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, make_url, pool

sys.path.insert(0, os.path.dirname(__file__))  # migrations/rls.py
config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_metadata = current_app.extensions["migrate"].db.metadata


def app_role() -> str:
    """The role the web app and workers connect as; migrations grant it what it needs."""
    return make_url(current_app.config["DATABASE_URL"]).username


def run_migrations_online() -> None:
    url = current_app.config["MIGRATION_DATABASE_URL"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations(app_role=app_role())


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `portal db upgrade`")
run_migrations_online()
