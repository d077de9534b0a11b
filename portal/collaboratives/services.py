"""Forming collaboratives and keeping each member's shared outcome rollup up to date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, select, text

from portal.accounts.models import User
from portal.audit.services import record
from portal.collaboratives.models import ACTIVE, INVITED, Collaborative, CollaborativeMember, OutcomeRollup
from portal.errors import Conflict, NotFound, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit
from portal.reporting.latest import LATEST_ANSWERS
from portal.reporting.periods import london_today, month_start
from portal.reporting.suppression import (effective_threshold, growing_year_suppression, pooled_suppression,
                                          threshold_floor)
from portal.returns.models import COUNTED
from portal.tenants.context import current_tenant_id
from portal.tenants.models import COMMISSIONER, Organisation

ROLLUP_LOCK = 0x726F  # the first key of the advisory lock a commissioner's rollup refresh holds
# The latest submitted version of each of the commissioner's counted returns on a national
# framework, per framework, outcome and month (a commissioner's own frameworks are not shared).
ROLLUP = f"""
WITH latest AS (
    SELECT lv.answers, r.period_start, c.framework_id
    FROM contracts c
    JOIN returns r ON r.tenant_id = c.tenant_id AND r.contract_id = c.id
    {LATEST_ANSWERS}
    WHERE c.commissioner_id = :org AND r.status = ANY(:counted)
)
SELECT f.code AS framework_code, o.code AS outcome, l.period_start,
       coalesce(sum(NULLIF(l.answers ->> (o.code || '.REVIEWED'), '')::numeric), 0) AS reviewed,
       coalesce(sum(NULLIF(l.answers ->> (o.code || '.ACHIEVED'), '')::numeric), 0) AS achieved,
       count(*) AS returns
FROM latest l
JOIN outcome_frameworks f ON f.id = l.framework_id AND f.owner_id IS NULL
JOIN outcomes o ON o.framework_id = l.framework_id
GROUP BY f.code, o.code, l.period_start
"""


def _commissioner(org: Organisation) -> None:
    if org.kind != COMMISSIONER or org.id != current_tenant_id():
        raise ServiceError("Only commissioners form collaboratives")


def fellow_members(org_id: int) -> list[int]:
    """Organisations that share an active collaborative with ``org_id`` (both sides active)."""
    mine = select(CollaborativeMember.collaborative_id).where(CollaborativeMember.organisation_id == org_id,
                                                              CollaborativeMember.status == ACTIVE)
    return sorted(set(db.session.scalars(
        select(CollaborativeMember.organisation_id).where(CollaborativeMember.collaborative_id.in_(mine),
                                                          CollaborativeMember.status == ACTIVE,
                                                          CollaborativeMember.organisation_id != org_id))))


def _refresh_later(org_ids) -> None:
    for org_id in sorted(set(org_ids)):
        enqueue_after_commit("refresh_outcome_rollup", tenant_id=org_id, commissioner_id=org_id)


def refresh_rollup_of_return(ret, **_event) -> None:
    """Receives ``return_submitted`` and ``return_reviewed``: the commissioner's rollup follows its
    submitted and reviewed returns (one pending refresh per commissioner)."""
    _refresh_later([ret.commissioner_id])


def directory(org: Organisation) -> list[Organisation]:
    """The commissioners ``org`` may invite, by name: every active commissioner on the platform
    (organisations' names and kinds are not tenant data) except ``org`` itself."""
    query = select(Organisation).where(Organisation.kind == COMMISSIONER, Organisation.is_active,
                                       Organisation.id != org.id)
    return list(db.session.scalars(query.order_by(func.lower(Organisation.name), Organisation.id)))


def _chosen(org: Organisation, invite: list[str]) -> list[Organisation]:
    """The organisations chosen from the directory (by their short names); anything else is refused."""
    listed = {o.slug: o for o in directory(org)}
    chosen = []
    for slug in dict.fromkeys(s.strip().lower() for s in invite if s and s.strip()):
        if slug not in listed:
            raise ServiceError("Choose commissioners from the list", field="invite")
        chosen.append(listed[slug])
    return chosen


def create_collaborative(org: Organisation, *, name: str, invite: list[str], actor: User | None) -> Collaborative:
    _commissioner(org)
    name = (name or "").strip()
    if not name:
        raise ServiceError("Enter a name for the collaborative", field="name")
    if len(name) > 200:
        raise ServiceError("Enter a name of 200 characters or fewer", field="name")
    invited = _chosen(org, invite)
    collaborative = Collaborative(name=name, created_by_id=org.id)
    db.session.add(collaborative)
    db.session.flush()
    db.session.add(CollaborativeMember(collaborative_id=collaborative.id, organisation_id=org.id, status=ACTIVE,
                                       joined_at=utcnow()))
    for other in invited:
        db.session.add(CollaborativeMember(collaborative_id=collaborative.id, organisation_id=other.id,
                                           status=INVITED))
    db.session.flush()
    record("collaborative_created", collaborative, actor=actor, name=name, invited=[o.slug for o in invited])
    _refresh_later([org.id])
    return collaborative


def membership(org: Organisation, collaborative_id: int) -> CollaborativeMember | None:
    return db.session.scalar(select(CollaborativeMember).where(
        CollaborativeMember.collaborative_id == collaborative_id, CollaborativeMember.organisation_id == org.id))


def accept(org: Organisation, collaborative_id: int, *, actor: User | None) -> None:
    _commissioner(org)
    member = membership(org, collaborative_id)
    if member is None:
        raise NotFound("No such collaborative")
    if member.status == ACTIVE:
        raise Conflict("You are already a member of this collaborative")
    member.status, member.joined_at = ACTIVE, utcnow()
    db.session.flush()
    record("collaborative_joined", member.collaborative, actor=actor)
    _refresh_later([m.organisation_id for m in member.collaborative.members if m.status == ACTIVE])


def leave(org: Organisation, collaborative_id: int, *, actor: User | None) -> None:
    _commissioner(org)
    member = membership(org, collaborative_id)
    if member is None:
        raise NotFound("No such collaborative")
    others = [m.organisation_id for m in member.collaborative.members if m.status == ACTIVE]
    db.session.delete(member)
    db.session.flush()
    record("collaborative_left", member.collaborative, actor=actor)
    _refresh_later(others)


def my_collaboratives(org: Organisation) -> list[CollaborativeMember]:
    return list(db.session.scalars(select(CollaborativeMember).where(CollaborativeMember.organisation_id == org.id)
                                   .order_by(CollaborativeMember.status, CollaborativeMember.id)))


def refresh_outcome_rollup(commissioner_id: int) -> None:
    """Runs as the commissioner: rebuild its rollup and who may read it. Idempotent. Two
    refreshes of one commissioner (on two workers) take turns, so they never insert the same
    cells at once."""
    db.session.execute(select(func.pg_advisory_xact_lock(ROLLUP_LOCK, commissioner_id)))
    db.session.execute(delete(OutcomeRollup))  # the tenant criteria limit this to its own rows
    visible = fellow_members(commissioner_id)
    rows = [dict(row._mapping, tenant_id=commissioner_id, visible_to=visible)
            for row in db.session.execute(text(ROLLUP), {"org": commissioner_id, "counted": list(COUNTED)})]
    if rows:
        db.session.execute(OutcomeRollup.__table__.insert(), rows)
    db.session.flush()


@dataclass
class PooledRow:
    """One figure of the collaborative view: a member's (``tenant_id``) or the pooled one.
    A suppressed figure carries no numbers at all."""

    outcome: str
    tenant_id: int | None
    reviewed: Decimal | None
    achieved: Decimal | None
    suppressed: bool

    @property
    def pooled(self) -> bool:
        return self.tenant_id is None

    @property
    def rate(self) -> Decimal | None:
        if self.suppressed or not self.reviewed:
            return None
        return (Decimal(self.achieved) * 100 / Decimal(self.reviewed)).quantize(Decimal("0.1"))


def pooled_outcomes(collaborative: Collaborative, *, framework_code: str, period_from: date, period_to: date,
                    threshold: int | None = None) -> list[PooledRow]:
    """Each member's totals per outcome and the pooled totals, with small numbers suppressed and
    the pooled figure suppressed too wherever a member could work out another's hidden figure
    from it (portal.reporting.suppression says how). A range that reaches the current month is
    the year in progress, which grows between two views: its months are checked one by one too.
    An explicit cross-tenant read: row-level security still shows only the rollups shared with us."""
    members = [m.organisation_id for m in collaborative.members if m.status == ACTIVE]
    sql = text("""
        SELECT outcome, tenant_id, period_start, sum(reviewed) AS reviewed, sum(achieved) AS achieved
        FROM outcome_rollups
        WHERE framework_code = :framework AND period_start BETWEEN :period_from AND :period_to
          AND tenant_id = ANY(:members)
        GROUP BY outcome, tenant_id, period_start
        ORDER BY outcome, tenant_id, period_start""")
    months: dict[str, dict[date, dict[int, tuple]]] = {}
    for row in db.session.execute(sql.execution_options(cross_tenant=True), {
            "framework": framework_code, "period_from": period_from, "period_to": period_to, "members": members}):
        months.setdefault(row.outcome, {}).setdefault(row.period_start, {})[row.tenant_id] = (row.reviewed,
                                                                                               row.achieved)
    growing = period_to >= month_start(london_today())
    floor = threshold_floor()
    threshold = effective_threshold(threshold)
    rows = []
    for outcome in sorted(months, key=_outcome_order):
        by_month = [months[outcome][month] for month in sorted(months[outcome])]
        by_member: dict[int, tuple] = {}
        for cells in by_month:
            for tenant_id, (r, a) in cells.items():
                reviewed, achieved = by_member.get(tenant_id, (Decimal(0), Decimal(0)))
                by_member[tenant_id] = (reviewed + r, achieved + a)
        if growing:
            hidden, pooled_hidden = growing_year_suppression(by_month, threshold=threshold, floor=floor,
                                                             viewers=members)
        else:
            hidden, pooled_hidden = pooled_suppression(by_member, threshold=threshold, floor=floor, viewers=members)
        reviewed = sum((r for r, _a in by_member.values()), Decimal(0))
        achieved = sum((a for _r, a in by_member.values()), Decimal(0))
        rows.append(PooledRow(outcome, None, None if pooled_hidden else reviewed,
                              None if pooled_hidden else achieved, pooled_hidden))
        for tenant_id, (r, a) in sorted(by_member.items()):
            secret = tenant_id in hidden
            rows.append(PooledRow(outcome, tenant_id, None if secret else r, None if secret else a, secret))
    return rows


def _outcome_order(code: str) -> tuple:
    """NHWO-2 before NHWO-10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.replace(".", "-").split("-"))
