"""The commissioner's money views against hand-computed figures, in a constant number of statements."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

from openpyxl import load_workbook

from tests import factories


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def _world(contract_setup):
    """CLY-001 (1 Jan 2025 to 31 Dec 2026, £1,250,000 a year: 730 days → £2,500,000.00) with a £500 variation;
    Birch's CLY-002 (2025, £36,500 a year → £36,500.00), day care."""
    commissioner, manager = contract_setup["commissioner"], contract_setup["manager"]
    contract = contract_setup["contract"]
    factories.variation(contract, value_change="500")
    birch = factories.organisation("provider", slug="birch-care", name="Birch Care")
    other = factories.contract(commissioner=commissioner, provider=birch, reference="CLY-002", title="Day care",
                               annual_value="36500.00", service_type="day_opportunities")
    factories.approved_invoice(contract, manager, number="F-1", lines=(("Care", "100", "hour", "20.00"),))  # 2000
    first = factories.approved_invoice(contract, manager, number="F-2", lines=(("Care", "10", "hour", "30.00"),))
    factories.approved_invoice(contract, manager, number="F-CN", kind="credit_note", corrects=first,
                               lines=(("Refund", "1", "hour", "30.00"),))  # -30
    run = factories.payment_run_row(commissioner, status="paid", paid_on=date(2025, 3, 14))
    # Paid: submitted Mon 3 Mar 2025, paid Fri 14 Mar: 11 days, 9 working days (within 10 and 30).
    factories.invoice_row(other, number="B-1", status="paid", payment_run=run, paid_on=date(2025, 3, 14),
                          submitted_at=_at(date(2025, 3, 3)), lines=(("Sessions", "10", "session", "50.00"),))
    factories.invoice_row(contract, number="F-SUB", status="submitted", submitted_at=_at(date(2025, 2, 1)))
    factories.invoice_row(contract, number="F-Q", status="queried", submitted_at=_at(date(2025, 1, 10)))
    return run


def test_spend_against_value_per_provider_and_service_type(app, client, contract_setup, api_token):
    _world(contract_setup)
    headers = {"Authorization": f"Bearer {api_token('manager@clyde.example')}"}
    figures = client.get("/api/v1/spend", headers=headers).get_json()
    by_provider = {r["name"]: r for r in figures["by_provider"]}
    assert by_provider["Fern Care"]["value"] == "2500500.00"
    assert (by_provider["Fern Care"]["approved"], by_provider["Fern Care"]["paid"]) == ("2270.00", "0.00")
    assert (by_provider["Birch Care"]["value"], by_provider["Birch Care"]["paid"]) == ("36500.00", "500.00")
    assert by_provider["Birch Care"]["pct"] == "1.4"  # 500 / 36,500
    assert {r["key"]: r["spent"] for r in figures["by_service_type"]} == {"care_at_home": "2270.00",
                                                                         "day_opportunities": "500.00"}
    assert figures["overall"]["spent"] == "2770.00" and figures["overall"]["value"] == "2537000.00"
    assert [q["number"] for q in figures["awaiting_approval"]] == ["F-SUB"]
    assert [q["number"] for q in figures["queried"]] == ["F-Q"]
    assert figures["queried"][0]["age_days"] == (date.today() - date(2025, 1, 10)).days


def test_days_to_pay_median_mean_and_within_target(app, contract_setup):
    from portal.extensions import db
    from portal.invoicing import spend
    from portal.tenants.context import tenant_context

    commissioner = contract_setup["commissioner"]
    run = _world(contract_setup)
    # Two more paid in March 2025: 40 days (late) and 20 days (14 working days: outside the 10-day target).
    for number, submitted in (("F-P1", date(2025, 2, 2)), ("F-P2", date(2025, 2, 22))):
        factories.invoice_row(contract_setup["contract"], number=number, status="paid", payment_run=run,
                              paid_on=date(2025, 3, 14), submitted_at=_at(submitted))
    with app.app_context(), tenant_context(commissioner.id):
        months, overall = spend.days_to_pay(commissioner.id, 10, date(2025, 12, 1))
        db.session.rollback()
    [march] = months
    assert (march.month, march.invoices, march.median, march.mean) == (date(2025, 3, 1), 3, Decimal("20.0"),
                                                                        Decimal("23.7"))
    assert (march.within_target, march.within_30) == (1, 2)
    assert overall.invoices == 3 and str(march.pct_30) == "66.7"


def test_the_page_and_exports_are_a_constant_number_of_statements(app, client, web, contract_setup):
    from sqlalchemy import event

    from portal.extensions import db

    _world(contract_setup)
    web.sign_in("manager@clyde.example")
    slug = contract_setup["commissioner"].slug
    urls = [f"/o/{slug}/spend/", f"/o/{slug}/spend/spend.csv", f"/o/{slug}/spend/spend.xlsx"]

    def counts() -> list[int]:
        result = []
        with app.app_context():
            engine = db.engine
        for url in urls:
            client.get(url)
            seen = []
            listener = lambda *a: seen.append(a[2])  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                assert client.get(url).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            result.append(len(seen))
        return result

    before = counts()
    for n in range(3):
        provider = factories.organisation("provider", slug=f"extra-{n}", name=f"Extra {n}")
        extra = factories.contract(commissioner=contract_setup["commissioner"], provider=provider,
                                   reference=f"X-{n}", service_type="supported_living")
        factories.approved_invoice(extra, contract_setup["manager"], number=f"X-{n}")
        factories.invoice_row(extra, number=f"XQ-{n}", status="queried")
    assert counts() == before
    rows = list(csv.reader(io.StringIO(client.get(urls[1]).get_data(as_text=True))))
    assert rows[0][:3] == ["Grouped by", "Name", "Contracts"] and ["Provider", "Extra 0"] == rows[2][:2]
    sheet = load_workbook(io.BytesIO(client.get(urls[2]).data)).active
    assert sheet["A1"].value == "Grouped by" and isinstance(sheet["D2"].value, (int, float))
    page = client.get(urls[0]).get_data(as_text=True)
    assert "<svg" in page and "Spend by provider" in page
