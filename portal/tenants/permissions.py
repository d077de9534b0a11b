"""The one table that maps each role to the named permissions it grants.

Every route names one permission (``portal.http.access.requires``). The request pipeline
answers, in this order:

- 404 when no role of the organisation's kind has the permission: a provider has no review
  queue, so for a provider the page does not exist;
- 404 when an object named in the address is not the organisation's (loaders);
- 403 when the organisation has the page but the member's role lacks the permission.

Routes outside an organisation name one of the access levels below instead.
"""
from __future__ import annotations

from portal.tenants.models import COMMISSIONER, PROVIDER, ROLES

# Access levels for routes that are not inside an organisation.
PUBLIC = "public"                   # anyone, signed in or not (sign-in, health, invitations)
SIGNED_IN = "signed_in"             # any signed-in person (their account, their API tokens)
PLATFORM_ADMIN = "platform_admin"   # the platform administrator (404 for everyone else)
LEVELS = (PUBLIC, SIGNED_IN, PLATFORM_ADMIN)

# What each permission lets a member do.
PERMISSIONS: dict[str, str] = {
    "view_organisation": "See the organisation's home page and details",
    "manage_members": "Invite people, change their roles and remove them",
    "view_audit": "Read the organisation's audit log",
    "view_contracts": "See contracts",
    "manage_contracts": "Create contracts and their return schedules",
    "view_frameworks": "See outcome frameworks",
    "manage_frameworks": "Define the commissioner's own outcome frameworks",
    "view_returns": "See returns and their submitted versions",
    "edit_returns": "Fill in, import, attach evidence to and submit returns",
    "view_review_queue": "See the queue of returns to review across providers",
    "review_returns": "Accept returns or ask for changes",
    "view_dashboards": "See outcomes, compliance and delivery across providers, and export them",
    "view_collaboratives": "See collaboratives and their pooled figures",
    "manage_collaboratives": "Form, join and leave collaboratives",
    "view_documents": "See and download the organisation's documents",
    "upload_documents": "Upload documents",
    "search": "Search narratives and evidence",
    "use_api_tokens": "Create personal API tokens, to connect another system to the portal",
    "view_tenders": "See published tenders (and, for a commissioner, its own drafts)",
    "manage_tenders": "Create, publish and cancel the commissioner's tenders",
    "register_interest": "Register the provider's interest in a tender, to hear of changes and answers",
    "view_threads": "Read market engagement threads and their published answer sets",
    "manage_threads": "Open and close market engagement threads, reply to questions and publish the answer set",
    "post_thread_questions": "Ask questions in market engagement threads",
    "ask_questions": "Ask clarification questions about a tender",
    "view_questions": "See the organisation's clarification questions: a provider's own, a procurement team's inbox",
    "answer_questions": "Edit, answer and publish the clarification questions on the commissioner's tenders",
    "submit_bids": "Prepare, submit, change and withdraw the provider's bids, and confirm its part in a consortium bid",
    "view_bids": "See bids: a provider's own; a commissioner's tenders' bids once two people have opened them",
    "open_bids": "Confirm the opening of a tender's bids after the deadline (two different people must confirm)",
    "view_supplier_lists": "See approved supplier lists: a commissioner's own, a provider's own memberships",
    "manage_supplier_lists": "Keep the commissioner's approved supplier lists and their members",
    "evaluate_bids": "Evaluate the bids of a tender they are assigned to: declare interests, then score quality",
    "moderate_bids": "Record the consensus scores of a tender's bids and read the ranking with prices",
    "award_tenders": "Award a tender's lots once evaluated, telling every bidder",
    "view_bid_outcomes": "See the outcome of the provider's bids: its own scores and the winner's",
    "view_invoices": "See invoices and credit notes: a provider's own; a commissioner's once submitted, with their ages",
    "raise_invoices": "Raise, change and submit the provider's invoices and credit notes, answer queries, import "
                      "visit actuals and e-invoices",
    "approve_invoices": "Approve, query or reject submitted invoices, and accept or reject visit exceptions",
    "view_rate_cards": "See contracts' rate cards and variations",
    "manage_rate_cards": "Set contracts' rates (backdated changes make adjustments for the provider to submit)",
    "manage_invoicing_settings": "Set the second-approval amount and the prompt payment target",
    "view_payments": "See payment runs (a commissioner) or remittance advice (a provider)",
    "manage_payment_runs": "Build, confirm, download and mark paid the commissioner's payment runs",
    "view_proposals": "See proposals: a provider's own; a commissioner's once submitted",
    "make_proposals": "Write and submit the provider's proposals and investment fund bids",
    "decide_proposals": "Review proposals and accept or decline them",
    "manage_funds": "Open investment funds, set their panels and decide their bids",
    "score_fund_bids": "Score the bids of an investment fund they sit on the panel of",
    "view_savings": "See savings targets and each saving's progress",
    "manage_savings": "Set savings targets and record savings",
    "view_contract_reviews": "See contracts due for review, with delivery, spend, outcomes and compliance",
    "decide_contract_reviews": "Record a contract review's decision: extend, vary, retender or end",
    "export_organisation": "Ask for and download an export of all of the organisation's data and documents",
}

# Permissions of a person rather than of a page: a personal API token is allowed when any of the
# person's memberships grants it (portal.accounts.services.may_use_api), so no route names them.
ACCOUNT_PERMISSIONS = frozenset({"use_api_tokens"})

_EVERYONE = {"view_organisation", "view_contracts", "view_returns", "view_documents", "search", "view_tenders",
             "view_threads", "view_supplier_lists"}
_COMMISSIONER_READER = _EVERYONE | {"view_frameworks", "view_review_queue", "view_dashboards", "view_collaboratives",
                                    "evaluate_bids"}  # any member can sit on a tender's panel, once assigned
# Clarification questions: unanswered ones are seen by the asking provider and the procurement team
# only (not a commissioner's viewers, contract managers or finance staff).
_ASKER = {"ask_questions", "view_questions"}
_ANSWERER = {"answer_questions", "view_questions"}
# Bids: a provider's administrator and submitters bid and read their outcomes; a commissioner's
# administrator and procurement officers open the bids (two of them), then moderate and award.
_BIDDER = {"submit_bids", "view_bids", "view_bid_outcomes"}
_OPENER = {"open_bids", "view_bids"}
_AWARDER = {"moderate_bids", "award_tenders"}
# Money: a provider's administrator and finance staff invoice and propose; a commissioner's finance
# staff approve invoices and pay them, its contract managers approve and decide, any member reads.
_PROVIDER_MONEY = {"view_invoices", "raise_invoices", "view_rate_cards", "view_payments", "view_proposals",
                   "make_proposals"}
_COMMISSIONER_MONEY_READER = {"view_invoices", "view_rate_cards", "view_payments", "view_proposals", "view_savings",
                              "view_contract_reviews", "score_fund_bids"}  # any member can sit on a fund's panel
_DECIDER = {"approve_invoices", "manage_rate_cards", "decide_proposals", "manage_funds", "manage_savings",
            "decide_contract_reviews"}

# API tokens go to the roles that connect systems: a provider's administrator, submitters (a
# care-management system sends the returns), a commissioner's administrator and contract managers
# (returns, reviews and outcomes into their own reporting), its finance staff (delivery and spend
# figures into finance systems) and its procurement officers (tenders and their questions to and
# from e-tendering systems); a provider's finance staff too (invoices from its finance system).
# Viewers use the pages only.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # providers
    "provider_admin": frozenset(_EVERYONE | {"manage_members", "view_audit", "edit_returns", "upload_documents",
                                             "export_organisation",
                                             "use_api_tokens", "register_interest", "post_thread_questions", *_ASKER,
                                             *_BIDDER, *_PROVIDER_MONEY}),
    "submitter": frozenset(_EVERYONE | {"edit_returns", "upload_documents", "use_api_tokens", "register_interest",
                                        "post_thread_questions", *_ASKER, *_BIDDER, "view_proposals"}),
    # "finance" is a role in both kinds of organisation: what it may do depends on the kind.
    # commissioners
    "commissioner_admin": frozenset(_COMMISSIONER_READER | _COMMISSIONER_MONEY_READER | _DECIDER | {
        "manage_members", "view_audit", "export_organisation", "manage_contracts", "manage_frameworks",
        "review_returns",
        "manage_collaboratives", "upload_documents", "use_api_tokens", "manage_tenders", "manage_threads",
        "manage_supplier_lists", "manage_invoicing_settings", "manage_payment_runs", *_ANSWERER, *_OPENER,
        *_AWARDER}),
    "contract_manager": frozenset(_COMMISSIONER_READER | _COMMISSIONER_MONEY_READER | _DECIDER | {
        "manage_contracts", "manage_frameworks", "review_returns", "manage_collaboratives", "upload_documents",
        "use_api_tokens", "manage_threads"}),
    "procurement": frozenset(_COMMISSIONER_READER | _COMMISSIONER_MONEY_READER | {
        "manage_contracts", "upload_documents", "manage_tenders", "manage_threads", "use_api_tokens",
        "manage_supplier_lists", "decide_proposals", "manage_funds", "decide_contract_reviews", *_ANSWERER,
        *_OPENER, *_AWARDER}),
    "viewer": frozenset(_COMMISSIONER_READER | _COMMISSIONER_MONEY_READER),
}
KIND_ROLE_PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    (PROVIDER, "finance"): frozenset(_EVERYONE | _PROVIDER_MONEY | {"upload_documents", "use_api_tokens"}),
    (COMMISSIONER, "finance"): frozenset(_COMMISSIONER_READER | _COMMISSIONER_MONEY_READER | {
        "upload_documents", "use_api_tokens", "approve_invoices", "manage_rate_cards", "manage_invoicing_settings",
        "manage_payment_runs", "manage_savings"}),
}


def permissions_of(kind: str, role: str) -> frozenset[str]:
    """The permissions a member with ``role`` has in an organisation of ``kind``."""
    if role not in ROLES[kind]:
        return frozenset()
    return KIND_ROLE_PERMISSIONS.get((kind, role)) or ROLE_PERMISSIONS[role]


def role_can(kind: str, role: str, permission: str) -> bool:
    return permission in permissions_of(kind, role)


def kind_has(kind: str, permission: str) -> bool:
    """Whether any role of this kind of organisation has the permission (else the page is a 404)."""
    return any(role_can(kind, role, permission) for role in ROLES[kind])


def check_table() -> None:
    """Every permission granted is a known one (run by the tests and at app start)."""
    for kind, roles in ROLES.items():
        for role in roles:
            unknown = permissions_of(kind, role) - set(PERMISSIONS)
            if unknown:
                raise ValueError(f"{kind} role {role} grants unknown permissions {sorted(unknown)}")
