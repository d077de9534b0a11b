"""The two-person opening: after the deadline two different people of the procurement team confirm
(the API and the page alike); the same person twice is refused, and so is opening before the
deadline; the 409 while sealed names the confirmations still needed, never how many bids there are;
once opened the bids are listed per lot with their receipts, documents and consortium."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests import factories


def _closed_tender(app, commissioner, reference: str = "GCH-PAST"):
    """A tender published 45 days ago whose deadline for bids was yesterday at noon."""
    from portal.extensions import db
    from portal.procurement import services
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    now = datetime.now(timezone.utc)
    deadline = factories.noon((now - timedelta(days=1)).date())
    published = deadline - timedelta(days=45)
    with app.app_context(), tenant_context(commissioner.id):
        tender = services.create_tender(db.session.get(Organisation, commissioner.id), reference=reference,
                                        title="Care at home, past", description="", service_type="care_at_home",
                                        regime="scotland", published_at=published, submission_deadline=deadline,
                                        lots=[{"title": "North", "estimated_value": "100000"},
                                              {"title": "South", "estimated_value": "100000"}], actor=None)
        services.publish(tender, actor=None, now=published)
        db.session.commit()
        db.session.refresh(tender)
        db.session.expunge(tender)
        return tender


def test_two_different_people_open_the_bids_through_the_api(app, client, api_token, bidding):
    b = bidding
    tender = _closed_tender(app, b["glasgow"])
    factories.quality_question(tender, text="How will you help people stay well?")
    factories.bid(b["fern"], tender, price="90000.00", members=[b["birch"]])
    factories.bid(b["oak"], tender, price="80000.00")
    factories.bid(b["oak"], tender, lot=2, price="85000.00")
    first, second = ({"Authorization": f"Bearer {api_token(o.email)}"} for o in b["officers"])
    url = f"/api/v1/tenders/{tender.id}"

    sealed = client.get(f"{url}/bids", headers=first)
    assert sealed.status_code == 409
    assert sealed.get_json()["message"] == ("Bids are sealed until two different people of the procurement team "
                                            "confirm the opening: 2 more confirmations are needed.")
    opened_once = client.post(f"{url}/open", headers=first)
    assert opened_once.status_code == 200 and opened_once.get_json() == {"opened_at": None, "confirmations": 1,
                                                                         "needed": 1}
    again = client.post(f"{url}/open", headers=first)
    assert again.status_code == 409 and "You have already confirmed the opening" in again.get_json()["message"]
    still = client.get(f"{url}/bids", headers=second).get_json()["message"]
    assert still.endswith("1 more confirmation is needed.") and "3" not in still
    opened = client.post(f"{url}/open", headers=second)
    assert opened.status_code == 200 and opened.get_json()["opened_at"] and opened.get_json()["needed"] == 0
    assert client.post(f"{url}/open", headers=first).status_code == 409  # already opened

    listed = client.get(f"{url}/bids", headers=first).get_json()
    # In order of submission, the prices withheld until quality is moderated (evaluators may open bids too).
    assert [(item["lot"], item["provider"]["slug"], item["price"], item["price_withheld"]) for item in listed] == [
        (1, "fern-care", None, True), (1, "oak-care", None, True), (2, "oak-care", None, True)]
    assert "80000" not in client.get(f"{url}/bids", headers=first).get_data(as_text=True)
    fern = listed[0]
    assert fern["receipt_sha256"] and fern["documents"][0]["filename"] == "method.pdf"
    assert [(m["organisation"]["slug"], m["share"], bool(m["confirmed_at"])) for m in fern["members"]] == [
        ("birch-support", "25.00", True)]
    assert fern["answers"] == {"1": "Our answer to question 1."}


def test_opening_is_refused_before_the_deadline_and_the_database_holds_the_rule(app, client, api_token, bidding,
                                                                               owner_engine):
    import pytest
    from sqlalchemy import text

    b = bidding
    headers = {"Authorization": f"Bearer {api_token(b['officers'][0].email)}"}
    early = client.post(f"/api/v1/tenders/{b['tender'].id}/open", headers=headers)
    assert early.status_code == 409 and early.get_json()["message"].startswith(
        "Bids can be opened only after the deadline for bids, midday on")
    viewer = {"Authorization": f"Bearer {factories.api_token(b['viewer'])}"}  # a token kept from another role
    assert client.post(f"/api/v1/tenders/{b['tender'].id}/open", headers=viewer).status_code == 403
    factories.opening(b["tender"], b["officers"][0])
    with pytest.raises(Exception, match="needs two different people"):
        with owner_engine.begin() as conn:  # even the owner, straight in SQL
            conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(b["glasgow"].id)})
            conn.execute(text("update tenders set opened_at = now() where id = :id"), {"id": b["tender"].id})


def test_the_opening_page_takes_two_people_and_then_lists_the_bids(app, web, bidding):
    b = bidding
    tender = _closed_tender(app, b["glasgow"])
    factories.bid(b["fern"], tender, price="90000.00", members=[b["birch"]])
    page_url = f"/o/glasgow-hscp/tenders/{tender.id}"
    web.sign_in(b["officers"][0].email)
    shown = web.client.get(page_url).get_data(as_text=True)
    assert "two different people of the procurement team confirm the opening: 2 more confirmations are needed" in shown
    assert "Confirm the opening of the bids" in shown
    confirmed = web.post(f"{page_url}/opening", {})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("/opening")
    twice = web.post(f"{page_url}/opening", {})
    assert twice.status_code == 409 and "You have already confirmed the opening" in twice.get_data(as_text=True)
    assert "Fern Care" not in web.client.get(f"{page_url}/bids").get_data(as_text=True)
    web.client.get("/sign-out")
    web.sign_in(b["officers"][1].email)
    opened = web.post(f"{page_url}/opening", {})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/bids")
    listed = web.client.get(f"{page_url}/bids").get_data(as_text=True)
    assert "Fern Care" in listed and "£90,000.00" not in listed and "Withheld until quality is moderated" in listed
    assert "method.pdf" in listed
    assert "Birch Support: consortium member, 25%, confirmed" in listed
    assert "Opened on" in listed and "confirmed by Test Person and Test Person" in listed
    web.client.get("/sign-out")
    web.sign_in(b["viewer"].email)
    assert web.client.get(f"{page_url}/opening").status_code == 403
