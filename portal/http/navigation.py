"""The service navigation: one tab per page the member may see. The permission table decides, as
it does for the pages themselves; each tab's address is built once per organisation and kept (the
URL map does not change while the app runs), not built again on every page."""
from __future__ import annotations

from functools import lru_cache

from flask import g, request, url_for
from flask_login import current_user

#: (permission, endpoint, text, section): a tab is current on its section's pages, a section being
#: a blueprint or a single endpoint.
TABS = (
    ("view_organisation", "organisation.home", "Home", "organisation.home"),
    ("view_contracts", "contracts.index", "Contracts", "contracts"),
    ("view_returns", "returns.index", "Returns", "returns"),
    ("view_review_queue", "reviews.index", "Reviews", "reviews"),
    ("view_invoices", "invoices.index", "Invoices", "invoices"),
    ("view_tenders", "tenders.index", "Tenders", "tenders"),
    ("view_supplier_lists", "supplier_lists.index", "Supplier lists", "supplier_lists"),
    ("raise_invoices", "actuals.index", "Visit actuals", "actuals"),
    ("approve_invoices", "actuals.exceptions", "Visit exceptions", "actuals"),
    ("view_proposals", "proposals.index", "Proposals", "proposals"),
    ("view_threads", "threads.index", "Market engagement", "threads"),
    ("view_questions", "clarifications.inbox", "Questions", "clarifications.inbox"),
    ("view_dashboards", "outcomes.index", "Outcomes", "outcomes"),
    ("view_collaboratives", "collaboratives.index", "Collaboratives", "collaboratives"),
    ("view_dashboards", "dashboards.index", "Dashboards", "dashboards"),
    ("view_payments", "payment_runs.index", "Payments", "payment_runs"),
    ("view_frameworks", "frameworks.index", "Frameworks", "frameworks"),
    ("view_documents", "documents.index", "Documents", "documents"),
    ("search", "search.index", "Search", "search"),
    ("manage_members", "organisation.members", "Members", "organisation.members"),
    ("view_audit", "organisation.audit", "Audit log", "organisation.audit"),
    ("export_organisation", "offboarding.index", "Export data", "offboarding"),
)
#: Endpoints outside a tab's section that are its pages too.
ALSO_CURRENT = {"organisation.members": ("organisation.invite", "organisation.member")}


@lru_cache(maxsize=4096)
def _address(endpoint: str, slug: str | None, script_root: str) -> str:
    return url_for(endpoint, slug=slug) if slug is not None else url_for(endpoint)


def _tab(endpoint: str, text: str, current: bool, slug: str | None = None) -> dict:
    return {"href": _address(endpoint, slug, request.script_root), "text": text, "active": current}


def service_navigation() -> list[dict]:
    """The tabs of the signed-in person's navigation, for GOV.UK's service navigation."""
    here, blueprint = request.endpoint, request.blueprint
    organisation, membership = g.get("organisation"), g.get("membership")
    tabs = []
    if organisation is not None and membership is not None:
        tabs += [_tab(endpoint, text, section in (blueprint, here) or here in ALSO_CURRENT.get(section, ()),
                      organisation.slug)
                 for permission, endpoint, text, section in TABS if membership.can(permission)]
    if current_user.is_platform_admin:
        tabs.append(_tab("admin.organisations", "Platform admin", blueprint == "admin"))
    tabs.append(_tab("auth.choose_organisation", "Switch organisation", here == "auth.choose_organisation"))
    return tabs
