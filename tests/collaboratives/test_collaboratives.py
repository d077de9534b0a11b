"""Collaboratives: members see each other's pooled, suppressed outcome figures, never returns;
commissioners are chosen from a directory; leaving is confirmed on a page of its own."""
from __future__ import annotations

import csv
import io

import pytest
import psycopg
from bs4 import BeautifulSoup

from tests import factories
from tests.conftest import Browserless
from tests.helpers import run_jobs


def _form(app, web, slug, name, invite):
    return web.post(f"/o/{slug}/collaboratives/", {"name": name, "invite": invite})


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_members_see_pooled_figures_only_after_accepting(app, two_commissioners):
    clyde, forth = Browserless(app.test_client()), Browserless(app.test_client())
    clyde.sign_in(two_commissioners["clyde_manager"].email)
    forth.sign_in(two_commissioners["forth_manager"].email)
    assert _form(app, clyde, "clyde-hscp", "West partnership", "forth-hscp").status_code == 303
    run_jobs(app)
    listing = forth.client.get("/o/forth-hscp/collaboratives/").get_data(as_text=True)
    assert "West partnership" in listing and "Invited" in listing
    collaborative_id = int(listing.split("/collaboratives/")[2].split("/")[0])
    # Not yet accepted: Forth cannot open it, and Clyde's view holds only Clyde's figures.
    assert forth.client.get(f"/o/forth-hscp/collaboratives/{collaborative_id}").status_code == 404
    assert forth.post(f"/o/forth-hscp/collaboratives/{collaborative_id}/accept", {},
                      page="/o/forth-hscp/collaboratives/").status_code == 303
    run_jobs(app)  # both members' rollups are rebuilt with the new audience
    page = forth.client.get(f"/o/forth-hscp/collaboratives/{collaborative_id}").get_data(as_text=True)
    assert "All members" in page and "Clyde HSCP" in page and "Forth HSCP" in page
    # Clyde has two returns this month (CLY-001 and CLY-NOW, 15 of 20 each), Forth one (20 of 30).
    assert "71.4%" in page  # NHWO-1 pooled: (15 + 15 + 20) of (20 + 20 + 30)
    assert "75.0%" in page and "66.7%" in page  # each member's own rate
    assert "Fern Care" not in page and "Oak Care" not in page  # no provider is named
    exported = list(csv.reader(io.StringIO(forth.client.get(
        f"/o/forth-hscp/collaboratives/{collaborative_id}/export.csv").get_data(as_text=True))))
    assert exported[0] == ["Outcome", "Outcome wording", "Commissioner", "People reviewed", "People achieving",
                           "Rate %"]
    nhwo1 = {row[2]: row[3:] for row in exported if row[0] == "NHWO-1"}
    assert nhwo1 == {"All members": ["70", "50", "71.4"], "Clyde HSCP": ["40", "30", "75.0"],
                     "Forth HSCP": ["30", "20", "66.7"]}
    # Forth still cannot open Clyde's returns.
    assert forth.client.get("/o/clyde-hscp/returns/").status_code == 404


def test_the_pooled_view_names_outcomes_and_shows_counts_as_the_export_does(app, two_commissioners):
    clyde = Browserless(app.test_client())
    clyde.sign_in(two_commissioners["clyde_manager"].email)
    made = factories.collaborative(two_commissioners["clyde"], name="Pair", invite=[two_commissioners["forth"]],
                                   accepted_by=[two_commissioners["forth"]])
    run_jobs(app)
    page = _soup(clyde.client.get(f"/o/clyde-hscp/collaboratives/{made.id}"))
    table = page.select_one("#pooled")
    outcome = table.select_one("tbody th[scope=rowgroup]").get_text(" ", strip=True)
    assert outcome.startswith("NHWO-1: ") and len(outcome) > len("NHWO-1: ")  # the outcome's words, not its code
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("tbody")[0].select("tr")]
    assert rows == [["All members", "70", "50", "71.4%"], ["Clyde HSCP", "40", "30", "75.0%"],
                    ["Forth HSCP", "30", "20", "66.7%"]]
    exported = list(csv.reader(io.StringIO(clyde.client.get(
        f"/o/clyde-hscp/collaboratives/{made.id}/export.csv").get_data(as_text=True))))
    on_page = [[td.get_text(" ", strip=True).rstrip("%").replace("Suppressed", "suppressed")
                for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    assert [row[2:] for row in exported[1:]] == on_page  # the same figures, suppressed where the page says so
    figure = page.select_one("main figure")
    assert figure.find("svg")["role"] == "img" and figure.find_next_sibling().select_one("table")
    assert "(yours 75.0%)" in figure.get_text(" ")
    # A period is a whole financial year from the list; anything else is explained.
    select = page.select_one("#year")
    assert [o.get_text() for o in select.find_all("option")][0].startswith("April ")
    wrong = clyde.client.get(f"/o/clyde-hscp/collaboratives/{made.id}?year=2025-01")
    assert wrong.status_code == 422 and "Choose a year from the list" in wrong.get_data(as_text=True)
    earlier = select.find_all("option")[1]["value"]
    empty = _soup(clyde.client.get(f"/o/clyde-hscp/collaboratives/{made.id}?year={earlier}"))
    assert "No submitted returns in April" in empty.select_one("#pooled").get_text()
    assert clyde.client.get(f"/o/clyde-hscp/collaboratives/{made.id}/export.csv?year=x").status_code == 400


def test_commissioners_are_chosen_from_a_directory(app, two_commissioners):
    tay = factories.organisation("commissioner", slug="tay-hscp", name="Tay HSCP")
    clyde = Browserless(app.test_client())
    clyde.sign_in(two_commissioners["clyde_manager"].email)
    page = _soup(clyde.client.get("/o/clyde-hscp/collaboratives/"))
    boxes = {box["value"]: box.find_next("label").get_text(strip=True) for box in page.select("input[name=invite]")}
    assert boxes == {"forth-hscp": "Forth HSCP", "tay-hscp": "Tay HSCP"}  # not Clyde itself, no providers
    response = clyde.post("/o/clyde-hscp/collaboratives/", {"name": "Three", "invite": ["forth-hscp", "tay-hscp"]})
    assert response.status_code == 303
    listing = clyde.client.get("/o/clyde-hscp/collaboratives/").get_data(as_text=True)
    assert "Forth HSCP (invited)" in listing and "Tay HSCP (invited)" in listing
    assert tay.id


def test_leaving_is_confirmed_first(app, two_commissioners):
    clyde, forth = Browserless(app.test_client()), Browserless(app.test_client())
    clyde.sign_in(two_commissioners["clyde_manager"].email)
    forth.sign_in(two_commissioners["forth_manager"].email)
    made = factories.collaborative(two_commissioners["clyde"], name="Pair", invite=[two_commissioners["forth"]])
    listing = _soup(forth.client.get("/o/forth-hscp/collaboratives/"))
    decline = next(a["href"] for a in listing.select("main a") if a.get_text(strip=True).startswith("Decline"))
    confirm = forth.client.get(decline)
    assert confirm.status_code == 200
    assert "Are you sure you want to decline the invitation to Pair?" in confirm.get_data(as_text=True)
    # Opening the page changes nothing: Forth is still invited.
    assert "Pair" in forth.client.get("/o/forth-hscp/collaboratives/").get_data(as_text=True)
    assert forth.post(decline, {}).status_code == 303
    after = _soup(forth.client.get("/o/forth-hscp/collaboratives/"))
    assert "You have declined the invitation to Pair" in after.get_text()
    assert "Pair" not in after.select_one("main table").get_text()
    leave = f"/o/clyde-hscp/collaboratives/{made.id}/leave"
    page = _soup(clyde.client.get(leave))
    assert page.find("h1").get_text(strip=True) == "Are you sure you want to leave Pair?"
    assert page.select_one("main form button").get_text(strip=True) == "Leave collaborative"
    assert page.find("a", string="Cancel")["href"] == "/o/clyde-hscp/collaboratives/"
    response = clyde.post(leave, {})
    assert response.status_code == 303
    assert "You have left Pair" in clyde.client.get("/o/clyde-hscp/collaboratives/").get_data(as_text=True)
    assert clyde.client.get(leave).status_code == 404  # no longer a member


def test_rls_shares_rollups_only_with_active_fellow_members(app, services, two_commissioners):
    clyde = Browserless(app.test_client())
    clyde.sign_in(two_commissioners["clyde_manager"].email)
    _form(app, clyde, "clyde-hscp", "Solo for now", "forth-hscp")
    run_jobs(app)
    url = services.urls["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute("select set_config('app.org_id', %s, true)", (str(two_commissioners["forth"].id),))
        owners = {r[0] for r in conn.execute("select tenant_id from outcome_rollups")}
        assert owners == {two_commissioners["forth"].id}  # invited is not enough
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select set_config('app.org_id', %s, true)", (str(two_commissioners["forth"].id),))
            conn.execute("insert into outcome_rollups (tenant_id, framework_code, outcome, period_start, reviewed, "
                         "achieved, returns, visible_to) values (%s, 'NHWO', 'X', now(), 1, 1, 1, '{}')",
                         (two_commissioners["clyde"].id,))


def test_bad_input_is_explained(app, two_commissioners):
    clyde = Browserless(app.test_client())
    clyde.sign_in(two_commissioners["clyde_manager"].email)
    page = _form(app, clyde, "clyde-hscp", "", "").get_data(as_text=True)
    assert "Enter a name for the collaborative" in page
    for nonsense in ("fern-care", "clyde-hscp", "nobody-at-all", "<b>"):
        response = _form(app, clyde, "clyde-hscp", "X", nonsense)
        assert response.status_code == 422 and "Choose commissioners from the list" in response.get_data(as_text=True)
    assert "X" not in [m.split("<")[0] for m in clyde.client.get("/o/clyde-hscp/collaboratives/").get_data(
        as_text=True).split('collaboratives/')]  # nothing half-made
    assert "Enter a name of 200 characters or fewer" in _form(app, clyde, "clyde-hscp", "x" * 201, "").get_data(
        as_text=True)
