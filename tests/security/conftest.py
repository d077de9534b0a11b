"""Fixtures shared by the attack suites."""
from __future__ import annotations

import pytest


@pytest.fixture
def world(app):
    """A provider and its commissioner with a member of every role and objects for every loader."""
    from tests.tenancy.seed import every_role_world

    return every_role_world(app)
