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
    consortium bid (member, document, receipt), one opening confirmation, and the bid's
    evaluation (an evaluator and their score, a consensus score, an award in standstill and the
    bidder's outcome); returns the contract."""
    contract = factories.contract(commissioner=commissioner, provider=provider, reference=reference, title="Seeded",
                                  care_group="", locality="", end=date(2025, 3, 31), annual_value="1000",
                                  funding_model="block")
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
    member = factories.organisation("provider", slug=f"{reference.lower()}-member")
    bid = factories.bid(provider, tender, members=[member])
    factories.opening(tender, factories.user())
    seed_evaluation_rows(tender, bid, question)
    market_thread = factories.thread(commissioner, title=f"{reference} market")
    factories.thread_reply(factories.thread_question(provider, market_thread, f"{reference} question"),
                           f"{reference} reply", publish=True)
    private = factories.thread(commissioner, title=f"{reference} private", contract_=contract)
    factories.thread_reply(factories.thread_question(provider, private, f"{reference} private question"),
                           f"{reference} private reply", answer_set=True)
    return contract


def seed_evaluation_rows(tender, bid, question) -> None:
    """A row in every evaluation table: an evaluator on the tender's panel (not yet declared) with a
    score of the bid, the consensus score, an award of the bid in standstill and its outcome."""
    person = factories.user()
    factories.evaluator_row(tender, person)
    factories.evaluator_score(bid, question, person)
    factories.consensus_score(bid, question)
    factories.award_row(bid)


def evaluation_ids(app, provider, commissioner=None, tender=None) -> dict:
    """Ids for the evaluation's URL arguments: lot 1 and a bid of the provider on ``tender`` (or
    on a new tender of the commissioner), whose bids are then opened: the commissioner reads
    the bid, so a role without the permission meets a 403, not a 404."""
    from tests.procurement.evaluation_setup import open_bids

    tender = tender or factories.tender(commissioner, reference=f"{commissioner.slug[:20]}-BIDS")
    bid = factories.bid(provider, tender)
    open_bids(app, tender)
    return {"lot_number": 1, "bid_id": bid.id}
