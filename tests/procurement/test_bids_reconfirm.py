"""Amendment and reconfirmation: an amendment marks the submitted bids of the lots it affects (a
change to the tender affects every lot; a change named for one lot, that lot), by a job that looks
as each provider in turn; their providers are emailed "Confirm your bid still stands"; confirming
writes a new receipt; a bid not confirmed by the deadline stands as submitted, flagged to the
evaluators."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from tests import factories
from tests.helpers import mailbox, run_jobs


def _bids(app, org):
    from portal.extensions import db
    from portal.procurement.bid_models import Bid
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id):
        found = {bid.lot.number: (bid.status, bid.reconfirm_since is not None, bid.reconfirm_reason)
                 for bid in db.session.scalars(select(Bid))}
        db.session.rollback()
        return found


def test_an_amendment_asks_for_reconfirmation_and_an_unconfirmed_bid_is_flagged(app, web, client, api_token,
                                                                                 bidding):
    b = bidding
    tender = b["tender"]
    first = factories.bid(b["fern"], tender, lot=1)
    factories.bid(b["fern"], tender, lot=2)
    factories.bid(b["oak"], tender, lot=1, submit=False)  # a draft: nothing to confirm
    factories.amendment(tender, reason="Night visits are now part of the service.")
    run_jobs(app)
    reason = "Amendment 1: Night visits are now part of the service."
    assert _bids(app, b["fern"]) == {1: ("submitted", True, reason), 2: ("submitted", True, reason)}
    assert _bids(app, b["oak"]) == {1: ("draft", False, "")}
    told = sorted(m.to_address for m in mailbox(app) if m.subject == "Confirm your bid still stands: GCH-BID")
    assert told == ["admin@fern.example", "staff@fern.example"]
    body = next(m.body for m in mailbox(app) if m.subject.startswith("Confirm your bid"))
    assert f"/o/fern-care/bids/{first.id}" in body and "Lot 2 (East)" in body

    web.sign_in(b["staff"].email)
    assert "Confirm your bid still stands" in web.client.get(f"/o/fern-care/tenders/{tender.id}").get_data(as_text=True)
    bid_page = web.client.get(f"/o/fern-care/bids/{first.id}").get_data(as_text=True)
    assert "Confirm your bid still stands" in bid_page and "Night visits are now part of the service." in bid_page
    unticked = web.post(f"/o/fern-care/bids/{first.id}/reconfirm", {})
    assert unticked.status_code == 422 and "Confirm that your bid still stands" in unticked.get_data(as_text=True)
    confirmed = web.post(f"/o/fern-care/bids/{first.id}/reconfirm", {"declaration": "y"})
    assert confirmed.status_code == 303
    receipt = web.client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Bid confirmed" in receipt and "Amendment 1" in receipt
    assert _bids(app, b["fern"])[1] == ("submitted", False, "")
    again = web.post(f"/o/fern-care/bids/{first.id}/reconfirm", {"declaration": "y"})
    assert again.status_code == 409 and "does not need confirming" in again.get_data(as_text=True)

    factories.opened(tender)  # lot 2 was never confirmed: it stands, flagged
    headers = {"Authorization": f"Bearer {api_token(b['officers'][0].email)}"}
    listed = {item["lot"]: item for item in client.get(f"/api/v1/tenders/{tender.id}/bids", headers=headers).get_json()}
    assert listed[1]["reconfirmation_outstanding"] is False and listed[2]["reconfirmation_outstanding"] is True
    assert listed[2]["reconfirm_reason"] == reason and listed[2]["status"] == "submitted"
    web.client.get("/sign-out")
    web.sign_in(b["officers"][0].email)
    page = web.client.get(f"/o/glasgow-hscp/tenders/{tender.id}/bids").get_data(as_text=True)
    assert page.count("Not confirmed after the amendment") == 1


def test_a_bid_submitted_or_confirmed_after_the_amendment_is_not_marked(app, bidding):
    from portal.extensions import db
    from portal.procurement.bid_jobs import mark_bids_for_reconfirmation
    from portal.procurement.models import Amendment
    from portal.tenants.context import tenant_context

    b = bidding
    factories.amendment(b["tender"], reason="Clearer words.")
    factories.bid(b["fern"], b["tender"])  # after the amendment: it was made on the amended tender
    with app.app_context(), tenant_context(b["glasgow"].id):
        amendment_id = db.session.scalar(select(Amendment.id))
    with app.app_context():
        assert mark_bids_for_reconfirmation(b["tender"].id, amendment_id) == 0
        db.session.commit()
    assert _bids(app, b["fern"]) == {1: ("submitted", False, "")}


def test_a_change_named_for_one_lot_affects_that_lot_alone():
    from portal.procurement.bid_jobs import affected_lot_ids

    tender = SimpleNamespace(lots=[SimpleNamespace(number=1, id=11), SimpleNamespace(number=2, id=12)])
    assert affected_lot_ids(SimpleNamespace(changes={"lots.2.description": {}}), tender) == {12}
    assert affected_lot_ids(SimpleNamespace(changes={"description": {}}), tender) == {11, 12}
    assert affected_lot_ids(SimpleNamespace(changes={"submission_deadline": {}, "lots.1.title": {}}), tender) == {
        11, 12}
