"""Payment runs through the API and the pages: build, separation of duties on release, the payment
file parsed back, statuses and history after payment, remittance advice and its email, cancelling,
and an invoice in at most one live run."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.helpers import mailbox, run_jobs

SUBMITTED = datetime(2026, 4, 2, 12, 0, tzinfo=timezone.utc)  # due 2 May 2026


@pytest.fixture
def money(app, contract_setup):
    """Clyde's finance staff: Ann approved three of Fern Care's invoices and a credit note, Bob approved
    one of Birch Care's; Fern's finance person reads remittances."""
    commissioner, provider = contract_setup["commissioner"], contract_setup["provider"]
    ann = factories.user("ann@clyde.example", memberships=[(commissioner, "finance")])
    bob = factories.user("bob@clyde.example", memberships=[(commissioner, "finance")])
    fern_finance = factories.user("pay@fern.example", memberships=[(provider, "finance")])
    birch = factories.organisation("provider", slug="birch-care", name="Birch Care")
    birch_contract = factories.contract(commissioner=commissioner, provider=birch, reference="CLY-002",
                                        title="Day care", end=date(2026, 12, 31), annual_value="50000.00")
    contract = contract_setup["contract"]
    one = factories.approved_invoice(contract, ann, number="FERN-1", submitted_at=SUBMITTED,
                                     lines=(("Care", "100", "hour", "21.50"),))  # 2,150.00
    two = factories.approved_invoice(contract, ann, number="FERN-2", submitted_at=SUBMITTED,
                                     lines=(("Care", "10", "hour", "20.00"),))  # 200.00
    credit = factories.approved_invoice(contract, ann, number="FERN-CN-1", kind="credit_note", corrects=one,
                                        submitted_at=SUBMITTED, lines=(("Missed visit", "2", "hour", "21.50"),))  # 43.00
    later = factories.approved_invoice(contract, ann, number="FERN-LATE",
                                       submitted_at=datetime(2026, 5, 20, 12, tzinfo=timezone.utc))  # due 19 June
    birch_one = factories.approved_invoice(birch_contract, bob, number="BIRCH-1", submitted_at=SUBMITTED,
                                           lines=(("Sessions", "4", "session", "55.125"),))  # 220.50
    return {**contract_setup, "ann": ann, "bob": bob, "fern_finance": fern_finance, "birch": birch,
            "invoices": {"one": one, "two": two, "credit": credit, "later": later, "birch": birch_one}}


def _headers(api_token, email):
    return {"Authorization": f"Bearer {api_token(email)}"}


def _build(client, headers, **body):
    return client.post("/api/v1/payment-runs", json={"due_by": "2026-05-31", **body}, headers=headers)


def test_a_run_takes_the_approved_invoices_due_by_the_date_with_totals_per_provider(app, client, money, api_token):
    response = _build(client, _headers(api_token, "ann@clyde.example"))
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    assert run["status"] == "draft"
    assert sorted(i["number"] for i in run["invoices"]) == ["BIRCH-1", "FERN-1", "FERN-2", "FERN-CN-1"]  # not FERN-LATE
    # Fern: 2,150.00 + 200.00 - 43.00 = 2,307.00; Birch 220.50; the run 2,527.50.
    assert {p["provider"]: p["total"] for p in run["providers"]} == {"Birch Care": "220.50", "Fern Care": "2307.00"}
    assert run["total"] == "2527.50"


def test_the_invoices_chosen_only_and_an_invoice_in_one_live_run_only(app, client, money, api_token):
    headers = _headers(api_token, "ann@clyde.example")
    two = money["invoices"]["two"]
    first = _build(client, headers, invoice_ids=[two.id])
    assert first.status_code == 201 and [i["number"] for i in first.get_json()["invoices"]] == ["FERN-2"]
    again = _build(client, headers, invoice_ids=[two.id])
    assert again.status_code == 409 and "cannot go in this run" in again.get_json()["message"]
    rest = _build(client, headers).get_json()
    assert "FERN-2" not in [i["number"] for i in rest["invoices"]]
    # Cancelled, FERN-2 is free again.
    assert client.post(f"/api/v1/payment-runs/{first.get_json()['id']}/cancel", headers=headers).status_code == 200
    assert [i["number"] for i in _build(client, headers, invoice_ids=[two.id]).get_json()["invoices"]] == ["FERN-2"]


@pytest.mark.parametrize("body, field", [({"due_by": ""}, "due_by"), ({"due_by": "31/05/2026"}, "due_by"),
                                         ({"due_by": "2026-04-01"}, "due_by"), ({}, "due_by"),
                                         ({"due_by": "2026-05-31", "invoice_ids": []}, "invoice_ids")])
def test_empty_and_nonsense_input_is_refused_with_a_message(app, client, money, api_token, body, field):
    response = client.post("/api/v1/payment-runs", json=body, headers=_headers(api_token, "ann@clyde.example"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"] or field in str(response.get_json())
    assert client.get("/api/v1/payment-runs", headers=_headers(api_token, "ann@clyde.example")).get_json() == []


def test_the_person_who_approved_an_invoice_cannot_release_the_run(app, client, money, api_token):
    ann, bob = _headers(api_token, "ann@clyde.example"), _headers(api_token, "bob@clyde.example")
    run = _build(client, ann).get_json()
    refused = client.post(f"/api/v1/payment-runs/{run['id']}/confirm", headers=ann)
    assert refused.status_code == 403
    assert "FERN-1" in refused.get_json()["message"] and "FERN-CN-1" in refused.get_json()["message"]
    refused = client.post(f"/api/v1/payment-runs/{run['id']}/confirm", headers=bob)  # Bob approved BIRCH-1
    assert refused.status_code == 403 and "BIRCH-1" in refused.get_json()["message"]
    assert "FERN" not in refused.get_json()["message"]
    # A second approval counts too: Carol was the first approver of nothing here, so she may release it.
    carol = factories.user("carol@clyde.example", memberships=[(money["commissioner"], "finance")])
    confirmed = client.post(f"/api/v1/payment-runs/{run['id']}/confirm", headers=_headers(api_token, carol.email))
    assert confirmed.status_code == 200, confirmed.get_json()
    assert {i["status"] for i in confirmed.get_json()["invoices"]} == {"scheduled"}


def test_a_first_approver_cannot_release_either(app, client, money, api_token):
    dan = factories.user("dan@clyde.example", memberships=[(money["commissioner"], "finance")])
    factories.approved_invoice(money["contract"], money["bob"], first_approver=dan, number="FERN-BIG",
                               submitted_at=SUBMITTED)
    run = _build(client, _headers(api_token, "ann@clyde.example")).get_json()
    refused = client.post(f"/api/v1/payment-runs/{run['id']}/confirm", headers=_headers(api_token, dan.email))
    assert refused.status_code == 403 and "FERN-BIG" in refused.get_json()["message"]


def _confirmed(client, money, api_token):
    run = _build(client, _headers(api_token, "ann@clyde.example"), invoice_ids=[
        money["invoices"][k].id for k in ("one", "two", "credit")]).get_json()
    carol = factories.user("carol@clyde.example", memberships=[(money["commissioner"], "finance")])
    headers = _headers(api_token, carol.email)
    assert client.post(f"/api/v1/payment-runs/{run['id']}/confirm", headers=headers).status_code == 200
    return run, headers


def test_the_payment_file_has_one_line_per_invoice_and_a_total_per_supplier(app, client, money, api_token):
    run, headers = _confirmed(client, money, api_token)
    response = client.get(f"/api/v1/payment-runs/{run['id']}/file", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    reference = run["reference"]
    assert [(r["Supplier name"], r["Supplier reference"], r["Invoice number"], r["Kind"], r["Net"], r["VAT"],
             r["Total"], r["Bank reference"]) for r in rows] == [
        ("Fern Care", "fern-care", "FERN-CN-1", "Credit note", "-43.00", "0.00", "-43.00", f"{reference}/FERN-CN-1"),
        ("Fern Care", "fern-care", "FERN-1", "Invoice", "2150.00", "0.00", "2150.00", f"{reference}/FERN-1"),
        ("Fern Care", "fern-care", "FERN-2", "Invoice", "200.00", "0.00", "200.00", f"{reference}/FERN-2"),
        ("Fern Care", "fern-care", "", "Supplier total", "2307.00", "0.00", "2307.00", f"{reference}/fern-care"),
    ]
    assert rows[1]["Invoice date"] == "2026-04-02"


def test_no_payment_file_before_the_run_is_confirmed(app, client, money, api_token):
    headers = _headers(api_token, "ann@clyde.example")
    run = _build(client, headers).get_json()
    response = client.get(f"/api/v1/payment-runs/{run['id']}/file", headers=headers)
    assert response.status_code == 409 and "Confirm" in response.get_json()["message"]


def test_paid_makes_each_invoice_paid_with_history_and_a_remittance_per_provider(app, client, money, api_token):
    from portal.extensions import db
    from portal.invoicing.models import Invoice, InvoiceEvent, InvoiceLine, Remittance
    from portal.tenants.context import tenant_context

    run, headers = _confirmed(client, money, api_token)
    url = f"/api/v1/payment-runs/{run['id']}/paid"
    bad = client.post(url, json={"paid_on": "2026-05-30", "payment_reference": ""}, headers=headers)
    assert bad.status_code == 422
    future = client.post(url, json={"paid_on": "2999-01-01", "payment_reference": "BACS-77"}, headers=headers)
    assert future.status_code == 422 and "paid_on" in future.get_json()["errors"]
    response = client.post(url, json={"paid_on": date.today().isoformat(), "payment_reference": "BACS-77"},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "paid"
    provider = money["provider"]
    with app.app_context(), tenant_context(provider.id):
        invoices = {i.number: i for i in db.session.scalars(select(Invoice))}
        for number in ("FERN-1", "FERN-2", "FERN-CN-1"):
            assert (invoices[number].status, invoices[number].paid_on, invoices[number].payment_reference) == (
                "paid", date.today(), "BACS-77")
        assert invoices["FERN-LATE"].status == "approved"
        assert {l.status for l in db.session.scalars(select(InvoiceLine).where(
            InvoiceLine.invoice_id == invoices["FERN-1"].id))} == {"paid"}
        actions = [e.action for e in db.session.scalars(select(InvoiceEvent).where(
            InvoiceEvent.invoice_id == invoices["FERN-1"].id).order_by(InvoiceEvent.at, InvoiceEvent.id))]
        assert actions == ["scheduled", "paid"]
        [remittance] = db.session.scalars(select(Remittance)).all()
        assert remittance.total == Decimal("2307.00") and remittance.payment_reference == "BACS-77"
        assert [(l["number"], l["kind"], l["total"], l["adjustment"]) for l in remittance.lines] == [
            ("FERN-CN-1", "credit_note", "-43.00", True), ("FERN-1", "invoice", "2150.00", False),
            ("FERN-2", "invoice", "200.00", False)]
        remittance_id = remittance.id
    run_jobs(app)
    [mail] = mailbox(app, "pay@fern.example")
    assert "2,307.00" in mail.subject and "FERN-CN-1" in mail.body and "BACS-77" in mail.body
    assert f"/remittances/{remittance_id}" in mail.body
    assert mailbox(app, "submitter@fern.example") == []  # only finance staff and administrators
    # The provider sees it (page and API); another provider does not.
    fern = _headers(api_token, "pay@fern.example")
    assert [r["total"] for r in client.get("/api/v1/remittances", headers=fern).get_json()] == ["2307.00"]
    other = factories.organisation("provider", slug="oak-care")
    factories.user("x@oak.example", memberships=[(other, "finance")])
    oak = _headers(api_token, "x@oak.example")
    assert client.get(f"/api/v1/remittances/{remittance_id}", headers=oak).status_code == 404
    # Paid runs cannot be cancelled or paid again.
    assert client.post(f"/api/v1/payment-runs/{run['id']}/cancel", headers=headers).status_code == 409
    assert client.post(url, json={"paid_on": date.today().isoformat(), "payment_reference": "X"},
                       headers=headers).status_code == 409


def test_cancelling_a_confirmed_run_puts_its_invoices_back_to_approved(app, client, money, api_token):
    run, headers = _confirmed(client, money, api_token)
    assert client.post(f"/api/v1/payment-runs/{run['id']}/cancel", headers=headers).status_code == 200
    again = _build(client, headers).get_json()
    assert {"FERN-1", "FERN-2", "FERN-CN-1"} <= {i["number"] for i in again["invoices"]}
    assert {i["status"] for i in again["invoices"]} == {"approved"}


def test_the_pages_build_confirm_download_and_mark_paid(app, client, web, money):
    slug = money["commissioner"].slug
    web.sign_in("ann@clyde.example")
    page = client.get(f"/o/{slug}/payments/runs/new?due_by-day=31&due_by-month=5&due_by-year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "FERN-1" in html and "FERN-LATE" not in html
    nonsense = client.get(f"/o/{slug}/payments/runs/new?due_by-day=31&due_by-month=2&due_by-year=2026")
    assert nonsense.status_code == 400 and "real date" in nonsense.get_data(as_text=True)
    built = web.post(f"/o/{slug}/payments/runs", {"due_by": "2026-05-31", "invoice_ids": [
        str(money["invoices"]["one"].id), str(money["invoices"]["birch"].id)]}, page=f"/o/{slug}/payments/")
    assert built.status_code == 303
    run_url = built.headers["Location"]
    shown = client.get(run_url).get_data(as_text=True)
    assert "£2,370.50" in shown and "You approved FERN-1, BIRCH-1" not in shown and "You approved" in shown
    refused = web.post(run_url + "/confirm", page=run_url)
    assert refused.status_code == 403 and "someone who approved none" in refused.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": web.csrf(run_url)})
    carol = factories.user("carol@clyde.example", memberships=[(money["commissioner"], "finance")])
    web.sign_in(carol.email)
    assert web.post(run_url + "/confirm", page=run_url).status_code == 303
    assert client.get(run_url + "/file").get_data(as_text=True).startswith("Supplier name,")
    empty = web.post(run_url + "/paid", {}, page=run_url)
    assert empty.status_code == 422
    text = empty.get_data(as_text=True)
    assert "Enter the date the payment was made" in text and "Enter the payment reference" in text
    today = date.today()
    paid = web.post(run_url + "/paid", {"paid_on-day": today.day, "paid_on-month": today.month,
                                        "paid_on-year": today.year, "payment_reference": "BACS-9"}, page=run_url)
    assert paid.status_code == 303
    assert "Paid" in client.get(run_url).get_data(as_text=True)
