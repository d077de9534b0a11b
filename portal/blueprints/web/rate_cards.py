"""A contract's rate card: both sides read it; the commissioner adds or changes a rate (a
backdated one drafts adjustments for the provider) and sets how visits are paid."""
from __future__ import annotations

from flask import g, request, url_for
from flask_login import current_user

from portal.http.access import requires
from portal.http.organisation import tenant_blueprint
from portal.http.pages import flash_success, form_errors, redirect_to, render
from portal.invoicing import actuals, rate_cards
from portal.invoicing.actuals_models import BASES, ROUNDINGS
from portal.invoicing.models import DAY_TYPES, UNITS, VARIATION_KINDS
from portal.invoicing.queries import rates_of, variations_of

bp = tenant_blueprint("rate_cards", __name__, "/contracts")


@bp.get("/<int:contract_id>/rates")
@requires("view_rate_cards")
def show(contract):
    return render("rate_cards/show.html", contract=contract, rates=rates_of(contract), units=UNITS,
                  variations=variations_of(contract), variation_kinds=VARIATION_KINDS,
                  day_types=DAY_TYPES, rule=actuals.visit_rule_of(contract),
                  can_manage=g.membership.can("manage_rate_cards"), today=rate_cards.london_day())


@bp.route("/<int:contract_id>/rates/new", methods=["GET", "POST"])
@requires("manage_rate_cards")
def change(contract):
    errors: dict[str, str] = {}
    values = {"unit": "hour", "day_type": "weekday", "service_type": "", "rate": "", "effective_from": "",
              "variation": ""}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        with form_errors(errors) as attempt:
            variation = None
            start = _date_input(errors)
            values["effective_from"] = start
            if values["variation"]:
                check = rate_cards.check_rate(contract, unit=values["unit"], day_type=values["day_type"],
                                              service_type=values["service_type"], rate=values["rate"],
                                              effective_from=start)
                variation = rate_cards.record_rate_variation(contract, effective_from=check[4],
                                                             description=values["variation"], actor=current_user)
            made = rate_cards.change_rate(contract, unit=values["unit"], day_type=values["day_type"],
                                          service_type=values["service_type"], rate=values["rate"],
                                          effective_from=start, actor=current_user, variation=variation)
        if attempt.ok:
            count = len(made.adjustments)
            flash_success("The rate has been saved" + (
                f": {count} adjustment{'s have' if count != 1 else ' has'} been drafted for the provider to check "
                "and submit" if count else ""))
            return redirect_to(url_for(".show", contract_id=contract.id))
        return render("rate_cards/rate_form.html", contract=contract, values=values, errors=errors, units=UNITS,
                      day_types=DAY_TYPES, day_parts=_day_parts(), status=attempt.status)
    return render("rate_cards/rate_form.html", contract=contract, values=values, errors=errors, units=UNITS,
                  day_types=DAY_TYPES, day_parts=_day_parts())


def _day_parts() -> dict[str, str]:
    return {part: request.form.get(f"effective_from-{part}", "").strip() for part in ("day", "month", "year")}


def _date_input(errors: dict[str, str]) -> str:
    """The GOV.UK date input's three parts as an ISO date (checked by the service)."""
    parts = _day_parts()
    if not any(parts.values()):
        return ""
    if not all(p.isdigit() for p in parts.values()):
        return "not-a-date"
    return f"{int(parts['year']):04d}-{int(parts['month']):02d}-{int(parts['day']):02d}"


@bp.route("/<int:contract_id>/visit-rule", methods=["GET", "POST"])
@requires("manage_rate_cards")
def visit_rule(contract):
    rule = actuals.visit_rule_of(contract)
    errors: dict[str, str] = {}
    values = {"basis": rule.basis, "rounding": str(rule.rounding), "tolerance_minutes": str(rule.tolerance_minutes)}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        with form_errors(errors) as attempt:
            actuals.set_visit_rule(contract, actor=current_user, **values)
        if attempt.ok:
            flash_success("The visit rule has been saved: it applies to visits imported from now on")
            return redirect_to(url_for(".show", contract_id=contract.id, _anchor="visit-rule"))
        return render("rate_cards/visit_rule.html", contract=contract, values=values, errors=errors, bases=BASES,
                      roundings=ROUNDINGS, status=attempt.status)
    return render("rate_cards/visit_rule.html", contract=contract, values=values, errors=errors, bases=BASES,
                  roundings=ROUNDINGS)
