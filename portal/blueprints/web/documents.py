"""An organisation's document library: upload, list, follow the checks, download."""
from __future__ import annotations

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

from portal.documents import queries, services
from portal.documents.detection import ALLOWED_TYPES_TEXT
from portal.documents.models import format_size
from portal.errors import Conflict, ServiceError
from portal.http.organisation import tenant_blueprint
from portal.extensions import db
from portal.http.pages import flash_success, redirect_to, render

bp = tenant_blueprint("documents", __name__, "/documents")
PAGE_SIZE = 50


@bp.record_once
def _limit_request_size(state) -> None:
    """Werkzeug refuses bodies past MAX_CONTENT_LENGTH before parsing them; each file is
    also limited while it streams to S3 (DOCUMENT_MAX_BYTES)."""
    if state.app.config.get("MAX_CONTENT_LENGTH") is None:
        state.app.config["MAX_CONTENT_LENGTH"] = services.max_request_bytes(state.app.config)


@bp.app_errorhandler(413)
def request_too_large(exc):
    db.session.rollback()
    data = getattr(exc, "data", None) or {}
    message = data.get("message") or (
        f"The upload is too large. Each file must be smaller than {format_size(services.max_bytes())}, and "
        f"you can upload up to {services.MAX_FILES_PER_UPLOAD} files at a time: upload fewer or smaller files.")
    if request.path.startswith("/api/"):
        return jsonify({"code": 413, "status": "Request Entity Too Large", "message": message}), 413
    return render("error.html", status=413, title="The files are too large", hint=message)


def _hint() -> str:
    return (f"{ALLOWED_TYPES_TEXT}, up to {format_size(services.max_bytes())} each. You can choose up to "
            f"{services.MAX_FILES_PER_UPLOAD} files at once.")


@bp.get("/")
def index():
    search = (request.args.get("q") or "").strip()[:200]
    page = max(request.args.get("page", 1, type=int), 1)
    documents = queries.list_documents(search=search or None, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render("documents/index.html", partial="documents/_library.html", documents=documents[:PAGE_SIZE],
                  search=search, page=page, has_next=len(documents) > PAGE_SIZE,
                  can_upload=services.can_upload(g.membership))


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    if not services.can_upload(g.membership):
        abort(403)
    if request.method == "GET":
        return render("documents/upload.html", hint=_hint(), error=None)
    try:
        documents = services.upload_documents(request.files.getlist("files"), uploaded_by=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return render("documents/upload.html", status=exc.status if exc.status in (413, 422) else 400,
                      hint=_hint(), error=exc.message)
    if len(documents) == 1:
        flash_success(f"{documents[0].filename} has been uploaded. We are checking it now.")
        return redirect_to(url_for(".document", document_id=documents[0].id))
    flash_success(f"{len(documents)} files have been uploaded. We are checking them now.")
    return redirect_to(url_for(".index"))


def _document_or_404(document_id: int):
    document = queries.get_document(document_id)
    if document is None:
        abort(404)
    return document


@bp.get("/<int:document_id>")
def document(document_id: int):
    return render("documents/document.html", partial="documents/_document.html",
                  document=_document_or_404(document_id))


@bp.get("/<int:document_id>/download")
def download(document_id: int):
    document = _document_or_404(document_id)
    try:
        url = services.download_url(document, actor=current_user)
    except Conflict as exc:
        db.session.rollback()
        return render("documents/not_downloadable.html", status=409, document=document, message=exc.message)
    db.session.commit()
    response = redirect(url, 303)
    response.headers["Cache-Control"] = "no-store"
    return response
