"""Two commissioners and two providers with returns, narratives and documents to search.

- Clyde HSCP commissions CLY-001 from Fern Care (from tests.returns.conftest) and CLY-OAK
  from Oak Care;
- Tay HSCP commissions TAY-001 from Fern Care.
"""
from __future__ import annotations

from datetime import date

import pytest

from tests.returns.conftest import contract_setup, full_answers  # noqa: F401  (fixture)

PHRASE_CODE = "NHWO-3.NARRATIVE"


@pytest.fixture
def world(app, contract_setup, make_org, make_user):  # noqa: F811
    tay = make_org("commissioner", slug="tay-hscp", name="Tay HSCP")
    oak = make_org("provider", slug="oak-care", name="Oak Care")
    tay_manager = make_user("manager@tay.example", memberships=[(tay, "contract_manager")])
    oak_submitter = make_user("submitter@oak.example", memberships=[(oak, "submitter")])
    framework_id = contract_setup["framework_id"]
    return {**contract_setup, "tay": tay, "oak": oak, "tay_manager": tay_manager, "oak_submitter": oak_submitter,
            "tay_contract_id": make_contract(app, tay, contract_setup["provider"], "TAY-001", framework_id),
            "oak_contract_id": make_contract(app, contract_setup["commissioner"], oak, "CLY-OAK", framework_id)}


def make_contract(app, commissioner, provider, reference: str, framework_id: int) -> int:
    from portal.contracts.services import create_contract, create_schedule
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    with app.app_context(), tenant_context(commissioner.id):
        contract = create_contract(
            db.session.get(Organisation, commissioner.id), provider_slug=provider.slug, reference=reference,
            title=f"Contract {reference}", service_type="care_at_home", care_group="", locality="",
            start_date=date(2025, 1, 1), end_date=date(2025, 6, 30), annual_value="1000", funding_model="block",
            framework_id=framework_id, lead_manager_id=None, actor=None)
        create_schedule(contract, frequency="monthly", actor=None)
        contract_id = contract.id
        db.session.commit()
    return contract_id


def return_ids(app, provider_id: int, contract_id: int) -> list[int]:
    from portal.returns.queries import list_returns
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        return [r.id for r in list_returns(contract_id=contract_id)]


def add_document(app, provider_id: int, filename: str, text: str) -> int:
    """A checked document in the provider's library with this extracted text."""
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        document = Document(storage_key=f"t/{provider_id}/documents/{filename}", filename=filename,
                            size_bytes=len(text.encode()) or 1, status="clean", scan_status="clean",
                            sha256="0" * 64, content_type="application/pdf", processed_at=utcnow(),
                            text_content=text)
        db.session.add(document)
        db.session.commit()
        return document.id


def fill(app, provider_id: int, user_id: int, return_id: int, narratives: dict[str, str] | None = None, *,
         documents=(), submit: bool = True) -> None:
    """Answer every question (with these narratives), attach documents, and submit."""
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.returns.attachments import attach
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id, user_id):
        user = db.session.get(User, user_id)
        ret = queries.get_return(return_id)
        values = full_answers(queries.measures_for(ret))
        values.update(narratives or {})
        services.save_answers(ret, values, expected_version=ret.lock_version, actor=user)
        for document_id in documents:
            attach(ret, document_id, actor=user)
        if submit:
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
            services.submit(ret, expected_version=ret.lock_version, actor=user)
        db.session.commit()


def search_as(app, organisation, q: str, **kwargs):
    from portal.extensions import db
    from portal.search.queries import search
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    with app.app_context(), tenant_context(organisation.id):
        results = search(db.session.get(Organisation, organisation.id), q, **kwargs)
        db.session.rollback()
        return results
