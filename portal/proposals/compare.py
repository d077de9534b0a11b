"""Two frozen versions side by side: each field that changed, old → new."""
from __future__ import annotations

from portal.proposals.models import KINDS, MODEL_FIELDS

LABELS = {"kind": "Type", "title": "Title", "summary": "Summary", "narrative": "Narrative", "contract_id": "Contract",
          "tender_id": "Tender", "fund_id": "Fund", "start_date": "Start date", "amount_requested": "Amount requested",
          "commissioner_id": "Commissioner", "documents": "Documents",
          **{name: label for name, label, _unit in MODEL_FIELDS}}
MODEL_LABELS = {"rate": "Proposed hourly rate", "annual_cost": "Annual cost", "change": "Change against the current rate",
                "change_pct": "Change (per cent)", "meets_floor": "Meets the wage floor"}


def _shown(name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "None"
    if name == "kind":
        return KINDS.get(value, str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def compare_versions(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(what, old, new) for every field that differs, the model's results last."""
    rows = []
    for name, label in LABELS.items():
        if old.get(name) != new.get(name):
            rows.append((label, _shown(name, old.get(name)), _shown(name, new.get(name))))
    old_model, new_model = old.get("model") or {}, new.get("model") or {}
    for name, label in MODEL_LABELS.items():
        if old_model.get(name) != new_model.get(name):
            rows.append((label, _shown(name, old_model.get(name)), _shown(name, new_model.get(name))))
    return rows
