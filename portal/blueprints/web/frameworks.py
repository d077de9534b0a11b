"""Outcome frameworks: the national ones, and a commissioner's own with extra questions."""
from __future__ import annotations

from flask import abort, g, url_for
from flask_login import current_user

from portal.http.organisation import tenant_blueprint
from portal.contracts import custom_frameworks as frameworks
from portal.contracts.forms import FrameworkForm, MeasureForm
from portal.errors import ServiceError
from portal.extensions import db
from portal.tenants.models import COMMISSIONER
from portal.http.pages import flash_success, form_error, redirect_to, render

bp = tenant_blueprint("frameworks", __name__, "/frameworks")
EDITORS = ("contract_manager", "commissioner_admin")


@bp.before_request
def commissioners_only():
    if g.organisation.kind != COMMISSIONER:
        abort(404)


def _can_edit() -> bool:
    return g.membership.role in EDITORS


def _framework_or_404(framework_id: int):
    framework = frameworks.get_visible_framework(g.organisation, framework_id)
    if framework is None:
        abort(404)
    return framework


@bp.get("/")
def index():
    return render("frameworks/index.html", frameworks=frameworks.visible_frameworks(g.organisation),
                  can_edit=_can_edit())


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not _can_edit():
        abort(403)
    form = FrameworkForm()
    if form.validate_on_submit():
        code = (form.code.data or "").strip().upper()
        try:
            framework = frameworks.create_framework(
                g.organisation, name=form.name.data, code=code,
                outcomes=frameworks.parse_outcomes(form.outcomes.data, code), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form_error(form, exc)
            return render("frameworks/new.html", form=form)
        db.session.commit()
        flash_success(f"Framework {framework.code} created with the standard questions")
        return redirect_to(url_for(".show", framework_id=framework.id))
    return render("frameworks/new.html", form=form)


@bp.get("/<int:framework_id>")
def show(framework_id: int):
    framework = _framework_or_404(framework_id)
    editable = _can_edit() and framework.owner_id == g.organisation.id and not frameworks.in_use(framework)
    return render("frameworks/show.html", framework=framework, editable=editable)


@bp.route("/<int:framework_id>/measures/new", methods=["GET", "POST"])
def new_measure(framework_id: int):
    framework = _framework_or_404(framework_id)
    if not _can_edit() or framework.owner_id != g.organisation.id:
        abort(403)
    form = MeasureForm()
    form.section.choices = [(o.code, f"{o.code}: {o.text[:80]}") for o in framework.outcomes] + [
        ("delivery", "Service delivery")]
    if form.validate_on_submit():
        try:
            frameworks.add_measure(g.organisation, framework, section=form.section.data, code=form.code.data,
                                   label=form.label.data, type=form.type.data, required=form.required.data == "yes",
                                   minimum=form.minimum.data, maximum=form.maximum.data, hint=form.hint.data,
                                   actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form_error(form, exc)
            return render("frameworks/new_measure.html", form=form, framework=framework)
        db.session.commit()
        flash_success("Question added")
        return redirect_to(url_for(".show", framework_id=framework.id))
    return render("frameworks/new_measure.html", form=form, framework=framework)
