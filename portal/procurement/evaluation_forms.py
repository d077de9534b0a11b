"""Reading the evaluation's pages' forms (posted fields) into what the services take, and back.

These pages have rows whose number changes (quality questions, one score per question), so they
are plain GOV.UK Frontend markup rather than WTForms: the services check every value and name
the field at fault (``questions-2-weight``, ``score-41``), and the templates show each message on
its field and in the error summary. Nothing here decides a rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.procurement.evaluation import ALL_LOTS, MAX_QUESTIONS
from portal.procurement.models import Tender

QUESTION_FIELDS = ("text", "guidance", "weight", "word_limit", "lot")


@dataclass
class CriteriaForm:
    """The criteria page's values: weights, confirmation, places per lot and question rows."""

    quality_weight: str = ""
    price_weight: str = ""
    confirm_weights: bool = False
    places: dict[int, str] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def criteria_from_tender(tender: Tender, questions) -> CriteriaForm:
    numbers = {lot.id: lot.number for lot in tender.lots}
    rows = [{"text": q.text, "guidance": q.guidance, "weight": str(q.weight),
             "word_limit": str(q.word_limit or ""), "lot": str(numbers[q.lot_id]) if q.lot_id else ALL_LOTS}
            for q in questions]
    return CriteriaForm(quality_weight=str(tender.quality_weight), price_weight=str(tender.price_weight),
                        places={lot.number: str(lot.places) for lot in tender.lots},
                        rows=rows or [blank_row()])


def blank_row() -> dict:
    return {"text": "", "guidance": "", "weight": "", "word_limit": "", "lot": ALL_LOTS}


def criteria_from_post(form, tender: Tender) -> CriteriaForm:
    """The posted rows in order, without the empty ones and those marked for removal."""
    rows = []
    for index in range(1, MAX_QUESTIONS + 2):
        values = {name: str(form.get(f"questions-{index}-{name}", "")).strip()[:20000] for name in QUESTION_FIELDS}
        if form.get(f"questions-{index}-remove"):
            continue
        if not any(values[name] for name in ("text", "guidance", "weight", "word_limit")):
            continue
        values["lot"] = values["lot"] or ALL_LOTS
        rows.append(values)
    return CriteriaForm(quality_weight=str(form.get("quality_weight", "")).strip()[:20],
                        price_weight=str(form.get("price_weight", "")).strip()[:20],
                        confirm_weights=form.get("confirm_weights") == "yes",
                        places={lot.number: str(form.get(f"places-{lot.number}", "")).strip()[:20]
                                for lot in tender.lots},
                        rows=rows)


def criteria_arguments(values: CriteriaForm) -> dict:
    """What ``evaluation.set_criteria`` takes."""
    return {"quality_weight": values.quality_weight, "price_weight": values.price_weight,
            "confirm_weights": values.confirm_weights, "places": dict(values.places),
            "questions": [{name: row[name] for name in QUESTION_FIELDS} for row in values.rows]}


def unusual_weights(values: CriteriaForm) -> bool:
    """Whether the price weight typed is outside the usual range (the confirmation is then shown)."""
    from portal.procurement.evaluation import weights_warning

    try:
        return weights_warning(int(values.price_weight)) is not None
    except ValueError:
        return False


def scores_from_post(form, questions) -> dict[int, dict]:
    """Question id -> {"score", "reason"} from ``score-<id>`` radios and ``reason-<id>`` text areas."""
    return {q.id: {"score": form.get(f"score-{q.id}"), "reason": str(form.get(f"reason-{q.id}", ""))[:20000]}
            for q in questions}


def scores_from_api(items) -> dict[str, dict]:
    """The API's ``[{"question", "score", "reason"}]`` as question id -> {"score", "reason"}."""
    return {str(item["question"]): {"score": item["score"], "reason": item["reason"]} for item in items}


def date_from_post(form, name: str) -> tuple[date | None, list[str], str | None]:
    """A GOV.UK date input's three fields (``<name>-day``, ``-month``, ``-year``): the date, the
    values typed (to show again) and a message when they are not a date."""
    typed = [str(form.get(f"{name}-{part}", "")).strip()[:10] for part in ("day", "month", "year")]
    if not any(typed):
        return None, typed, None
    try:
        day, month, year = (int(part) for part in typed)
        return date(year, month, day), typed, None
    except (ValueError, OverflowError):
        return None, typed, "Enter the date the contract ends as a real date, like 31 3 2030"


def chosen_bids(form) -> list[str]:
    return [str(value)[:30] for value in form.getlist("bids")][:60]
