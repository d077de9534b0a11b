"""The service navigation: the permission table chooses the tabs, the page chooses the current one."""
from __future__ import annotations

from bs4 import BeautifulSoup


def _tabs(client, path: str) -> list[tuple[str, str, bool]]:
    page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    return [(a.get_text(" ", strip=True), a["href"], a.get("aria-current") == "true")
            for a in page.select(".govuk-service-navigation__list a")]


def test_each_role_sees_the_tabs_its_permissions_allow_and_the_current_one(web, client, make_org, make_user):
    provider, hscp = make_org("provider"), make_org("commissioner")
    make_user("nav-submitter@example.org", memberships=[(provider, "submitter")])
    make_user("nav-admin@example.org", memberships=[(hscp, "commissioner_admin")], platform_admin=True)

    web.sign_in("nav-submitter@example.org")
    tabs = _tabs(client, f"/o/{provider.slug}/returns/")
    names = [t[0] for t in tabs]
    assert names[:3] == ["Home", "Contracts", "Returns"] and names[-1] == "Switch organisation"
    assert "Reviews" not in names and "Members" not in names and "Platform admin" not in names
    assert [t[0] for t in tabs if t[2]] == ["Returns"]
    assert f"/o/{provider.slug}/returns/" in [t[1] for t in tabs]

    web.sign_in("nav-admin@example.org")  # a new session, as anyone signing in on this browser
    tabs = _tabs(client, f"/o/{hscp.slug}/members/invite")
    names = [t[0] for t in tabs]
    assert "Reviews" in names and "Members" in names and "Platform admin" in names
    assert [t[0] for t in tabs if t[2]] == ["Members"]  # the invitation page is one of the members' pages
    assert dict((t[0], t[1]) for t in tabs)["Reviews"] == f"/o/{hscp.slug}/reviews/"
    assert [t[0] for t in _tabs(client, "/choose-organisation") if t[2]] == ["Switch organisation"]
