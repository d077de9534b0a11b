"""Email about proposals, sent in the recipient organisation's own context (an outbox job run as
that tenant): the commissioner's deciders hear of a submission, the provider's proposers of a
decision."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.services import send_email
from portal.proposals.models import ACCEPTED, DECLINED, SUBMITTED, Proposal
from portal.tenants.context import current_tenant_id
from portal.tenants.models import Membership, Organisation
from portal.tenants.permissions import permissions_of
from portal.urls import external_url

WHO = {SUBMITTED: "decide_proposals", ACCEPTED: "make_proposals", DECLINED: "make_proposals"}


def notify_proposal(proposal_id: int, event: str) -> None:
    proposal = db.session.scalar(select(Proposal).where(Proposal.id == proposal_id))
    organisation = db.session.get(Organisation, current_tenant_id())
    if proposal is None or organisation is None or event not in WHO:
        return
    roles = [role for role in {m.role for m in db.session.scalars(select(Membership))}
             if WHO[event] in permissions_of(organisation.kind, role)]
    recipients = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(roles), User.is_active_account)))
    link = external_url("proposals.show", slug=organisation.slug, proposal_id=proposal.id)
    subject = (f"New proposal from {proposal.provider.name}: {proposal.title}" if event == SUBMITTED
               else f"Your proposal {proposal.reference} has been {proposal.status_label.lower()}")
    for user in recipients:
        send_email(user.email, subject[:200], "proposal_" + ("submitted" if event == SUBMITTED else "decided"),
                   user=user, proposal=proposal, link=link)
