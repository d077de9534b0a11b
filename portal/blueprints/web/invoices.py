"""Invoices: the provider raises, checks and submits them, answers queries and raises credit notes;
the commissioner's approval queue, invoice page and decision; the commissioner's settings."""
from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_login import current_user

from portal.contracts.queries import get_contract, list_contracts
from portal.errors import Invalid
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.documents.queries import list_usable_documents
from portal.invoicing import ageing, attachments, forms, policy, queries, services, workflow
from portal.invoicing.checks import check_invoice, left_to_credit
from portal.invoicing.models import AWAITING_APPROVAL, QUERIED, STATUS_LABELS, STATUSES, STATUTORY_DAYS, UNITS
from portal.invoicing.money import VAT_CATEGORIES, totals

bp = tenant_blueprint("invoices", __name__, "/invoices")
QUEUE = AWAITING_APPROVAL + (QUERIED,)


def _is_provider() -> bool:
    return policy.is_provider(g.membership)


def _target() -> int | None:
    """The commissioner's target in working days (the provider does not read the settings)."""
    return None if _is_provider() else queries.settings_of(g.organisation.id).target_working_days


def _small_int(value) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) <= 12 else None


@bp.get("/")
@requires("view_invoices")
def index():
    status = request.args.get("status") or ""
    provider = _is_provider()
    if status in STATUSES and not (status == "draft" and not provider):
        chosen = (status,)
    else:
        status = "" if provider else "queue"
        chosen = None if provider else QUEUE
    listed = queries.list_invoices(statuses=chosen) if provider or status != "queue" else queries.approval_queue(QUEUE)
    target = _target()
    rows = [(invoice, ageing.prompt_payment(invoice, target)) for invoice in listed]
    return render("invoices/index.html", rows=rows, chosen_status=status, statuses=STATUS_LABELS, provider=provider,
                  target=target, statutory=STATUTORY_DAYS)


def _form_page(template: str, typed: forms.InvoiceForm, *, errors=None, status: int = 200, preview=None, **context):
    return render(template, typed=typed, errors={**(errors or {}), **typed.errors}, units=forms.UNIT_CHOICES,
                  vat_choices=forms.VAT_CHOICES, preview=preview, status=status, **context)


def _saving(typed: forms.InvoiceForm, save):
    """Run ``save``, naming the form's own problems (dates typed wrong) with the service's."""
    try:
        made = save()
    except services.LinesInvalid as error:
        raise services.LinesInvalid({**error.errors, **typed.errors}) from None
    if typed.errors:
        raise services.LinesInvalid(dict(typed.errors))
    return made


def _contract_of(typed: forms.InvoiceForm):
    contract_id = _small_int(typed.contract_id)
    return get_contract(contract_id) if contract_id else None


@bp.route("/new", methods=["GET", "POST"])
@requires("raise_invoices")
def new():
    contracts = list_contracts()
    if request.method == "GET":
        return _form_page("invoices/new.html", forms.InvoiceForm(), contracts=contracts)
    typed = forms.read(request.form)
    if forms.is_line_action(request.form):
        return _form_page("invoices/new.html", typed, contracts=contracts)
    errors: dict[str, str] = {}
    contract = _contract_of(typed)
    with form_errors(errors) as attempt:
        if contract is None:
            raise Invalid("Choose the contract you are invoicing", field="contract_id")
        invoice = _saving(typed, lambda: services.create_invoice(contract, actor=current_user, **typed.values))
        workflow.refresh_warnings(invoice)
    if attempt.ok:
        flash_success(f"Invoice {invoice.number} saved as a draft: check it, then submit it")
        return redirect_to(url_for(".show", invoice_id=invoice.id))
    return _form_page("invoices/new.html", typed, errors=errors, status=attempt.status, contracts=contracts)


@bp.post("/check")
@requires("raise_invoices")
def check():
    """The lines' totals and the warnings as the provider types (htmx); without JavaScript the
    same show on the invoice page once it is saved."""
    typed = forms.read(request.form)
    invoice = queries.get_invoice_by_id_for_credit(request.form.get("invoice_id"))
    contract = invoice.contract if invoice else _contract_of(typed)
    if contract is None:
        return render("invoices/_preview.html", preview=None, message="Choose a contract to see the totals")
    preview = services.preview_invoice(contract, invoice=invoice, **{k: typed.values.get(k) for k in (
        "number", "period_start", "period_end", "lines")})
    return render("invoices/_preview.html", preview=preview, message=None)


@bp.get("/<int:invoice_id>")
@requires("view_invoices")
def show(invoice):
    return _show_page(invoice)


def _show_page(invoice, *, errors=None, status: int = 200, typed_decision=None):
    target = _target()
    membership = g.membership
    editable = policy.can_edit(invoice, membership)
    return render("invoices/show.html", findings=check_invoice(invoice) if editable else None,
                  price=forms.format_price, invoice=invoice, lines=invoice.lines, sums=totals(invoice.lines),
                  history=queries.history_of(invoice), ageing=ageing.prompt_payment(invoice, target),
                  target=target, can_edit=policy.can_edit(invoice, membership),
                  can_answer=policy.can_answer(invoice, membership), can_decide=policy.can_decide(invoice, membership),
                  can_credit=policy.can_credit(invoice, membership),
                  refused_approval=workflow.may_approve(invoice, current_user),
                  errors=errors or {}, decision=typed_decision or {}, decisions=workflow.DECISIONS,
                  vat_labels=VAT_CATEGORIES, units=UNITS, status=status, attachments=attachments.attachments_of(invoice),
                  library=list_usable_documents() if editable else [])


@bp.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
@requires("raise_invoices")
def edit(invoice):
    if not policy.can_edit(invoice, g.membership):
        return redirect_to(url_for(".show", invoice_id=invoice.id))
    if request.method == "GET":
        return _form_page("invoices/edit.html", forms.InvoiceForm.of_invoice(invoice), invoice=invoice)
    typed = forms.read(request.form)
    if forms.is_line_action(request.form):
        return _form_page("invoices/edit.html", typed, invoice=invoice)
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        _saving(typed, lambda: services.update_invoice(
            invoice, actor=current_user, expected_version=_small_int(request.form.get("version")), **typed.values))
        workflow.refresh_warnings(invoice)
    if attempt.ok:
        flash_success(f"Changes to {invoice.number} saved: check them, then submit it")
        return redirect_to(url_for(".show", invoice_id=invoice.id))
    return _form_page("invoices/edit.html", typed, errors=errors, status=attempt.status, invoice=invoice,
                      problem=attempt.problem)


@bp.post("/<int:invoice_id>/submit")
@requires("raise_invoices")
def submit(invoice):
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        workflow.submit(invoice, actor=current_user, confirm_warnings=request.form.get("confirm_warnings") == "yes")
    if attempt.ok:
        flash_success(f"{invoice.kind_label} {invoice.number} submitted to {invoice.contract.commissioner.name}")
        return redirect_to(url_for(".show", invoice_id=invoice.id))
    if not errors:
        errors = {"submit": attempt.message}
    return _show_page(invoice, errors=errors if "confirm_warnings" in errors else {"submit": attempt.message},
                status=attempt.status)


@bp.post("/<int:invoice_id>/answer")
@requires("raise_invoices")
def answer(invoice):
    errors: dict[str, str] = {}
    answers = {key.removeprefix("line_answer-"): value for key, value in request.form.items()
               if key.startswith("line_answer-")}
    with form_errors(errors) as attempt:
        workflow.answer_query(invoice, comment=request.form.get("comment", ""), line_answers=answers,
                              actor=current_user)
    if attempt.ok:
        flash_success("Answer saved: change the invoice if you need to, then submit it again")
        return redirect_to(url_for(".show", invoice_id=invoice.id) + "#submit")
    return _show_page(invoice, errors={f"answer_{k}": v for k, v in errors.items()} or {"answer_comment": attempt.message},
                status=attempt.status)


@bp.post("/<int:invoice_id>/decision")
@requires("approve_invoices")
def decision(invoice):
    errors: dict[str, str] = {}
    line_comments = {key.removeprefix("line_comment-"): value for key, value in request.form.items()
                     if key.startswith("line_comment-")}
    typed = {"decision": request.form.get("decision", ""), "comment": request.form.get("comment", ""),
             "line_comments": line_comments}
    with form_errors(errors) as attempt:
        workflow.decide(invoice, actor=current_user, **typed)
    if attempt.ok:
        done = {"approve": "approved", "query": "queried", "reject": "rejected"}[typed["decision"]]
        if typed["decision"] == "approve" and invoice.status != "approved":
            flash_success(f"First approval recorded for {invoice.number}: a second person must now approve it")
        else:
            flash_success(f"Invoice {invoice.number} {done}")
        return redirect_to(url_for(".show", invoice_id=invoice.id))
    return _show_page(invoice, errors=errors or {"decision": attempt.message}, status=attempt.status, typed_decision=typed)


@bp.post("/<int:invoice_id>/attachments")
@requires("raise_invoices")
def attach(invoice):
    """Attach a document of the library (``document_id``) or a new file (``file``), whichever was sent."""
    errors: dict[str, str] = {}
    uploading = request.form.get("source") == "upload"
    with form_errors(errors) as attempt:
        if uploading:
            attachment = attachments.upload_and_attach(invoice, request.files.get("file"), actor=current_user)
        else:
            attachment = attachments.attach(invoice, request.form.get("document_id", ""), actor=current_user)
    if attempt.ok:
        flash_success(f"{attachment.filename} attached to {invoice.number}")
        return redirect_to(url_for(".show", invoice_id=invoice.id) + "#attachments")
    return _show_page(invoice, errors=errors or {"file" if uploading else "document_id": attempt.message},
                      status=attempt.status)


@bp.post("/<int:invoice_id>/attachments/<int:invoice_attachment_id>/remove")
@requires("raise_invoices")
def remove_attachment(invoice, attachment):
    errors: dict[str, str] = {}
    filename = attachment.filename
    with form_errors(errors) as attempt:
        attachments.remove(invoice, attachment, actor=current_user)
    if attempt.ok:
        flash_success(f"{filename} removed from {invoice.number}")
        return redirect_to(url_for(".show", invoice_id=invoice.id) + "#attachments")
    return _show_page(invoice, errors={"attachments": attempt.message}, status=attempt.status)


@bp.get("/<int:invoice_id>/attachments/<int:invoice_attachment_id>")
@requires("view_invoices")
def download_attachment(invoice, attachment):
    response = redirect(attachments.download_url(invoice, attachment, actor=current_user), 303)
    response.headers["Cache-Control"] = "no-store"  # the link lasts a minute
    return response


@bp.route("/<int:invoice_id>/credit-note", methods=["GET", "POST"])
@requires("raise_invoices")
def credit_note(invoice):
    if not policy.can_credit(invoice, g.membership):
        return redirect_to(url_for(".show", invoice_id=invoice.id))
    left = left_to_credit(invoice)
    if request.method == "GET":
        return _form_page("invoices/credit_note.html", forms.InvoiceForm(), invoice=invoice, left=left)
    typed = forms.read(request.form, with_header=False)
    if forms.is_line_action(request.form):
        return _form_page("invoices/credit_note.html", typed, invoice=invoice, left=left)
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        credit = _saving(typed, lambda: workflow.raise_credit_note(
            invoice, number=typed.values["number"], lines=typed.values["lines"], note=typed.values["note"],
            actor=current_user))
        workflow.refresh_warnings(credit)
    if attempt.ok:
        flash_success(f"Credit note {credit.number} saved as a draft: check it, then submit it")
        return redirect_to(url_for(".show", invoice_id=credit.id))
    return _form_page("invoices/credit_note.html", typed, errors=errors, status=attempt.status, invoice=invoice,
                      left=left, problem=attempt.problem)


@bp.route("/settings", methods=["GET", "POST"])
@requires("manage_invoicing_settings")
def settings():
    current = queries.settings_of(g.organisation.id)
    if request.method == "GET":
        typed = {"second_approval_over": f"{current.second_approval_over:.2f}" if current.second_approval_over
                 is not None else "", "target_working_days": str(current.target_working_days)}
        return render("invoices/settings.html", typed=typed, errors={})
    typed = {name: request.form.get(name, "") for name in ("second_approval_over", "target_working_days")}
    errors: dict[str, str] = {}
    with form_errors(errors) as attempt:
        workflow.update_settings(current, actor=current_user, **typed)
    if attempt.ok:
        flash_success("Invoicing settings saved")
        return redirect_to(url_for(".settings"))
    return render("invoices/settings.html", typed=typed, errors=errors, status=attempt.status)

