"""Documents tests: a real clamd with a signature made from the EICAR test string (no downloads),
an organisation with a signed-in member, and upload helpers."""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.documents import files


def _require(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if os.path.exists(f"/usr/sbin/{tool}") else None)
    if path is None:
        pytest.fail(f"{tool} is not installed: `make test` installs ClamAV (apt-get install clamav clamav-daemon)")
    return path


@pytest.fixture(scope="session")
def clamav_database():
    """A ClamAV signature database with one signature: the MD5 of the EICAR test file."""
    sigtool = _require("sigtool")
    folder = Path(tempfile.mkdtemp(prefix="portal-clamav-"))
    database = folder / "db"
    database.mkdir()
    sample = folder / "Eicar-Test-Signature"
    sample.write_bytes(files.eicar())
    signature = subprocess.run([sigtool, "--md5", str(sample)], capture_output=True, text=True, check=True).stdout
    (database / "portal-test.hdb").write_text(signature)
    sample.unlink()
    yield database
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clamd_socket(clamav_database):
    """clamd on a temporary Unix socket, loaded with the test signature, for the whole session."""
    clamd = _require("clamd")
    folder = clamav_database.parent
    sock = folder / "clamd.sock"
    config = folder / "clamd.conf"
    config.write_text("\n".join([
        f"LocalSocket {sock}", f"DatabaseDirectory {clamav_database}", "Foreground yes",
        f"LogFile {folder / 'clamd.log'}", f"TemporaryDirectory {folder}", "StreamMaxLength 100M",
        "MaxThreads 4", "SelfCheck 0", ""]))
    process = subprocess.Popen([clamd, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"clamd stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(sock))
                probe.sendall(b"zPING\0")
                if probe.recv(16).startswith(b"PONG"):
                    break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("clamd did not start within 60 s")
    yield str(sock)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(autouse=True)
def scan_with_test_clamd(clamd_socket, monkeypatch):
    """Every documents test scans with the real clamd (app config for in-process workers, the
    environment for `rq worker` subprocesses)."""
    monkeypatch.setenv("DOCUMENT_SCANNER", "clamd")
    monkeypatch.setenv("CLAMD_SOCKET", clamd_socket)
    yield clamd_socket


@pytest.fixture
def org_member(app, make_org, make_user, web):
    """A provider organisation, a submitter in it, signed in on the web client."""
    org = make_org("provider")
    user = make_user(memberships=[(org, "submitter")])
    web.sign_in(user.email)
    return org, user


@pytest.fixture
def upload(web):
    """Post files to the organisation's upload form; returns the response."""

    def post(slug: str, *named_files: tuple[str, bytes], follow_redirects: bool = False):
        data = {"files": [(io.BytesIO(content), name) for name, content in named_files]}
        return web.post(f"/o/{slug}/documents/upload", data, follow_redirects=follow_redirects)

    return post


def documents_of(app, org) -> list:
    from sqlalchemy import select

    from portal.documents.models import Document
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id):
        rows = list(db.session.scalars(select(Document).order_by(Document.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def s3_keys(app, prefix: str = "t/") -> list[str]:
    from portal.storage import s3_client

    with app.app_context():
        response = s3_client().list_objects_v2(Bucket=app.config["S3_BUCKET"], Prefix=prefix)
        return [item["Key"] for item in response.get("Contents", [])]


def audit_actions(app, org, action: str) -> int:
    from sqlalchemy import func, select

    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id):
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))
