"""Savings figures against hand-computed ones, and a collaborative's split per member."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.savings.figures import split
from tests import factories


@pytest.fixture
def paid_world(app, contract_setup):
    """Clyde HSCP's paid invoices (the contract CLY-001 is care at home):

    CLY-001  April 2025 invoice £1,000.00, paid                      Q1 (April to June)
    CLY-001  May 2025 credit note £100.00 for it, paid               Q1: -100
    CLY-001  July 2025 invoice £2,000.00, paid                       Q2
    CLY-001  June 2025 invoice £5,000.00, submitted (not paid)       not counted
    CLY-001  June 2024 invoice £4,000.00, paid                       the year before (2024-25)
    SUP-001  April 2025 invoice £3,000.00, paid (supported living)   Q1, programme scope only
    Another commissioner's paid invoice to Fern Care                 never counted
    """
    commissioner, provider = contract_setup["commissioner"], contract_setup["provider"]
    cly = contract_setup["contract"]
    sup = factories.contract(commissioner=commissioner, provider=provider, reference="SUP-001",
                             service_type="supported_living", start=date(2024, 1, 1), end=date(2026, 12, 31),
                             frequency=None)
    run = factories.payment_run_row(commissioner, status="paid", paid_on=date(2025, 9, 1))

    def paid(contract, start, end, amount, **kw):
        return factories.invoice_row(contract, status="paid", payment_run=run, paid_on=date(2025, 9, 1),
                                     period_start=start, period_end=end, lines=(("Care", "1", "hour", amount),), **kw)

    april = paid(cly, date(2025, 4, 1), date(2025, 4, 30), "1000.00")
    paid(cly, date(2025, 5, 1), date(2025, 5, 31), "100.00", kind="credit_note", corrects=april)
    paid(cly, date(2025, 7, 1), date(2025, 7, 31), "2000.00")
    factories.invoice_row(cly, period_start=date(2025, 6, 1), period_end=date(2025, 6, 30),
                          lines=(("Care", "1", "hour", "5000.00"),))
    paid(cly, date(2024, 6, 1), date(2024, 6, 30), "4000.00")
    paid(sup, date(2025, 4, 1), date(2025, 4, 30), "3000.00")
    elsewhere = factories.organisation("commissioner", slug="forth-hscp", name="Forth HSCP")
    other = factories.contract(commissioner=elsewhere, provider=provider, reference="FOR-001", frequency=None)
    other_run = factories.payment_run_row(elsewhere, status="paid", paid_on=date(2025, 9, 1))
    factories.invoice_row(other, status="paid", payment_run=other_run, paid_on=date(2025, 9, 1),
                          period_start=date(2025, 4, 1), period_end=date(2025, 4, 30),
                          lines=(("Care", "1", "hour", "9999.00"),))
    return contract_setup


def _figures(app, target, today=date(2026, 12, 1)):
    from portal.extensions import db
    from portal.savings.figures import figures_of
    from portal.savings.models import SavingsTarget
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(target.tenant_id):
        return figures_of(db.session.get(SavingsTarget, target.id), today=today)


def test_a_service_type_target_against_a_typed_baseline(app, paid_world):
    """Baseline £12,000.00 (£3,000.00 a quarter), 5 %: a target of £600.00. Care at home paid:
    Q1 1,000 − 100 = £900.00, Q2 £2,000.00, Q3 and Q4 nothing paid yet (nothing to measure, not a
    saving of the whole quarter). Realised: 2,100 + 1,000 = £3,100.00, 25.83 % of the baseline."""
    target = factories.savings_target(paid_world["commissioner"], scope="service_type", service_type="care_at_home",
                                      baseline_amount="12000", target_value="5")
    made = _figures(app, target)
    assert (made.baseline, made.target_amount) == (Decimal("12000.00"), Decimal("600.00"))
    assert [(q.baseline, q.spend, q.realised) for q in made.quarters] == [
        (Decimal("3000.00"), Decimal("900.00"), Decimal("2100.00")),
        (Decimal("3000.00"), Decimal("2000.00"), Decimal("1000.00")),
        (Decimal("3000.00"), Decimal("0"), None),
        (Decimal("3000.00"), Decimal("0"), None)]
    assert (made.spend, made.realised, made.realised_pct) == (Decimal("2900.00"), Decimal("3100.00"), Decimal("25.83"))


def test_quarters_not_ended_are_not_realised(app, paid_world):
    target = factories.savings_target(paid_world["commissioner"], scope="service_type", service_type="care_at_home",
                                      baseline_amount="12000")
    made = _figures(app, target, today=date(2025, 10, 1))  # Q1 and Q2 have ended
    assert [q.realised for q in made.quarters] == [Decimal("2100.00"), Decimal("1000.00"), None, None]
    assert made.realised == Decimal("3100.00")


def test_a_programme_target_with_the_previous_years_paid_invoices_as_baseline(app, paid_world):
    """The programme counts every service type: Q1 is 900 + 3,000 = £3,900.00. Baseline: 2024-25's
    paid invoices, £4,000.00 (£1,000.00 a quarter); target £250.00. Realised: (1,000 − 3,900) +
    (1,000 − 2,000) = −£3,900.00 (spend went up; Q3 and Q4 have no paid invoices)."""
    target = factories.savings_target(paid_world["commissioner"], baseline_kind="invoices", baseline_amount=None,
                                      target_kind="amount", target_value="250")
    made = _figures(app, target)
    assert (made.baseline, made.target_amount) == (Decimal("4000.00"), Decimal("250.00"))
    assert [q.spend for q in made.quarters] == [Decimal("3900.00"), Decimal("2000.00"), Decimal("0"), Decimal("0")]
    assert made.realised == Decimal("-3900.00")


def test_a_collaboratives_figures_are_split_by_baseline_share_without_counting_twice(app, paid_world):
    """The lead (Clyde) and Forth share the pool 1 : 2. Realised £3,100.00 → £1,033.33 and
    £2,066.67 (the odd penny to the larger remainder): the parts add up to the whole."""
    forth = factories.organisation("commissioner", slug="forth-pool", name="Forth Pool")
    group = factories.collaborative(paid_world["commissioner"], name="West", invite=[forth], accepted_by=[forth])
    lead = paid_world["commissioner"].id
    target = factories.savings_target(paid_world["commissioner"], scope="collaborative", collaborative_id=group.id,
                                      service_type="care_at_home", baseline_amount="12000",
                                      member_baselines={str(lead): "4000", str(forth.id): "8000"})
    made = _figures(app, target)
    assert made.realised == Decimal("3100.00")
    assert made.shares == {
        lead: {"baseline": Decimal("4000.00"), "target": Decimal("200.00"), "spend": Decimal("966.67"),
               "realised": Decimal("1033.33")},
        forth.id: {"baseline": Decimal("8000.00"), "target": Decimal("400.00"), "spend": Decimal("1933.33"),
                   "realised": Decimal("2066.67")}}
    for figure, whole in (("baseline", made.baseline), ("target", made.target_amount), ("spend", made.spend),
                          ("realised", made.realised)):
        assert sum(parts[figure] for parts in made.shares.values()) == whole


def test_split_shares_pennies_by_the_largest_remainder():
    assert split(Decimal("100.00"), {"a": 1, "b": 1, "c": 1}) == {
        "a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    assert split(Decimal("-0.05"), {"a": Decimal("1"), "b": Decimal("1")}) == {"a": Decimal("-0.03"),
                                                                            "b": Decimal("-0.02")}
    assert split(Decimal("10"), {}) == {}


def test_savings_move_proposed_agreed_realised_and_may_come_from_a_proposal(app, paid_world, client, web):
    accepted = factories.proposal(paid_world["provider"], paid_world["commissioner"], kind="efficiency",
                                  status="accepted", title="Shared rota")
    target = factories.savings_target(paid_world["commissioner"], name="Adult care 2025-26")
    web.sign_in("manager@clyde.example")
    empty = web.post(f"/o/clyde-hscp/savings/{target.id}/savings", {}, page=f"/o/clyde-hscp/savings/{target.id}")
    assert empty.status_code == 422 and "Describe the saving" in empty.get_data(as_text=True)
    made = web.post(f"/o/clyde-hscp/savings/{target.id}/savings",
                    {"description": "Shared rota", "amount": "1500", "proposal_id": str(accepted.id)},
                    page=f"/o/clyde-hscp/savings/{target.id}")
    assert made.status_code == 303
    from portal.extensions import db
    from portal.savings.models import Saving
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(paid_world["commissioner"].id):
        saving = db.session.scalars(db.select(Saving)).one()
        assert (saving.status, saving.proposal_id, saving.provider_id) == ("proposed", accepted.id,
                                                                           paid_world["provider"].id)
    url = f"/o/clyde-hscp/savings/{target.id}/savings/{saving.id}/status"
    assert web.post(url, {"status": "realised"}, page=f"/o/clyde-hscp/savings/{target.id}").status_code == 409
    for status in ("agreed", "realised"):
        assert web.post(url, {"status": status}, page=f"/o/clyde-hscp/savings/{target.id}").status_code == 303
    page = client.get(f"/o/clyde-hscp/savings/{target.id}").get_data(as_text=True)
    assert "£1,500.00" in page and "Realised" in page


def test_the_savings_page_export_and_api_agree(app, paid_world, client, web, api_token):
    factories.savings_target(paid_world["commissioner"], name="Care at home", scope="service_type",
                             service_type="care_at_home", baseline_amount="12000")
    web.sign_in("manager@clyde.example")
    page = client.get("/o/clyde-hscp/savings/?year=2025").get_data(as_text=True)
    assert "Care at home" in page and "£3,100.00" in page
    csv = client.get("/o/clyde-hscp/savings/export.csv?year=2025")
    assert csv.status_code == 200
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Target,Scope,Financial year,Quarter")
    assert "2100.00" in lines[1] and "900.00" in lines[1]
    xlsx = client.get("/o/clyde-hscp/savings/export.xlsx?year=2025")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    headers = {"Authorization": f"Bearer {api_token('manager@clyde.example')}"}
    answer = client.get("/api/v1/savings?year=2025", headers=headers).get_json()
    assert [(t["name"], t["realised"], t["baseline"]) for t in answer] == [("Care at home", "3100.00", "12000.00")]
    # the provider has no savings at all
    web2 = type(web)(app.test_client())
    web2.sign_in("admin@fern.example")
    assert web2.client.get("/o/fern-care/savings/").status_code == 404
