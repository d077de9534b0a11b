"""A commissioner and a provider with rows of every kind, signed in on both surfaces, and a
`probe` that records any answer of 5xx (or an exception, which would be a 500 outside tests)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.conftest import Browserless, csrf_from
from tests.returns.conftest import contract_setup, full_answers  # noqa: F401  (the fixture)

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
def world(app, contract_setup, make_user):  # noqa: F811
    """contract_setup plus a document, an import, a custom framework, a collaborative, an invitation,
    a mailbox message and API tokens; signed-in page clients for the provider and the commissioner."""
    from portal.accounts import services as accounts
    from portal.collaboratives.services import create_collaborative
    from portal.contracts.custom_frameworks import create_framework
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.notifications.models import DevMailboxMessage
    from portal.returns.models import ReturnImport
    from portal.returns import services
    from portal.returns.queries import list_returns, measures_for
    from portal.search.services import index_return
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug, list_members

    s = contract_setup
    provider, commissioner = s["provider"], s["commissioner"]
    admin = make_user("admin@clyde.example", memberships=[(commissioner, "commissioner_admin")],
                      platform_admin=True)
    ids = {"contract_id": s["contract_id"], "framework_id": s["framework_id"]}
    with app.app_context():
        with tenant_context(provider.id, s["provider_admin"].id):
            ret = list_returns()[0]
            document = Document(storage_key=f"t/{provider.id}/documents/probe", filename="evidence.pdf",
                                text_content="Evidence of care at home for older people",
                                size_bytes=10, status="clean", scan_status="clean", sha256="0" * 64,
                                processed_at=utcnow())
            db.session.add(document)
            db.session.flush()
            item = ReturnImport(return_id=ret.id, filename="r.csv", file_format="csv", storage_key="k",
                                status="failed", errors=[])
            db.session.add(item)
            db.session.flush()
            ids.update(return_id=ret.id, document_id=document.id, import_id=item.id,
                       membership_id=list_members()[0].id)
            submitted = list_returns()[1]  # a submitted return for the commissioner to review and search
            user = db.session.get(type(admin), s["provider_admin"].id)
            services.save_answers(submitted, full_answers(measures_for(submitted)),
                                  expected_version=submitted.lock_version, actor=user)
            services.declare(submitted, confirmed=True, expected_version=submitted.lock_version, actor=user)
            services.submit(submitted, expected_version=submitted.lock_version, actor=user)
            index_return(submitted)
            ids["submitted_return_id"] = submitted.id
            db.session.commit()
        with tenant_context(commissioner.id, admin.id):
            org = get_organisation_by_slug(commissioner.slug)
            invitation, _ = accounts.invite(org, "new@clyde.example", "viewer", invited_by=None)
            framework = create_framework(org, name="Clyde outcomes", code="CLYDE",
                                         outcomes=[("CLYDE-1", "People live well")], actor=None)
            collaborative = create_collaborative(org, name="West group", invite=[], actor=None)
            db.session.add(DevMailboxMessage(to_address="x@clyde.example", subject="s", body="b"))
            db.session.flush()
            ids.update(invitation_id=invitation.id, custom_framework_id=framework.id,
                       collaborative_id=collaborative.id,
                       message_id=db.session.scalar(db.select(DevMailboxMessage.id)))
            db.session.commit()
        tokens = {}
        for who, user in (("provider", s["provider_admin"]), ("commissioner", admin)):
            token, tokens[who] = accounts.create_api_token(db.session.get(type(admin), user.id))
        ids["token_id"] = token.id
        db.session.commit()

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
