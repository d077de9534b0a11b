"""Outcome frameworks: the national ones, and a commissioner's own with extra questions."""
from __future__ import annotations

from flask import abort, g, url_for
from flask_login import current_user

from portal.contracts import custom_frameworks as frameworks
from portal.contracts.forms import FrameworkForm, MeasureForm
from portal.contracts.policy import can_add_questions, can_change_framework
from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render

bp = tenant_blueprint("frameworks", __name__, "/frameworks")


@bp.get("/")
@requires("view_frameworks")
def index():
    return render("frameworks/index.html", frameworks=frameworks.visible_frameworks(g.organisation),
                  can_edit=g.membership.can("manage_frameworks"))


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_frameworks")
def new():
    form = FrameworkForm()
    if form.validate_on_submit():
        code = (form.code.data or "").strip().upper()
        with form_errors(form) as attempt:
            framework = frameworks.create_framework(
                g.organisation, name=form.name.data, code=code,
                outcomes=frameworks.parse_outcomes(form.outcomes.data, code), actor=current_user)
        if attempt.ok:
            flash_success(f"Framework {framework.code} created with the standard questions")
            return redirect_to(url_for(".show", framework_id=framework.id))
        return render("frameworks/new.html", form=form, status=attempt.status)
    return render("frameworks/new.html", form=form)


@bp.get("/<int:framework_id>")
@requires("view_frameworks")
def show(framework):
    editable = can_add_questions(framework, g.membership, in_use=frameworks.in_use(framework))
    return render("frameworks/show.html", framework=framework, editable=editable)


@bp.route("/<int:framework_id>/measures/new", methods=["GET", "POST"])
@requires("manage_frameworks")
def new_measure(framework):
    if not can_change_framework(framework, g.membership):
        abort(403)
    form = MeasureForm()
    form.section.choices = [(o.code, f"{o.code}: {o.text[:80]}") for o in framework.outcomes] + [
        ("delivery", "Service delivery")]
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            frameworks.add_measure(g.organisation, framework, section=form.section.data, code=form.code.data,
                                   label=form.label.data, type=form.type.data, required=form.required.data == "yes",
                                   minimum=form.minimum.data, maximum=form.maximum.data, hint=form.hint.data,
                                   actor=current_user)
        if attempt.ok:
            flash_success("Question added")
            return redirect_to(url_for(".show", framework_id=framework.id))
        return render("frameworks/new_measure.html", form=form, framework=framework, status=attempt.status)
    return render("frameworks/new_measure.html", form=form, framework=framework)
