"""A provider's bids: a task list per lot (price, quality answers, documents, consortium, check and
submit with a declaration), the receipt, changing, withdrawing and reconfirming; a consortium
member confirming its part. The commissioner reads a bid here only once the tender is opened."""
from __future__ import annotations

from flask import Response, abort, g, request, send_file, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import bid_documents, bid_members, bid_policy, bid_queries, bids
from portal.procurement.bid_forms import (ConfirmPartForm, DeclarationForm, PriceForm, ReconfirmForm, answers_form,
                                          member_form)
from portal.procurement.bid_receipts import ACTIONS, canonical
from portal.documents.services import upload_hint

bp = tenant_blueprint("bids", __name__)


@bp.app_context_processor
def _tender_page_helpers():
    """The tender page's "Your bids" section (templates/bids/_tender_section.html) reads this."""
    return {"bids_on_tender": lambda tender: bid_queries.tender_section(tender, g.organisation.id)}


def _own(bid) -> None:
    """Pages that change a bid exist for its provider alone."""
    if not bid_policy.is_own(bid, g.organisation.id):
        abort(404)


@bp.post("/tenders/<int:tender_id>/bids")
@requires("submit_bids")
def start(tender):
    with form_errors() as attempt:
        bid = bids.start_bid(g.organisation, tender, request.form.get("lot"), actor=current_user)
    if attempt.ok:
        return redirect_to(url_for(".show", bid_id=bid.id))
    return render("bids/problem.html", tender=tender, message=attempt.message, status=attempt.status)


@bp.get("/bids/<int:bid_id>")
@requires("view_bids")
def show(bid):
    if not bid_policy.is_own(bid, g.organisation.id):  # the commissioner, once opened
        return render("bids/opened_bid.html", bid=bid, questions=bids.questions_for(bid.tender_id, bid.lot_id),
                      receipts=bid_queries.receipts_of(bid), price_withheld=bid_queries.price_withheld(bid),
                      withheld=bid_queries.PRICE_WITHHELD)
    return render("bids/task_list.html", bid=bid, tender=bid.tender, work=bid_queries.working(bid),
                  receipts=bid_queries.receipts_of(bid), open=bid_policy.bidding_open(bid.tender))


def _save(bid, form, template: str, save, **context):
    """A task's form: shown, or saved by ``save(form)`` and back to the task list."""
    if request.method == "POST" and form.validate_on_submit():
        with form_errors(form) as attempt:
            save(form)
        if attempt.ok:
            return redirect_to(url_for(".show", bid_id=bid.id))
        return render(template, bid=bid, tender=bid.tender, form=form, status=attempt.status, **context)
    return render(template, bid=bid, tender=bid.tender, form=form, status=422 if form.errors else 200, **context)


@bp.route("/bids/<int:bid_id>/price", methods=["GET", "POST"])
@requires("submit_bids")
def price(bid):
    _own(bid)
    work = bid_queries.working(bid)
    form = PriceForm(data={"price": f"{work.price:.2f}" if work.price is not None else ""})
    return _save(bid, form, "bids/price.html",
                 lambda f: bids.save_price(bid, f.price.data, actor=current_user))


@bp.route("/bids/<int:bid_id>/answers", methods=["GET", "POST"])
@requires("submit_bids")
def answers(bid):
    _own(bid)
    work = bid_queries.working(bid)
    form = answers_form(work.questions, work.answers)

    def save(f):
        bids.save_answers(bid, {str(q.number): getattr(f, f"answer_{q.number}").data for q in work.questions},
                          actor=current_user)

    return _save(bid, form, "bids/answers.html", save, questions=work.questions)


@bp.route("/bids/<int:bid_id>/documents", methods=["GET", "POST"])
@requires("submit_bids")
def documents(bid):
    _own(bid)
    error, status = None, 200
    if request.method == "POST":
        with form_errors() as attempt:
            made = bid_documents.upload(bid, request.files.getlist("files"), actor=current_user, field="files")
        if attempt.ok:
            flash_success(f"{', '.join(d.filename for d in made)} "
                          f"{'has' if len(made) == 1 else 'have'} been checked, sealed and added to your bid")
            return redirect_to(url_for(".documents", bid_id=bid.id))
        error, status = attempt.message, attempt.status
    return render("bids/documents.html", bid=bid, tender=bid.tender, work=bid_queries.working(bid), error=error,
                  hint=upload_hint(), status=status)


@bp.post("/bids/<int:bid_id>/documents/<int:bid_document_id>/remove")
@requires("submit_bids")
def remove_document(bid, bid_document):
    _own(bid)
    with form_errors() as attempt:
        bid_documents.remove(bid, bid_document, actor=current_user)
    if attempt.ok:
        flash_success(f"{bid_document.filename} has been taken out of your bid")
        return redirect_to(url_for(".documents", bid_id=bid.id))
    return render("bids/problem.html", tender=bid.tender, bid=bid, message=attempt.message, status=attempt.status)


@bp.get("/bids/<int:bid_id>/documents/<int:bid_document_id>")
@requires("view_bids")
def document(bid, bid_document):
    with form_errors() as attempt:
        plain, name, content_type = bid_documents.read(bid_document, actor=current_user)
    if not attempt.ok:
        return render("bids/problem.html", tender=bid.tender, bid=bid, document=bid_document,
                      message=attempt.message, status=attempt.status)
    response = send_file(plain, mimetype=content_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/bids/<int:bid_id>/consortium", methods=["GET", "POST"])
@requires("submit_bids")
def consortium(bid):
    _own(bid)
    form = member_form(bid_queries.provider_directory(g.organisation.id))

    def save(f):
        bid_members.add_member(bid, f.organisation.data, role=f.role.data, share=f.share.data, part=f.part.data,
                               actor=current_user)
        flash_success(f"{dict(f.organisation.choices)[f.organisation.data]} has been added: we have emailed them to "
                      "confirm their part")

    if request.method == "POST" and form.validate_on_submit():
        with form_errors(form) as attempt:
            save(form)
        if attempt.ok:
            return redirect_to(url_for(".consortium", bid_id=bid.id))
        return render("bids/consortium.html", bid=bid, tender=bid.tender, form=form, status=attempt.status)
    return render("bids/consortium.html", bid=bid, tender=bid.tender, form=form, status=422 if form.errors else 200)


@bp.post("/bids/<int:bid_id>/members/<int:bid_member_id>/remove")
@requires("submit_bids")
def remove_member(bid, bid_member):
    _own(bid)
    with form_errors() as attempt:
        bid_members.remove_member(bid, bid_member, actor=current_user)
    if attempt.ok:
        flash_success(f"{bid_member.member.name} has been taken out of the consortium")
        return redirect_to(url_for(".consortium", bid_id=bid.id))
    return render("bids/problem.html", tender=bid.tender, bid=bid, message=attempt.message, status=attempt.status)


@bp.route("/bids/<int:bid_id>/check", methods=["GET", "POST"])
@requires("submit_bids")
def check(bid):
    _own(bid)
    form = DeclarationForm()
    if request.method == "POST":
        form.validate_on_submit()
        with form_errors(form) as attempt:
            receipt = bids.submit(bid, declaration=bool(form.declaration.data), actor=current_user)
        if attempt.ok:
            return redirect_to(url_for(".receipt", bid_id=bid.id, number=receipt.number))
        return render("bids/check.html", bid=bid, tender=bid.tender, work=bid_queries.working(bid), form=form,
                      status=attempt.status)
    return render("bids/check.html", bid=bid, tender=bid.tender, work=bid_queries.working(bid), form=form)


@bp.post("/bids/<int:bid_id>/change")
@requires("submit_bids")
def change(bid):
    _own(bid)
    with form_errors() as attempt:
        bids.working_copy(bid, actor=current_user)
    if attempt.ok:
        return redirect_to(url_for(".show", bid_id=bid.id))
    return render("bids/problem.html", tender=bid.tender, bid=bid, message=attempt.message, status=attempt.status)


@bp.route("/bids/<int:bid_id>/discard", methods=["GET", "POST"])
@requires("submit_bids")
def discard(bid):
    _own(bid)
    if request.method == "GET":
        return render("bids/discard.html", bid=bid, tender=bid.tender)
    tender = bid.tender
    with form_errors() as attempt:
        kept = bids.discard(bid, actor=current_user)
    if not attempt.ok:
        return render("bids/problem.html", tender=tender, bid=bid, message=attempt.message, status=attempt.status)
    if kept is None:
        flash_success("Your draft bid has been deleted")
        return redirect_to(url_for("tenders.show", tender_id=tender.id))
    flash_success("Your changes have been discarded: your bid stands as it was")
    return redirect_to(url_for(".show", bid_id=bid.id))


@bp.route("/bids/<int:bid_id>/withdraw", methods=["GET", "POST"])
@requires("submit_bids")
def withdraw(bid):
    _own(bid)
    if request.method == "GET":
        return render("bids/withdraw.html", bid=bid, tender=bid.tender)
    with form_errors() as attempt:
        receipt = bids.withdraw(bid, actor=current_user)
    if attempt.ok:
        return redirect_to(url_for(".receipt", bid_id=bid.id, number=receipt.number))
    return render("bids/withdraw.html", bid=bid, tender=bid.tender, error=attempt.message, status=attempt.status)


@bp.route("/bids/<int:bid_id>/reconfirm", methods=["GET", "POST"])
@requires("submit_bids")
def reconfirm(bid):
    _own(bid)
    form = ReconfirmForm()
    if request.method == "POST":
        form.validate_on_submit()
        with form_errors(form) as attempt:
            receipt = bids.reconfirm(bid, declaration=bool(form.declaration.data), actor=current_user)
        if attempt.ok:
            return redirect_to(url_for(".receipt", bid_id=bid.id, number=receipt.number))
        return render("bids/reconfirm.html", bid=bid, tender=bid.tender, form=form, status=attempt.status)
    return render("bids/reconfirm.html", bid=bid, tender=bid.tender, form=form)


@bp.get("/bids/<int:bid_id>/receipt")
@requires("view_bids")
def receipt(bid):
    found = bid_queries.receipt_of(bid, request.args.get("number"))
    if found is None:
        abort(404)
    return render("bids/receipt.html", bid=bid, tender=bid.tender, receipt=found, actions=ACTIONS,
                  canonical=canonical(found.contents).decode("utf-8"), own=bid_policy.is_own(bid, g.organisation.id))


@bp.get("/bids/<int:bid_id>/receipt.json")
@requires("view_bids")
def receipt_json(bid):
    found = bid_queries.receipt_of(bid, request.args.get("number"))
    if found is None:
        abort(404)
    return Response(canonical(found.contents), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="receipt-{bid.id}-{found.number}.json"'})


@bp.get("/bid-memberships/")
@requires("submit_bids")
def memberships():
    return render("bids/memberships.html", rows=bid_queries.memberships_of(g.organisation.id))


@bp.route("/bid-memberships/<int:bid_member_id>", methods=["GET", "POST"])
@requires("submit_bids")
def membership(bid_member):
    if bid_member.member_id != g.organisation.id:
        abort(404)
    form = ConfirmPartForm()
    if request.method == "POST":
        form.validate_on_submit()
        if not form.declaration.data:
            form.declaration.errors = ["Confirm that your organisation agrees to its part"]
            return render("bids/membership.html", row=bid_member, form=form, status=422)
        with form_errors(form) as attempt:
            bid_members.confirm_part(g.organisation, bid_member, actor=current_user)
        if attempt.ok:
            flash_success(f"Your part is confirmed: {bid_member.lead.name} can now submit the bid")
            return redirect_to(url_for(".membership", bid_member_id=bid_member.id))
        return render("bids/membership.html", row=bid_member, form=form, status=attempt.status)
    return render("bids/membership.html", row=bid_member, form=form, open=bid_policy.bidding_open(bid_member.tender))
