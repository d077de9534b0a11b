"""Who may do what to contracts and frameworks, beyond the permission table."""
from __future__ import annotations

from portal.contracts.models import OutcomeFramework
from portal.tenants.models import Membership


def can_change_framework(framework: OutcomeFramework, membership: Membership) -> bool:
    """A commissioner changes only its own frameworks (never a national one)."""
    return membership.can("manage_frameworks") and framework.owner_id == membership.tenant_id


def can_add_questions(framework: OutcomeFramework, membership: Membership, *, in_use: bool) -> bool:
    """Questions are added while no contract uses the framework."""
    return can_change_framework(framework, membership) and not in_use
