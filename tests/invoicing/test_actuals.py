"""Visit actuals: the visit rule, the ECM CSV checked row by row, the exceptions list and the
invoice built from payable visits, against hand-computed figures.

CLY-001's card: £20.00 an hour on weekdays, £24.00 at weekends. The rule: actual time capped at
planned, rounded to the nearest 15 minutes, 10 minutes' tolerance. April 2026: the 1st and 2nd
are weekdays, the 4th a Saturday.

row 2  P001 Wed 08:00-09:00, actual 08:05-09:02: 57 min -> 60            payable
row 3  P002 Wed 10:00-10:30, actual 10:00-10:40: 40, capped 30 -> 30     payable (end 10 min late: within)
row 4  P003 Wed 12:00-12:45, actual 12:20-13:05: 45 -> 45                exception: started 20 minutes late
row 5  P004 Thu 08:00-08:30, no actuals: planned 30                      exception: missing actuals
row 6  P001 Sat 09:00-10:00, actual the same, 2 carers: 60               payable
row 7  P005 Sat 09:00-09:30, actual the same: 30                         exception: overlaps row 8
row 8  P005 Sat 09:15-09:45, actual the same: 30                         exception: overlaps row 7
row 9  P006 Thu 14:00-15:00, actual 14:00-14:20: 20 -> 15                exception: far off, ended 40 min early

The commissioner accepts rows 4 and 7 and rejects row 5. The invoice: weekday, 1 carer: 60 + 30
+ 45 = 135 min = 2.25 h × £20 = £45.00; weekend, 1 carer: 30 min = 0.5 h × £24 = £12.00;
weekend, 2 carers: 60 × 2 / 60 = 2 h × £24 = £48.00; total £105.00. Row 8, accepted later, goes
on a second invoice (0.5 h × £24 = £12.00), which the overlap check flags against the first.
"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.errors import ServiceError
from portal.invoicing.actuals import band, paid_minutes
from portal.invoicing.actuals_models import VisitRule
from tests import factories

HEADER = "Person reference,Planned start,Planned end,Actual start,Actual end,Carers\n"
GOOD = HEADER + """P001,2026-04-01 08:00,2026-04-01 09:00,2026-04-01 08:05,2026-04-01 09:02,1
P002,2026-04-01 10:00,2026-04-01 10:30,2026-04-01 10:00,2026-04-01 10:40,1
P003,2026-04-01 12:00,2026-04-01 12:45,2026-04-01 12:20,2026-04-01 13:05,1
P004,2026-04-02 08:00,2026-04-02 08:30,,,1
P001,2026-04-04 09:00,2026-04-04 10:00,2026-04-04 09:00,2026-04-04 10:00,2
P005,2026-04-04 09:00,2026-04-04 09:30,2026-04-04 09:00,2026-04-04 09:30,1
P005,2026-04-04 09:15,2026-04-04 09:45,2026-04-04 09:15,2026-04-04 09:45,1
P006,2026-04-02 14:00,2026-04-02 15:00,2026-04-02 14:00,2026-04-02 14:20,1
"""


def test_paid_minutes_follow_the_rule():
    rule = VisitRule(basis="actual_capped", rounding=0, tolerance_minutes=10)
    assert paid_minutes(rule, 30, 40) == 30 and paid_minutes(rule, 30, 22) == 22 and paid_minutes(rule, 30, None) == 30
    rule.basis = "actual"
    assert paid_minutes(rule, 30, 40) == 40
    rule.basis = "planned"
    assert paid_minutes(rule, 30, 40) == 30
    assert [band(m, 5) for m in (7, 8, 12, 13, 37, 38)] == [5, 10, 10, 15, 35, 40]
    assert [band(m, 15) for m in (7, 8, 22, 23, 57, 0)] == [0, 15, 15, 30, 60, 0]
    assert band(57, 0) == 57


@pytest.fixture()
def card(app, contract_setup):
    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    factories.rate(contract, "24.0000", day_type="weekend", effective_from=date(2025, 1, 1))
    _as(app, contract_setup["commissioner"].id, lambda c: _rule(c))
    return contract_setup


def _rule(contract):
    from portal.invoicing.actuals import set_visit_rule

    set_visit_rule(contract, basis="actual_capped", rounding="15", tolerance_minutes="10", actor=None)


def _as(app, tenant_id, work, contract_id=None, visit_import_id=None):
    from portal.contracts.models import Contract
    from portal.extensions import db
    from portal.invoicing.actuals import get_import
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        try:
            target = get_import(visit_import_id) if visit_import_id else db.session.scalar(
                select(Contract).where(Contract.id == contract_id) if contract_id else select(Contract).limit(1))
            result = work(target)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise


def _import(app, setup, text: str | bytes):
    from portal.invoicing.actuals import import_visits

    raw = text.encode() if isinstance(text, str) else text
    return _as(app, setup["provider"].id, lambda c: import_visits(c, raw, "april.csv", actor=None).id,
               contract_id=setup["contract_id"])


def _visits(app, setup, import_id):
    from portal.invoicing.actuals import visits_of

    return _as(app, setup["provider"].id, lambda i: {
        v.row_number: (v.status, v.paid_minutes, sorted(p["code"] for p in v.problems), v.id) for v in visits_of(i)},
        visit_import_id=import_id)


def _decide(app, setup, visit_id, decision, reason="Checked with the care co-ordinator"):
    from portal.invoicing.actuals import decide_exception, get_visit

    def work(_):
        return decide_exception(get_visit(visit_id), decision=decision, reason=reason, actor=None).status
    return _as(app, setup["commissioner"].id, work)


def _build(app, setup, import_id, number):
    from portal.invoicing.actuals import build_invoice, overlapping_visits

    def work(visit_import):
        invoice = build_invoice(visit_import, number=number, actor=None)
        return {"source": invoice.source, "total": invoice.total, "period": (invoice.period_start, invoice.period_end),
                "lines": [(l.description, l.quantity, l.unit_price, l.net, l.day_type, l.price_source)
                          for l in invoice.lines],
                "workings": [l.workings for l in invoice.lines], "overlaps": overlapping_visits(invoice)}
    return _as(app, setup["provider"].id, work, visit_import_id=import_id)


def test_visits_are_paid_by_the_rule_and_those_outside_it_are_exceptions(app, card):
    made = _import(app, card, GOOD)
    found = _visits(app, card, made)
    assert {row: value[:3] for row, value in found.items()} == {
        2: ("payable", 60, []), 3: ("payable", 30, []), 4: ("exception", 45, ["outside_tolerance"]),
        5: ("exception", 30, ["missing_actuals"]), 6: ("payable", 60, []), 7: ("exception", 30, ["overlapping"]),
        8: ("exception", 30, ["overlapping"]), 9: ("exception", 15, ["duration_far_off", "outside_tolerance"])}


def test_the_invoice_is_built_from_payable_and_accepted_visits_by_hand_computed_figures(app, card):
    made = _import(app, card, GOOD)
    ids = {row: value[3] for row, value in _visits(app, card, made).items()}
    assert _decide(app, card, ids[4], "accept") == "accepted"
    assert _decide(app, card, ids[5], "reject") == "rejected"
    assert _decide(app, card, ids[7], "accept") == "accepted"
    first = _build(app, card, made, "FERN-ECM-0426")
    assert first["source"] == "actuals" and first["period"] == (date(2026, 4, 1), date(2026, 4, 4))
    assert [line[1:] for line in first["lines"]] == [
        (Decimal("2.2500"), Decimal("20.0000"), Decimal("45.00"), "weekday", "card"),
        (Decimal("0.5000"), Decimal("24.0000"), Decimal("12.00"), "weekend", "card"),
        (Decimal("2.0000"), Decimal("24.0000"), Decimal("48.00"), "weekend", "card")]
    assert first["total"] == Decimal("105.00")
    assert "135 paid minutes × 1 carer ÷ 60 = 2.25 hours × £20.0000" in first["workings"][0]
    assert "60 paid minutes × 2 carers ÷ 60 = 2 hours × £24.0000" in first["workings"][2]
    assert first["overlaps"] == []
    with pytest.raises(ServiceError, match="already on an invoice"):
        _build(app, card, made, "FERN-ECM-0426-B")
    # Row 8, accepted after the invoice was built, goes on a further invoice: flagged as overlapping row 7.
    _decide(app, card, ids[8], "accept")
    second = _build(app, card, made, "FERN-ECM-0426-B")
    assert [line[1:4] for line in second["lines"]] == [(Decimal("0.5000"), Decimal("24.0000"), Decimal("12.00"))]
    assert [(o["person_ref"], o["other_invoice"]) for o in second["overlaps"]] == [("P005", "FERN-ECM-0426")]


def test_a_decision_needs_a_choice_and_a_reason_and_is_made_once(app, card):
    made = _import(app, card, GOOD)
    ids = {row: value[3] for row, value in _visits(app, card, made).items()}
    with pytest.raises(ServiceError) as refused:
        _decide(app, card, ids[4], "maybe", reason=" ")
    assert set(refused.value.errors) == {"decision", "reason"}
    with pytest.raises(ServiceError, match="not waiting for a decision"):
        _decide(app, card, ids[2], "accept")


def _count(app, setup):
    from portal.extensions import db
    from portal.invoicing.actuals_models import Visit, VisitImport

    return _as(app, setup["provider"].id, lambda _: (db.session.scalar(select(func.count()).select_from(VisitImport)),
                                                      db.session.scalar(select(func.count()).select_from(Visit))))


@pytest.mark.parametrize("raw, expected", [
    (b"", [(None, "file", "The file is empty")]),
    (b"   \n", [(None, "file", "The file is empty")]),
    (HEADER.encode() + "P\xe9,2026-04-01 08:00,2026-04-01 09:00,,,1\n".encode("latin-1"),
     [(None, "file", "not a CSV in UTF-8")]),
    (b"Person reference,Planned start,Planned end,Actual start\nP1,2026-04-01 08:00,2026-04-01 09:00,\n",
     [(1, "header", "no actual end, carers columns")]),
    (HEADER.encode(), [(None, "file", "no visits")]),
    ((HEADER + "P1,2026-04-31 08:00,2026-04-01 09:00,,,1\n"
      "P2,2026-04-01 09:00,2026-04-01 08:00,,,1\n"
      "P3,2026-04-01 08:00,2026-04-01 09:00,2026-04-01 08:00,2026-04-01 21:30,1\n"
      ",2026-04-01 08:00,2026-04-01 09:00,,,x\n"
      "P5,2026-04-01 08:00,2026-04-01 09:00,2026-04-01 09:00,2026-04-01 08:30,1\n").encode(),
     [(2, "planned start", "is not a date and time"), (3, "planned end", "must be after the planned start"),
      (4, "actual end", "is too long"), (5, "person reference", "Enter the person reference"),
      (5, "carers", "is not a number of carers"), (6, "actual end", "must be after the actual start")]),
    ((HEADER + "P1,2024-04-01 08:00,2024-04-01 09:00,,,1\n").encode(),
     [(2, "planned start", "outside the contract")]),
])
def test_a_wrong_file_is_refused_whole_with_every_problem_by_row_and_column(app, card, raw, expected):
    from portal.invoicing.actuals import ImportRejected

    with pytest.raises(ImportRejected) as refused:
        _import(app, card, raw)
    found = [(p["row"], p["column"], p["message"]) for p in refused.value.problems]
    assert len(found) == len(expected), found
    for (row, column, message), (want_row, want_column, words) in zip(found, expected):
        assert (row, column) == (want_row, want_column) and words in message, (row, column, message)
    assert _count(app, card) == (0, 0)


def test_the_api_imports_a_file_and_answers_422_with_row_errors(app, client, card, api_token):
    factories.user("finance@fern.example", memberships=[(card["provider"], "finance")])
    headers = {"Authorization": f"Bearer {api_token('finance@fern.example')}"}
    made = client.post("/api/v1/actuals", headers=headers, content_type="multipart/form-data",
                       data={"contract_id": str(card["contract_id"]), "file": (io.BytesIO(GOOD.encode()), "april.csv")})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["visits"] == 8 and body["counts"]["payable"] == 3 and body["counts"]["exception"] == 5
    assert sorted(e["row"] for e in body["exceptions"]) == [3 + 1, 5, 7, 8, 9]
    bad = client.post("/api/v1/actuals", headers=headers, content_type="multipart/form-data",
                      data={"contract_id": str(card["contract_id"]),
                            "file": (io.BytesIO((HEADER + "P1,soon,2026-04-01 09:00,,,1\n").encode()), "bad.csv")})
    assert bad.status_code == 422
    assert "row-2-planned start" in bad.get_json()["errors"]
    missing = client.post("/api/v1/actuals", headers=headers, content_type="multipart/form-data", data={})
    assert missing.status_code == 422 and "contract_id" in missing.get_json()["errors"]


def test_the_demo_makes_a_month_of_visits_with_decided_and_pending_exceptions_once(app):
    from portal.dev.demo_actuals import seed_demo_actuals
    from portal.extensions import db
    from portal.invoicing.actuals_models import Visit
    from portal.invoicing.models import Invoice
    from portal.tenants.context import tenant_context

    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    riverside = factories.organisation("provider", slug="riverside-care", name="Riverside Care")
    factories.contract(commissioner=glasgow, provider=riverside, reference="GCH-CAH-001", start=date(2025, 4, 1),
                       end=date(2027, 3, 31), frequency=None)
    with app.app_context():
        assert seed_demo_actuals(today=date(2026, 5, 20)) == 3
        db.session.commit()
        assert seed_demo_actuals(today=date(2026, 5, 20)) == 0
        db.session.commit()
        with tenant_context(riverside.id):
            statuses = [v.status for v in db.session.scalars(select(Visit))]
            invoice = db.session.scalar(select(Invoice))
            assert (invoice.number, invoice.source, invoice.period_start) == ("RC-ECM-202604", "actuals", date(2026, 4, 1))
            assert invoice.total > 0 and len(invoice.lines) >= 3
            db.session.rollback()
    assert statuses.count("accepted") == 2 and statuses.count("rejected") == 1
    assert statuses.count("exception") >= 2 and statuses.count("payable") > 300
