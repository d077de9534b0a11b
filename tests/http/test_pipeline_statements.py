"""What the request pipeline costs in statements, before the page's own: who (the session or the
token), their memberships (read once, for the MFA check and the organisation both) and the
tenant settings (sent only when they change, never the empty ones a transaction starts with).
Nothing is read again after the commit."""
from __future__ import annotations

import re

from tests.helpers import statements_sent

_FIRST_TABLE = re.compile(r"\bfrom\s+\"?([a-z_]+)", re.IGNORECASE)


def kinds(statements: list[str]) -> list[str]:
    """Each statement as its verb and first table ("select memberships"), or "set_config"."""
    found = [_FIRST_TABLE.search(s) for s in statements]
    return ["set_config" if "set_config(" in s else f"{s.split()[0].lower()} {f.group(1) if f else ''}"
            for s, f in zip(statements, found)]


def test_a_signed_in_page_costs_four_statements_before_its_own(app, web, client, contract_setup):
    web.sign_in(contract_setup["manager"].email)
    url = f"/o/{contract_setup['commissioner'].slug}/dashboards/"  # a page that reads nothing of its own
    assert client.get(url).status_code == 200
    with statements_sent(app) as sent:
        assert client.get(url).status_code == 200
    assert kinds(sent) == ["select user_sessions", "set_config", "select memberships", "set_config"]


def test_an_api_call_costs_four_statements_before_its_own(app, client, api_token, contract_setup):
    headers = {"Authorization": f"Bearer {api_token(contract_setup['submitter'].email)}"}
    assert client.get("/api/v1/returns?limit=1", headers=headers).status_code == 200
    with statements_sent(app) as sent:
        assert client.get("/api/v1/returns?limit=1", headers=headers).status_code == 200
    seen = kinds(sent)
    # The token's "last used" was written by the first call: not again within the minute.
    assert seen[:4] == ["select api_tokens", "set_config", "select memberships", "set_config"]
    assert not any(s.startswith("update") for s in seen)
    assert seen.count("select memberships") == 1
