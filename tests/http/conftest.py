"""A provider and its commissioner with a member of every role, for the pipeline's suites."""
from __future__ import annotations

import pytest

from portal.tenants.models import COMMISSIONER, PROVIDER, ROLES
from tests import factories
from tests.tenancy.seed import bid_ids, seed_contract_rows


@pytest.fixture
def everyone(app):
    """A provider and its commissioner with one member of every role, and objects of both for
    every loader (a contract, a submitted return with evidence, an import, documents, a
    framework, a collaborative, invitations)."""
    orgs = {PROVIDER: factories.organisation(PROVIDER, slug="role-care"),
            COMMISSIONER: factories.organisation(COMMISSIONER, slug="role-hscp")}
    users = {(kind, role): factories.user(f"{role}@{kind}.example", memberships=[(orgs[kind], role)])
             for kind, roles in ROLES.items() for role in roles}
    contract = seed_contract_rows(app, orgs[PROVIDER], orgs[COMMISSIONER], "ROLE-1")
    ret = factories.return_of(contract)
    tender = factories.tender(orgs[COMMISSIONER], reference="ROLE-T")
    shared = {"contract_id": contract.id, "return_id": ret.id,
              "submitted_document_id": factories.submitted_document_id(ret),
              "import_id": factories.return_import(contract).id,
              "framework_id": factories.framework(orgs[COMMISSIONER], code="ROLE-OWN").id,
              "collaborative_id": factories.collaborative(orgs[COMMISSIONER], name="Own group").id,
              "tender_id": tender.id, "question_id": factories.question(orgs[PROVIDER], tender).id}
    approved = factories.supplier_list(orgs[COMMISSIONER], name="Role list")  # the provider reads its membership
    shared.update(supplier_list_id=approved.id, list_member_id=factories.list_member(approved, orgs[PROVIDER]).id,
                  tender_document_id=factories.tender_document(tender).id)
    thread = factories.thread(orgs[COMMISSIONER], title="Role thread")  # market-wide: every role reads it
    question = factories.thread_question(orgs[PROVIDER], thread, "A role's question")
    factories.thread_reply(question, "A reply")
    shared.update(payment_run_id=_paid_run(app, orgs[COMMISSIONER]), remittance_id=_remittance(app, orgs[PROVIDER]))
    shared.update(thread_id=thread.id, post_id=question.id, lot_number=1,
                  **bid_ids(orgs[PROVIDER], tender, "role-partner", opened=True))
    visits = factories.visit_import(contract, filename="roles.csv")
    approved = factories.invoice_row(contract, number="ROLE-INV-APPROVED", status="approved")
    shared.update(visit_import_id=visits.id, visit_id=factories.exception_visit_id(visits), invoice_id=approved.id,
                  invoice_attachment_id=factories.invoice_attachment_row(approved).id)
    seeded = contract.proposal_ids  # an open fund with the provider's bid, a target and a saving
    shared.update(fund_id=seeded["fund_id"], proposal_id=seeded["fund_bid_id"], target_id=seeded["target_id"],
                  saving_id=seeded["saving_id"])
    ids = {kind: {**shared, "membership_id": factories.membership_id(org, users[(kind, ROLES[kind][0])]),
                  "invitation_id": factories.invitation(org)[0].id,
                  "document_id": factories.document(org, filename="own.pdf").id,
                  "export_id": factories.organisation_export(org).id, "organisation_id": org.id}
           for kind, org in orgs.items()}
    return {"orgs": orgs, "users": users, "ids": ids}


def _paid_run(app, commissioner) -> int:
    """The seeded paid run of the commissioner (a provider does not see runs: its GET is a 404)."""
    from portal.invoicing.payment_runs import list_runs
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(commissioner.id):
        return list_runs()[0].id


def _remittance(app, provider) -> int:
    from portal.invoicing.remittances import list_remittances
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider.id):
        return list_remittances()[0].id
