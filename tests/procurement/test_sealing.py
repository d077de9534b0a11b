"""Sealing: the keys and the encryption, and that the commissioner's side can neither list, count nor
read a bid before two people open the tender, by any path: pages, API, exports, search, its audit
log, raw SQL as the app role (row-level security) and the objects in S3."""
from __future__ import annotations

import base64
import hashlib
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import select

from tests import factories

PDF = factories.BID_PDF
SET = "select set_config('app.org_id', %s, true)"
BID_TABLES = ("tender_bids", "tender_bid_members", "tender_bid_documents", "tender_bid_receipts",
              "tender_bid_changes")


@contextmanager
def acting_as(app, org):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id):
        yield db.session
        db.session.rollback()


def _object_bytes(app, key: str) -> bytes:
    from portal.storage import s3_client

    with app.app_context():
        return s3_client().get_object(Bucket=app.config["S3_BUCKET"], Key=key)["Body"].read()


def _document(app, bid):
    from portal.procurement.bid_models import BidDocument

    with acting_as(app, factories.organisation_by_id(bid.tenant_id)) as session:
        found = session.scalar(select(BidDocument).where(BidDocument.bid_id == bid.id))
        session.expunge(found)
        return found


def test_publication_makes_the_key_pair_and_only_the_opening_unwraps_it(app, bidding):
    from portal.procurement.bid_models import TenderKey
    from portal.procurement.queries import get_tender
    from portal.procurement.sealing import SealingError, tender_private_key

    b = bidding
    with acting_as(app, b["glasgow"]) as session:
        tender = get_tender(b["tender"].id)
        key = session.scalar(select(TenderKey).where(TenderKey.tender_id == tender.id))
        assert len(tender.bid_public_key) == 32 and key.key_id == app.config["BID_KEY_ID"]
        assert len(key.wrapped_private_key) == 12 + 32 + 16  # nonce, the key, the GCM tag
        with pytest.raises(SealingError, match="is not opened"):
            tender_private_key(tender)
    factories.opened(b["tender"])
    with acting_as(app, b["glasgow"]) as session:
        tender = get_tender(b["tender"].id)
        assert tender_private_key(tender).public_key().public_bytes_raw() == tender.bid_public_key


def test_only_ciphertext_reaches_s3_and_the_commissioner_reads_the_file_once_opened(app, web, bidding):
    from portal.procurement.sealing import MAGIC

    b = bidding
    bid = factories.bid(b["fern"], b["tender"])
    document = _document(app, bid)
    stored = _object_bytes(app, document.storage_key)
    assert stored.startswith(MAGIC) and len(stored) == len(PDF) + len(MAGIC) + 12 + 16
    assert PDF not in stored and b"method statement" not in stored and b"%PDF" not in stored
    assert hashlib.sha256(stored).hexdigest() != document.sha256 == hashlib.sha256(PDF).hexdigest()

    web.sign_in(b["officers"][0].email)
    url = f"/o/glasgow-hscp/bids/{bid.id}/documents/{document.id}"
    assert web.client.get(url).status_code == 404  # sealed: no such bid, as far as Glasgow can tell
    factories.opened(b["tender"])
    opened = web.client.get(url)
    assert opened.status_code == 200 and opened.data == PDF
    assert "attachment" in opened.headers["Content-Disposition"] and opened.headers["Cache-Control"] == \
        "private, no-store"
    web.client.get("/sign-out")
    web.sign_in(b["staff"].email)  # the provider keeps its own copy: stored bytes are never handed back
    own = web.client.get(f"/o/fern-care/bids/{bid.id}/documents/{document.id}")
    assert own.status_code == 409 and document.sha256 in own.get_data(as_text=True) and PDF not in own.data


def test_a_changed_object_or_a_swapped_key_does_not_decrypt(app, web, bidding):
    from portal.procurement.queries import get_tender
    from portal.procurement.sealing import SealingError, decrypt_document, tender_private_key
    from portal.storage import s3_client

    b = bidding
    first, second = factories.bid(b["fern"], b["tender"]), factories.bid(b["oak"], b["tender"])
    one, two = _document(app, first), _document(app, second)
    factories.opened(b["tender"])
    with acting_as(app, b["glasgow"]):
        private = tender_private_key(get_tender(b["tender"].id))
        with decrypt_document(one.storage_key, one.sealed_key, private) as plain:
            assert plain.read() == PDF
        with pytest.raises(SealingError, match="does not unseal"):  # a data key is bound to its object
            decrypt_document(one.storage_key, two.sealed_key, private)
    stored = bytearray(_object_bytes(app, one.storage_key))
    stored[40] ^= 1
    with app.app_context():
        s3_client().put_object(Bucket=app.config["S3_BUCKET"], Key=one.storage_key, Body=bytes(stored))
    web.sign_in(b["officers"][0].email)
    damaged = web.client.get(f"/o/glasgow-hscp/bids/{first.id}/documents/{one.id}")
    assert damaged.status_code == 409 and "could not be decrypted" in damaged.get_data(as_text=True)
    assert PDF[:20] not in damaged.data


def test_the_wrapping_key_comes_from_configuration_and_production_requires_it(app, monkeypatch):
    from portal.config import load_config

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-secret-for-this-test-only")
    monkeypatch.delenv("BID_KEY_WRAPPING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="BID_KEY_WRAPPING_KEY must be set in production"):
        load_config()
    monkeypatch.setenv("BID_KEY_WRAPPING_KEY", base64.b64encode(b"too short").decode())
    with pytest.raises(RuntimeError, match="exactly 32 random bytes"):
        load_config()
    key = base64.b64encode(bytes(range(32))).decode()
    monkeypatch.setenv("BID_KEY_WRAPPING_KEY", key)
    monkeypatch.setenv("BID_KEY_ID", "kms-2027-01")
    assert (load_config()["BID_KEY_WRAPPING_KEY"], load_config()["BID_KEY_ID"]) == (key, "kms-2027-01")
    monkeypatch.setenv("PORTAL_ENV", "development")  # development makes one under var/ and keeps it
    monkeypatch.delenv("BID_KEY_WRAPPING_KEY")
    made = load_config()
    assert made["BID_KEY_WRAPPING_KEY"] == load_config()["BID_KEY_WRAPPING_KEY"] != key
    assert len(base64.b64decode(made["BID_KEY_WRAPPING_KEY"])) == 32 and made["BID_KEY_ID"] == "local"


def test_a_rotated_wrapping_key_still_unwraps_older_tender_keys(app, bidding, monkeypatch):
    from portal.procurement.queries import get_tender
    from portal.procurement.sealing import SealingError, tender_private_key

    b = bidding
    factories.opened(b["tender"])
    old_id, old_key = app.config["BID_KEY_ID"], app.config["BID_KEY_WRAPPING_KEY"]
    monkeypatch.setitem(app.config, "BID_KEY_ID", "rotated")
    monkeypatch.setitem(app.config, "BID_KEY_WRAPPING_KEY", base64.b64encode(bytes(32)).decode())
    with acting_as(app, b["glasgow"]):
        with pytest.raises(SealingError, match=f"wrapping key '{old_id}' of tender .* is not configured"):
            tender_private_key(get_tender(b["tender"].id))
        monkeypatch.setitem(app.config, "BID_KEY_PREVIOUS", f"{old_id}:{old_key}")
        assert tender_private_key(get_tender(b["tender"].id))


@pytest.fixture
def app_conn(services, app):
    with psycopg.connect(services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")) as conn:
        yield conn


def _counts(conn, org_id: int) -> dict[str, int]:
    conn.execute(SET, (str(org_id),))
    counts = {table: conn.execute(f"select count(*) from {table}").fetchone()[0] for table in BID_TABLES}
    conn.rollback()
    return counts


def test_raw_sql_as_the_app_role_sees_no_bid_until_two_people_open(app, app_conn, bidding):
    b = bidding
    made = factories.bid(b["fern"], b["tender"], members=[b["birch"]])
    factories.bid_changes(made)
    factories.bid(b["oak"], b["tender"], lot=2, submit=False)
    glasgow, nothing = b["glasgow"].id, dict.fromkeys(BID_TABLES, 0)
    assert _counts(app_conn, glasgow) == nothing
    assert _counts(app_conn, b["fern"].id) == {"tender_bids": 1, "tender_bid_members": 1, "tender_bid_documents": 1,
                                              "tender_bid_receipts": 1, "tender_bid_changes": 1}
    assert _counts(app_conn, b["birch"].id) == {**nothing, "tender_bid_members": 1}  # its own part, not the bid
    factories.opening(b["tender"], b["officers"][0])
    assert _counts(app_conn, glasgow) == nothing
    app_conn.execute(SET, (str(glasgow),))
    with pytest.raises(psycopg.errors.CheckViolation, match="needs two different people"):
        app_conn.execute("update tenders set opened_at = now() where id = %s", (b["tender"].id,))
    app_conn.rollback()
    app_conn.execute(SET, (str(glasgow),))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor can it write a provider's bid
        app_conn.execute("insert into tender_bids (tenant_id, commissioner_id, tender_id, lot_id, status, answers, "
                         "version, reconfirm_reason, created_at) select %s, tenant_id, tender_id, id, 'draft', '{}', "
                         "0, '', now() from tender_lots limit 1", (b["fern"].id,))
    app_conn.rollback()
    factories.opening(b["tender"], b["officers"][1])
    # Opened: Fern's submitted bid, its member, document and receipt; never Oak's draft, nor anyone's changes.
    assert _counts(app_conn, glasgow) == {"tender_bids": 1, "tender_bid_members": 1, "tender_bid_documents": 1,
                                          "tender_bid_receipts": 1, "tender_bid_changes": 0}
    assert _counts(app_conn, b["oak"].id)["tender_bids"] == 1
    assert _counts(app_conn, b["birch"].id)["tender_bids"] == 0


def test_pages_api_exports_search_and_audit_say_nothing_of_bids_while_sealed(app, web, client, api_token, bidding):
    b = bidding
    admin = factories.user("admin@glasgow.example", memberships=[(b["glasgow"], "commissioner_admin")])
    factories.bid(b["fern"], b["tender"], members=[b["birch"]], price="3777777.00",
                  answers={"1": "Zanzibar method", "2": "Wage"})
    tender_id, officer = b["tender"].id, b["officers"][0]
    web.sign_in(admin.email)
    for url in (f"/o/glasgow-hscp/tenders/{tender_id}", f"/o/glasgow-hscp/tenders/{tender_id}/bids",
                f"/o/glasgow-hscp/tenders/{tender_id}/bids.csv", "/o/glasgow-hscp/audit",
                "/o/glasgow-hscp/search?q=Zanzibar"):
        page = web.client.get(url).get_data(as_text=True)
        assert "Fern Care" not in page and "Birch" not in page and "Zanzibar method" not in page, url
        assert "3,777,777" not in page and "1 bid" not in page, url
    sealed = web.client.get(f"/o/glasgow-hscp/tenders/{tender_id}").get_data(as_text=True)
    assert "Bids are sealed until the deadline for bids, midday on" in sealed
    assert "After that, two people must confirm the opening." in sealed
    assert web.client.get(f"/o/glasgow-hscp/tenders/{tender_id}/bids.csv").status_code == 409
    headers = {"Authorization": f"Bearer {api_token(admin.email)}"}
    listed = client.get(f"/api/v1/tenders/{tender_id}/bids", headers=headers)
    assert listed.status_code == 409 and listed.get_json()["message"].startswith("Bids are sealed until the deadline")
    audit = client.get("/api/v1/audit", headers=headers).get_json()
    assert not [e for e in audit if "bid" in e["action"]] and "Fern" not in str(audit)
    assert client.get("/api/v1/search?q=Zanzibar", headers=headers).get_json()["total"] == 0

    factories.opened(b["tender"], by=[officer, admin])
    opened = web.client.get(f"/o/glasgow-hscp/tenders/{tender_id}/bids").get_data(as_text=True)
    assert "Fern Care" in opened and "Birch Support" in opened
    assert "£3,777,777.00" not in opened and "Withheld until quality is moderated" in opened  # until moderated
    export = web.client.get(f"/o/glasgow-hscp/tenders/{tender_id}/bids.csv")
    assert export.status_code == 200 and "Fern Care" in export.get_data(as_text=True)
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=headers).get_json()]
    assert "tender_bids_opened" in actions and "tender_opening_confirmed" in actions
