"""Every route that takes a slug or an id, tried by a user of another tenant, answers 404.

The rules are read from the URL map and their arguments from the pipeline's table of loaders
(portal.http.loaders.LOADERS), so a new route joins this suite automatically, and a URL
argument that is neither loaded by the pipeline nor listed as not an object fails it.
"""
from __future__ import annotations

import re

import pytest

from portal.http.loaders import LOADERS, NOT_OBJECTS
from tests import factories
from tests.conftest import Browserless, csrf_from
from tests.tenancy.seed import bid_ids, seed_contract_rows

# Routes whose argument is a signed token: possession of the link is the authorisation,
# and the token names its own tenant (tests in tests/accounts cover forged and reused ones).
SIGNED_LINK_ENDPOINTS = {"auth.accept_invitation", "auth.reset_password", "account.confirm_email", "static"}
# Arguments that name a part of an object of the other tenant rather than an object: a valid value.
PART_VALUES = {"task_key": "delivery", "number": 1, "file_format": "xlsx"}


@pytest.fixture
def two_tenants(app):
    """Tenant A (the visitor) and tenant B (the target), each with rows of every kind."""
    a = factories.organisation("provider", slug="alpha-care")
    b = factories.organisation("commissioner", slug="beta-hscp")
    user_a = factories.user("a@alpha.example", memberships=[(a, "provider_admin")])
    user_b = factories.user("b@beta.example", memberships=[(b, "commissioner_admin")])
    invitation, _token = factories.invitation(b)
    factories.api_token(user_b)
    # B commissions a contract from a third organisation and has a submitted return to review.
    gamma = factories.organisation("provider", slug="gamma-care")
    contract = seed_contract_rows(app, gamma, b, "BETA-1")
    ret = factories.return_of(contract)
    draft = factories.tender(b, reference="BETA-DRAFT", published=False)  # B's alone
    beta_framework = factories.framework(b, code="BETA")  # B's own, with its outcome
    ids = {"membership_id": factories.membership_id(b, user_b),
           "invitation_id": invitation.id, "token_id": _token_id(app, user_b),
           "message_id": factories.dev_mail(to="x@beta.example").id,
           "document_id": factories.document(b, filename="b.pdf").id,
           "contract_id": contract.id, "return_id": ret.id,
           "submitted_document_id": factories.submitted_document_id(ret),
           "import_id": factories.return_import(contract).id,
           "framework_id": beta_framework.id, "outcome_id": factories.outcome_id(beta_framework.id, b),
           "collaborative_id": factories.collaborative(b, name="Beta group").id,
           "tender_id": draft.id, "tender_document_id": factories.tender_document(draft).id,
           # gamma's question on B's published tender: gamma's and B's, never A's
           "question_id": factories.question(gamma, factories.tender(b, reference="BETA-OPEN")).id,
           **bid_ids(gamma, factories.tender(b, reference="BETA-BIDS"), "gamma-partner")}  # gamma's sealed bid
    # B's approved supplier list with gamma on it: B's and gamma's to read, never A's.
    approved = factories.supplier_list(b, name="Beta approved providers")
    ids.update(supplier_list_id=approved.id, list_member_id=factories.list_member(approved, gamma).id)
    # A thread of B for its contract with gamma (gamma's and B's alone), and gamma's question in it.
    private = factories.thread(b, title="Beta and gamma only", contract_=contract)
    ids.update(thread_id=private.id, post_id=factories.thread_question(gamma, private, "Gamma asks").id)
    ids.update(lot_number=1)  # lot 1 of the tender above
    ids.update(payment_run_id=factories.payment_run_row(b).id, remittance_id=_remittance_id(app, b))  # B's own
    visits = factories.visit_import(contract, filename="beta.csv")  # gamma's visits for B's contract
    approved = factories.invoice_row(contract, number="BETA-INV-APPROVED", status="approved")
    ids.update(visit_import_id=visits.id, visit_id=factories.exception_visit_id(visits), invoice_id=approved.id,
               invoice_attachment_id=factories.invoice_attachment_row(approved).id)
    # gamma's bid for B's draft fund (unopened: no one else reads it), B's savings target and saving
    seeded = contract.proposal_ids
    ids.update(fund_id=seeded["draft_fund_id"], proposal_id=seeded["proposal_id"], target_id=seeded["target_id"],
               saving_id=seeded["saving_id"])
    ids.update(export_id=factories.organisation_export(b).id, organisation_id=b.id)  # B's export; B itself
    return {"a": a, "b": b, "user_a": user_a, "user_b": user_b, "ids": ids}


def _remittance_id(app, commissioner) -> int:
    """The remittance the seed made for the commissioner's paid run (gamma's and B's, never A's)."""
    from portal.invoicing.remittances import list_remittances
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(commissioner.id):
        return list_remittances()[0].id


def _token_id(app, person) -> int:
    from portal.accounts.queries import list_own_api_tokens

    with app.app_context():
        return list_own_api_tokens(person)[0].id


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SIGNED_LINK_ENDPOINTS:
            continue
        if set(rule.arguments) - {"file_format"}:
            yield rule


def _urls(rule, tenants):
    """B's slug with B's ids, and (where ids appear) A's own slug with B's ids."""
    unknown = set(rule.arguments) - set(LOADERS) - NOT_OBJECTS
    assert not unknown, f"{rule.endpoint}: add a loader to portal.http.loaders for {unknown}"
    values = {name: PART_VALUES.get(name, tenants["ids"].get(name)) for name in rule.arguments if name != "slug"}
    missing = [name for name, value in values.items() if value is None]
    assert not missing, f"{rule.endpoint}: teach the two_tenants fixture an object of B for {missing}"
    slugs = [tenants["b"].slug]
    if "slug" in rule.arguments and set(rule.arguments) & set(LOADERS):
        slugs.append(tenants["a"].slug)
    for slug in slugs if "slug" in rule.arguments else [None]:
        filled = dict(values, **({"slug": slug} if slug else {}))
        url = rule.rule
        for name, value in filled.items():
            url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
        assert "<" not in url, f"{rule.endpoint}: unfilled argument in {url}"
        yield url


def test_every_url_argument_is_loaded_by_the_pipeline_or_is_not_an_object(app):
    for rule in app.url_map.iter_rules():
        unknown = set(rule.arguments) - set(LOADERS) - NOT_OBJECTS
        assert not unknown, f"{rule.endpoint}: {unknown} is not in portal.http.loaders.LOADERS"


def test_the_fixture_has_an_object_of_b_for_every_loader(two_tenants):
    assert set(LOADERS) <= set(two_tenants["ids"]) | set(PART_VALUES)


def test_the_suite_covers_routes(app):
    endpoints = {rule.endpoint for rule in _rules(app)}
    assert {"organisation.home", "organisation.member", "api_orgs.member", "tokens.revoke",
            "admin.mail_message", "contracts.show", "returns.show", "returns.task", "returns.submit",
            "returns.review", "returns.version"} <= endpoints


def test_every_html_route_answers_404_to_another_tenant(app, client, two_tenants):
    web = Browserless(client)
    web.sign_in(two_tenants["user_a"].email)
    token = csrf_from(client.get(f"/o/{two_tenants['a'].slug}/").get_data(as_text=True))
    tried = 0
    for rule in _rules(app):
        if rule.rule.startswith("/api/"):
            continue
        for url in _urls(rule, two_tenants):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token} if method != "GET" else None
                response = client.open(url, method=method, data=data)
                assert response.status_code == 404, f"{method} {url} ({rule.endpoint}) -> {response.status_code}"
                tried += 1
    assert tried >= 8


def test_every_api_route_answers_404_to_another_tenant(app, client, two_tenants, api_token):
    token = api_token(two_tenants["user_a"].email)
    headers = {"Authorization": f"Bearer {token}"}
    tried = 0
    for rule in _rules(app):
        if not rule.rule.startswith("/api/"):
            continue
        for url in _urls(rule, two_tenants):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, headers=headers, json={})
                assert response.status_code == 404, f"{method} {url} ({rule.endpoint}) -> {response.status_code}"
                assert response.is_json
                tried += 1
    assert tried >= 4


def test_the_owner_reaches_the_same_routes(app, client, two_tenants, api_token):
    """The 404s above come from tenancy, not from broken routes: B's own admin gets 200."""
    web = Browserless(client)
    web.sign_in(two_tenants["user_b"].email)
    slug, ids = two_tenants["b"].slug, two_tenants["ids"]
    for url in (f"/o/{slug}/", f"/o/{slug}/members", f"/o/{slug}/members/{ids['membership_id']}", f"/o/{slug}/audit",
                f"/o/{slug}/contracts/{ids['contract_id']}", f"/o/{slug}/returns/{ids['return_id']}",
                f"/o/{slug}/returns/{ids['return_id']}/versions/1"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:3000])
    headers = {"Authorization": f"Bearer {api_token(two_tenants['user_b'].email)}"}
    for url in (f"/api/v1/orgs/{slug}", f"/api/v1/orgs/{slug}/members",
                f"/api/v1/orgs/{slug}/members/{ids['membership_id']}", f"/api/v1/orgs/{slug}/audit"):
        assert client.get(url, headers=headers).status_code == 200, url
