"""Tenders: the procurement team makes, times, publishes and cancels them; every provider finds
the published ones and registers interest."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.procurement import clarification_queries, policy, queries, regimes, services, tender_document_queries
from portal.procurement.forms import CancelForm, TenderForm, moment, timetable_changes, timetable_form
from portal.tenants.models import COMMISSIONER

bp = tenant_blueprint("tenders", __name__, "/tenders")


@bp.get("/")
@requires("view_tenders")
def index():
    q, status = request.args.get("q", "")[:200], request.args.get("status", "")
    status = status if status in queries.FILTERS else ""
    mine = g.organisation.kind == COMMISSIONER and request.args.get("scope") != "all"
    tenders = queries.list_tenders(q=q, status=status, mine=mine)
    return render("tenders/index.html", tenders=tenders, q=q, chosen=status, mine=mine, policy=policy,
                  filters=queries.FILTERS)


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_tenders")
def new():
    form = TenderForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            tender = services.create_tender(
                g.organisation, reference=form.reference.data, title=form.title.data,
                description=form.description.data, service_type=form.service_type.data, regime=form.regime.data,
                accelerated=form.accelerated.data, electronic=form.electronic.data,
                published_at=moment(form.published_on.data, "09:00"),
                submission_deadline=moment(form.submission_day.data, form.submission_time.data),
                estimated_value=form.estimated_value.data, actor=current_user)
        if attempt.ok:
            flash_success(f"Draft tender {tender.reference} has been created: check its timetable, then publish it")
            return redirect_to(url_for(".show", tender_id=tender.id))
        return render("tenders/new.html", form=form, status=attempt.status)
    return render("tenders/new.html", form=form, status=422 if form.errors else 200)


@bp.get("/<int:tender_id>")
@requires("view_tenders")
def show(tender):
    return _tender_page(tender)


def _tender_page(tender, *, status: int = 200, problem: str | None = None, problems: dict | None = None,
                 evaluation_reason: str = ""):
    """The tender's page; ``problem`` (and ``problems`` by date) when publishing or registering
    interest was refused."""
    owner = policy.owns(g.organisation.id, tender)
    if problems is None:
        problems = services.timetable_problems(tender) if owner and policy.is_draft(tender) else {}
    return render("tenders/show.html", tender=tender, owner=owner, policy=policy, regimes=regimes,
                  amendments=queries.amendment_rows(tender), problems=problems, publish_error=problem,
                  interested=queries.interested_providers(tender) if owner else [],
                  interest=None if owner else queries.interest_of(g.organisation.id, tender),
                  clarification=clarification_queries.tender_section(tender, g.organisation.id),
                  documents=tender_document_queries.section(tender, g.organisation.id),
                  evaluation_reason=evaluation_reason, status=status)


@bp.route("/<int:tender_id>/timetable", methods=["GET", "POST"])
@requires("manage_tenders")
def timetable(tender):
    """A draft's dates, each set on its own."""
    _own(tender)

    def save(form):
        services.change_timetable(tender, timetable_changes(form), actor=current_user)
        return "The timetable has been saved"

    return _dates_page(tender, timetable_form(tender), save)


@bp.route("/<int:tender_id>/amend", methods=["GET", "POST"])
@requires("manage_tenders")
def amend(tender):
    """Change an open tender: a numbered amendment everyone sees, emailed to interested providers."""
    _own(tender)

    def save(form):
        amendment = services.amend(tender, timetable_changes(form), form.reason.data, actor=current_user)
        return f"Amendment {amendment.number} is published: interested providers are being emailed"

    return _dates_page(tender, timetable_form(tender, amending=True), save)


def _dates_page(tender, form, save):
    """The timetable form (a draft's, or an amendment's): shown, or saved by ``save`` (which
    answers the success message); a service's objections go on the dates they name."""
    if request.method != "POST":
        return render("tenders/timetable.html", tender=tender, form=form)
    form.process(request.form)
    if not form.validate():
        return render("tenders/timetable.html", tender=tender, form=form, status=422)
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        message = save(form)
    if attempt.ok:
        flash_success(message)
        return redirect_to(url_for(".show", tender_id=tender.id))
    _show_on_fields(form, errors or {"": attempt.message})
    return render("tenders/timetable.html", tender=tender, form=form, status=attempt.status)


def _show_on_fields(form, errors: dict[str, str]) -> None:
    """A service names a date of the timetable (``answer_deadline``); the form shows the message
    on that date's day field."""
    for name, message in errors.items():
        field = getattr(form, f"{name}_day", None) or getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


@bp.post("/<int:tender_id>/publish")
@requires("manage_tenders")
def publish(tender):
    _own(tender)
    with form_errors() as attempt:
        services.publish(tender, actor=current_user)
    if attempt.ok:
        flash_success(f"{tender.reference} is published: every provider can now see it")
        return redirect_to(url_for(".show", tender_id=tender.id))
    return _tender_page(tender, status=attempt.status, problem=attempt.message,
                        problems=attempt.error.field_errors())


@bp.route("/<int:tender_id>/cancel", methods=["GET", "POST"])
@requires("manage_tenders")
def cancel(tender):
    _own(tender)
    form = CancelForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.cancel(tender, form.reason.data, actor=current_user)
        if attempt.ok:
            flash_success(f"{tender.reference} has been cancelled")
            return redirect_to(url_for(".show", tender_id=tender.id))
        return render("tenders/cancel.html", tender=tender, form=form, status=attempt.status)
    return render("tenders/cancel.html", tender=tender, form=form, status=422 if form.errors else 200)


@bp.post("/<int:tender_id>/evaluation")
@requires("manage_tenders")
def start_evaluation(tender):
    """Close the questions and start evaluating, after the deadline for bids."""
    _own(tender)
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        services.start_evaluation(tender, request.form.get("reason", ""), actor=current_user)
    if attempt.ok:
        flash_success(f"{tender.reference} is being evaluated")
        return redirect_to(url_for(".show", tender_id=tender.id))
    return _tender_page(tender, status=attempt.status, problem=attempt.message, problems={},
                        evaluation_reason=request.form.get("reason", ""))


@bp.post("/<int:tender_id>/interest")
@requires("register_interest")
def register_interest(tender):
    with form_errors() as attempt:
        services.register_interest(g.organisation, tender, actor=current_user)
    if attempt.ok:
        flash_success("Your interest is registered: we will email you about clarifications, changes and deadlines")
    if attempt.ok:
        return redirect_to(url_for(".show", tender_id=tender.id))
    return _tender_page(tender, status=attempt.status, problem=attempt.message, problems={})


@bp.post("/<int:tender_id>/interest/withdraw")
@requires("register_interest")
def withdraw_interest(tender):
    services.withdraw_interest(g.organisation, tender, actor=current_user)
    flash_success("You will no longer be emailed about this tender")
    return redirect_to(url_for(".show", tender_id=tender.id))


def _own(tender) -> None:
    """Another commissioner's published tender is read-only: its pages for changing it do not exist."""
    if not policy.owns(g.organisation.id, tender):
        abort(404)
