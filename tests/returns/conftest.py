"""A commissioner, a provider, a contract on the Scottish framework with a monthly schedule."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select


@pytest.fixture
def contract_setup(app, make_org, make_user):
    from portal.accounts.models import User
    from portal.contracts.frameworks import seed_frameworks
    from portal.contracts.models import OutcomeFramework
    from portal.contracts.services import create_contract, create_schedule
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    commissioner = make_org("commissioner", slug="clyde-hscp", name="Clyde HSCP")
    provider = make_org("provider", slug="fern-care", name="Fern Care")
    manager = make_user("manager@clyde.example", memberships=[(commissioner, "contract_manager")])
    submitter = make_user("submitter@fern.example", memberships=[(provider, "submitter")])
    other_submitter = make_user("second@fern.example", memberships=[(provider, "submitter")])
    admin = make_user("admin@fern.example", memberships=[(provider, "provider_admin")])
    with app.app_context():
        seed_frameworks()
        framework_id = db.session.scalar(select(OutcomeFramework.id).where(OutcomeFramework.code == "NHWO"))
        with tenant_context(commissioner.id, manager.id):
            contract = create_contract(
                get_organisation_by_slug("clyde-hscp"), provider_slug="fern-care", reference="CLY-001",
                title="Care at home, north", service_type="care_at_home", care_group="Older people",
                locality="North", start_date=date(2025, 1, 1), end_date=date(2026, 12, 31),
                annual_value="1250000.00", funding_model="outcomes_based", framework_id=framework_id,
                lead_manager_id=manager.id, living_wage_rate="12.60", actor=db.session.get(User, manager.id))
            create_schedule(contract, frequency="monthly", due_days=14, actor=None)
            contract_id = contract.id
        db.session.commit()
    return {"commissioner": commissioner, "provider": provider, "manager": manager, "submitter": submitter,
            "other_submitter": other_submitter, "provider_admin": admin, "contract_id": contract_id,
            "framework_id": framework_id}


def full_answers(measures) -> dict[str, str]:
    """Valid answers for every measure of a template."""
    values = {}
    for m in measures:
        values[m.code] = {"integer": "10", "decimal": "120.5", "percentage": "95", "yes_no": "yes",
                          "text": f"Evidence for {m.code}"}[m.type]
        if m.code.endswith(".ACHIEVED"):
            values[m.code] = "7"
    return values
