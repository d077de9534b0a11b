"""The contracts and returns API. Same services as the pages; bearer tokens only.

Every route exists under /api/v1/orgs/<slug>/... and, for a user with one organisation,
without the slug (/api/v1/contracts, /api/v1/returns/<id>, ...).
"""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_smorest import Blueprint, abort

from portal.blueprints.api import BEARER, resolve, token_required
from portal.contracts import queries as contract_queries
from portal.contracts import services as contract_services
from portal.contracts import custom_frameworks
from portal.contracts.schemas import (ContractCreateSchema, ContractSchema, FrameworkCreateSchema, FrameworkSchema,
                                      ScheduleCreateSchema, ScheduleSchema)
from portal.errors import ServiceError
from portal.extensions import db
from portal.returns import attachments, imports, queries, services
from portal.returns.review_queue import QueueFilters, review_queue
from portal.returns.schemas import (AttachSchema, ImportSchema, ReturnDetailSchema, ReturnListArgsSchema,
                                    ReturnPatchSchema, ReturnSummarySchema, ReviewQueueArgsSchema, ReviewQueueItemSchema,
                                    ReviewSchema, SubmitSchema)
from portal.tenants.models import COMMISSIONER, PROVIDER

bp = Blueprint("api_returns", __name__, url_prefix="/api/v1", description="Contracts and returns")
PROVIDER_EDITORS = ("provider_admin", "submitter")
REVIEWERS = ("contract_manager", "commissioner_admin")
CONTRACT_EDITORS = ("contract_manager", "commissioner_admin", "procurement")


def guarded(view):
    """Bearer token, then the organisation and any object in the address, before the body is
    read: another tenant's object is a 404 whatever the request carries."""

    @wraps(view)
    def check_objects(*args, **kwargs):
        resolve(kwargs.get("slug"))
        if "contract_id" in kwargs and contract_queries.get_contract(kwargs["contract_id"]) is None:
            abort(404, message="No such contract")
        if "return_id" in kwargs:
            _return_or_404(kwargs["return_id"])
        return view(*args, **kwargs)

    return token_required(check_objects)


def _fail(exc: ServiceError):
    db.session.rollback()
    if isinstance(exc, services.ValidationFailed):
        abort(422, message=exc.message, errors={"answers": exc.errors})
    abort(exc.status, message=exc.message, errors={exc.field: [exc.message]} if exc.field else None)


def _return_or_404(return_id: int):
    ret = queries.get_return(return_id)
    if ret is None:
        abort(404, message="No such return")
    return ret


def _provider_return(return_id: int):
    org, membership = g.organisation, g.membership
    ret = _return_or_404(return_id)
    if org.kind != PROVIDER or membership.role not in PROVIDER_EDITORS:
        abort(403, message="Only the provider's submitters can change a return")
    return ret


def _detail(ret):
    measures = queries.measures_for(ret)
    _answers, documents, _digest = services.snapshot(ret) if g.organisation.kind == PROVIDER else ({}, [], "")
    versions = queries.versions_for(ret)
    if g.organisation.kind == PROVIDER:
        answers = _answers
    else:  # a commissioner sees what was submitted, never the provider's working copy
        answers = versions[-1].answers if versions else {}
        documents = versions[-1].documents if versions else []
    documents = attachments.public_refs(documents)
    return {**{k: getattr(ret, k) for k in ("id", "contract_id", "period_start", "period_end", "due_date", "status",
                                            "submitted_late", "lock_version", "review_comment", "problem_tasks")},
            "measures": measures, "answers": answers, "documents": documents,
            "versions": versions}


# -- contracts ---------------------------------------------------------------------------------

def _list_contracts(slug):
    resolve(slug)
    return contract_queries.list_contracts()


def _create_contract(slug, data):
    org, membership = resolve(slug)
    if org.kind != COMMISSIONER or membership.role not in CONTRACT_EDITORS:
        abort(403, message="Only a commissioner's contract managers can create contracts")
    try:
        contract = contract_services.create_contract_with_lookups(
            org, provider_slug=data["provider"], reference=data["reference"], title=data["title"],
            service_type=data["service_type"], care_group=data["care_group"], locality=data["locality"],
            start_date=data["start_date"], end_date=data["end_date"], annual_value=data["annual_value"],
            funding_model=data["funding_model"], framework_code=data["framework"],
            lead_manager_email=data["lead_manager"], living_wage_rate=data["living_wage_rate"], actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    return contract


@bp.route("/contracts", methods=["GET"])
@guarded
@bp.response(200, ContractSchema(many=True))
@bp.doc(security=BEARER)
def contracts():
    """Contracts of your organisation (a provider's own, or those a commissioner commissions)"""
    return _list_contracts(None)


@bp.route("/orgs/<slug>/contracts", methods=["GET"])
@guarded
@bp.response(200, ContractSchema(many=True))
@bp.doc(security=BEARER)
def org_contracts(slug):
    """Contracts of the organisation named in the address"""
    return _list_contracts(slug)


@bp.route("/contracts", methods=["POST"])
@guarded
@bp.arguments(ContractCreateSchema)
@bp.response(201, ContractSchema)
@bp.doc(security=BEARER)
def create_contract(data):
    """Create a contract (commissioners)"""
    return _create_contract(None, data)


@bp.route("/orgs/<slug>/contracts", methods=["POST"])
@guarded
@bp.arguments(ContractCreateSchema)
@bp.response(201, ContractSchema)
@bp.doc(security=BEARER)
def org_create_contract(data, slug):
    """Create a contract for the commissioner named in the address"""
    return _create_contract(slug, data)


@bp.route("/contracts/<int:contract_id>/schedule", methods=["POST"])
@guarded
@bp.arguments(ScheduleCreateSchema)
@bp.response(201, ScheduleSchema)
@bp.doc(security=BEARER)
def create_schedule(data, contract_id):
    """Give a contract its return schedule; a draft return is made for every period"""
    org, membership = resolve(None)
    contract = contract_queries.get_contract(contract_id)
    if contract is None:
        abort(404, message="No such contract")
    if org.kind != COMMISSIONER or membership.role not in CONTRACT_EDITORS:
        abort(403, message="Only the commissioner's contract managers can set the schedule")
    try:
        schedule = contract_services.create_schedule(contract, frequency=data["frequency"],
                                                     due_days=data["due_days"], actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    count = len(contract_services.periods(contract.start_date, contract.end_date, schedule.frequency))
    return {"id": schedule.id, "contract_id": contract.id, "frequency": schedule.frequency,
            "due_days": schedule.due_days, "returns": count}


# -- returns -----------------------------------------------------------------------------------

@bp.route("/returns", methods=["GET"])
@guarded
@bp.arguments(ReturnListArgsSchema, location="query")
@bp.response(200, ReturnSummarySchema(many=True))
@bp.doc(security=BEARER)
def returns(args):
    """Returns, soonest due first; filter by status, contract and period"""
    resolve(None)
    return queries.list_returns(status=args.get("status"), contract_id=args.get("contract"),
                                period_from=args.get("period_from"), period_to=args.get("period_to"),
                                limit=args["limit"], offset=args["offset"])


@bp.route("/returns/<int:return_id>", methods=["GET"])
@guarded
@bp.response(200, ReturnDetailSchema)
@bp.doc(security=BEARER)
def return_detail(return_id):
    """One return: its template, answers, documents and submitted versions"""
    resolve(None)
    return _detail(_return_or_404(return_id))


@bp.route("/returns/<int:return_id>", methods=["PATCH"])
@guarded
@bp.arguments(ReturnPatchSchema)
@bp.response(200, ReturnDetailSchema)
@bp.alt_response(409, description="The return changed since `version`, or can no longer be changed")
@bp.alt_response(422, description="Per-measure errors; nothing was saved")
@bp.doc(security=BEARER)
def patch_return(data, return_id):
    """Save answers (all or none); send the `version` you read"""
    ret = _provider_return(return_id)
    values = {}
    for item in data["answers"]:
        if item["measure"] in values:
            abort(422, message=f"{item['measure']} is given twice", errors={"answers": {item["measure"]: "twice"}})
        values[item["measure"]] = item["value"]
    try:
        services.save_answers(ret, values, expected_version=data["version"], actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    return _detail(ret)


@bp.route("/returns/<int:return_id>/submit", methods=["POST"])
@guarded
@bp.arguments(SubmitSchema)
@bp.response(200, ReturnDetailSchema)
@bp.alt_response(409, description="Not submittable: incomplete, already submitted or changed since `version`")
@bp.doc(security=BEARER)
def submit_return(data, return_id):
    """Submit the return: freezes an immutable version"""
    ret = _provider_return(return_id)
    try:
        expected = data["version"] if data["version"] is not None else ret.lock_version
        services.declare(ret, confirmed=True, expected_version=expected, actor=g.api_user)
        services.submit(ret, expected_version=ret.lock_version, actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    return _detail(ret)


@bp.route("/returns/<int:return_id>/review", methods=["POST"])
@guarded
@bp.arguments(ReviewSchema)
@bp.response(200, ReturnDetailSchema)
@bp.doc(security=BEARER)
def review_return(data, return_id):
    """Accept a submitted return or ask for changes (commissioners)"""
    org, membership = resolve(None)
    ret = _return_or_404(return_id)
    if org.kind != COMMISSIONER or membership.role not in REVIEWERS:
        abort(403, message="Only the commissioner's contract managers can review returns")
    try:
        services.review(ret, decision=data["decision"], comment=data["comment"], problem_tasks=data["tasks"],
                        actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    return _detail(ret)



@bp.route("/returns/<int:return_id>/documents", methods=["POST"])
@guarded
@bp.arguments(AttachSchema)
@bp.response(201, ReturnDetailSchema)
@bp.doc(security=BEARER)
def attach_document(data, return_id):
    """Attach a document from your library (upload it first with POST /api/v1/documents)"""
    ret = _provider_return(return_id)
    try:
        attachments.attach(ret, data["document_id"], actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    return _detail(ret)


@bp.route("/returns/<int:return_id>/imports", methods=["POST"])
@guarded
@bp.response(202, ImportSchema)
@bp.doc(security=BEARER, requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary",
                                                                    "description": "The filled-in .xlsx or .csv template"}}}}}})
def start_import(return_id):
    """Upload a filled-in template; a worker applies every answer or none (poll the import)"""
    ret = _provider_return(return_id)
    if "file" not in request.files:
        abort(422, message="Send the spreadsheet as multipart/form-data in a field named 'file'")
    try:
        item = imports.start_import(ret, request.files["file"], actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    return item


@bp.route("/returns/<int:return_id>/imports/<int:import_id>", methods=["GET"])
@guarded
@bp.response(200, ImportSchema)
@bp.doc(security=BEARER)
def import_status(return_id, import_id):
    """An import's status (pending, applied or failed) and its problems by row and column"""
    resolve(None)
    item = imports.get_import(_return_or_404(return_id), import_id)
    if item is None:
        abort(404, message="No such import")
    return item


# -- outcome frameworks -------------------------------------------------------------------------

@bp.route("/frameworks", methods=["GET"])
@guarded
@bp.response(200, FrameworkSchema(many=True))
@bp.doc(security=BEARER)
def frameworks():
    """The national outcome frameworks and your organisation's own, with their questions"""
    return custom_frameworks.visible_frameworks(g.organisation)


@bp.route("/frameworks", methods=["POST"])
@guarded
@bp.arguments(FrameworkCreateSchema)
@bp.response(201, FrameworkSchema)
@bp.doc(security=BEARER)
def create_framework(data):
    """Define your own framework (commissioners): outcomes get the standard questions, plus any measures"""
    org, membership = g.organisation, g.membership
    if org.kind != COMMISSIONER or membership.role not in REVIEWERS:
        abort(403, message="Only a commissioner's contract managers can define frameworks")
    try:
        framework = custom_frameworks.create_framework(
            org, name=data["name"], code=data["code"], outcomes=[(o["code"], o["text"]) for o in data["outcomes"]],
            actor=g.api_user)
        for m in data["measures"]:
            custom_frameworks.add_measure(org, framework, section=m["section"], code=m["code"], label=m["label"],
                                          type=m["type"], required=m["required"], minimum=m["minimum"],
                                          maximum=m["maximum"], hint=m["hint"], actor=g.api_user)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    db.session.refresh(framework)
    return framework


@bp.route("/reviews", methods=["GET"])
@guarded
@bp.arguments(ReviewQueueArgsSchema, location="query")
@bp.response(200, ReviewQueueItemSchema(many=True))
@bp.doc(security=BEARER)
def reviews(args):
    """The review queue (commissioners): your providers first, then the oldest due"""
    if g.organisation.kind != COMMISSIONER:
        abort(403, message="Only commissioners review returns")
    filters = QueueFilters(provider=args.get("provider"), contract_id=args.get("contract"),
                           service_type=args.get("service_type"), locality=args.get("locality"),
                           period_from=args.get("period_from"), period_to=args.get("period_to"),
                           status=args.get("status"))
    return review_queue(filters, me=g.api_user, limit=args["limit"], offset=args["offset"])
