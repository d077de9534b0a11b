"""Visit actuals and UBL: the provider uploads an electronic call monitoring file, reads the
results and builds a draft invoice; the commissioner accepts or rejects the exceptions; an
approved invoice downloads as UBL, and a provider may upload a UBL invoice instead of typing it."""
from __future__ import annotations

from flask import Response, abort, g, request, url_for
from flask_login import current_user

from portal.contracts.queries import list_contracts
from portal.documents.filenames import content_disposition
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.invoicing import actuals, ubl
from portal.invoicing.actuals_models import ACCEPTED, EXCEPTION, REJECTED
from portal.tenants.models import COMMISSIONER

bp = tenant_blueprint("actuals", __name__)


@bp.get("/actuals/")
@requires("raise_invoices")
def index():
    return render("actuals/index.html", imports=actuals.imports_list())


@bp.route("/actuals/upload", methods=["GET", "POST"])
@requires("raise_invoices")
def upload():
    contracts = list_contracts()
    errors: dict[str, str] = {}
    chosen = request.values.get("contract", "")
    if request.method == "POST":
        contract = next((c for c in contracts if str(c.id) == chosen), None)
        upload_file = request.files.get("file")
        problems = []
        with form_errors(errors) as attempt:
            if contract is None:
                errors["contract"] = "Choose the contract the visits are for"
            if upload_file is None or not upload_file.filename:
                errors["file"] = "Choose the visits CSV to upload"
            if not errors:
                made = actuals.import_visits(contract, upload_file.read(), upload_file.filename, actor=current_user)
        if attempt.error is not None:
            problems = getattr(attempt.error, "problems", [])
            if problems:
                errors = {"file": attempt.error.message}
        if attempt.ok and not errors:
            flash_success(f"{made.visits} visits have been imported")
            return redirect_to(url_for(".show", visit_import_id=made.id))
        return render("actuals/upload.html", contracts=contracts, chosen=chosen, errors=errors, problems=problems,
                      status=422)
    return render("actuals/upload.html", contracts=contracts, chosen=chosen, errors=errors, problems=[])


@bp.get("/actuals/<int:visit_import_id>")
@requires("view_invoices")
def show(visit_import):
    return render("actuals/show.html", visit_import=visit_import, counts=actuals.counts(visit_import),
                  exceptions=[v for v in actuals.visits_of(visit_import) if v.status != "payable"],
                  chargeable=len(actuals.chargeable(visit_import)),
                  provider=g.organisation.kind != COMMISSIONER)


@bp.get("/actuals/<int:visit_import_id>/visits")
@requires("view_invoices")
def visits(visit_import):
    return render("actuals/visits.html", visit_import=visit_import, visits=actuals.visits_of(visit_import))


@bp.route("/actuals/<int:visit_import_id>/invoice", methods=["GET", "POST"])
@requires("raise_invoices")
def build(visit_import):
    errors: dict[str, str] = {}
    values = {"number": "", "buyer_reference": ""}
    lines, problem = [], None
    with form_errors(errors) as preview:
        lines = actuals.invoice_lines(visit_import.contract, actuals.chargeable(visit_import), visit_import.rule)
    if not preview.ok:
        problem = preview.message
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        with form_errors(errors) as attempt:
            invoice = actuals.build_invoice(visit_import, actor=current_user, **values)
        if attempt.ok:
            flash_success(f"Draft invoice {invoice.number} has been built for £{invoice.total:,.2f}: check it "
                          "and submit it from your invoices")
            return redirect_to(url_for(".show", visit_import_id=visit_import.id))
        return render("actuals/build.html", visit_import=visit_import, values=values, errors=errors, lines=lines,
                      problem=problem or (attempt.problem if not errors else None), status=attempt.status)
    return render("actuals/build.html", visit_import=visit_import, values=values, errors=errors, lines=lines,
                  problem=problem)


@bp.get("/actuals/exceptions")
@requires("approve_invoices")
def exceptions():
    status = request.args.get("status", EXCEPTION)
    if status not in (EXCEPTION, ACCEPTED, REJECTED):
        status = EXCEPTION
    return render("actuals/exceptions.html", visits=actuals.exceptions_list(status), showing=status)


@bp.route("/actuals/visits/<int:visit_id>/decision", methods=["GET", "POST"])
@requires("approve_invoices")
def decide(visit):
    errors: dict[str, str] = {}
    values = {"decision": "", "reason": ""}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        with form_errors(errors) as attempt:
            actuals.decide_exception(visit, actor=current_user, **values)
        if attempt.ok:
            flash_success(f"The visit to {visit.person_ref} on {visit.day.day} {visit.day:%B %Y} has been "
                          f"{'accepted' if visit.status == ACCEPTED else 'rejected'}")
            return redirect_to(url_for(".exceptions"))
        return render("actuals/decide.html", visit=visit, values=values, errors=errors,
                      problem=attempt.problem, status=attempt.status)
    return render("actuals/decide.html", visit=visit, values=values, errors=errors, problem=None)


# -- UBL ------------------------------------------------------------------------------------------

@bp.get("/invoices/<int:invoice_id>/ubl")
@requires("view_invoices")
def ubl_download(invoice):
    with form_errors() as attempt:
        body = ubl.export_invoice(invoice)
    if not attempt.ok:
        abort(409, attempt.message)
    response = Response(body, mimetype="application/xml")
    response.headers["Content-Disposition"] = content_disposition(ubl.filename(invoice))
    return response


@bp.route("/invoices/upload-ubl", methods=["GET", "POST"])
@requires("raise_invoices")
def ubl_upload():
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload_file = request.files.get("file")
        with form_errors(errors) as attempt:
            if upload_file is None or not upload_file.filename:
                errors["file"] = "Choose the UBL invoice (an XML file) to upload"
            else:
                invoice = ubl.import_invoice(upload_file.read(), actor=current_user)
        if attempt.ok and not errors:
            flash_success(f"Draft {invoice.kind_label.lower()} {invoice.number} has been made from the file for "
                          f"£{invoice.total:,.2f}: check it and submit it from your invoices")
            return redirect_to(url_for(".ubl_upload"))
        if attempt.error is not None and "file" not in errors:
            errors["file"] = attempt.message
            errors.update({k: v for k, v in attempt.error.field_errors().items() if k != "file"})
        return render("actuals/ubl_upload.html", errors=errors, status=422)
    return render("actuals/ubl_upload.html", errors=errors)
