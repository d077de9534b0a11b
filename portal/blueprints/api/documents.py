"""Evidence documents: upload (202, checked in the background), list, read, download."""
from __future__ import annotations

from flask import redirect, request
from flask_login import current_user

from portal.documents import queries, services
from portal.documents.schemas import DocumentAcceptedSchema, DocumentListArgsSchema, DocumentSchema
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint

bp = ApiBlueprint("api_documents", __name__, description="Evidence documents")
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "PDF, DOCX, XLSX, CSV, ODT, PNG or JPEG"}}}}}}}


@bp.org_route("/documents", methods=["POST"])
@requires("upload_documents")
@bp.response(202, DocumentAcceptedSchema)
@bp.doc(security=BEARER, **UPLOAD_BODY)
@bp.alt_response(413, description="The file is larger than DOCUMENT_MAX_BYTES")
@bp.alt_response(422, description="No file, an empty file or a type the portal does not accept")
def upload():
    """Upload one evidence file; it is checked in the background (poll its status)"""
    [document] = services.upload_one_from_api(request.files, uploaded_by=current_user)
    return document


@bp.org_route("/documents")
@requires("view_documents")
@bp.arguments(DocumentListArgsSchema, location="query")
@bp.response(200, DocumentSchema(many=True))
@bp.doc(security=BEARER)
def list_documents(args):
    """The organisation's documents, newest first"""
    return queries.list_documents(search=args["q"], status=args["status"], limit=args["limit"],
                                  offset=args["offset"])


@bp.org_route("/documents/<int:document_id>")
@requires("view_documents")
@bp.response(200, DocumentSchema)
@bp.doc(security=BEARER)
def get_document(document):
    """One document, with the result of its checks"""
    return document


@bp.org_route("/documents/<int:document_id>/download")
@requires("view_documents")
@bp.response(303, description="Redirect to a presigned link that works for 60 seconds")
@bp.alt_response(409, description="The document is pending, rejected or infected")
@bp.doc(security=BEARER)
def download(document):
    """Download a clean document"""
    return redirect(services.download_url(document, actor=current_user), 303)
