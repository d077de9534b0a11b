"""What the fund pages show, gathered in one call each (the views never query)."""
from __future__ import annotations

from portal.procurement.evaluation_models import SCALE
from portal.proposals import funds, queries
from portal.tenants.models import COMMISSIONER


def index_context(organisation) -> dict:
    owner = organisation.kind == COMMISSIONER
    return {"funds": queries.list_funds() if owner else queries.open_funds(), "owner": owner}


def show_context(fund, organisation, user) -> dict:
    owner = fund.tenant_id == organisation.id
    return {"fund": fund, "owner": owner, "figures": queries.fund_figures(fund) if owner else None,
            "rows": funds.bid_rows(fund) if owner else [], "panel": funds.panel_of(fund) if owner else [],
            "on_panel": owner and funds.on_panel(fund, user),
            "own_bids": [] if owner else queries.list_proposals(fund_id=fund.id)}


def bid_context(fund, proposal, user, mode: str) -> dict:
    scores = funds.own_scores(fund, proposal, user) if mode == "score" else funds.consensus_of(fund, proposal)
    form = {}
    prefix = "score" if mode == "score" else "consensus"
    for s in scores:
        form[f"{prefix}-{s.criterion}"], form[f"reason-{s.criterion}"] = str(s.score), s.reason
    return {"fund": fund, "proposal": proposal, "scale": SCALE, "form": form, "mode": mode,
            "panel_scores": funds.panel_scores_of(fund, proposal) if mode == "moderate" else [],
            "model": queries.model_of(proposal)}


def new_context() -> dict:
    return {"candidates": funds.panel_candidates()}


def fund_form(data) -> dict:
    """A fund's posted form as the service takes it: criteria rows and the panel's user ids."""
    rows = [{"name": data.get(f"criteria-{n}-name", ""), "weight": data.get(f"criteria-{n}-weight", "")}
            for n in range(funds.MAX_CRITERIA)]
    return {**{k: data.get(k, "") for k in ("name", "description", "budget")},
            **{f"{d}-{part}": data.get(f"{d}-{part}", "") for d in ("opens_on", "closes_on")
               for part in ("day", "month", "year")},
            "criteria": rows, "panel": data.getlist("panel") if hasattr(data, "getlist") else data.get("panel", [])}
