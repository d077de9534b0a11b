"""Consortium bids: the lead names members and sub-contractors from the directory of providers with
their role, share and part (the shares add up to 100% at most); each member is emailed and
confirms its part from its own account, seeing its part only; the bid cannot be submitted until
every member has confirmed; the members' rows follow the bid's status."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.helpers import link_in, mailbox, run_jobs


def _rows(app, org, model):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(org.id):
        found = list(db.session.scalars(select(model).order_by(model.id)))
        for row in found:
            db.session.expunge(row)
        return found


def test_each_member_confirms_its_part_before_the_lead_can_submit(app, web, client, api_token, bidding):
    from portal.procurement.bid_models import Bid, BidMember

    b = bidding
    tender = b["tender"]
    headers = {"Authorization": f"Bearer {api_token(b['staff'].email)}"}
    body = {"lot": 1, "price": "4100000", "answers": {"1": "Daily visits.", "2": "Real Living Wage."},
            "members": [{"organisation": "birch-support", "role": "member", "share": "30", "part": "Night visits"},
                        {"organisation": "oak-care", "role": "subcontractor", "share": "80", "part": "Weekends"}]}
    over = client.post(f"/api/v1/tenders/{tender.id}/bids", json=body, headers=headers)
    assert over.status_code == 422 and over.get_json()["errors"] == {
        "share": ["The shares would add up to 110%: the members' shares can add up to 100% at most"]}
    assert _rows(app, b["fern"], Bid) == []  # nothing half-written is kept
    for member, message in (("fern-care", "Your organisation leads the bid"),
                            ("glasgow-hscp", "Choose an organisation from the directory of providers"),
                            ("no-such-org", "Choose an organisation from the directory of providers")):
        refused = client.post(f"/api/v1/tenders/{tender.id}/bids", headers=headers, json={
            **body, "members": [{"organisation": member, "role": "member", "share": "10", "part": "x"}]})
        assert refused.status_code == 422 and message in refused.get_json()["message"], member
    body["members"][1]["share"] = "20"
    waiting = client.post(f"/api/v1/tenders/{tender.id}/bids", json=body, headers=headers)
    assert waiting.status_code == 202, waiting.get_json()
    assert waiting.get_json()["waiting_for"] == ["birch-support", "oak-care"] and waiting.get_json()["receipt"] is None
    bid_id = waiting.get_json()["id"]

    run_jobs(app)
    invitation = next(m for m in mailbox(app) if m.to_address == "staff@birch.example")
    assert invitation.subject == "Confirm your part in Fern Care's bid: GCH-BID"
    assert "Night visits" in invitation.body and "4100000" not in invitation.body and "4,100,000" not in invitation.body
    web.sign_in(b["staff"].email)
    check = web.client.get(f"/o/fern-care/bids/{bid_id}").get_data(as_text=True)
    assert "Birch Support and Oak Care must confirm their parts of the bid" in check
    web.client.get("/sign-out")

    web.sign_in(b["birch_staff"].email)
    url = link_in(invitation.body)
    page = web.client.get(url).get_data(as_text=True)
    assert "Your part in Fern Care’s bid" in page and "Night visits" in page and "30%" in page
    assert "4,100,000" not in page and "Daily visits" not in page  # its part, never the rest of the bid
    assert web.client.get(f"/o/birch-support/bids/{bid_id}").status_code == 404
    unconfirmed = web.post(url, {})
    assert unconfirmed.status_code == 422 and "Confirm that your organisation agrees to its part" in \
        unconfirmed.get_data(as_text=True)
    assert web.post(url, {"declaration": "y"}).status_code == 303
    assert "confirmed its part on" in web.client.get(url).get_data(as_text=True)
    web.client.get("/sign-out")
    web.sign_in(b["oak_staff"].email)
    assert web.post(url.replace("birch-support", "oak-care"), {"declaration": "y"}).status_code == 404
    oak_headers = {"Authorization": f"Bearer {api_token(b['oak_staff'].email)}"}
    [oak_part] = client.get("/api/v1/bid-memberships", headers=oak_headers).get_json()
    assert (oak_part["lead"]["slug"], oak_part["role"], oak_part["share"], oak_part["lot"]) == (
        "fern-care", "subcontractor", "20.00", 1)
    assert client.post(f"/api/v1/bid-memberships/{oak_part['id']}/confirm", headers=oak_headers).status_code == 200

    submitted = client.post(f"/api/v1/tenders/{tender.id}/bids", json=body, headers=headers)
    assert submitted.status_code == 201 and submitted.get_json()["receipt"]["sha256"]
    assert [m.status for m in _rows(app, b["fern"], BidMember)] == ["submitted", "submitted"]
    changed = client.post(f"/api/v1/tenders/{tender.id}/bids", headers=headers, json={
        **body, "members": body["members"][:1]})
    assert changed.status_code == 409 and "The consortium of a submitted bid cannot change" in \
        changed.get_json()["message"]
    assert client.post(f"/api/v1/tenders/{tender.id}/bids/{bid_id}/withdraw", headers=headers).status_code == 200
    assert [m.status for m in _rows(app, b["fern"], BidMember)] == ["withdrawn", "withdrawn"]


def test_the_consortium_page_names_members_from_the_directory(app, web, bidding):
    b = bidding
    draft = factories.bid(b["fern"], b["tender"], submit=False)
    web.sign_in(b["staff"].email)
    url = f"/o/fern-care/bids/{draft.id}/consortium"
    page = web.client.get(url).get_data(as_text=True)
    assert "Birch Support" in page and "Oak Care" in page and "Glasgow City HSCP" not in page
    for data, message in (({}, "Choose an organisation from the directory of providers"),
                          ({"organisation": "birch-support", "role": "member", "share": "150", "part": "x"},
                           "more than 0 and at most 100"),
                          ({"organisation": "birch-support", "role": "partner", "share": "10", "part": "x"},
                           "Choose whether it is a consortium member or a sub-contractor"),
                          ({"organisation": "birch-support", "role": "member", "share": "ten", "part": "x"},
                           "Enter its share of the work as a percentage")):
        refused = web.post(url, data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), data
    added = web.post(url, {"organisation": "birch-support", "role": "member", "share": "12.5", "part": "Nights"})
    assert added.status_code == 303
    shown = web.client.get(url).get_data(as_text=True)
    assert "12.5%: Nights" in shown and "Waiting for confirmation" in shown
    twice = web.post(url, {"organisation": "birch-support", "role": "member", "share": "10", "part": "Days"})
    assert twice.status_code == 409 and "already named in this bid" in twice.get_data(as_text=True)


@pytest.mark.parametrize("who", ["birch", "oak"])
def test_no_other_provider_sees_or_touches_a_bid(app, web, client, api_token, bidding, who):
    b = bidding
    made = factories.bid(b["fern"], b["tender"], members=[b["birch"]])
    person = b[f"{who}_staff"]
    web.sign_in(person.email)
    slug = "birch-support" if who == "birch" else "oak-care"
    for url in (f"/o/{slug}/bids/{made.id}", f"/o/{slug}/bids/{made.id}/receipt",
                f"/o/{slug}/bids/{made.id}/receipt.json", f"/o/{slug}/bids/{made.id}/price"):
        assert web.client.get(url).status_code == 404, url
    assert web.post(f"/o/{slug}/bids/{made.id}/withdraw", {}).status_code == 404
    headers = {"Authorization": f"Bearer {api_token(person.email)}"}
    assert client.get(f"/api/v1/tenders/{b['tender'].id}/bids", headers=headers).get_json() == []
    assert client.post(f"/api/v1/tenders/{b['tender'].id}/bids/{made.id}/withdraw",
                       headers=headers).status_code == 404
