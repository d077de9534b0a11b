"""Documents tests: a real clamd with a signature made from the EICAR test string (no downloads),
an organisation with a signed-in member, and upload helpers."""
from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.documents import files
from tests.helpers import documents_of  # noqa: F401  (the documents tests take it from here)


def _require_clamav() -> None:
    from portal.dev import clamav

    if not clamav.installed():
        pytest.fail("ClamAV is not installed: `make test` installs it (apt-get install clamav clamav-daemon)")


@pytest.fixture(scope="session")
def clamav_database():
    """A ClamAV signature database with one signature: the MD5 of the EICAR test file (the same
    local signature `portal up` makes when no downloaded signatures exist)."""
    from portal.dev import clamav

    _require_clamav()
    folder = Path(tempfile.mkdtemp(prefix="portal-clamav-"))
    database = folder / "db"
    clamav.write_local_signature(database)
    yield database
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clamd_socket(clamav_database):
    """clamd on a temporary Unix socket, loaded with the test signature, for the whole session."""
    from portal.dev import clamav

    daemon = clamav.Clamd(clamav_database.parent / "clamd", clamav_database)
    try:
        socket_path = daemon.start(timeout=60)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield socket_path
    daemon.stop()


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
