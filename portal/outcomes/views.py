"""Filters from a request, labels, and the rows shared by the page, the exports and the API."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.contracts.custom_frameworks import visible_frameworks
from portal.contracts.models import SERVICE_TYPES, Contract, OutcomeFramework
from portal.extensions import db
from portal.outcomes.queries import OutcomeFilters, measure_totals, outcome_summaries
from portal.reporting.exports import csv_text, table_xlsx
from portal.reporting.periods import london_today, month_start, months_back, months_between, read_month_range
from portal.reporting.suppression import threshold_field, threshold_floor
from portal.tenants.models import Organisation


def filters_from(args, organisation: Organisation) -> tuple[OutcomeFilters | None, dict[str, str], dict]:
    """The filters in the address, their problems, and the choices for the form."""
    frameworks = visible_frameworks(organisation)
    # What the form offers, from the contracts' distinct values (one statement; no contract objects).
    offered = db.session.execute(
        select(Contract.framework_id, Contract.service_type, Contract.locality, Organisation.id, Organisation.name,
               Organisation.slug).join(Organisation, Organisation.id == Contract.tenant_id).distinct()).all()
    framework_ids = {row[0] for row in offered}
    used = [f for f in frameworks if f.id in framework_ids] or frameworks
    choices = {"frameworks": used,
               "providers": sorted({row[3:] for row in offered}, key=lambda p: p[1]),
               "service_types": sorted({row.service_type for row in offered}),
               "localities": sorted({row.locality for row in offered if row.locality}),
               "threshold_floor": threshold_floor()}
    choices["provider_slugs"] = {pid: slug for pid, _name, slug in choices["providers"]}
    today = month_start(london_today())
    first, last, errors = read_month_range(args, default_from=months_back(today, 11), default_to=today)
    choices["months"] = (first, last)
    period_from, period_to = first.value, last.value
    framework_id = args.get("framework", type=int) or (used[0].id if used else None)
    if framework_id not in {f.id for f in used}:
        errors["framework"] = "Choose one of the frameworks your contracts use"
    threshold, problem = threshold_field(args.get("threshold"))
    if problem:
        errors["threshold"] = problem
    provider_slug = args.get("provider") or None
    provider_id = next((p[0] for p in choices["providers"] if p[2] == provider_slug), None)
    if errors or framework_id is None:
        return None, errors, choices
    return OutcomeFilters(framework_id=framework_id, period_from=period_from, period_to=period_to,
                          provider_id=provider_id, service_type=args.get("service_type") or None,
                          locality=args.get("locality") or None, threshold=threshold), errors, choices


def outcome_name(outcome) -> str:
    """A few words people know an outcome by: its short name, or the start of its wording."""
    if outcome.short_name:
        return outcome.short_name
    words = outcome.text.split()
    short = " ".join(words[:8])
    return short + (" …" if len(words) > 8 else "")


def report(filters: OutcomeFilters, organisation: Organisation, *, measures: str = "by_provider",
           outcomes: bool = True) -> dict:
    """Every figure for the filters; ``measures`` is "by_provider" (the exports and the API),
    "overall" (the measures page) or "none" (the overview, an outcome's page); ``outcomes``
    False leaves the outcomes' figures out (the measures page)."""
    framework = db.session.get(OutcomeFramework, filters.framework_id)
    texts = {o.code: o.text for o in framework.outcomes}
    summaries = outcome_summaries(filters, organisation.id) if outcomes else []
    measures = [] if measures == "none" else measure_totals(filters, organisation.id,
                                                             by_provider=measures == "by_provider")
    # The names of the providers in the figures (and the one filtered on), not of every organisation.
    named = {pid for s in summaries for pid in s.providers} | {m.provider_id for m in measures if m.provider_id}
    named |= {filters.provider_id} if filters.provider_id else set()
    names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(named))).all()
                 ) if named else {}
    providers = sorted({pid for s in summaries for pid in s.providers}, key=lambda pid: names.get(pid, ""))
    return {"framework": framework, "texts": texts, "names": names, "summaries": summaries,
            "outcome_names": {o.code: outcome_name(o) for o in framework.outcomes},
            "outcome_ids": {o.code: o.id for o in framework.outcomes},
            "providers": providers, "months": months_between(filters.period_from, filters.period_to),
            "service_type_labels": SERVICE_TYPES, "measures": measures, "filters": filters}


def measure_value(row) -> Decimal | str | None:
    """A measure's figure as a number (a total, or a mean for percentages), 'suppressed', or
    None when nobody answered."""
    if row.suppressed:
        return "suppressed"
    if row.answered == 0:
        return None
    if row.type == "percentage":
        return Decimal(row.mean).quantize(Decimal("0.1"))
    return Decimal(row.total).normalize() + 0  # + 0 turns 1E+2 back into 100


def measure_figure(row) -> str:
    """A measure's figure as shown: a total, or a mean for percentages."""
    value = measure_value(row)
    return "" if value is None else value if isinstance(value, str) else f"{value:f}"


def rows(data: dict) -> list[list]:
    """One row per figure: the same numbers as the page, for CSV, XLSX and JSON."""
    out = []
    for s in data["summaries"]:
        groups = [("All providers", "", s.overall)] if s.overall else []
        groups += [("Provider", data["names"].get(k, str(k)), c) for k, c in s.providers.items()]
        groups += [("Service type", data["service_type_labels"].get(k, k), c) for k, c in s.service_types.items()]
        groups += [("Locality", k, c) for k, c in s.localities.items()]
        for dimension, key, cell in groups:
            out.append([s.outcome, dimension, key,
                        "suppressed" if cell.suppressed else cell.reviewed,
                        "suppressed" if cell.suppressed else cell.achieved,
                        "suppressed" if cell.suppressed else cell.rate])
    for m in data["measures"]:
        out.append([m.code, "Measure (mean %)" if m.type == "percentage" else "Measure (total)",
                    "All providers" if m.overall else data["names"].get(m.provider_id, ""), None, None,
                    measure_value(m)])
    return out


HEADINGS = ["Outcome", "Group", "Name", "People reviewed", "People achieving", "Rate %"]


def filter_rows(data: dict) -> list[list]:
    filters = data["filters"]
    names = data["names"]
    return [["Framework", data["framework"].name], ["Framework code", data["framework"].code],
            ["From", f"{filters.period_from:%B %Y}"], ["To", f"{filters.period_to:%B %Y}"],
            ["Provider", names.get(filters.provider_id, "All providers") if filters.provider_id else "All providers"],
            ["Service type", SERVICE_TYPES.get(filters.service_type or "", "All service types")],
            ["Locality", filters.locality or "All localities"],
            ["Figures built on fewer people than this are suppressed", filters.threshold]]


def to_csv(data: dict) -> str:
    return csv_text(HEADINGS, rows(data))


def to_xlsx(data: dict) -> bytes:
    return table_xlsx("Outcomes", HEADINGS, rows(data), about=filter_rows(data), widths={1: 22, 3: 30})


def export_file(data: dict, filters: OutcomeFilters, file_format: str) -> tuple[bytes | str, str, str]:
    """The page's figures as a CSV or Excel file: its body, MIME type and name."""
    name = f"outcomes-{filters.period_from:%Y-%m}-to-{filters.period_to:%Y-%m}.{file_format}"
    if file_format == "csv":
        return to_csv(data), "text/csv", name
    return to_xlsx(data), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name


def _cell_json(cell) -> dict | None:
    if cell is None:
        return None
    if cell.suppressed:
        return {"suppressed": True, "reviewed": None, "achieved": None, "rate": None}
    return {"suppressed": False, "reviewed": int(cell.reviewed or 0), "achieved": int(cell.achieved or 0),
            "rate": None if cell.rate is None else str(cell.rate)}


def report_json(args, organisation: Organisation) -> dict:
    """The API's answer: the same figures as the page, for the filters in ``args`` (422 if wrong)."""
    from portal.errors import ServiceError

    filters, errors, choices = filters_from(args, organisation)
    if errors:
        raise ServiceError("; ".join(errors.values()), errors=errors)
    data = report(filters, organisation)
    slugs = choices["provider_slugs"]
    return {
        "framework": data["framework"].code, "period_from": filters.period_from.isoformat(),
        "period_to": filters.period_to.isoformat(), "threshold": filters.threshold,
        "outcomes": [{
            "outcome": s.outcome, "text": data["texts"].get(s.outcome, ""), "overall": _cell_json(s.overall),
            "benchmark": None if not s.benchmark else {k: (str(v) if v is not None and k != "providers" else v)
                                                       for k, v in s.benchmark.items()},
            "providers": [{"slug": slugs.get(pid), "name": data["names"].get(pid), **_cell_json(c)}
                          for pid, c in s.providers.items()],
            "service_types": [{"service_type": k, **_cell_json(c)} for k, c in s.service_types.items()],
            "localities": [{"locality": k, **_cell_json(c)} for k, c in s.localities.items()],
            "trend": [{"period_start": p.isoformat(), **_cell_json(c)} for p, c in s.trend],
        } for s in data["summaries"]],
        "measures": [{"code": m.code, "type": m.type, "provider": None if m.overall else slugs.get(m.provider_id),
                      "figure": measure_figure(m) or None,
                      "figure_is": "mean" if m.type == "percentage" else "total"} for m in data["measures"]],
    }
