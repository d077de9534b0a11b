"""Writes of savings: targets and savings moving proposed → agreed → realised. Services flush."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.audit.services import record
from portal.collaboratives.models import ACTIVE, CollaborativeMember
from portal.errors import Conflict, Invalid, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.proposals.inputs import decimal_field, text
from portal.proposals.models import ACCEPTED, Proposal
from portal.reporting.periods import financial_year_start
from portal.savings.models import (AGREED, BASELINE_KINDS, COLLABORATIVE, PERCENT, PROPOSED, REALISED,
                                   SAVING_STATUSES, SCOPES, SERVICE_TYPE, TARGET_KINDS, TYPED, Saving, SavingsTarget)

MOVES = {PROPOSED: (AGREED,), AGREED: (REALISED, PROPOSED), REALISED: (AGREED,)}
MONEY_MAX = Decimal("999999999999.99")


class SavingsErrors(ServiceError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())) if len(errors) == 1 else "Some answers need changing",
                         errors=errors)


def collaboratives_of(commissioner_id: int) -> dict[int, list[CollaborativeMember]]:
    """The collaboratives the commissioner is an active member of, with their active members."""
    mine = set(db.session.scalars(select(CollaborativeMember.collaborative_id).where(
        CollaborativeMember.organisation_id == commissioner_id, CollaborativeMember.status == ACTIVE)))
    members: dict[int, list[CollaborativeMember]] = {cid: [] for cid in mine}
    for row in db.session.scalars(select(CollaborativeMember).where(
            CollaborativeMember.collaborative_id.in_(mine), CollaborativeMember.status == ACTIVE)
            .order_by(CollaborativeMember.id)):
        members[row.collaborative_id].append(row)
    return members


def _year(raw, errors: dict):
    value = text(raw)
    if not value.isdigit() or not 2000 <= int(value) <= 2098:
        errors["year"] = "Choose the financial year, like 2026 for April 2026 to March 2027"
        return None
    from datetime import date

    return financial_year_start(date(int(value), 4, 1))


def create_target(commissioner, data: dict, *, actor) -> SavingsTarget:
    errors: dict[str, str] = {}
    name = text(data.get("name"))
    if not name:
        errors["name"] = "Enter a name for the target"
    elif len(name) > 200:
        errors["name"] = "The name must be 200 characters or fewer"
    year_start = _year(data.get("year"), errors)
    scope = text(data.get("scope"))
    if scope not in SCOPES:
        errors["scope"] = "Choose what the target covers"
    programme, service_type = text(data.get("programme")), text(data.get("service_type"))
    if len(programme) > 200:
        errors["programme"] = "The programme must be 200 characters or fewer"
    if len(service_type) > 30:
        errors["service_type"] = "The service type must be 30 characters or fewer"
    if scope == SERVICE_TYPE and not service_type:
        errors["service_type"] = "Enter the service type, like home_care"
    if scope == "programme" and not programme:
        errors["programme"] = "Enter the programme’s name"
    collaborative_id, member_baselines = None, {}
    if scope == COLLABORATIVE:
        groups = collaboratives_of(commissioner.id)
        raw = text(data.get("collaborative_id"))
        if not raw.isdigit() or int(raw) not in groups:
            errors["collaborative_id"] = "Choose one of your collaboratives"
        else:
            collaborative_id = int(raw)
            for member in groups[collaborative_id]:
                key = f"member-{member.organisation_id}"
                amount = decimal_field(data.get(key), key, f"{member.organisation.name}’s baseline", errors,
                                       maximum=MONEY_MAX, unit="£")
                if amount is None and key not in errors:
                    errors[key] = f"Enter {member.organisation.name}’s baseline (its share of the pooled spend)"
                elif amount is not None:
                    member_baselines[str(member.organisation_id)] = str(amount)
    target_kind = text(data.get("target_kind"))
    if target_kind not in TARGET_KINDS:
        errors["target_kind"] = "Choose a percentage or an amount"
    target_value = decimal_field(data.get("target_value"), "target_value", "the target", errors, maximum=MONEY_MAX,
                                 unit="%" if target_kind == PERCENT else "£")
    if target_value is None and "target_value" not in errors:
        errors["target_value"] = "Enter the target"
    elif target_value is not None and (target_value <= 0 or (target_kind == PERCENT and target_value > 100)):
        errors["target_value"] = ("Enter a percentage more than 0 and up to 100" if target_kind == PERCENT
                                  else "Enter an amount more than £0")
    baseline_kind = text(data.get("baseline_kind"))
    if baseline_kind not in BASELINE_KINDS:
        errors["baseline_kind"] = "Choose how the baseline is set"
    baseline = decimal_field(data.get("baseline_amount"), "baseline_amount", "the baseline", errors,
                             maximum=MONEY_MAX, unit="£")
    if baseline_kind == TYPED and baseline is None and "baseline_amount" not in errors:
        errors["baseline_amount"] = "Enter the baseline: the spend per year the saving is measured against"
    if errors:
        raise SavingsErrors(errors)
    target = SavingsTarget(tenant_id=commissioner.id, name=name, year_start=year_start, scope=scope,
                           programme=programme, service_type=service_type, collaborative_id=collaborative_id,
                           target_kind=target_kind, target_value=target_value, baseline_kind=baseline_kind,
                           baseline_amount=baseline if baseline_kind == TYPED else None,
                           member_baselines=member_baselines, created_by_id=actor.id)
    db.session.add(target)
    db.session.flush()
    record("savings.target_created", target, actor=actor, name=name)
    return target


def add_saving(target: SavingsTarget, data: dict, *, actor) -> Saving:
    errors: dict[str, str] = {}
    description = text(data.get("description"))
    if not description:
        errors["description"] = "Describe the saving"
    elif len(description) > 300:
        errors["description"] = "The description must be 300 characters or fewer"
    amount = decimal_field(data.get("amount"), "amount", "the amount per year", errors, maximum=MONEY_MAX, unit="£")
    if amount is None and "amount" not in errors:
        errors["amount"] = "Enter the saving per year"
    elif amount is not None and amount <= 0:
        errors["amount"] = "The saving must be more than £0"
    proposal = None
    raw = text(data.get("proposal_id"))
    if raw:
        proposal = db.session.scalar(select(Proposal).where(Proposal.id == int(raw))) if raw.isdigit() and len(
            raw) < 18 else None
        if proposal is None or proposal.status != ACCEPTED or proposal.commissioner_id != target.tenant_id:
            errors["proposal_id"] = "Choose one of the proposals you accepted"
            proposal = None
    if errors:
        raise SavingsErrors(errors)
    saving = Saving(tenant_id=target.tenant_id, target_id=target.id, description=description, amount=amount,
                    status=PROPOSED, provider_id=proposal.tenant_id if proposal else None,
                    proposal_id=proposal.id if proposal else None, created_by_id=actor.id)
    db.session.add(saving)
    db.session.flush()
    record("savings.saving_added", target, actor=actor, description=description)
    return saving


def move_saving(saving: Saving, status, *, actor) -> Saving:
    status = text(status)
    if status not in SAVING_STATUSES:
        raise Invalid("Choose proposed, agreed or realised", field="status")
    if status not in MOVES[saving.status]:
        raise Conflict(f"A saving that is {saving.status_label.lower()} cannot become {SAVING_STATUSES[status].lower()}")
    saving.status, saving.updated_at = status, utcnow()
    db.session.flush()
    record("savings.saving_moved", saving, actor=actor, status=status)
    return saving
