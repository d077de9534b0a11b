"""Helpers of the search tests: documents, answers and submissions with searchable text."""
from __future__ import annotations

from tests import factories
from tests.factories import full_answers

PHRASE_CODE = "NHWO-3.NARRATIVE"


def return_ids(app, provider_id: int, contract_id: int) -> list[int]:
    from portal.returns.queries import list_returns
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(provider_id):
        return [r.id for r in list_returns(contract_id=contract_id)]


def add_document(app, provider_id: int, filename: str, text: str) -> int:
    """A checked document in the provider's library with this extracted text."""
    return factories.document(factories.organisation_by_id(provider_id), filename=filename, text=text).id


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
