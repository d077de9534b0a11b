"""Collaboratives: members see each other's pooled, suppressed outcome figures, never returns."""
from __future__ import annotations

from datetime import date

import pytest
import psycopg

from tests.conftest import Browserless
from tests.helpers import run_jobs


def _form(app, web, slug, name, invite):
    return web.post(f"/o/{slug}/collaboratives/", {"name": name, "invite": invite})


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
    exported = forth.client.get(f"/o/forth-hscp/collaboratives/{collaborative_id}/export.csv").get_data(as_text=True)
    assert "NHWO-1,All members,71.4" in exported and "NHWO-1,Clyde HSCP,75.0" in exported
    assert "NHWO-1,Forth HSCP,66.7" in exported
    # Forth still cannot open Clyde's returns.
    assert forth.client.get("/o/clyde-hscp/returns/").status_code == 404


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
    page = _form(app, clyde, "clyde-hscp", "X", "fern-care").get_data(as_text=True)
    assert "is not another commissioner" in page
