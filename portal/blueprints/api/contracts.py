"""Contracts, their return schedules and outcome frameworks."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.contracts import custom_frameworks, queries, services
from portal.contracts.schemas import (ContractCreateSchema, ContractSchema, FrameworkCreateSchema, FrameworkSchema,
                                      ScheduleCreateSchema, ScheduleSchema)
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint

bp = ApiBlueprint("api_contracts", __name__, description="Contracts, schedules and outcome frameworks")


@bp.org_route("/contracts")
@requires("view_contracts")
@bp.response(200, ContractSchema(many=True))
@bp.doc(security=BEARER)
def contracts():
    """Contracts of the organisation (a provider's own, or those a commissioner commissions)"""
    return queries.list_contracts()


@bp.org_route("/contracts", methods=["POST"])
@requires("manage_contracts")
@bp.arguments(ContractCreateSchema)
@bp.response(201, ContractSchema)
@bp.doc(security=BEARER)
def create_contract(data):
    """Create a contract (commissioners)"""
    return services.create_contract_from_api(g.organisation, data, actor=current_user)


@bp.org_route("/contracts/<int:contract_id>/schedule", methods=["POST"])
@requires("manage_contracts")
@bp.arguments(ScheduleCreateSchema)
@bp.response(201, ScheduleSchema)
@bp.doc(security=BEARER)
def create_schedule(data, contract):
    """Give a contract its return schedule; a draft return is made for every period"""
    schedule = services.create_schedule(contract, frequency=data["frequency"], due_days=data["due_days"],
                                        actor=current_user)
    return {"id": schedule.id, "contract_id": contract.id, "frequency": schedule.frequency,
            "due_days": schedule.due_days, "returns": services.count_periods(contract, schedule)}


@bp.org_route("/frameworks")
@requires("view_frameworks")
@bp.response(200, FrameworkSchema(many=True))
@bp.doc(security=BEARER)
def frameworks():
    """The national outcome frameworks and the organisation's own, with their questions"""
    return custom_frameworks.visible_frameworks(g.organisation)


@bp.org_route("/frameworks", methods=["POST"])
@requires("manage_frameworks")
@bp.arguments(FrameworkCreateSchema)
@bp.response(201, FrameworkSchema)
@bp.doc(security=BEARER)
def create_framework(data):
    """Define your own framework (commissioners): outcomes get the standard questions, plus any measures"""
    return custom_frameworks.create_framework_from_api(g.organisation, data, actor=current_user)
