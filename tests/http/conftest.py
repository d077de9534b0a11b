"""A provider and its commissioner with a member of every role, for the pipeline's suites."""
from __future__ import annotations

import pytest

from tests.tenancy.seed import every_role_world


@pytest.fixture
def everyone(app):
    """A provider and its commissioner with one member of every role, and objects of both for
    every loader (a contract, a submitted return with evidence, an import, documents, a
    framework, a collaborative, invitations)."""
    return every_role_world(app)
