"""Routes from the URL map and the permission table, for the access suites (test_roles,
test_audit_trail, test_planted_ids, test_tokens): every case is generated, so a new route is
covered the day it is added."""
from __future__ import annotations

import re

from portal.http.access import access_of
from portal.tenants.permissions import PERMISSIONS, kind_has, role_can

#: Arguments that name a part of an object rather than an object: a valid value.
PART_VALUES = {"task_key": "delivery", "number": 1, "file_format": "csv"}
SAFE = {"GET"}


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def organisation_rules(app, *, api: bool | None = None):
    """(rule, permission) for every route inside an organisation (its slug form for the API)."""
    for rule in app.url_map.iter_rules():
        permission = access_of(app, rule.endpoint)
        if permission not in PERMISSIONS or "slug" not in rule.arguments:
            continue
        is_api = rule.rule.startswith("/api/")
        if api is None or api == is_api:
            yield rule, permission


def fill(rule, slug: str | None, ids: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        value = slug if name == "slug" else PART_VALUES.get(name, ids.get(name))
        assert value is not None, f"{rule.endpoint}: the world has no object for {name}"
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
    return url


def expected(kind: str, role: str, permission: str) -> int | None:
    """The table's answer: 404 when the kind has no such page, 403 without the permission, else
    None (let through)."""
    if not kind_has(kind, permission):
        return 404
    if not role_can(kind, role, permission):
        return 403
    return None


def signed_in(app, user):
    """A test client signed in as ``user`` (with the MFA code when the account uses it)."""
    from tests.conftest import Browserless

    client = app.test_client()
    Browserless(client).sign_in(user.email)
    return client
