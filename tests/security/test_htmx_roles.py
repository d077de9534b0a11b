"""htmx partial requests (HX-Request) obey the same permission table as full pages, for every role
of both kinds and every page route and method, generated from the URL map (a file of its own so
that the test runner spreads its cases and test_roles.py's)."""
from __future__ import annotations

import pytest

from portal.tenants.models import ADMIN_ROLES, ROLES
from tests.conftest import csrf_from
from tests.security.access_routes import expected, fill, methods_of, organisation_rules, signed_in

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("kind,role", [(kind, role) for kind, roles in ROLES.items() for role in roles])
def test_htmx_partial_requests_follow_the_same_table(app, world, kind, role):
    """Every page route, each method, as htmx sends it (HX-Request), for one role at a time: the
    answer is the full page's (403 or 404, never an HX-Redirect around the refusal)."""
    tried = {403: 0, 404: 0, None: 0}
    user = world["users"][(kind, role)]
    client = signed_in(app, user)
    slug = world["orgs"][kind].slug
    csrf = csrf_from(client.get(f"/o/{slug}/").get_data(as_text=True))
    for rule, permission in organisation_rules(app, api=False):
        answer = expected(kind, role, permission)
        url = fill(rule, slug, world["ids"][kind])
        for method in methods_of(rule):
            if answer is None and method != "GET":
                continue  # let through: read only, change nothing
            data = {"csrf_token": csrf} if method != "GET" else None
            response = client.open(url, method=method, data=data, headers=HTMX)
            where = f"htmx {kind} {role}: {method} {url} (needs {permission})"
            if answer is None:
                assert response.status_code not in (401, 403) and response.status_code < 500, \
                    f"{where} -> {response.status_code}"
            else:
                assert response.status_code == answer, f"{where} -> {response.status_code}, not {answer}"
                assert "HX-Redirect" not in response.headers, where
            tried[answer] += 1
    # Each kind lacks the other's pages, and every role reads something.
    assert tried[404] > 20 and tried[None] > 10, tried
    if role not in ADMIN_ROLES.values():
        assert tried[403] > 0, tried
