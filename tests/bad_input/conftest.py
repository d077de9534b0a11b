"""A commissioner and a provider with rows of every kind, signed in on both surfaces, and a
`probe` that records any answer of 5xx (or an exception, which would be a 500 outside tests)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest

from tests import factories
from tests.tenancy.seed import bid_ids
from tests.conftest import Browserless, csrf_from

BIG_IDS = (2**63, 10**30)


@dataclass
class Probe:
    """Collects every bad answer, so one run lists them all."""

    problems: list[str] = field(default_factory=list)
    tried: int = 0

    def check(self, label: str, call, *, allowed=None, needs_message: bool = True):
        self.tried += 1
        try:
            response = call()
        except Exception as exc:  # a 500 outside tests
            self.problems.append(f"{label}: raised {type(exc).__name__}: {str(exc)[:200]}")
            return None
        status = response.status_code
        if status >= 500 or (allowed is not None and status not in allowed):
            self.problems.append(f"{label}: {status} {response.get_data(as_text=True)[:300]!r}")
        elif needs_message and status in (400, 404, 409, 413, 422) and not has_message(response):
            self.problems.append(f"{label}: {status} without a message")
        return response

    def assert_clean(self, minimum: int = 1):
        assert self.tried >= minimum, f"only {self.tried} requests tried"
        assert not self.problems, f"{len(self.problems)} of {self.tried} requests failed:\n" + "\n".join(
            self.problems[:80])


def has_message(response) -> bool:
    """The API says what is wrong in JSON `message`; a page shows an error (summary or page)."""
    if response.is_json:
        body = response.get_json(silent=True) or {}
        return bool(body.get("message"))
    html = response.get_data(as_text=True)
    return any(mark in html for mark in ("govuk-error-summary", "govuk-error-message", "govuk-heading-l",
                                         "govuk-heading-xl"))


@pytest.fixture
def probe():
    return Probe()


@pytest.fixture
def world(app, contract_setup):
    """contract_setup plus a document, an import, a custom framework, a collaborative, an invitation,
    a mailbox message and API tokens; signed-in page clients for the provider and the commissioner."""
    s = contract_setup
    provider, commissioner, contract = s["provider"], s["commissioner"], s["contract"]
    admin = factories.user("admin@clyde.example", memberships=[(commissioner, "commissioner_admin")],
                           platform_admin=True)
    document = factories.document(provider, text="Evidence of care at home for older people")
    second = date(2025, 2, 1)  # a submitted return, with the document, to review and search
    factories.attachment(contract, document, second)
    factories.submission(contract, second, by=s["provider_admin"])
    factories.search_entries(contract, second)
    tokens = {"provider": factories.api_token(s["provider_admin"]), "commissioner": factories.api_token(admin)}
    tender = factories.tender(commissioner, reference="CLYDE-T")
    ids = {"contract_id": contract.id, "framework_id": s["framework_id"], "outcome_id": factories.outcome_id(s["framework_id"]),
           "return_id": factories.return_of(contract).id, "document_id": document.id,
           "import_id": factories.return_import(contract).id,
           "membership_id": factories.membership_id(provider, s["submitter"]),
           "submitted_return_id": factories.return_of(contract, second).id, "submitted_document_id": document.id,
           "invitation_id": factories.invitation(commissioner, email="new@clyde.example", role="viewer")[0].id,
           "custom_framework_id": factories.framework(commissioner, code="CLYDE", name="Clyde outcomes").id,
           "collaborative_id": factories.collaborative(commissioner, name="West group").id,
           "tender_id": tender.id, "question_id": factories.question(provider, tender).id,
           **_list_ids(commissioner, provider, tender),
           **_thread_ids(commissioner, provider), **bid_ids(provider, tender, "clyde-partner"),
           "lot_number": 1,
           **_payment_ids(commissioner, contract), **_proposal_ids(commissioner, provider, admin),
           "message_id": factories.dev_mail(to="x@clyde.example").id,
           "token_id": factories.api_token_ids(admin)[0]}
    visits = factories.visit_import(contract, day=date(2025, 3, 3))  # visits with an exception, an approved invoice
    approved = factories.invoice_row(contract, number="CLYDE-INV-1", status="approved")
    ids.update(visit_import_id=visits.id, visit_id=factories.exception_visit_id(visits), invoice_id=approved.id,
               invoice_attachment_id=factories.invoice_attachment_row(approved).id,
               export_id=factories.organisation_export(commissioner).id, organisation_id=commissioner.id)

    def signed_in(email: str) -> tuple[Browserless, str]:
        web = Browserless(app.test_client())
        web.sign_in(email)
        return web, csrf_from(web.client.get("/account/").get_data(as_text=True))

    provider_web, provider_csrf = signed_in(s["provider_admin"].email)
    commissioner_web, commissioner_csrf = signed_in(admin.email)
    return {**s, "ids": ids, "admin": admin,
            "web": {"provider": (provider_web, provider_csrf), "commissioner": (commissioner_web, commissioner_csrf)},
            "api": {who: {"Authorization": f"Bearer {raw}"} for who, raw in tokens.items()},
            "slugs": {"provider": provider.slug, "commissioner": commissioner.slug}}


def _list_ids(commissioner, provider, tender) -> dict:
    """An approved supplier list with the provider on it, and a document of the tender."""
    approved = factories.supplier_list(commissioner, name="Clyde approved providers")
    return {"supplier_list_id": approved.id, "list_member_id": factories.list_member(approved, provider).id,
            "tender_document_id": factories.tender_document(tender).id}


def _payment_ids(commissioner, contract) -> dict:
    """A paid payment run with the provider's remittance advice."""
    run = factories.payment_run_row(commissioner, status="paid", paid_on=date(2025, 3, 1))
    paid = factories.invoice_row(contract, status="paid", payment_run=run, paid_on=date(2025, 3, 1))
    return {"payment_run_id": run.id, "remittance_id": factories.remittance_row(run, paid).id}


def _thread_ids(commissioner, provider) -> dict:
    """A market-wide thread with the provider's replied question in it."""
    thread = factories.thread(commissioner, title="Clyde engagement")
    question = factories.thread_question(provider, thread, "Clyde question")
    factories.thread_reply(question, "Clyde reply")
    return {"thread_id": thread.id, "post_id": question.id}


def _proposal_ids(commissioner, provider, admin) -> dict:
    """An open fund with the provider's bid (a proposal), and a savings target with a saving."""
    fund = factories.fund(commissioner, name="Clyde fund", panel=[admin])
    bid = factories.proposal(provider, commissioner, kind="fund_bid", fund=fund, amount_requested="5000")
    target = factories.savings_target(commissioner, name="Clyde savings")
    return {"fund_id": fund.id, "proposal_id": bid.id, "target_id": target.id,
            "saving_id": factories.saving(target).id}


PARTS = {"task_key": "delivery", "number": 1, "file_format": "csv", "token": "not-a-token"}


def valid_arguments(world, rule, who: str) -> dict:
    """Every argument of a rule filled with something that exists (the organisation's own rows)."""
    values = dict(world["ids"], slug=world["slugs"][who], **PARTS)
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.endpoint}: teach tests/bad_input the argument(s) {missing}"
    return values


def fill(rule, values: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(values[name]), url)
    return url
