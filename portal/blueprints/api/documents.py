"""The documents API: upload (202, checked in the background), list, read, download."""
from __future__ import annotations

from flask import g, redirect, request
from flask_smorest import Blueprint, abort

from portal.blueprints.api import BEARER, organisation_from_slug, resolve, token_required
from portal.documents import queries, services
from portal.documents.schemas import DocumentAcceptedSchema, DocumentListArgsSchema, DocumentSchema
from portal.errors import ServiceError
from portal.extensions import db

bp = Blueprint("api_documents", __name__, url_prefix="/api/v1", description="Evidence documents")
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "PDF, DOCX, XLSX, CSV, ODT, PNG or JPEG"}}}}}}}


def _upload(membership):
    if not services.can_upload(membership):
        abort(403, message="Viewers cannot upload documents. Ask your organisation's administrator for another role.")
    if "file" not in request.files:
        abort(422, message="Send the file as multipart/form-data in a field named 'file', for example "
                           "curl -H 'Authorization: Bearer <token>' -F file=@report.pdf <this address>.")
    try:
        [document] = services.upload_documents([request.files["file"]], uploaded_by=g.api_user, field="file")
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, message=exc.message)
    return document, 202


def _document_or_404(document_id: int):
    document = queries.get_document(document_id)
    if document is None:
        abort(404, message="No such document")
    return document


def _download(document_id: int):
    document = _document_or_404(document_id)
    try:
        url = services.download_url(document, actor=g.api_user)
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, message=exc.message)
    db.session.commit()
    return redirect(url, 303)


@bp.route("/orgs/<slug>/documents", methods=["POST"])
@bp.response(202, DocumentAcceptedSchema)
@bp.doc(security=BEARER, **UPLOAD_BODY)
@bp.alt_response(413, description="The file is larger than DOCUMENT_MAX_BYTES")
@bp.alt_response(422, description="No file, an empty file or a type the portal does not accept")
@token_required
def upload(slug: str):
    """Upload one evidence file; it is checked in the background (poll its status)"""
    _org, membership = organisation_from_slug(slug)
    return _upload(membership)


@bp.route("/orgs/<slug>/documents", methods=["GET"])
@bp.arguments(DocumentListArgsSchema, location="query")
@bp.response(200, DocumentSchema(many=True))
@bp.doc(security=BEARER)
@token_required
def list_documents(args, slug: str):
    """The organisation's documents, newest first"""
    organisation_from_slug(slug)
    return queries.list_documents(search=args["q"], status=args["status"], limit=args["limit"],
                                  offset=args["offset"])


@bp.route("/orgs/<slug>/documents/<int:document_id>", methods=["GET"])
@bp.response(200, DocumentSchema)
@bp.doc(security=BEARER)
@token_required
def get_document(slug: str, document_id: int):
    """One document, with the result of its checks"""
    organisation_from_slug(slug)
    return _document_or_404(document_id)


@bp.route("/orgs/<slug>/documents/<int:document_id>/download", methods=["GET"])
@bp.response(303, description="Redirect to a presigned link that works for 60 seconds")
@bp.alt_response(409, description="The document is pending, rejected or infected")
@bp.doc(security=BEARER)
@token_required
def download(slug: str, document_id: int):
    """Download a clean document"""
    organisation_from_slug(slug)
    return _download(document_id)


@bp.route("/documents", methods=["POST"])
@bp.response(202, DocumentAcceptedSchema)
@bp.doc(security=BEARER, **UPLOAD_BODY)
@bp.alt_response(400, description="The user belongs to several organisations: use /orgs/<slug>/documents")
@token_required
def upload_for_only_organisation(*_args):
    """Upload to the token user's only organisation"""
    _org, membership = resolve(None)
    return _upload(membership)


@bp.route("/documents/<int:document_id>", methods=["GET"])
@bp.response(200, DocumentSchema)
@bp.doc(security=BEARER)
@bp.alt_response(400, description="The user belongs to several organisations: use /orgs/<slug>/documents")
@token_required
def get_document_of_only_organisation(document_id: int):
    """One document of the token user's only organisation"""
    resolve(None)
    return _document_or_404(document_id)
