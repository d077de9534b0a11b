"""Payment runs (a commissioner's finance staff) and remittance advice (a provider, and the
commissioner that issued it)."""
from __future__ import annotations

from flask import g, request, url_for
from flask_login import current_user

from portal.errors import Invalid
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.invoicing import payment_runs, remittances
from portal.reporting.exports import download
from portal.reporting.periods import london_today

bp = tenant_blueprint("payment_runs", __name__, "/payments")


@bp.get("/")
@requires("view_payments")
def index():
    sent = remittances.list_remittances()
    return render("payment_runs/index.html", runs=payment_runs.list_runs(), remittances=sent,
                  names=remittances.names_of(sent), labels=payment_runs.RUN_STATUS_LABELS)


@bp.get("/runs/new")
@requires("manage_payment_runs")
def new():
    errors, lines, due_by = {}, None, None
    typed = ["", "", ""]
    if any(name in request.args for name in ("due_by-day", "due_by-month", "due_by-year", "due_by")):
        due_by, typed, message = payment_runs.date_from_fields(request.args, "due_by",
                                                               "the date invoices must be due by")
        if message:
            errors["due_by"] = message
        else:
            with form_errors(errors) as attempt:
                due_by = payment_runs.check_due_by(due_by)
                lines = payment_runs.candidates(due_by)
            if not attempt.ok:
                lines = None
    return render("payment_runs/new.html", errors=errors, typed=typed, due_by=due_by, lines=lines,
                  groups=payment_runs.by_provider(lines or []), rule=payment_runs.DUE_RULE,
                  status=400 if errors else 200)


@bp.post("/runs")
@requires("manage_payment_runs")
def build():
    errors: dict = {}
    due_by, typed, message = payment_runs.date_from_fields(request.form, "due_by", "the date invoices must be due by")
    chosen = request.form.getlist("invoice_ids")[:5000]
    with form_errors(errors) as attempt:
        if message:
            raise Invalid(message, field="due_by")
        run = payment_runs.build_run(g.organisation.id, due_by=due_by, invoice_ids=chosen, actor=current_user)
    if attempt.ok:
        flash_success(f"Payment run {run.reference} built: check it, then ask someone who approved none of its "
                      f"invoices to confirm it")
        return redirect_to(url_for("payment_runs.show", payment_run_id=run.id))
    lines = None
    if isinstance(due_by, type(london_today())) and "due_by" not in errors:
        lines = payment_runs.candidates(due_by)
    return render("payment_runs/new.html", errors=errors, typed=typed, due_by=due_by, lines=lines,
                  groups=payment_runs.by_provider(lines or []), rule=payment_runs.DUE_RULE, status=attempt.status)


def _show(run, *, errors=None, typed=None, reference="", status=200, problem=None):
    lines = payment_runs.run_lines(run)
    own = payment_runs.approvers_in([l.invoice for l in lines], current_user)
    return render("payment_runs/show.html", run=run, lines=lines, groups=payment_runs.by_provider(lines),
                  labels=payment_runs.RUN_STATUS_LABELS, own=own, errors=errors or {}, problem=problem,
                  typed=typed or ["", "", ""], reference=reference, today=london_today(),
                  bank_reference=payment_runs.bank_reference, status=status)


@bp.get("/runs/<int:payment_run_id>")
@requires("manage_payment_runs")  # view_payments is a provider's too, which can never load a run
def show(run):
    return _show(run)


@bp.post("/runs/<int:payment_run_id>/confirm")
@requires("manage_payment_runs")
def confirm(run):
    with form_errors() as attempt:
        payment_runs.confirm_run(run, actor=current_user)
    if attempt.ok:
        flash_success(f"Payment run {run.reference} confirmed: its invoices are scheduled for payment")
        return redirect_to(url_for("payment_runs.show", payment_run_id=run.id))
    return _show(run, problem=attempt.message, status=attempt.status)


@bp.post("/runs/<int:payment_run_id>/cancel")
@requires("manage_payment_runs")
def cancel(run):
    with form_errors() as attempt:
        payment_runs.cancel_run(run, actor=current_user)
    if attempt.ok:
        flash_success(f"Payment run {run.reference} cancelled: its invoices are approved again, free for another run")
        return redirect_to(url_for("payment_runs.show", payment_run_id=run.id))
    return _show(run, problem=attempt.message, status=attempt.status)


@bp.post("/runs/<int:payment_run_id>/paid")
@requires("manage_payment_runs")
def paid(run):
    errors: dict = {}
    paid_on, typed, message = payment_runs.date_from_fields(request.form, "paid_on", "the date the payment was made")
    reference = str(request.form.get("payment_reference", ""))[:200]
    with form_errors(errors) as attempt:
        if message and reference.strip():
            raise Invalid(message, field="paid_on")
        payment_runs.mark_paid(run, paid_on=None if message else paid_on, payment_reference=reference,
                               actor=current_user)
    if attempt.ok:
        flash_success(f"Payment run {run.reference} marked paid: each provider has been sent its remittance advice")
        return redirect_to(url_for("payment_runs.show", payment_run_id=run.id))
    if message and "paid_on" in errors:
        errors["paid_on"] = message
    return _show(run, errors=errors, typed=typed, reference=reference, status=attempt.status)


@bp.get("/runs/<int:payment_run_id>/file")
@requires("manage_payment_runs")
def payment_file(run):
    body, filename = payment_runs.payment_file(run)
    return download(body, filename)


@bp.get("/remittances/<int:remittance_id>")
@requires("view_payments")
def remittance(remittance):
    return render("payment_runs/remittance.html", remittance=remittance,
                  names=remittances.names_of([remittance]), as_decimal=remittances.as_decimal,
                  period=remittances.period_label)
