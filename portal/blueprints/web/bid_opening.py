"""The commissioner's side of bids: the sealed notice, the two-person opening, and once opened the
bids per lot (and their CSV). A provider reaching the tender's bids page sees its own bids."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import bid_opening, bid_policy, bid_queries, policy
from portal.reporting.exports import download

bp = tenant_blueprint("bid_opening", __name__, "/tenders")


def _owner(tender) -> bool:
    return policy.owns(g.organisation.id, tender)


@bp.get("/<int:tender_id>/bids")
@requires("view_bids")
def bids(tender):
    if not _owner(tender):
        return render("bids/own_bids.html", tender=tender, bids=bid_queries.own_bids(tender, g.organisation.id))
    if bid_policy.sealed(tender):
        return render("bids/sealed.html", tender=tender, message=bid_opening.sealed_message(tender),
                      state=bid_opening.opening_state(tender))
    return render("bids/opened.html", tender=tender, lots=bid_queries.bids_by_lot(tender),
                  state=bid_opening.opening_state(tender))


@bp.get("/<int:tender_id>/bids.csv")
@requires("view_bids")
def bids_csv(tender):
    if not _owner(tender):
        abort(404)
    with form_errors() as attempt:
        body = bid_queries.export_csv(tender)
    if not attempt.ok:
        return render("bids/sealed.html", tender=tender, message=attempt.message,
                      state=bid_opening.opening_state(tender), status=attempt.status)
    return download(body, bid_queries.export_filename(tender))


@bp.route("/<int:tender_id>/opening", methods=["GET", "POST"])
@requires("open_bids")
def opening(tender):
    if not _owner(tender):
        abort(404)
    error, status = None, 200
    if request.method == "POST":
        with form_errors() as attempt:
            state = bid_opening.confirm_opening(tender, actor=current_user)
        if attempt.ok:
            flash_success("The bids are open: you can read them now" if state.opened_at else
                          "Your confirmation is recorded. A different person of the procurement team must confirm "
                          "the opening too")
            return redirect_to(url_for(".bids" if state.opened_at else ".opening", tender_id=tender.id))
        error, status = attempt.message, attempt.status
    return render("bids/opening.html", tender=tender, state=bid_opening.opening_state(tender), error=error,
                  message=bid_opening.sealed_message(tender) if bid_policy.sealed(tender) else "", status=status)
