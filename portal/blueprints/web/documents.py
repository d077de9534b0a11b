"""An organisation's document library: upload, list, follow the checks, download."""
from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_login import current_user

from portal.documents import queries, services
from portal.errors import Conflict
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render

bp = tenant_blueprint("documents", __name__, "/documents")
PAGE_SIZE = 50


@bp.get("/")
@requires("view_documents")
def index():
    search = (request.args.get("q") or "").strip()[:200]
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    documents = queries.list_documents(search=search or None, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render("documents/index.html", partial="documents/_library.html", documents=documents[:PAGE_SIZE],
                  search=search, page=page, has_next=len(documents) > PAGE_SIZE,
                  can_upload=g.membership.can("upload_documents"))


@bp.route("/upload", methods=["GET", "POST"])
@requires("upload_documents")
def upload():
    if request.method == "GET":
        return render("documents/upload.html", hint=services.upload_hint(), error=None)
    with form_errors() as attempt:
        documents = services.upload_documents(request.files.getlist("files"), uploaded_by=current_user)
    if not attempt.ok:
        return render("documents/upload.html", status=attempt.status, hint=services.upload_hint(),
                      error=attempt.message)
    if len(documents) == 1:
        flash_success(f"{documents[0].filename} has been uploaded. We are checking it now.")
        return redirect_to(url_for(".document", document_id=documents[0].id))
    flash_success(f"{len(documents)} files have been uploaded. We are checking them now.")
    return redirect_to(url_for(".index"))


@bp.get("/<int:document_id>")
@requires("view_documents")
def document(document):
    return render("documents/document.html", partial="documents/_document.html", document=document)


@bp.get("/<int:document_id>/download")
@requires("view_documents")
def download(document):
    try:
        url = services.download_url(document, actor=current_user)
    except Conflict as exc:  # nothing was written: the page says why the file cannot be downloaded
        return render("documents/not_downloadable.html", status=409, document=document, message=exc.message)
    response = redirect(url, 303)
    response.headers["Cache-Control"] = "no-store"
    return response
