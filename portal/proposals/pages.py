"""What the proposal pages show, gathered in one call each (the views never query)."""
from __future__ import annotations

from portal.documents.queries import list_usable_documents
from portal.proposals import queries
from portal.proposals.compare import compare_versions
from portal.proposals.models import DRAFT, FUND_BID, KINDS, OPEN_FOR_DECISION
from portal.tenants.models import PROVIDER


def form_context(organisation) -> dict:
    contracted = queries.contracted_commissioner_ids()
    directory = queries.commissioner_directory()
    return {"kinds": KINDS, "commissioners": [c for c in directory if c.id in contracted],
            "others": [c for c in directory if c.id not in contracted], "contracts": queries.own_contracts(),
            "tenders": queries.published_tenders(), "funds": queries.open_funds()}


def values_of(proposal) -> dict:
    out = {name: ("" if getattr(proposal, name) is None else str(getattr(proposal, name)))
           for name in ("kind", "title", "summary", "narrative", "contract_id", "tender_id", "fund_id",
                        "start_date", "amount_requested", "hourly_pay", "employer_ni_pct", "pension_pct",
                        "holiday_pct", "travel_pct", "training_pct", "overheads_pct", "margin_pct",
                        "hours_per_year", "current_rate")}
    out["commissioner"] = proposal.commissioner.slug
    return out


def show_context(proposal, organisation) -> dict:
    own = organisation.kind == PROVIDER and proposal.tenant_id == organisation.id
    versions = queries.versions_of(proposal)
    return {"proposal": proposal, "own": own, "model": queries.model_of(proposal), "versions": versions,
            "documents": queries.documents_of(proposal),
            "usable": list_usable_documents() if own and proposal.status == DRAFT else [],
            "contract": queries.get_contract(proposal.contract_id) if proposal.contract_id else None,
            "fund": queries.get_fund(proposal.fund_id) if proposal.fund_id else None,
            "tender": queries.get_tender(proposal.tender_id) if proposal.tender_id else None,
            "decidable": not own and proposal.status in OPEN_FOR_DECISION,
            "paid": queries.paid_for(proposal) if proposal.kind == FUND_BID else None,
            "changes": compare_versions(versions[-2].snapshot, versions[-1].snapshot) if len(versions) > 1 else None}


def index_context(organisation, status: str | None) -> dict:
    return {"proposals": queries.list_proposals(status=status or None), "chosen": status or "",
            "provider": organisation.kind == PROVIDER}
