"""Rows in every tenant-owned table for two providers and their commissioner (RLS suite)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select


def seed_contract_rows(app, provider, commissioner, reference: str) -> None:
    """A contract, schedule, returns, answers and a submitted version for ``provider``."""
    from portal.accounts.models import User
    from portal.contracts.frameworks import seed_frameworks
    from portal.contracts.models import OutcomeFramework
    from portal.contracts.services import create_contract, create_schedule
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation
    from tests.returns.conftest import full_answers

    with app.app_context():
        seed_frameworks()
        framework_id = db.session.scalar(select(OutcomeFramework.id).where(OutcomeFramework.code == "NHWO"))
        user = db.session.scalar(select(User).order_by(User.id))
        with tenant_context(commissioner.id):
            contract = create_contract(
                db.session.get(Organisation, commissioner.id), provider_slug=provider.slug, reference=reference,
                title="Seeded", service_type="care_at_home", care_group="", locality="", start_date=date(2025, 1, 1),
                end_date=date(2025, 3, 31), annual_value="1000", funding_model="block", framework_id=framework_id,
                lead_manager_id=None, actor=None)
            create_schedule(contract, frequency="monthly", actor=None)
        with tenant_context(provider.id):
            from portal.documents.models import Document
            from portal.models_base import utcnow
            from portal.returns.attachments import attach
            from portal.returns.models import ReturnImport

            ret = queries.list_returns()[0]
            document = Document(storage_key=f"t/{provider.id}/documents/{reference}", filename="evidence.pdf",
                                size_bytes=10, status="clean", scan_status="not_scanned", sha256="0" * 64,
                                processed_at=utcnow())
            db.session.add(document)
            db.session.flush()
            attach(ret, document.id, actor=user)
            db.session.add(ReturnImport(return_id=ret.id, filename="r.csv", file_format="csv", storage_key="k",
                                        status="failed", errors=[]))
            services.save_answers(ret, full_answers(queries.measures_for(ret)), expected_version=ret.lock_version,
                                  actor=user)
            services.declare(ret, confirmed=True, expected_version=ret.lock_version, actor=user)
            services.submit(ret, expected_version=ret.lock_version, actor=user)
            from portal.search.services import index_return

            index_return(ret)  # search_entries, as the index job would
        db.session.commit()
    with app.app_context():
        from portal.collaboratives.services import refresh_outcome_rollup

        with tenant_context(commissioner.id):
            refresh_outcome_rollup(commissioner.id)  # the commissioner's shared outcome rollup
        db.session.commit()
