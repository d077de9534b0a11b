"""/healthz names the state of each part, against real services and really unreachable ones."""
from __future__ import annotations

import pytest

from portal.dev.embedded import free_port_block


def test_all_parts_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok", "storage": "ok",
                                   "scanner": "not_configured"}


@pytest.mark.parametrize("setting, part", [
    ("REDIS_URL", "redis"),
    ("S3_ENDPOINT_URL", "storage"),
    ("DATABASE_URL", "database"),
])
def test_a_part_down_gives_503_naming_it(app, setting, part):
    from portal import create_app

    closed = free_port_block(1)
    broken = {
        "REDIS_URL": f"redis://127.0.0.1:{closed}/0",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{closed}",
        "DATABASE_URL": f"postgresql+psycopg://portal_app@127.0.0.1:{closed}/portal",
    }[setting]
    other = create_app({"TESTING": True, setting: broken, "RATELIMIT_STORAGE_URI": "memory://"})
    response = other.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == [part] and body[part] == "unavailable" and body["status"] == "unavailable"


def test_the_scanner_line_says_ok_or_unavailable(client, monkeypatch, tmp_path):
    """A configured clamd that answers is ok; one that does not answer fails the check (uploads
    would wait unscanned), named as "scanner"."""
    from portal.dev import clamav

    daemon = clamav.Clamd(tmp_path / "clamd", clamav.write_local_signature(tmp_path / "db").parent)
    monkeypatch.setenv("DOCUMENT_SCANNER", "clamd")
    monkeypatch.setenv("CLAMD_SOCKET", daemon.socket_path)
    daemon.start(timeout=60)
    try:
        response = client.get("/healthz")
        assert response.status_code == 200 and response.get_json()["scanner"] == "ok"
    finally:
        daemon.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["scanner"] and response.get_json()["scanner"] == "unavailable"
