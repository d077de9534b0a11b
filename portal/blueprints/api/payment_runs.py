"""Payment runs (a commissioner's finance staff) and remittance advice (both sides)."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.http.access import requires
from portal.http.api import BEARER, ApiBlueprint
from portal.invoicing import payment_runs, remittances
from portal.invoicing.payment_run_schemas import (RemittanceSchema, RunBuildSchema, RunDetailSchema, RunPaidSchema,
                                                  RunSchema, run_detail)
from portal.reporting.exports import download

bp = ApiBlueprint("api_payment_runs", __name__, description="Payment runs and remittance advice")


@bp.org_route("/payment-runs")
@requires("view_payments")
@bp.response(200, RunSchema(many=True))
@bp.doc(security=BEARER)
def runs():
    """The commissioner's payment runs, newest first"""
    return payment_runs.list_runs()


@bp.org_route("/payment-runs", methods=["POST"])
@requires("manage_payment_runs")
@bp.arguments(RunBuildSchema)
@bp.response(201, RunDetailSchema)
@bp.doc(security=BEARER)
def build(data):
    """Build a draft run of the approved invoices due by `due_by` (due = first submission + 30 days), or only
    `invoice_ids` among them"""
    run = payment_runs.build_run(g.organisation.id, due_by=data["due_by"], invoice_ids=data.get("invoice_ids"),
                                 actor=current_user)
    return run_detail(run, payment_runs.run_lines(run))


@bp.org_route("/payment-runs/<int:payment_run_id>")
@requires("manage_payment_runs")  # view_payments is a provider's too, which can never load a run
@bp.response(200, RunDetailSchema)
@bp.doc(security=BEARER)
def run(run):
    """A run with its invoices and a total per provider (credit notes take away)"""
    return run_detail(run, payment_runs.run_lines(run))


@bp.org_route("/payment-runs/<int:payment_run_id>/confirm", methods=["POST"])
@requires("manage_payment_runs")
@bp.response(200, RunDetailSchema)
@bp.doc(security=BEARER)
def confirm(run):
    """Release a draft run: its invoices become scheduled. Refused (403) to anyone who approved one of them"""
    payment_runs.confirm_run(run, actor=current_user)
    return run_detail(run, payment_runs.run_lines(run))


@bp.org_route("/payment-runs/<int:payment_run_id>/cancel", methods=["POST"])
@requires("manage_payment_runs")
@bp.response(200, RunDetailSchema)
@bp.doc(security=BEARER)
def cancel(run):
    """Cancel a run that is not paid: its invoices go back to approved"""
    payment_runs.cancel_run(run, actor=current_user)
    return run_detail(run, [])


@bp.org_route("/payment-runs/<int:payment_run_id>/paid", methods=["POST"])
@requires("manage_payment_runs")
@bp.arguments(RunPaidSchema)
@bp.response(200, RunDetailSchema)
@bp.doc(security=BEARER)
def paid(data, run):
    """Mark a confirmed run paid: its invoices become paid and each provider gets a remittance advice"""
    payment_runs.mark_paid(run, paid_on=data["paid_on"], payment_reference=data["payment_reference"],
                           actor=current_user)
    return run_detail(run, payment_runs.run_lines(run))


@bp.org_route("/payment-runs/<int:payment_run_id>/file")
@requires("manage_payment_runs")
@bp.doc(security=BEARER, responses={200: {"description": "The payment file (CSV)",
                                          "content": {"text/csv": {"schema": {"type": "string"}}}}})
def payment_file(run):
    """The payment file of a confirmed or paid run: one line per invoice and a total per supplier (CSV)"""
    body, filename = payment_runs.payment_file(run)
    return download(body, filename)


@bp.org_route("/remittances")
@requires("view_payments")
@bp.response(200, RemittanceSchema(many=True))
@bp.doc(security=BEARER)
def remittance_list():
    """Remittance advice: a provider's own, or those a commissioner issued"""
    return remittances.list_remittances()


@bp.org_route("/remittances/<int:remittance_id>")
@requires("view_payments")
@bp.response(200, RemittanceSchema)
@bp.doc(security=BEARER)
def remittance(remittance):
    """One remittance advice with the invoices and adjustments it paid, as sent"""
    return remittance
