"""Rules about members beyond the permission table: an organisation always keeps an administrator."""
from __future__ import annotations

from portal.tenants.models import Membership

LAST_ADMIN = "An organisation needs at least one administrator: make someone else one first"


def leaves_no_administrator(membership: Membership, *, new_role: str | None, administrators: int) -> bool:
    """Whether changing ``membership`` to ``new_role`` (None: removing it) would leave the
    organisation with no administrator."""
    return membership.is_admin and new_role != membership.organisation.admin_role and administrators == 1
