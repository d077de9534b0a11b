"""Who may see and do what with a thread, beyond what the tables let an organisation read.

Inside the commissioner, a contract-scoped thread is for the contract's lead manager and the
roles that run market engagement across contracts (the organisation's administrators and its
procurement team); other members (contract managers of other contracts, finance, viewers) do
not see it. Every member of the contract's provider sees it.
"""
from __future__ import annotations

from portal.engagement.models import CONTRACT, Thread
from portal.tenants.models import COMMISSIONER

#: Commissioner roles that see every thread of their organisation, whatever its contract.
SEES_ALL_THREADS = ("commissioner_admin", "procurement")


def sees_every_contract_thread(membership) -> bool:
    return membership.organisation.kind != COMMISSIONER or membership.role in SEES_ALL_THREADS


def may_see(membership, thread: Thread, lead_manager_id: int | None) -> bool:
    """Whether this member sees a thread its organisation can read (``lead_manager_id``: the
    contract's lead manager, for a contract-scoped thread)."""
    if thread.scope != CONTRACT or thread.tenant_id != membership.tenant_id:
        return True
    return sees_every_contract_thread(membership) or lead_manager_id == membership.user_id


def owns(org_id: int, thread: Thread) -> bool:
    return thread.tenant_id == org_id


def may_ask(org_id: int, thread: Thread) -> bool:
    """A provider reading the thread asks while it is open (never the commissioner itself)."""
    return thread.is_open and thread.tenant_id != org_id
