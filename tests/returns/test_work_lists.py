"""What people work from: the contract page's every period (returns never received too), the
provider's returns due or overdue, the commissioner's returns to review and returns missing."""
from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

from tests import factories

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _rows(page: BeautifulSoup) -> list[dict[str, str]]:
    """The schedule table's rows as {column label: text}."""
    return [{cell["data-label"]: " ".join(cell.get_text(" ").split()) for cell in row.select("[data-label]")}
            for row in page.select("table.portal-stack-table tbody tr")]


def _remind(app, *days: date) -> None:
    """Run the reminders job on each of ``days``, as rq cron does every hour."""
    from portal.returns.jobs import send_return_reminders

    with app.app_context():
        for day in days:
            send_return_reminders(today=day)


def test_the_contract_page_lists_every_period_with_the_missing_ones(app, web, client, contract_setup):
    contract = contract_setup["contract"]  # monthly, January 2025 to December 2026: 24 periods
    factories.submission(contract, JAN, on=date(2025, 2, 20))  # due 14 February: late
    factories.answers(contract, FEB)  # answered but never submitted
    _remind(app, date(2025, 3, 7), date(2025, 3, 13), date(2025, 3, 15))  # February's return is due 14 March
    factories.submission(contract, MAR, on=date(2025, 4, 1))
    factories.review(contract, MAR, "request_changes", on=date(2025, 4, 2))

    web.sign_in(contract_setup["manager"].email)
    url = f"/o/{contract_setup['commissioner'].slug}/contracts/{contract.id}"
    rows = _rows(_soup(client.get(url)))
    assert len(rows) == 24 and rows[0]["Period"] == "1 Jan 2025 to 31 Jan 2025"
    assert rows[0]["Status"] == "Submitted" and rows[0]["Submitted"] == "20 Feb 2025 12:00 Late"
    assert rows[1]["Status"].startswith("Not received Overdue by") and rows[1]["Submitted"] == "–"
    assert rows[1]["Due"] == "14 Mar 2025"
    # The commissioner sees the reminders about a return it cannot see, to chase it.
    assert [part.split(" (")[0] for part in rows[1]["Reminders sent"].split("; ")] == [
        "A week before", "The day before", "When overdue"]
    assert rows[2]["Status"].startswith("Changes requested")
    assert rows[-1]["Period"] == "1 Dec 2026 to 31 Dec 2026"
    page = _soup(client.get(url))
    assert page.select("tbody tr")[0].find("a")["href"].endswith(f"/returns/{factories.return_of(contract, JAN).id}")
    assert page.select("tbody tr")[1].find("a") is None  # a draft has no page for the commissioner

    client.post("/sign-out", data={"csrf_token": web.csrf(url)})
    web.sign_in(contract_setup["submitter"].email)
    rows = _rows(_soup(client.get(f"/o/{contract_setup['provider'].slug}/contracts/{contract.id}")))
    assert len(rows) == 24
    assert rows[1]["Status"].startswith("Not submitted Overdue by")
    assert [part.split(" (")[0] for part in rows[1]["Reminders sent"].split("; ")] == [
        "A week before", "The day before", "When overdue"]
    assert rows[0]["Reminders sent"] == "None"


def test_the_schedule_against_a_fixed_today(app, contract_setup):
    from portal.returns.queries import schedule_of
    from portal.tenants.context import tenant_context

    contract = contract_setup["contract"]
    factories.submission(contract, JAN, on=date(2025, 2, 10))
    with app.app_context(), tenant_context(contract_setup["commissioner"].id):
        periods = schedule_of(contract, today=date(2025, 3, 15))
        assert [p.overdue for p in periods[:3]] == [False, True, False]  # February was due on 14 March
        assert periods[1].days_overdue == 1 and periods[2].not_yet_due and not periods[0].not_yet_due


def test_the_provider_home_lists_returns_due_marks_the_overdue_and_links_to_the_rest(app, web, client,
                                                                                    contract_setup):
    from portal.returns.queries import work_lists
    from portal.tenants.context import tenant_context
    from portal.tenants.models import Organisation

    provider = contract_setup["provider"]
    with app.app_context(), tenant_context(provider.id):
        from portal.extensions import db

        work = work_lists(db.session.get(Organisation, provider.id), today=date(2025, 6, 1), limit=3)
        # January to May have ended; all but May (due 14 June) are overdue
        assert [r.period_start.month for r in work.due] == [1, 2, 3] and work.due_total == 5 and work.due_more == 2

    web.sign_in(contract_setup["submitter"].email)
    page = _soup(client.get(f"/o/{provider.slug}/"))
    rows = page.select("table.portal-stack-table tbody tr")
    assert len(rows) == 10  # the contract runs to December 2026, and today is later than 2025
    assert "Overdue" in rows[0].get_text() and "CLY-001, 1 Jan 2025 to 31 Jan 2025" in rows[0].get_text(" ")
    more = page.find("a", string=lambda s: s and "more returns due or overdue" in s)
    total = 10 + int(more.get_text().split()[1])
    listed = _soup(client.get(more["href"]))
    assert len(listed.select("table tbody tr")) == total
    assert "due or overdue" in listed.select_one(".govuk-inset-text").get_text()


def test_the_commissioner_home_lists_returns_to_review_and_returns_missing_by_provider(app, web, client,
                                                                                      contract_setup):
    contract = contract_setup["contract"]
    factories.submission(contract, JAN, on=date(2025, 2, 10))
    birch = factories.organisation("provider", slug="birch-care", name="Birch Care")
    other = factories.contract(commissioner=contract_setup["commissioner"], provider=birch, reference="CLY-BIRCH",
                               start=date(2025, 1, 1), end=date(2025, 3, 31), frequency="quarterly")
    factories.submission(other, JAN, on=date(2025, 4, 10))
    factories.review(other, JAN, "request_changes", on=date(2025, 4, 11))  # no date to respond by: the due date

    web.sign_in(contract_setup["manager"].email)
    page = _soup(client.get(f"/o/{contract_setup['commissioner'].slug}/"))
    to_review = page.select("table.portal-stack-table tbody tr")
    assert len(to_review) == 1 and "CLY-001, 1 Jan 2025 to 31 Jan 2025" in to_review[0].get_text(" ")
    providers = [h.get_text(strip=True) for h in page.select("h3.govuk-heading-s")]
    assert providers == ["Fern Care", "Birch Care"] or providers == ["Birch Care", "Fern Care"]
    fern = page.find("h3", string="Fern Care").find_next("p").get_text()
    assert "not received" in fern and "changes overdue" not in fern
    birch_text = page.find("h3", string="Birch Care").find_next("ul").get_text(" ")
    assert "changes asked for, due 14 Apr 2025" in " ".join(birch_text.split())
    links = page.find("h3", string="Fern Care").find_next("ul").select("a")
    assert links[0]["href"].endswith(f"/contracts/{contract.id}#returns") and "1 Feb 2025" in links[0].get_text()


def test_the_provider_sees_who_accepted_its_return_and_when(app, web, client, contract_setup):
    contract = contract_setup["contract"]
    factories.submission(contract, JAN, on=date(2025, 2, 10))
    factories.review(contract, JAN, "accept", on=date(2025, 2, 12), by=contract_setup["manager"],
                     comment="Thank you: clear evidence")
    web.sign_in(contract_setup["submitter"].email)
    page = client.get(f"/o/{contract_setup['provider'].slug}/returns/{factories.return_of(contract, JAN).id}")
    text = " ".join(_soup(page).get_text(" ").split())
    assert "Accepted by Test Person at Clyde HSCP on 12 Feb 2025 12:00" in text
    assert "Thank you: clear evidence" in text
