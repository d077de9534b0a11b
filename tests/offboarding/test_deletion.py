"""Offboarding: suspended at once, cancellable, then every row and S3 object of the organisation
deleted after the retention period, the audit log kept, other organisations untouched, a re-run
doing nothing; deletion refused while other organisations' rows point at its rows."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.helpers import run_jobs
from tests.offboarding.helpers import objects_under, stored_document, tenant_counts


def _admin(web):
    factories.user("root@platform.example", platform_admin=True)
    web.sign_in("root@platform.example")


def _offboard(web, org, reason="Contract ended", name=None):
    url = f"/admin/organisations/{org.id}/offboard"
    return web.post(url, {"reason": reason, "confirm_name": org.name if name is None else name},
                    page=f"/admin/organisations/{org.id}")


def _make_due(app, org_id):
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.tenants.models import Organisation

    with app.app_context():
        db.session.get(Organisation, org_id).delete_after = utcnow() - timedelta(seconds=1)
        db.session.commit()


def _run_deletion(app):
    from portal.offboarding.jobs import delete_offboarded_organisations

    with app.app_context():
        return delete_offboarded_organisations()


def _platform_events(app, action):
    from portal.audit.models import PlatformAuditEvent
    from portal.extensions import db

    with app.app_context():
        return [e.details for e in db.session.scalars(select(PlatformAuditEvent).where(
            PlatformAuditEvent.action == action))]


def test_offboarding_form_refuses_empty_and_wrong_names(web, contract_setup):
    _admin(web)
    provider = contract_setup["provider"]
    empty = _offboard(web, provider, reason="", name="")
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Enter why this organisation is leaving" in text
    assert "Type the organisation" in text and "There is a problem" in text
    wrong = _offboard(web, provider, name="Fern Car")
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    # nothing half-written: the organisation still works
    web.client.get("/sign-out")
    web.sign_in("admin@fern.example")
    assert web.client.get("/o/fern-care/exports/").status_code == 200


def test_suspended_then_cancelled_then_deleted(app, web, client, contract_setup, api_token):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    token = api_token("admin@fern.example")
    stored_document(app, provider, "fern.pdf", b"%PDF fern")
    stored_document(app, commissioner, "clyde.pdf", b"%PDF clyde")
    factories.invoice_row(contract_setup["contract"], number="FERN-1")
    before_provider, before_commissioner = tenant_counts(app, provider.id), tenant_counts(app, commissioner.id)
    assert before_provider["contracts"] == 1 and before_provider["memberships"] == 3

    _admin(web)
    started = _offboard(web, provider)
    assert started.status_code == 303
    run_jobs(app)  # the offboarding export
    assert objects_under(app, f"t/{provider.id}/exports/")
    member = factories_client(app)
    member.sign_in("admin@fern.example")
    refused = member.client.get("/o/fern-care/")
    assert refused.status_code == 403 and "suspended" in refused.get_data(as_text=True)
    api = client.get("/api/v1/orgs/fern-care/contracts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403 and "suspended" in api.get_json()["message"]
    assert _run_deletion(app) == {}  # not due yet

    cancelled = web.post(f"/admin/organisations/{provider.id}/cancel-offboarding",
                         page=f"/admin/organisations/{provider.id}")
    assert cancelled.status_code == 303
    assert member.client.get("/o/fern-care/").status_code == 200
    assert client.get("/api/v1/orgs/fern-care/contracts",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200

    assert _offboard(web, provider).status_code == 303
    _make_due(app, provider.id)
    assert _run_deletion(app) == {provider.id: "deleted"}

    after = tenant_counts(app, provider.id)
    # the audit log is kept: the export's requests, its making and the download's events stay
    assert after["audit_events"] >= before_provider["audit_events"] + 2
    assert {name: n for name, n in after.items() if n and name != "audit_events"} == {}
    assert objects_under(app, f"t/{provider.id}/") == []
    assert tenant_counts(app, commissioner.id) == before_commissioner
    assert objects_under(app, f"t/{commissioner.id}/")
    [deleted] = _platform_events(app, "organisation_deleted")
    assert deleted["rows"]["contracts"] == 1 and deleted["total_rows"] > 5
    [objects] = _platform_events(app, "organisation_objects_deleted")
    assert objects["objects"] >= 2  # the document and the export

    assert _run_deletion(app) == {}  # a re-run does nothing
    from portal.offboarding.deletion import delete_organisation
    with app.app_context():
        assert delete_organisation(provider.id) == "nothing"
    assert len(_platform_events(app, "organisation_deleted")) == 1
    assert member.client.get("/o/fern-care/").status_code == 404
    page = web.client.get(f"/admin/organisations/{provider.id}").get_data(as_text=True)
    assert "Deleted" in page


def test_deletion_waits_while_other_organisations_rows_point_at_it(app, web, contract_setup):
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    tender = factories.tender(commissioner, reference="CLY-T")
    factories.award_row(factories.bid(provider, tender))  # Clyde's award of Fern's bid
    before = tenant_counts(app, provider.id)
    _admin(web)
    assert _offboard(web, provider).status_code == 303
    _make_due(app, provider.id)
    assert _run_deletion(app) == {provider.id: "blocked"}
    assert tenant_counts(app, provider.id)["tender_bids"] == before["tender_bids"] == 1
    [blocked] = _platform_events(app, "organisation_deletion_blocked")
    assert blocked["references"] == {"tender_awards": 1}
    assert "other organisations have records that point at it" in \
        web.client.get(f"/admin/organisations/{provider.id}").get_data(as_text=True)
    assert _run_deletion(app) == {provider.id: "blocked"}
    assert len(_platform_events(app, "organisation_deletion_blocked")) == 1  # recorded once


def factories_client(app):
    from tests.conftest import Browserless

    return Browserless(app.test_client())
