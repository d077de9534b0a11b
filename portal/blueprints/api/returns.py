"""Returns: list, read, save answers, submit, review, evidence and spreadsheet imports; the
review queue. The same services as the pages."""
from __future__ import annotations

from flask import Response, g, request
from flask_login import current_user

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.documents.filenames import content_disposition
from portal.returns import attachments, contract_file, imports, queries, review_page, services
from portal.returns.detail import return_detail
from portal.returns.review_queue import QueueFilters, review_queue
from portal.returns.schemas import (AttachSchema, ImportSchema, ReturnDetailSchema, ReturnListArgsSchema,
                                    ReturnPatchSchema, ReturnSummarySchema, ReviewQueueArgsSchema, ReviewQueueItemSchema,
                                    ReviewSchema, SubmitSchema)

bp = ApiBlueprint("api_returns", __name__, description="Returns and reviews")
IMPORT_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "The filled-in .xlsx or .csv template"}}}}}}}


def _detail(ret):
    return return_detail(ret, g.organisation)


@bp.org_route("/returns")
@requires("view_returns")
@bp.arguments(ReturnListArgsSchema, location="query")
@bp.response(200, ReturnSummarySchema(many=True))
@bp.doc(security=BEARER)
def returns(args):
    """Returns, soonest due first; filter by status, contract and period"""
    return queries.list_returns(status=args.get("status"), contract_id=args.get("contract"),
                                period_from=args.get("period_from"), period_to=args.get("period_to"),
                                limit=args["limit"], offset=args["offset"])


@bp.org_route("/returns/<int:return_id>", endpoint="return_detail")
@requires("view_returns")
@bp.response(200, ReturnDetailSchema)
@bp.doc(security=BEARER)
def return_detail_view(ret):
    """One return: its template, answers, documents and submitted versions"""
    return _detail(ret)


@bp.org_route("/returns/<int:return_id>/pdf", endpoint="return_pdf")
@requires("view_returns")
@bp.doc(security=BEARER, responses={"200": {"description": "The return as a PDF", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def return_pdf(ret):
    """The return as a PDF for the contract file: the latest version's answers, evidence, versions and review"""
    body, name = contract_file.pdf(review_page.build(ret), organisation=g.organisation)
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": content_disposition(name)})


@bp.org_route("/returns/<int:return_id>", methods=["PATCH"])
@requires("edit_returns")
@bp.arguments(ReturnPatchSchema)
@bp.response(200, ReturnDetailSchema)
@bp.alt_response(409, description="The return changed since `version`, or can no longer be changed")
@bp.alt_response(422, description="Per-measure errors; nothing was saved")
@bp.doc(security=BEARER)
def patch_return(data, ret):
    """Save answers (all or none; part-way is fine) and confirm warnings; send the `version` you read"""
    services.save_answers_from_api(ret, data["answers"], expected_version=data["version"], actor=current_user,
                                   confirm_warnings=data["confirm_warnings"])
    return _detail(ret)


@bp.org_route("/returns/<int:return_id>/submit", methods=["POST"])
@requires("edit_returns")
@bp.arguments(SubmitSchema)
@bp.response(200, ReturnDetailSchema)
@bp.alt_response(409, description="Not submittable: a section incomplete or a warning not confirmed, a document "
                                   "still being checked, already submitted, or changed since `version`")
@bp.doc(security=BEARER)
def submit_return(data, ret):
    """Declare and submit the return: freezes an immutable version

    Posting here is the declaration that the information is accurate and complete to the best
    of your knowledge. Whether the submission is late follows the rule described at `late`."""
    expected = data["version"] if data["version"] is not None else ret.lock_version
    services.declare(ret, confirmed=True, expected_version=expected, actor=current_user)
    services.submit(ret, expected_version=ret.lock_version, actor=current_user)
    return _detail(ret)


@bp.org_route("/returns/<int:return_id>/review", methods=["POST"])
@requires("review_returns")
@bp.arguments(ReviewSchema)
@bp.response(200, ReturnDetailSchema)
@bp.doc(security=BEARER)
def review_return(data, ret):
    """Accept a submitted return or ask for changes (commissioners)"""
    services.review(ret, decision=data["decision"], comment=data["comment"], problem_tasks=data["tasks"],
                    actor=current_user, respond_by=data["respond_by"], section_comments=data["section_comments"])
    return _detail(ret)


@bp.org_route("/returns/<int:return_id>/documents", methods=["POST"])
@requires("edit_returns")
@bp.arguments(AttachSchema)
@bp.response(201, ReturnDetailSchema)
@bp.doc(security=BEARER)
def attach_document(data, ret):
    """Attach a document from your library (upload it first with POST /api/v1/documents)"""
    attachments.attach(ret, data["document_id"], actor=current_user)
    return _detail(ret)


@bp.org_route("/returns/<int:return_id>/imports", methods=["POST"])
@requires("edit_returns")
@bp.response(202, ImportSchema)
@bp.doc(security=BEARER, **IMPORT_BODY)
def start_import(ret):
    """Upload a filled-in template; a worker applies every answer or none (poll the import)"""
    return imports.start_import(ret, request.files.get("file"), actor=current_user)


@bp.org_route("/returns/<int:return_id>/imports/<int:import_id>")
@requires("view_returns")
@bp.response(200, ImportSchema)
@bp.doc(security=BEARER)
def import_status(ret, item):
    """An import's status (pending, applied or failed) and its problems by row and column"""
    return item


@bp.org_route("/reviews")
@requires("view_review_queue")
@bp.arguments(ReviewQueueArgsSchema, location="query")
@bp.response(200, ReviewQueueItemSchema(many=True))
@bp.doc(security=BEARER)
def reviews(args):
    """The review queue (commissioners): your providers first, then the oldest due"""
    filters = QueueFilters(provider=args.get("provider"), contract_id=args.get("contract"),
                           reference=args.get("reference"),
                           service_type=args.get("service_type"), locality=args.get("locality"),
                           period_from=args.get("period_from"), period_to=args.get("period_to"),
                           status=args.get("status"))
    return review_queue(filters, me=current_user, limit=args["limit"], offset=args["offset"])
