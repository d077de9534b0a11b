"""Awarding a lot, telling every bidder, and the standstill that ends in contracts.

- The procurement team awards a moderated lot to the top of its ranking (the top ``places``
  bids for a lot that takes several providers), or to other bids with a recorded reason. The
  award is public from its notice (``Award`` rows are listed to every organisation).
- Every bidder of the lot gets an outcome (its row: successful or not, its own scores and the
  winner's, with the moderator's reasons; never another unsuccessful bidder's) and an email, by a
  job run as that bidder after the commit.
- The tender is awarded once every lot is.
- The standstill ends per the tender's regime (``regimes.standstill_end``, from the notice).
  ``end_standstills`` (every minute, like ``close_tenders``) then turns each award into a
  contract through the ``standstill_ended`` signal: the contracts module makes it (received in
  ``portal.events``), ready for its return schedule, and the award keeps its id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from blinker import Namespace
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.services import record
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.limits import LATEST_DATE
from portal.models_base import utcnow
from portal.notifications.services import send_email
from portal.outbox import enqueue_after_commit
from portal.procurement import evaluation_queries as queries
from portal.procurement import regimes
from portal.procurement.evaluation_models import CONTRACTED, SCALE, STANDSTILL, Award, BidOutcome
from portal.procurement.models import AWARDED, EVALUATION, Lot, Tender
from portal.procurement.ranking import Ranked, pounds, shown
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import COMMISSIONER, PROVIDER, Membership, Organisation
from portal.urls import external_url

_signals = Namespace()

#: An award's standstill has ended: make its contract. Sender: the ``Award``; keywords name the
#: contract (``commissioner``, ``provider_id``, ``reference``, ``title``, ``service_type``,
#: ``start_date``, ``end_date``, ``annual_value``, ``framework_code``). A receiver answers the
#: contract it made; it flushes, never commits.
standstill_ended = _signals.signal("award-standstill-ended")

#: The national outcome framework a contract from an award follows, by the tender's regime.
FRAMEWORK_BY_REGIME = {"scotland": "NHWO", "england": "ASCOF-2023", "below_threshold": "NHWO"}
RECIPIENT_ROLES = ("submitter", "provider_admin")
MAX_CONTRACT_YEARS = 15
DEFAULT_CONTRACT_YEARS = 3


@dataclass(frozen=True)
class AwardPlan:
    """An award checked and ready to make: what the check-answers page shows."""

    lot: Lot
    ranking: list[Ranked]
    chosen: list[Ranked]
    as_ranked: bool
    reason: str
    notice_at: datetime
    standstill_end: datetime
    contract_start: date
    contract_end: date


def default_contract_end(tender: Tender) -> date:
    return tender.contract_start + relativedelta(years=DEFAULT_CONTRACT_YEARS) - timedelta(days=1)


def _contract_start(tender: Tender, standstill_end: datetime) -> date:
    """The tender's contract start, or the first day after the standstill if that is later."""
    return max(tender.contract_start, standstill_end.astimezone(regimes.LONDON).date())


def plan_award(tender: Tender, lot: Lot, *, bid_ids, reason: str = "", contract_end: date | None,
               now: datetime | None = None) -> AwardPlan:
    """Check an award of the lot without making it (nothing is written)."""
    if tender.tenant_id != current_tenant_id():
        raise Conflict("Only the tender's commissioner awards it")
    if tender.status != EVALUATION:
        raise Conflict("Lots are awarded while the tender is being evaluated" if tender.status != AWARDED
                       else "This tender is awarded")
    done = queries.awards_of_lot(tender, lot)
    if done:
        raise Conflict(f"Lot {lot.number} was awarded on {done[0].notice_at.astimezone(regimes.LONDON):%-d %B %Y}")
    ranking = queries.ranking(tender, lot)
    if not ranking:
        raise Conflict(f"Lot {lot.number} has no bids to award")
    by_id = {str(r.bid.bid_id): r for r in ranking}
    given = [bid_ids] if isinstance(bid_ids, (str, int)) else list(bid_ids or [])
    wanted = list(dict.fromkeys(str(b).strip() for b in given if str(b).strip()))
    places = min(lot.places, len(ranking))
    if not wanted or any(b not in by_id for b in wanted):
        raise Invalid(f"Choose the bid{'s' if places > 1 else ''} to award lot {lot.number} to, from the ranking",
                      field="bids")
    if len(wanted) > lot.places:
        raise Invalid(f"Lot {lot.number} takes {lot.places} provider{'s' if lot.places > 1 else ''}: choose no more",
                      field="bids")
    chosen = sorted((by_id[b] for b in wanted), key=lambda r: ranking.index(r))
    as_ranked = len(chosen) == places and all(r.rank <= places for r in chosen)
    reason = " ".join(str(reason or "").split())
    if not as_ranked and not reason:
        raise Invalid(f"Give the reason for not awarding the lot to the top {places} of the ranking"
                      if places > 1 else "Give the reason for not awarding the lot to the top-ranked bid",
                      field="reason")
    if len(reason) > 2000:
        raise Invalid("The reason must be 2,000 characters or fewer", field="reason")
    now = now or utcnow()
    standstill_end = regimes.standstill_end(tender.regime, now, electronic=tender.electronic)
    start = _contract_start(tender, standstill_end)
    if contract_end is None:
        raise Invalid("Enter the date the contract ends", field="contract_end")
    if contract_end < start:
        raise Invalid(f"The contract must end on or after it starts, {regimes.format_date(start)}",
                      field="contract_end")
    if contract_end > min(start + relativedelta(years=MAX_CONTRACT_YEARS), LATEST_DATE):
        raise Invalid(f"A contract can last at most {MAX_CONTRACT_YEARS} years", field="contract_end")
    return AwardPlan(lot=lot, ranking=ranking, chosen=chosen, as_ranked=as_ranked, reason=reason, notice_at=now,
                     standstill_end=standstill_end, contract_start=start, contract_end=contract_end)


def award_lot(tender: Tender, lot: Lot, *, bid_ids, reason: str = "", contract_end: date | None,
              actor: User | None, now: datetime | None = None) -> list[Award]:
    """Award the lot: the awards (public), every bidder's outcome, their emails after the commit,
    and the tender awarded once every lot is."""
    db.session.execute(select(Tender.id).where(Tender.id == tender.id, Tender.tenant_id == tender.tenant_id)
                       .with_for_update())
    plan = plan_award(tender, lot, bid_ids=bid_ids, reason=reason, contract_end=contract_end, now=now)
    made = []
    for ranked in plan.chosen:
        award = Award(tenant_id=tender.tenant_id, tender_id=tender.id, lot_id=lot.id, bid_id=ranked.bid.bid_id,
                      provider_id=ranked.bid.provider_id, value=ranked.bid.price, rank=ranked.rank,
                      reason="" if plan.as_ranked else plan.reason, notice_at=plan.notice_at,
                      standstill_end=plan.standstill_end, contract_start=plan.contract_start,
                      contract_end=plan.contract_end, status=STANDSTILL, listed=True,
                      awarded_by_id=actor.id if actor else None)
        db.session.add(award)
        made.append(award)
    winners = [_figures(r) for r in plan.chosen]
    chosen_ids = {r.bid.bid_id for r in plan.chosen}
    for ranked in plan.ranking:
        details = {"lot": {"number": lot.number, "title": lot.title}, "places": lot.places,
                   "bidders": len(plan.ranking), "own": _figures(ranked), "winners": winners,
                   "standstill_end": plan.standstill_end.isoformat(), "reason": "" if plan.as_ranked else plan.reason,
                   "weights": {"quality": tender.quality_weight, "price": tender.price_weight}}
        db.session.add(BidOutcome(tenant_id=ranked.bid.provider_id, commissioner_id=tender.tenant_id,
                                  tender_id=tender.id, lot_id=lot.id, bid_id=ranked.bid.bid_id,
                                  successful=ranked.bid.bid_id in chosen_ids, rank=ranked.rank, details=details,
                                  notice_at=plan.notice_at))
    db.session.flush()
    record("lot_awarded", tender, actor=actor, lot=lot.number, winners=[r.bid.provider_name for r in plan.chosen],
           as_ranked=plan.as_ranked, reason=plan.reason, standstill_end=plan.standstill_end.isoformat())
    for provider_id in sorted({r.bid.provider_id for r in plan.ranking}):
        enqueue_after_commit("notify_award_outcome", tenant_id=provider_id, tender_id=tender.id, lot_id=lot.id)
    awarded = {a.lot_id for a in queries.awards_of(tender)}
    if all(item.id in awarded for item in tender.lots):
        tender.status = AWARDED
        db.session.flush()
        record("tender_awarded", tender, actor=actor, reference=tender.reference)
    return made


def _figures(ranked: Ranked) -> dict:
    """A bid's figures and workings as the outcome keeps them (strings, rounded for display)."""
    return {"name": ranked.bid.provider_name, "rank": ranked.rank, "price": pounds(ranked.bid.price),
            "quality": shown(ranked.quality), "price_score": shown(ranked.price_score), "total": shown(ranked.total),
            "quality_working": ranked.quality_working, "price_working": ranked.price_working,
            "total_working": ranked.total_working,
            "questions": [{"number": q.number, "text": q.text, "weight": q.weight, "score": q.score,
                           "meaning": SCALE[q.score][0], "reason": q.reason, "points": shown(points),
                           "working": working} for q, points, working in ranked.lines]}


# -- telling the bidders -------------------------------------------------------------------------------

def notify_award_outcome(tender_id: int, lot_id: int) -> None:
    """Runs as a bidder: email its administrators and submitters the outcome of its bid."""
    provider = db.session.get(Organisation, current_tenant_id())
    if provider is None or provider.kind != PROVIDER:
        return
    outcome = db.session.scalar(select(BidOutcome).where(BidOutcome.tenant_id == provider.id,
                                                         BidOutcome.tender_id == tender_id,
                                                         BidOutcome.lot_id == lot_id))
    if outcome is None:
        return
    tender = outcome.tender
    link = external_url("evaluation.outcome", slug=provider.slug, tender_id=tender.id)
    lot = outcome.details["lot"]
    subject = (f"{'Successful' if outcome.successful else 'Unsuccessful'}: your bid for {tender.reference}"
               + (f", lot {lot['number']}" if len(tender.lots) > 1 else ""))
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(RECIPIENT_ROLES), User.is_active_account)))
    standstill = regimes.format_moment(datetime.fromisoformat(outcome.details["standstill_end"]))
    for user in recipients:
        send_email(user.email, subject[:200], "award_outcome", user=user, tender=tender, outcome=outcome,
                   details=outcome.details, organisation=provider, link=link, standstill=standstill, scale=SCALE)


# -- the standstill ends: contracts ---------------------------------------------------------------------

def end_standstills(now: datetime | None = None) -> int:
    """Every award whose standstill has ended becomes a contract; returns how many."""
    from portal.worker_app import app_context

    made = 0
    with app_context():
        now = now or utcnow()
        commissioners = list(db.session.scalars(select(Organisation.id).where(Organisation.kind == COMMISSIONER)
                                                .order_by(Organisation.id)))
        for commissioner_id in commissioners:
            with tenant_context(commissioner_id):
                made += end_own_standstills(commissioner_id, now)
            db.session.commit()
    return made


def end_own_standstills(commissioner_id: int, now: datetime) -> int:
    """The commissioner's awards past their standstill, each made a contract (a flush)."""
    due = queries.due_awards(commissioner_id, now)
    for award in due:
        conclude(award, now)
    return len(due)


def conclude(award: Award, now: datetime) -> Award:
    """The award's contract, made by the contracts module (the ``standstill_ended`` signal)."""
    if award.status != STANDSTILL or now < award.standstill_end:
        raise Conflict("The standstill has not ended yet")
    tender, lot = award.tender, award.lot
    winners = [a for a in queries.awards_of_lot(tender, lot)]
    reference = f"{tender.reference[:50]}-L{lot.number}"
    if len(winners) > 1:
        reference += f"-{winners.index(award) + 1}"
    title = tender.title if len(tender.lots) == 1 else f"{tender.title}, lot {lot.number}: {lot.title}"
    results = standstill_ended.send(
        award, commissioner=db.session.get(Organisation, tender.tenant_id), provider_id=award.provider_id,
        reference=reference, title=title[:200], service_type=tender.service_type, start_date=award.contract_start,
        end_date=award.contract_end, annual_value=award.value, framework_code=FRAMEWORK_BY_REGIME[tender.regime])
    contract = next((made for _receiver, made in results if made is not None), None)
    if contract is None:
        raise RuntimeError("no receiver of standstill_ended made the contract: see portal.events")
    award.contract_id, award.status, award.concluded_at = contract.id, CONTRACTED, now
    db.session.flush()
    record("award_contracted", tender, actor=None, lot=lot.number, provider=award.provider.slug,
           contract=contract.reference)
    return award
