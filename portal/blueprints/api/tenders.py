"""Tenders: the commissioner's procurement team makes and publishes them; everyone reads the published."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import g, request
from flask_login import current_user

from portal.errors import NotFound
from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.models_base import utcnow
from portal.procurement import ocds, policy, queries, services
from portal.procurement.evaluation_queries import awards_of_tenders
from portal.procurement.schemas import (AmendmentSchema, AmendSchema, EvaluationSchema, OcdsBulkArgsSchema,
                                        QuerySchema, TenderCreateSchema, TenderDetailSchema, TenderSchema)

bp = ApiBlueprint("api_tenders", __name__, description="Tenders")


@bp.org_route("/tenders")
@requires("view_tenders")
@bp.arguments(QuerySchema, location="query")
@bp.response(200, TenderSchema(many=True))
@bp.doc(security=BEARER)
def tenders(args):
    """Published tenders, and the organisation's own drafts; `q` searches, `status` filters"""
    return queries.list_tenders(q=args["q"], status=args["status"], mine=args["mine"])


@bp.org_route("/tenders", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(TenderCreateSchema)
@bp.response(201, TenderDetailSchema)
@bp.doc(security=BEARER)
def create_tender(data):
    """Create a draft tender (commissioners); its timetable follows the regime's defaults"""
    return services.create_tender(g.organisation, actor=current_user, **data)


@bp.org_route("/tenders/<int:tender_id>")
@requires("view_tenders")
@bp.response(200, TenderDetailSchema)
@bp.doc(security=BEARER)
def tender(tender):
    """One tender with its lots and whole timetable"""
    return tender


@bp.org_route("/tenders/<int:tender_id>/publish", methods=["POST"])
@requires("manage_tenders")
@bp.response(200, TenderDetailSchema)
@bp.doc(security=BEARER)
def publish(tender):
    """Publish a draft: every organisation then sees it"""
    if not policy.owns(g.organisation.id, tender):
        raise NotFound("No such tender")
    return services.publish(tender, actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/interest", methods=["POST"])
@requires("register_interest")
@bp.response(201, TenderSchema)
@bp.doc(security=BEARER)
def register_interest(tender):
    """Register the provider's interest: it is emailed about clarifications, amendments and deadlines"""
    services.register_interest(g.organisation, tender, actor=current_user)
    return tender


@bp.org_route("/tenders/<int:tender_id>/amendments", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(AmendSchema)
@bp.response(201, AmendmentSchema)
@bp.doc(security=BEARER)
def amend(data, tender):
    """Change an open tender (title, description, dates still to come): a numbered amendment everyone sees"""
    if not policy.owns(g.organisation.id, tender):
        raise NotFound("No such tender")
    reason = data.pop("reason")
    return services.amend(tender, data, reason, actor=current_user)


@bp.org_route("/tenders/<int:tender_id>/ocds")
@requires("view_tenders")
@bp.response(200)
@bp.doc(security=BEARER)
def tender_ocds(tender):
    """The tender as OCDS 1.1: a release package (one release per event); `?view=record` for its record"""
    tender_releases = ocds.releases(tender, queries.published_enquiries(tender))
    if not tender_releases:
        raise NotFound("A draft has no OCDS releases: publish it first")
    if request.args.get("view") == "record":
        return ocds.record_package([ocds.record(tender_releases)], uri=request.url, published=utcnow())
    return ocds.release_package(tender_releases, uri=request.url, published=utcnow())


@bp.org_route("/ocds/releases")
@requires("view_tenders")
@bp.arguments(OcdsBulkArgsSchema, location="query")
@bp.response(200)
@bp.doc(security=BEARER)
def ocds_releases(args):
    """Every published tender the organisation sees, as OCDS release packages (the bulk download): `limit`
    tenders a package (100 unless given), oldest first; `links.next` is the address of the next package"""
    tenders = queries.listed_tenders(limit=args["limit"] + 1, offset=args["offset"])
    more, tenders = len(tenders) > args["limit"], tenders[:args["limit"]]
    enquiries, awards = queries.published_enquiries_of(tenders), awards_of_tenders(tenders)
    everything = [release for tender in tenders
                  for release in ocds.releases(tender, enquiries[tender.id], awards[tender.id])]
    package = ocds.release_package(everything, uri=request.url, published=utcnow())
    if more:
        # The address asked (with or without the organisation in it), at the next offset.
        package["links"] = {"next": f"{request.base_url}?"
                                    f"{urlencode({'limit': args['limit'], 'offset': args['offset'] + args['limit']})}"}
    return package


@bp.org_route("/tenders/<int:tender_id>/evaluation", methods=["POST"])
@requires("manage_tenders")
@bp.arguments(EvaluationSchema)
@bp.response(200, TenderDetailSchema)
@bp.doc(security=BEARER)
def start_evaluation(data, tender):
    """Close the questions and start evaluating, after the deadline for bids (`reason` if questions are unanswered)"""
    if not policy.owns(g.organisation.id, tender):
        raise NotFound("No such tender")
    return services.start_evaluation(tender, data["reason"], actor=current_user)
