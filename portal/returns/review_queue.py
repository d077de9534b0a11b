"""The commissioner's review queue, and telling the provider about a review."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from portal.accounts.models import User
from portal.contracts.models import Contract
from portal.extensions import db
from portal.limits import clamp_offset, clamp_page, fits_id
from portal.notifications.services import send_email
from portal.reporting.periods import month_field
from portal.returns.models import ACCEPTED, AWAITING_REVIEW, COUNTED, DRAFT, STATUSES, Return
from portal.tenants.models import Membership, Organisation
from portal.urls import external_url


@dataclass
class QueueFilters:
    #: A provider's slug (the outcomes page's links), or all or part of its name in any case.
    provider: str | None = None
    contract_id: int | None = None
    #: Part of a contract's reference, in any case (the page's text box; the API also takes an id).
    reference: str | None = None
    service_type: str | None = None
    locality: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    status: str | None = None  # defaults to the statuses awaiting review

    @property
    def statuses(self) -> tuple[str, ...]:
        if self.status == "counted":  # the returns behind the outcome figures
            return COUNTED
        return (self.status,) if self.status in STATUSES else AWAITING_REVIEW


#: The longest text each box takes: a contract reference is at most 60 characters, a name 200.
TEXT_LIMITS = {"provider": ("Provider", 200, "all or part of a provider's name"),
               "reference": ("Contract reference", 60, "all or part of a contract's reference")}


def _text_filters(args, errors: dict) -> dict[str, str | None]:
    """The text boxes, spaces tidied; one too long to match anything is explained, not used."""
    values = {}
    for key, (label, limit, example) in TEXT_LIMITS.items():
        value = " ".join((args.get(key) or "").split()) or None
        if value and len(value) > limit:
            errors[key] = f"{label} must be {limit} characters or fewer: enter {example}"
            value = None
        values[key] = value
    return values


def queue_filters_from(args) -> tuple[QueueFilters, dict[str, str]]:
    """The queue's filters from the page's address (months as YYYY-MM), and their problems."""
    errors = {}
    period_from, errors["period_from"] = month_field(args.get("from"))
    period_to, errors["period_to"] = month_field(args.get("to"), end=True)
    status = args.get("status") or None
    return QueueFilters(**_text_filters(args, errors),
                        service_type=args.get("service_type") or None, locality=args.get("locality") or None,
                        period_from=period_from, period_to=period_to,
                        status=status if (status in STATUSES and status != DRAFT) or status == "counted"
                        else None), \
        {k: v for k, v in errors.items() if v}


def _queue(filters: QueueFilters):
    """The returns matching ``filters`` (a select, unordered), or None when none can."""
    query = (select(Return).join(Return.contract).join(Organisation, Organisation.id == Contract.tenant_id)
             .where(Return.status.in_(filters.statuses)))
    if filters.provider:
        query = query.where(or_(Organisation.slug == filters.provider,
                                Organisation.name.icontains(filters.provider, autoescape=True)))
    if filters.contract_id:
        if not fits_id(filters.contract_id):
            return None  # no contract has that id
        query = query.where(Return.contract_id == filters.contract_id)
    if filters.reference:
        query = query.where(Contract.reference.icontains(filters.reference, autoescape=True))
    if filters.service_type:
        query = query.where(Contract.service_type == filters.service_type)
    if filters.locality:
        query = query.where(Contract.locality == filters.locality)
    if filters.period_from:
        query = query.where(Return.period_end >= filters.period_from)
    if filters.period_to:
        query = query.where(Return.period_start <= filters.period_to)
    return query


def review_queue(filters: QueueFilters, *, me: User, limit: int = 200, offset: int = 0) -> list[Return]:
    """Returns to review, the lead contract manager's own providers first, then oldest due first."""
    query = _queue(filters)
    if query is None:
        return []
    mine_first = case((Contract.lead_manager_id == me.id, 0), else_=1)
    return list(db.session.scalars(query.order_by(mine_first, Return.due_date, Return.id)
                                   .limit(limit).offset(clamp_offset(offset))))


#: Returns on a page of the review queue.
QUEUE_PAGE_SIZE = 25


@dataclass
class QueuePage:
    returns: list[Return]
    total: int
    page: int
    page_size: int = QUEUE_PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first(self) -> int:
        """The position of the page's first return in the whole queue (1-based)."""
        return (self.page - 1) * self.page_size + 1


def review_queue_page(filters: QueueFilters, *, me: User, page: int = 1, page_size: int | None = None) -> QueuePage:
    """One page of the queue and how many returns it holds in all."""
    page, page_size = clamp_page(page), page_size or QUEUE_PAGE_SIZE
    query = _queue(filters)
    total = 0 if query is None else db.session.scalar(
        select(func.count()).select_from(query.with_only_columns(Return.id).subquery())) or 0
    returns = review_queue(filters, me=me, limit=page_size, offset=(page - 1) * page_size) if total else []
    return QueuePage(returns=returns, total=total, page=page, page_size=page_size)


def notify_review(return_id: int) -> None:
    """Runs as the provider: email its submitters and administrators about the commissioner's decision."""
    ret = db.session.scalar(select(Return).where(Return.id == return_id))
    if ret is None:
        return
    organisation = db.session.get(Organisation, ret.tenant_id)
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(("submitter", "provider_admin")), User.is_active_account)))
    accepted = ret.status == ACCEPTED
    subject = (f"Return accepted: {ret.contract.reference}" if accepted
               else f"Changes requested to a return: {ret.contract.reference}")
    link = external_url("returns.show", slug=organisation.slug, return_id=ret.id)
    for user in recipients:
        send_email(user.email, subject, "return_reviewed", user=user, ret=ret, link=link, accepted=accepted)

