"""Who may do what to a return, beyond the permission table (which says who may edit or review
returns at all): a return is edited only while it is a draft or has changes requested, and
reviewed only once submitted."""
from __future__ import annotations

from portal.returns.models import AWAITING_REVIEW, Return
from portal.tenants.models import Membership


def can_edit(ret: Return, membership: Membership) -> bool:
    return membership.can("edit_returns") and ret.is_editable


def can_review(ret: Return, membership: Membership) -> bool:
    return membership.can("review_returns") and ret.status in AWAITING_REVIEW


def sees_working_copy(membership: Membership) -> bool:
    """The provider sees its return as it is being filled in; a commissioner only what was submitted."""
    return membership.organisation.kind == "provider"
