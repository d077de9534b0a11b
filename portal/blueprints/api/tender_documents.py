"""A tender's documents: listed to the tender's readers (each file from its release), attached,
replaced and withdrawn by the procurement team (amendments once published)."""
from __future__ import annotations

from flask import g, redirect
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.models_base import utcnow
from portal.procurement import policy, tender_document_queries as queries, tender_documents as services
from portal.procurement.tender_document_schemas import (TenderDocumentAttachSchema, TenderDocumentReplaceSchema,
                                                        TenderDocumentSchema, TenderDocumentWithdrawSchema)

bp = ApiBlueprint("api_tender_documents", __name__, description="Tender documents")


def _own(tender) -> None:
    if not policy.owns(g.organisation.id, tender):
        raise NotFound("No such tender")


def _shown(tender, item):
    return queries.shown(item, policy.owns(g.organisation.id, tender), utcnow())


@bp.org_route("/tenders/<int:tender_id>/documents")
@requires("view_tenders")
@bp.response(200, TenderDocumentSchema(many=True))
@bp.doc(security=BEARER)
def documents(tender):
    """The tender's documents: each one's title and release moment; its file once released (server clock)"""
    return queries.section(tender, g.organisation.id).documents


@bp.org_route("/tenders/<int:tender_id>/documents", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(TenderDocumentAttachSchema)
@bp.response(201, TenderDocumentSchema)
@bp.doc(security=BEARER)
def attach(data, tender):
    """Attach a clean library document (an amendment, with `reason`, once the tender is published)"""
    _own(tender)
    return _shown(tender, services.attach(tender, data.pop("document_id"), actor=current_user, **data))


@bp.org_route("/tenders/<int:tender_id>/documents/<int:tender_document_id>/replace", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(TenderDocumentReplaceSchema)
@bp.response(201, TenderDocumentSchema)
@bp.doc(security=BEARER)
def replace(data, tender, tender_document):
    """Replace a document by another library document (an amendment once published)"""
    _own(tender)
    return _shown(tender, services.replace(tender, tender_document, data.pop("document_id"), actor=current_user,
                                           **data))


@bp.org_route("/tenders/<int:tender_id>/documents/<int:tender_document_id>/withdraw", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(TenderDocumentWithdrawSchema)
@bp.response(200, TenderDocumentSchema)
@bp.doc(security=BEARER)
def withdraw(data, tender, tender_document):
    """Withdraw a document (an amendment once published)"""
    _own(tender)
    return _shown(tender, services.withdraw(tender, tender_document, actor=current_user, **data))


@bp.org_route("/tenders/<int:tender_id>/documents/<int:tender_document_id>/download")
@requires("view_tenders")
@bp.response(303)
@bp.doc(security=BEARER)
def download(tender, tender_document):
    """A 303 to a 60-second link to the file, from its release (409 before, saying when)"""
    return redirect(services.download_url(tender, tender_document, actor=current_user), 303)
