"""Migration 0012 on a database that already holds contracts: each gets the usual unit of its
type of service, and a unit outside the list is refused afterwards."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests import factories

BEFORE = "0011_return_reminders"


def test_upgrading_gives_each_contract_the_usual_unit_of_its_service(app, owner_engine):
    from flask_migrate import downgrade, upgrade

    commissioner, provider = factories.organisation("commissioner"), factories.organisation("provider")
    made = {service: factories.contract(commissioner=commissioner, provider=provider, service_type=service,
                                        frequency=None).id
            for service in ("care_at_home", "day_opportunities", "residential", "other")}
    with app.app_context():
        downgrade(revision=BEFORE)
        try:
            with owner_engine.begin() as conn:
                columns = conn.execute(text("select column_name from information_schema.columns "
                                            "where table_name = 'contracts'")).scalars().all()
                assert "delivery_unit" not in columns
        finally:
            upgrade(revision="heads")
    with owner_engine.begin() as conn:
        conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(provider.id)})
        units = dict(conn.execute(text("select id, delivery_unit from contracts")).all())
    assert {service: units[contract_id] for service, contract_id in made.items()} == {
        "care_at_home": "hours", "day_opportunities": "sessions", "residential": "nights", "other": "hours"}
    with pytest.raises(IntegrityError), owner_engine.begin() as conn:
        conn.execute(text("select set_config('app.org_id', :org, true)"), {"org": str(provider.id)})
        conn.execute(text("update contracts set delivery_unit = 'miles' where id = :id"),
                     {"id": made["other"]})
