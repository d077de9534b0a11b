"""Rows in every tenant-owned table for a provider and its commissioner (RLS and cross-tenant suites)."""
from __future__ import annotations

from datetime import date

from tests import factories


def seed_contract_rows(app, provider, commissioner, reference: str):
    """A contract with its schedule and returns, an evidence document, an import, a submitted
    version, search entries, the commissioner's outcome rollup, a published tender the provider
    is interested in (with an unanswered question of the provider's, a published clarification and
    an amendment) and a draft one, a market-wide thread with the provider's question, the reply
    and its published answer, and a thread for the contract with a question whose reply is in the
    answer set but not published, a quality question, the tender's key, a sealed
    consortium bid (member, document, receipt, changes in progress) and one opening confirmation,
    the bid's evaluation (an evaluator and their score, a consensus score, an award in standstill
    and the bidder's outcome), an approved supplier list with the provider on it and a document of
    the published tender; returns the contract."""
    contract = factories.contract(commissioner=commissioner, provider=provider, reference=reference, title="Seeded",
                                  care_group="", locality="", end=date(2025, 3, 31), annual_value="1000",
                                  funding_model="block")
    factories.organisation_export(provider)  # offboarding: an export of the provider's data
    document = factories.document(provider, filename="evidence.pdf", scan_status="not_scanned")
    factories.attachment(contract, document)
    factories.return_import(contract)
    factories.submission(contract, by=factories.member_of(provider))
    factories.reminder(contract, date(2025, 2, 1))  # about a draft: the commissioner sees it all the same
    factories.search_entries(contract)
    factories.outcome_rollup(commissioner)
    tender = factories.tender(commissioner, reference=f"{reference}-T")
    factories.interest(provider, tender)
    factories.amendment(tender)
    factories.question(provider, tender, text=f"Unanswered question from {provider.slug}")
    factories.clarification(provider, tender, text=f"Published question from {provider.slug}",
                            question_text="Published question", answer_text="Published answer")
    factories.tender(commissioner, reference=f"{reference}-DRAFT", published=False)
    question = factories.quality_question(tender)
    factories.tender_key(tender)
    factories.supplier_list(commissioner, name=f"{reference} approved providers", members=[provider])
    factories.tender_document(tender, title=f"{reference} specification")
    member = factories.organisation("provider", slug=f"{reference.lower()}-member")
    bid = factories.bid(provider, tender, members=[member])
    factories.bid_changes(bid)  # submitted, and being changed
    factories.opening(tender, factories.user())  # one confirmation (a minute after the deadline): still sealed
    seed_evaluation_rows(tender, bid, question)
    seed_money_rows(contract, commissioner, reference)
    seed_review_rows(contract)
    contract.proposal_ids = seed_proposal_rows(contract, provider, commissioner, reference)  # the suites' ids
    market_thread = factories.thread(commissioner, title=f"{reference} market")
    factories.thread_reply(factories.thread_question(provider, market_thread, f"{reference} question"),
                           f"{reference} reply", publish=True)
    private = factories.thread(commissioner, title=f"{reference} private", contract_=contract)
    factories.thread_reply(factories.thread_question(provider, private, f"{reference} private question"),
                           f"{reference} private reply", answer_set=True)
    return contract


def bid_ids(provider, tender, member_slug: str, *, opened: bool = False) -> dict:
    """A provider's submitted consortium bid on a tender, with a document, sealed (or, ``opened``,
    read by the commissioner once two people have opened the tender): the ids of the bid, its
    document and its member's row, for the suites that try every URL."""
    member = factories.organisation("provider", slug=member_slug)
    made = factories.bid_part_ids(factories.bid(provider, tender, members=[member]))
    if opened:
        factories.opened(tender)
    return made


def seed_money_rows(contract, commissioner, reference: str) -> None:
    """The contract's rate card with a variation, a draft invoice, a submitted one, a credit note
    for it, an invoice paid in a payment run with its remittance, and the commissioner's settings."""
    factories.rate(contract, "20.0000")
    factories.rate(contract, "24.0000", day_type="weekend")
    factories.variation(contract, value_change="500")
    draft = factories.invoice_row(contract, number=f"{reference}-DRAFT", status="draft")
    submitted = factories.invoice_row(contract, number=f"{reference}-INV-1")
    factories.invoice_attachment_row(draft, filename="draft-timesheet.pdf")
    factories.invoice_attachment_row(submitted, filename="timesheet.pdf")
    factories.invoice_event_row(submitted)
    factories.invoice_row(contract, number=f"{reference}-CN-1", kind="credit_note", corrects=submitted,
                          lines=(("Missed visit", "1", "hour", "20.00"),))
    run = factories.payment_run_row(commissioner, reference=f"{reference}-RUN", status="paid", paid_on=date(2025, 3, 1))
    paid = factories.invoice_row(contract, number=f"{reference}-INV-PAID", status="paid", payment_run=run,
                                 paid_on=date(2025, 3, 1))
    factories.remittance_row(run, paid)
    factories.invoicing_settings(commissioner, second_approval_over="10000")
    # One settings row per commissioner: another commissioner's, so every seed adds one.
    factories.invoicing_settings(factories.organisation("commissioner", slug=f"{reference.lower()}-payer"))
    seed_actuals_rows(contract, commissioner, reference)


def seed_evaluation_rows(tender, bid, question) -> None:
    """A row in every evaluation table: an evaluator on the tender's panel (not yet declared) with a
    score of the bid, the consensus score, an award of the bid in standstill and its outcome."""
    person = factories.user()
    factories.evaluator_row(tender, person)
    factories.evaluator_score(bid, question, person)
    factories.consensus_score(bid, question)
    factories.award_row(bid)


def seed_review_rows(contract) -> None:
    """Two decisions of the commissioner on the contract (the provider's rows it also reads)."""
    factories.contract_review_row(contract, decision="retender")
    factories.contract_review_row(contract, decision="end", reason="Service no longer needed")


def seed_actuals_rows(contract, commissioner, reference: str) -> None:
    """The contract's visit rule and an ECM import with payable visits and an exception (each seed
    adds one rule, so two seeds make two)."""
    factories.visit_rule(contract, rounding=15)
    factories.visit_import(contract, filename=f"{reference.lower()}-visits.csv")


def seed_proposal_rows(contract, provider, commissioner, reference: str) -> dict:
    """A draft and a submitted proposal with a document each, a wage floor, an open fund with a
    panel, a bid with its scores, moderated score and a payment, a draft fund, and a savings target
    with a saving from the proposal: the ids the suites use."""
    person = factories.user()  # on the panel (the fund's rows need no membership)
    factories.wage_floor(commissioner)
    factories.wage_floor(factories.organisation("commissioner", slug=f"{reference.lower()}-floor"))
    draft = factories.proposal(provider, commissioner, status="draft", title=f"{reference} draft", contract_=contract)
    submitted = factories.proposal(provider, commissioner, title=f"{reference} uplift", contract_=contract)
    document = factories.document(provider, filename="model.pdf", scan_status="not_scanned")
    factories.proposal_document(draft, document)
    factories.proposal_document(submitted, document)
    opened = factories.fund(commissioner, name=f"{reference} fund", panel=[person])
    unopened = factories.fund(commissioner, name=f"{reference} draft fund", status="draft")
    bid = factories.proposal(provider, commissioner, kind="fund_bid", fund=opened, amount_requested="5000",
                             title=f"{reference} bid")
    factories.fund_score(opened, bid, person)
    factories.fund_score(opened, bid, person, criterion="c2", score=2)
    factories.fund_score(opened, bid, person, consensus=True)
    factories.fund_score(opened, bid, person, criterion="c2", consensus=True)
    factories.fund_payment(bid, amount="100")
    factories.fund_payment(bid, amount="200")
    target = factories.savings_target(commissioner, name=f"{reference} target")
    factories.savings_target(commissioner, name=f"{reference} home care", scope="service_type",
                             service_type="home_care")
    saving = factories.saving(target, proposal_=submitted)
    factories.saving(target, status="agreed")
    return {"proposal_id": submitted.id, "draft_proposal_id": draft.id, "fund_id": opened.id,
            "draft_fund_id": unopened.id, "fund_bid_id": bid.id, "target_id": target.id, "saving_id": saving.id}


def every_role_world(app, provider_slug: str = "role-care", commissioner_slug: str = "role-hscp") -> dict:
    """A provider and its commissioner with one member of every role, and objects of both for
    every loader (the `everyone` fixture of tests/http, and tests/security/test_roles.py)."""
    from portal.tenants.models import COMMISSIONER, PROVIDER, ROLES

    orgs = {PROVIDER: factories.organisation(PROVIDER, slug=provider_slug),
            COMMISSIONER: factories.organisation(COMMISSIONER, slug=commissioner_slug)}
    users = {(kind, role): factories.user(f"{role}@{kind}.example", memberships=[(orgs[kind], role)])
             for kind, roles in ROLES.items() for role in roles}
    contract = seed_contract_rows(app, orgs[PROVIDER], orgs[COMMISSIONER], "ROLE-1")
    ret = factories.return_of(contract)
    tender = factories.tender(orgs[COMMISSIONER], reference="ROLE-T")
    own_framework = factories.framework(orgs[COMMISSIONER], code="ROLE-OWN")
    shared = {"contract_id": contract.id, "return_id": ret.id,
              "submitted_document_id": factories.submitted_document_id(ret),
              "import_id": factories.return_import(contract).id,
              "framework_id": own_framework.id, "outcome_id": factories.outcome_id(own_framework.id, orgs[COMMISSIONER]),
              "collaborative_id": factories.collaborative(orgs[COMMISSIONER], name="Own group").id,
              "tender_id": tender.id, "question_id": factories.question(orgs[PROVIDER], tender).id}
    approved = factories.supplier_list(orgs[COMMISSIONER], name="Role list")  # the provider reads its membership
    shared.update(supplier_list_id=approved.id, list_member_id=factories.list_member(approved, orgs[PROVIDER]).id,
                  tender_document_id=factories.tender_document(tender).id)
    thread = factories.thread(orgs[COMMISSIONER], title="Role thread")  # market-wide: every role reads it
    question = factories.thread_question(orgs[PROVIDER], thread, "A role's question")
    factories.thread_reply(question, "A reply")
    shared.update(payment_run_id=_paid_run(app, orgs[COMMISSIONER]), remittance_id=_remittance(app, orgs[PROVIDER]))
    shared.update(thread_id=thread.id, post_id=question.id, lot_number=1,
                  **bid_ids(orgs[PROVIDER], tender, "role-partner", opened=True))
    visits = factories.visit_import(contract, filename="roles.csv")
    approved = factories.invoice_row(contract, number="ROLE-INV-APPROVED", status="approved")
    shared.update(visit_import_id=visits.id, visit_id=factories.exception_visit_id(visits), invoice_id=approved.id,
                  invoice_attachment_id=factories.invoice_attachment_row(approved).id)
    seeded = contract.proposal_ids  # an open fund with the provider's bid, a target and a saving
    shared.update(fund_id=seeded["fund_id"], proposal_id=seeded["fund_bid_id"], target_id=seeded["target_id"],
                  saving_id=seeded["saving_id"])
    ids = {kind: {**shared, "membership_id": factories.membership_id(org, users[(kind, ROLES[kind][0])]),
                  "invitation_id": factories.invitation(org)[0].id,
                  "document_id": factories.document(org, filename="own.pdf").id,
                  "export_id": factories.organisation_export(org).id, "organisation_id": org.id}
           for kind, org in orgs.items()}
    return {"orgs": orgs, "users": users, "ids": ids}


def _paid_run(app, commissioner) -> int:
    """The seeded paid run of the commissioner (a provider does not see runs: its GET is a 404)."""
    from portal.invoicing.payment_runs import list_runs
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(commissioner.id):
        return list_runs()[0].id


def _remittance(app, provider) -> int:
    from portal.invoicing.remittances import list_remittances
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider.id):
        return list_remittances()[0].id
