"""The invoice workflow: submit with the checks, approve / query / reject, answers and
resubmission, separation of duties, a second approver, credit notes, history and email."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from portal.errors import Conflict, Forbidden, Invalid
from portal.invoicing import ageing, services, workflow
from tests import factories


@contextmanager
def acting(tenant_id):
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    with factories._app.app_context(), tenant_context(tenant_id):
        yield db.session
        db.session.commit()


def _invoice(invoice_id):
    from portal.extensions import db
    from portal.invoicing.models import Invoice

    return db.session.get(Invoice, invoice_id)


@pytest.fixture
def setup(app, contract_setup):
    """Fern Care's finance user raises invoices on CLY-001; Clyde's finance and contract manager
    approve. Someone in both organisations raises one too."""
    provider, commissioner = contract_setup["provider"], contract_setup["commissioner"]
    raiser = factories.user("finance@fern.example", memberships=[(provider, "finance")])
    approver = factories.user("finance@clyde.example", memberships=[(commissioner, "finance")])
    second = contract_setup["manager"]
    both = factories.user("both@example.org", memberships=[(provider, "finance"), (commissioner, "finance")])
    return {**contract_setup, "raiser": raiser, "approver": approver, "second": second, "both": both}


def _draft(setup, actor, *, number="INV-1", amount="250.00", lines=None):
    from portal.contracts.models import Contract
    from portal.extensions import db

    with acting(setup["provider"].id):
        made = services.create_invoice(db.session.get(Contract, setup["contract_id"]), number=number,
                                       period_start=date(2025, 5, 1), period_end=date(2025, 5, 31),
                                       lines=lines or [{"description": "Care", "quantity": "1", "unit": "block",
                                                        "unit_price": amount}], actor=actor)
        return made.id


def _submit(setup, invoice_id, actor, **kwargs):
    with acting(setup["provider"].id):
        workflow.submit(_invoice(invoice_id), actor=actor, **kwargs)


def _decide(setup, invoice_id, actor, decision, **kwargs):
    with acting(setup["commissioner"].id):
        workflow.decide(_invoice(invoice_id), decision=decision, actor=actor, **kwargs)
        return _invoice(invoice_id).status


def _events(setup, invoice_id):
    from portal.invoicing.queries import history_of

    with acting(setup["provider"].id):
        return [(e.action, e.user_id) for e in history_of(_invoice(invoice_id))]


def test_submit_then_approve_by_someone_else(app, setup):
    invoice_id = _draft(setup, setup["raiser"])
    _submit(setup, invoice_id, setup["raiser"])
    assert _decide(setup, invoice_id, setup["approver"], "approve") == "approved"
    assert _events(setup, invoice_id) == [("submitted", setup["raiser"].id), ("approved", setup["approver"].id)]
    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.notifications.models import DevMailboxMessage  # noqa: F401
    from portal.outbox import OutboxMessage
    from sqlalchemy import select

    with app.app_context():
        jobs = [(m.job, m.payload.get("action"), m.run_as_tenant_id) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == "notify_invoice").order_by(OutboxMessage.id))]
    assert jobs == [("notify_invoice", "submitted", setup["commissioner"].id),
                    ("notify_invoice", "approved", setup["provider"].id)]
    with acting(setup["commissioner"].id):
        assert "invoice_approved" in {e.action for e in db.session.scalars(select(AuditEvent))}


def test_the_raiser_cannot_approve_even_as_a_member_of_the_commissioner(app, setup):
    invoice_id = _draft(setup, setup["both"])
    _submit(setup, invoice_id, setup["both"])
    with pytest.raises(Forbidden, match="someone else must approve"):
        _decide(setup, invoice_id, setup["both"], "approve")
    assert _decide(setup, invoice_id, setup["approver"], "approve") == "approved"


def test_someone_who_changed_it_cannot_approve(app, setup):
    invoice_id = _draft(setup, setup["raiser"])
    with acting(setup["provider"].id):
        services.update_invoice(_invoice(invoice_id), actor=setup["both"], note="Corrected")
    _submit(setup, invoice_id, setup["raiser"])
    with pytest.raises(Forbidden):
        _decide(setup, invoice_id, setup["both"], "approve")


def test_over_the_amount_a_second_different_person_approves(app, setup):
    factories.invoicing_settings(setup["commissioner"], second_approval_over="1000.00")
    small = _draft(setup, setup["raiser"], number="SMALL", amount="1000.00")
    _submit(setup, small, setup["raiser"])
    assert _decide(setup, small, setup["approver"], "approve") == "approved"  # not over: one approval
    large = _draft(setup, setup["raiser"], number="LARGE", amount="1000.01")
    _submit(setup, large, setup["raiser"])
    assert _decide(setup, large, setup["approver"], "approve") == "submitted"
    with pytest.raises(Forbidden, match="second, different person"):
        _decide(setup, large, setup["approver"], "approve")
    assert _decide(setup, large, setup["second"], "approve") == "approved"
    with acting(setup["commissioner"].id):
        done = _invoice(large)
        assert (done.first_approved_by_id, done.approved_by_id) == (setup["approver"].id, setup["second"].id)
    assert [a for a, _ in _events(setup, large)] == ["submitted", "first_approved", "approved"]


def test_query_answer_per_line_and_resubmit(app, setup):
    invoice_id = _draft(setup, setup["raiser"], lines=[
        {"description": "Care", "quantity": "10", "unit": "hour", "unit_price": "20.00"},
        {"description": "Travel", "quantity": "1", "unit": "block", "unit_price": "15.00"}])
    _submit(setup, invoice_id, setup["raiser"])
    with pytest.raises(Invalid, match="Write the question"):
        _decide(setup, invoice_id, setup["approver"], "query")
    assert _decide(setup, invoice_id, setup["approver"], "query", comment="Please explain",
                   line_comments={"2": "What journey was this?"}) == "queried"
    with acting(setup["provider"].id):
        lines = _invoice(invoice_id).lines
        assert [(l.query, l.answer) for l in lines] == [("", ""), ("What journey was this?", "")]
        with pytest.raises(Invalid):
            workflow.answer_query(_invoice(invoice_id), comment="", line_answers={"9": "No such line"},
                                  actor=setup["raiser"])
    with acting(setup["provider"].id):
        workflow.answer_query(_invoice(invoice_id), comment="See line 2", line_answers={"2": "To the day centre"},
                              actor=setup["raiser"])
    _submit(setup, invoice_id, setup["raiser"])
    with acting(setup["provider"].id):
        assert _invoice(invoice_id).lines[1].answer == "To the day centre"
    assert _decide(setup, invoice_id, setup["approver"], "approve") == "approved"
    assert [a for a, _ in _events(setup, invoice_id)] == ["submitted", "queried", "answered", "resubmitted",
                                                          "approved"]


def test_reject_needs_a_reason_and_decided_invoices_cannot_be_decided_again(app, setup):
    invoice_id = _draft(setup, setup["raiser"])
    _submit(setup, invoice_id, setup["raiser"])
    with pytest.raises(Invalid, match="Say why"):
        _decide(setup, invoice_id, setup["approver"], "reject")
    assert _decide(setup, invoice_id, setup["approver"], "reject", comment="Not our contract") == "rejected"
    with pytest.raises(Conflict):
        _decide(setup, invoice_id, setup["second"], "approve")
    with pytest.raises(Conflict):
        _submit(setup, invoice_id, setup["raiser"])


def test_warnings_need_the_providers_confirmation(app, setup):
    factories.rate(setup["contract"], "20.0000", unit="hour")
    invoice_id = _draft(setup, setup["raiser"], lines=[
        {"description": "Care", "quantity": "10", "unit": "hour", "unit_price": "25.00"}])
    with pytest.raises(workflow.WarningsToConfirm, match="rate card's £20.0000"):
        _submit(setup, invoice_id, setup["raiser"])
    _submit(setup, invoice_id, setup["raiser"], confirm_warnings=True)
    with acting(setup["commissioner"].id):  # the approver sees the warning, stored on the invoice
        assert [w["code"] for w in _invoice(invoice_id).warnings] == ["price_differs_from_card"]


def test_a_credit_note_takes_no_more_than_is_left_and_is_approved_like_an_invoice(app, setup):
    invoice_id = _draft(setup, setup["raiser"], amount="300.00")
    _submit(setup, invoice_id, setup["raiser"])
    with acting(setup["provider"].id):
        with pytest.raises(Conflict):  # only against submitted invoices: make a draft one
            workflow.raise_credit_note(_invoice(_draft(setup, setup["raiser"], number="DRAFT-2")), number="CN-0",
                                       lines=[{"description": "x", "quantity": "1", "unit": "block",
                                               "unit_price": "1.00"}], actor=setup["raiser"])
    with acting(setup["provider"].id):
        credit = workflow.raise_credit_note(_invoice(invoice_id), number="CN-1", actor=setup["raiser"],
                                            lines=[{"description": "Missed visits", "quantity": "2", "unit": "block",
                                                    "unit_price": "100.00"}])
        credit_id = credit.id
        assert (credit.kind, credit.corrects_id, credit.total) == ("credit_note", invoice_id, Decimal("200.00"))
    _submit(setup, credit_id, setup["raiser"])
    with acting(setup["provider"].id):
        with pytest.raises(Invalid, match="£100.00 or less"):
            workflow.raise_credit_note(_invoice(invoice_id), number="CN-2", actor=setup["raiser"],
                                       lines=[{"description": "More", "quantity": "1", "unit": "block",
                                               "unit_price": "100.01"}])
    assert _decide(setup, credit_id, setup["approver"], "approve") == "approved"


def test_prompt_payment_counts_calendar_days_and_working_days_without_public_holidays(app, setup):
    """Received Wednesday 16 April 2025: in Scotland Good Friday (18th) is a holiday and Easter
    Monday is not; 10 working days later is Thursday 1 May; the statutory date is 16 May."""
    invoice_id = _draft(setup, setup["raiser"])
    with acting(setup["provider"].id):
        workflow.submit(_invoice(invoice_id), actor=setup["raiser"],
                        now=datetime(2025, 4, 16, 9, 0, tzinfo=timezone.utc))
        age = ageing.prompt_payment(_invoice(invoice_id), 10, today=date(2025, 4, 28))
    assert (age.received, age.age_days, age.statutory_due, age.statutory_days_left) == (
        date(2025, 4, 16), 12, date(2025, 5, 16), 18)
    assert (age.target_due, age.target_days_left, age.flag) == (date(2025, 5, 1), 3, "on_time")
    assert ageing.working_days_between(date(2025, 4, 16), date(2025, 4, 22), "scotland") == 3  # 17, 21, 22
    assert ageing.working_days_between(date(2025, 4, 16), date(2025, 4, 22), "england") == 2  # and Easter Monday
    with acting(setup["provider"].id):
        late = ageing.prompt_payment(_invoice(invoice_id), 10, today=date(2025, 5, 17))
    assert (late.statutory_days_left, late.flag) == (-1, "late")


def test_settings_refuse_nonsense_and_keep_nothing_half_written(app, setup):
    from portal.invoicing.queries import settings_of

    with acting(setup["commissioner"].id):
        with pytest.raises(Invalid) as refused:
            workflow.update_settings(settings_of(setup["commissioner"].id), second_approval_over="-5",
                                     target_working_days="forty", actor=setup["approver"])
        assert set(refused.value.errors) == {"second_approval_over", "target_working_days"}
    with acting(setup["commissioner"].id):
        workflow.update_settings(settings_of(setup["commissioner"].id), second_approval_over="2500",
                                 target_working_days="8", actor=setup["approver"])
    with acting(setup["commissioner"].id):
        saved = settings_of(setup["commissioner"].id)
        assert (saved.second_approval_over, saved.target_working_days) == (Decimal("2500.00"), 8)


def test_the_demo_has_invoices_in_every_state_approved_by_someone_else(app):
    from sqlalchemy import select

    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.invoicing.models import ContractRate, Invoice
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        from portal.dev.demo_invoices import seed_demo_invoices

        assert seed_demo_invoices() == 0  # idempotent
        db.session.rollback()
        with tenant_context(get_organisation_by_slug("riverside-care").id):
            invoices = list(db.session.scalars(select(Invoice)))
            glasgow = [i for i in invoices if i.contract.reference == "GCH-CAH-001"]
            assert {i.status for i in glasgow} >= {"draft", "submitted", "queried", "approved", "rejected"}
            # The demo's payment runs then schedule or pay some of the approved invoices.
            assert len([i for i in glasgow if i.status in ("approved", "scheduled", "paid") and i.kind == "invoice"
                        and i.approved_by_id]) >= 3
            assert any(i.kind == "credit_note" for i in glasgow)
            assert all(i.approved_by_id not in i.editor_ids for i in invoices if i.approved_by_id)
            assert any(i.contract.reference == "ACH-SL-014" and i.status == "approved" for i in invoices)
            queried = next(i for i in glasgow if i.status == "queried")
            assert queried.lines[0].query and queried.lines[0].card_rate is not None
            uplift = [r for r in db.session.scalars(select(ContractRate).where(ContractRate.unit == "hour",
                                                                               ContractRate.day_type == "weekday"))
                      if r.effective_from.month == 4 and r.effective_from.day == 1]
            assert uplift  # the April uplift on Glasgow's card


def test_each_side_is_emailed_after_the_commit(app, setup):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.notifications.models import DevMailboxMessage
    from tests.helpers import run_jobs

    invoice_id = _draft(setup, setup["raiser"])
    _submit(setup, invoice_id, setup["raiser"])
    _decide(setup, invoice_id, setup["approver"], "query", comment="Which weeks?")
    while run_jobs(app):
        pass
    with app.app_context():
        sent = {(m.to_address, m.subject) for m in db.session.scalars(select(DevMailboxMessage))}
    assert {("finance@clyde.example", "Invoice to approve: INV-1"), ("manager@clyde.example", "Invoice to approve: INV-1"),
            ("finance@fern.example", "Question about an invoice: INV-1"),
            ("admin@fern.example", "Question about an invoice: INV-1")} <= sent
    assert not any(to.endswith("@fern.example") and "approve" in subject for to, subject in sent)
    assert ("submitter@fern.example", "Question about an invoice: INV-1") not in sent  # not a finance role
