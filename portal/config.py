"""Settings, read from the environment when the app is created (never at import time).

With no service URLs in the environment, the settings written by ``portal up`` to
``var/services.env`` are used, so a shell, ``flask shell`` or ``rq info`` reach the
embedded services that ``make run`` started.
"""
from __future__ import annotations

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVICE_KEYS = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "S3_ENDPOINT_URL",
                "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION")


def var_dir() -> Path:
    return Path(os.environ.get("PORTAL_VAR_DIR", PROJECT_ROOT / "var"))


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _secret_key(env: dict[str, str]) -> str:
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    if env.get("PORTAL_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in production (a long random string).")
    path = var_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _bid_key(env: dict[str, str]) -> tuple[str, str]:
    """The key that wraps each tender's bid key (base64 of 32 bytes) and its id. Production sets
    both (or a KMS hands them over); development and tests make one under var/, never a constant."""
    if env.get("BID_KEY_WRAPPING_KEY"):
        return env["BID_KEY_WRAPPING_KEY"], env.get("BID_KEY_ID") or "configured"
    if env.get("PORTAL_ENV") == "production":
        raise RuntimeError("BID_KEY_WRAPPING_KEY must be set in production (base64 of 32 random bytes, for example "
                           "`python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'`), "
                           "with BID_KEY_ID naming it: it seals every bid until two people open the tender.")
    path = var_dir() / "bid_key_wrapping_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip(), "local"


def _int(env: dict[str, str], key: str, default: int) -> int:
    try:
        return int(env.get(key, default))
    except ValueError as exc:
        raise RuntimeError(f"{key} must be a whole number, got {env[key]!r}") from exc


def load_config(overrides: dict | None = None) -> dict:
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        for key, value in read_env_file(var_dir() / "services.env").items():
            env.setdefault(key, value)
    overrides = overrides or {}
    portal_env = overrides.get("PORTAL_ENV", env.get("PORTAL_ENV", "development"))
    production = portal_env == "production"
    bid_key, bid_key_id = _bid_key({**env, "PORTAL_ENV": portal_env})
    database_url = env.get("DATABASE_URL")
    cfg = {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": _secret_key(env),
        "DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": env.get("MIGRATION_DATABASE_URL") or database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": _int(env, "DATABASE_POOL_SIZE", 5),
        },
        "REDIS_URL": env.get("REDIS_URL"),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_BUCKET": env.get("S3_BUCKET", "portal-documents"),
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID"),
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY"),
        "S3_REGION": env.get("S3_REGION", "eu-west-2"),
        "DOCUMENT_MAX_BYTES": _int(env, "DOCUMENT_MAX_BYTES", 50 * 1024 * 1024),
        # The outbox sweep pushes a message again only this long after it was made (longer than
        # any normal run), and only when its RQ job is not queued, running or scheduled.
        "OUTBOX_SWEEP_AFTER_SECONDS": _int(env, "OUTBOX_SWEEP_AFTER_SECONDS", 300),
        # Bid documents: each tender's private key is kept wrapped by this key (see portal.procurement.sealing);
        # BID_KEY_PREVIOUS ("id:base64,id:base64") still unwraps keys wrapped before a rotation.
        "BID_KEY_WRAPPING_KEY": bid_key,
        "BID_KEY_ID": bid_key_id,
        "BID_KEY_PREVIOUS": env.get("BID_KEY_PREVIOUS", ""),
        "SMTP_URL": env.get("SMTP_URL"),
        "MAIL_FROM": env.get("MAIL_FROM", "Portal <no-reply@portal.example>"),
        "BASE_URL": env.get("BASE_URL", f"http://127.0.0.1:{env.get('PORT', '5000')}"),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_int(env, "SESSION_IDLE_MINUTES", 30)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_int(env, "SESSION_ABSOLUTE_HOURS", 12)),
        # Sign-in throttling (portal.accounts.throttle): failures before the first wait (1 s, doubling
        # to 15 minutes) for an account at one address, for one address and for an account everywhere.
        "SIGN_IN_FREE_FAILURES": _int(env, "SIGN_IN_FREE_FAILURES", 3),
        "SIGN_IN_ADDRESS_FREE_FAILURES": _int(env, "SIGN_IN_ADDRESS_FREE_FAILURES", 20),
        "SIGN_IN_ACCOUNT_CEILING": _int(env, "SIGN_IN_ACCOUNT_CEILING", 100),
        "SIGN_IN_FIRST_WAIT_SECONDS": _int(env, "SIGN_IN_FIRST_WAIT_SECONDS", 1),
        "KNOWN_DEVICE_DAYS": _int(env, "KNOWN_DEVICE_DAYS", 180),
        "INVITATION_DAYS": _int(env, "INVITATION_DAYS", 7),
        "PASSWORD_RESET_MINUTES": _int(env, "PASSWORD_RESET_MINUTES", 60),
        # The least number of people a shown outcome figure may rest on; filters may raise it only.
        "SUPPRESSION_THRESHOLD": _int(env, "SUPPRESSION_THRESHOLD", 5),
        # Offboarding: an organisation's export can be downloaded for this many days; an offboarded
        # organisation's rows and files are deleted this many days after it was suspended.
        "EXPORT_DOWNLOAD_DAYS": _int(env, "EXPORT_DOWNLOAD_DAYS", 7),
        "OFFBOARDING_RETENTION_DAYS": _int(env, "OFFBOARDING_RETENTION_DAYS", 90),
        "OCDS_PREFIX": env.get("OCDS_PREFIX", "ocds-portal"),
        "OCDS_PUBLISHER": env.get("OCDS_PUBLISHER", "Portal"),
        # In production the __Host- prefix: the browser keeps it only if Secure, for this host, path /.
        "SESSION_COOKIE_NAME": "__Host-portal_session" if production else "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or env.get("SESSION_COOKIE_SECURE") == "1",
        # The cookie is sent again only when the session changes (at most every 30 seconds, when
        # the idle timeout's "last seen" moves): the timeouts are the server's, not the cookie's.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "FORCE_HTTPS": production and env.get("FORCE_HTTPS", "1") == "1",
        "PROXY_FIX": env.get("PROXY_FIX", "1" if production else "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "API_TITLE": "Portal API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "TESTING": False,
        # Cheap password hashing for the test suite only; never in any other environment.
        "PASSWORD_HASHING": "test" if portal_env == "test" else "standard",
    }
    cfg.update(overrides)
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        raise RuntimeError(
            "DATABASE_URL is not set. Run `make run` (which starts embedded services and writes "
            "var/services.env) or set DATABASE_URL, MIGRATION_DATABASE_URL, REDIS_URL and the S3 settings.")
    if cfg.get("MAX_CONTENT_LENGTH") is None:
        # Werkzeug refuses bodies past this before parsing them: the largest upload (ten files of
        # DOCUMENT_MAX_BYTES) and its form. Each file is also limited while it streams to S3.
        cfg["MAX_CONTENT_LENGTH"] = int(cfg["DOCUMENT_MAX_BYTES"]) * 10 + 1024 * 1024
    if not 3 <= int(cfg["SUPPRESSION_THRESHOLD"]) <= 100:
        raise RuntimeError("SUPPRESSION_THRESHOLD must be a whole number from 3 to 100 (at 2 or less a suppressed "
                           f"figure gives itself away), got {cfg['SUPPRESSION_THRESHOLD']!r}")
    try:
        wrapping_key = base64.b64decode(str(cfg["BID_KEY_WRAPPING_KEY"]), validate=True)
    except ValueError:
        wrapping_key = b""
    if len(wrapping_key) != 32:
        raise RuntimeError("BID_KEY_WRAPPING_KEY must be the base64 of exactly 32 random bytes")
    if cfg["REDIS_URL"] and cfg["RATELIMIT_STORAGE_URI"] == "memory://":
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
    return cfg
