"""Fixtures shared by the attack suites."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine


@pytest.fixture
def superuser_engine(services):
    """Sees every tenant's rows: the owner and the app role are both held by FORCE ROW LEVEL SECURITY,
    so a suite that must count another tenant's rows reads them as the PostgreSQL superuser."""
    engine = create_engine(services.urls["POSTGRES_SUPERUSER_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()
