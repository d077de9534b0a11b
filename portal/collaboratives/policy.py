"""Who sees a collaborative's pooled figures: its active members only (an invited commissioner
sees the invitation, not the figures)."""
from __future__ import annotations

from portal.collaboratives.models import ACTIVE, CollaborativeMember


def can_see_figures(member: CollaborativeMember) -> bool:
    return member.status == ACTIVE
