"""Per-organisation API tokens: one organisation, scopes and an expiry chosen at creation.

A token is its person's (a user-owned table, looked up by its hash before any organisation is
known) and names one organisation where the person's role uses the API. The request pipeline
lets it into that organisation's addresses only (any other is a 404, recorded in the access
trail) and into safe methods only unless it has the ``write`` scope (else a 403 naming it).
The token acts with the person's current role there, so a role change takes effect at once.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Iterable

from sqlalchemy import select

from portal.accounts.models import ApiToken, User
from portal.accounts.tokens import sha256
from portal.audit.services import record_platform
from portal.errors import Forbidden, Invalid
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenants.context import current_tenant_id, tenant_context
from portal.tenants.models import Organisation
from portal.tenants.queries import memberships_of

READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)
SCOPE_LABELS = {READ: "Read only", WRITE: "Read and write"}
#: Methods that change nothing: a ``read`` token may use these (any other needs ``write``).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_DAYS, MAX_DAYS = 90, 365
API_NOT_FOR_YOUR_ROLES = ("None of your roles uses the API, so you cannot create an API token. If you need to "
                          "connect another system, ask your organisation's administrator.")
DAYS_MESSAGE = f"Enter how many days the token should last, a whole number from 1 to {MAX_DAYS} (one year at most)"


def api_memberships(user: User) -> list:
    """The person's memberships whose role uses the API (``use_api_tokens``)."""
    with tenant_context(current_tenant_id(), user.id):
        return [m for m in memberships_of(user) if m.can("use_api_tokens")]


def may_use_api(user: User) -> bool:
    return bool(api_memberships(user))


def scope_needed(method: str) -> str:
    return READ if method.upper() in SAFE_METHODS else WRITE


def normalise_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Known scopes, ``write`` bringing ``read`` with it; none chosen is a message."""
    chosen = {str(s).strip().lower() for s in (scopes or []) if str(s).strip()}
    unknown = sorted(chosen - set(SCOPES))
    if unknown:
        raise Invalid(f"Choose scopes from {', '.join(SCOPES)}: {', '.join(unknown)} is not one", field="scopes")
    if not chosen:
        raise Invalid("Choose what the token may do: read, or read and write", field="scopes")
    return [READ, WRITE] if WRITE in chosen else [READ]


def check_days(days) -> int:
    if days is None or days == "":
        raise Invalid(DAYS_MESSAGE, field="expires_in_days")
    try:
        number = int(str(days).strip())
    except ValueError:
        raise Invalid(DAYS_MESSAGE, field="expires_in_days") from None
    if number > MAX_DAYS:
        raise Invalid(f"A token can last at most {MAX_DAYS} days (one year): enter {MAX_DAYS} or fewer",
                      field="expires_in_days")
    if number < 1:
        raise Invalid(DAYS_MESSAGE, field="expires_in_days")
    return number


def choose_organisation(user: User, slug: str | None) -> Organisation:
    """The organisation a new token names: the one given by slug or, with none given, the only
    one where the person's role uses the API. The answer depends on the person's own
    memberships only, never on whether another organisation exists."""
    usable = api_memberships(user)
    if not usable:
        raise Forbidden(API_NOT_FOR_YOUR_ROLES, field="organisation")
    slug = (slug or "").strip().lower()
    if not slug:
        if len(usable) == 1:
            return usable[0].organisation
        raise Invalid("You use the API in several organisations: choose the one this token is for ("
                      + ", ".join(m.organisation.slug for m in usable) + ")", field="organisation")
    found = next((m for m in usable if m.organisation.slug == slug), None)
    if found is None:
        raise Invalid("Choose one of your own organisations where your role uses the API ("
                      + ", ".join(m.organisation.slug for m in usable) + ")", field="organisation")
    return found.organisation


def issue_api_token(user: User, *, organisation: str | None, scopes: Iterable[str] | None,
                    expires_in_days, label: str = "API token") -> tuple[ApiToken, str]:
    """A new token, after checking every choice (the page and ``POST /api/v1/auth/tokens``):
    each field's message comes back together, and nothing is written unless all are right."""
    checks = {"label": lambda: check_label(label),
              "organisation": lambda: choose_organisation(user, organisation),
              "scopes": lambda: normalise_scopes(scopes),
              "expires_in_days": lambda: check_days(expires_in_days)}
    chosen, problems = {}, {}
    for field, check in checks.items():
        try:
            chosen[field] = check()
        except Invalid as exc:
            problems[field] = exc.message
    if problems:
        raise Invalid(next(iter(problems.values())), errors=problems)
    return create_api_token(user, chosen["organisation"], scopes=chosen["scopes"],
                            days=chosen["expires_in_days"], label=chosen["label"])


def check_label(label) -> str:
    label = (label or "").strip()
    if not label:
        raise Invalid("Enter a name for the token", field="label")
    if len(label) > 100:
        raise Invalid("The token's name must be 100 characters or fewer", field="label")
    return label


def create_api_token(user: User, organisation: Organisation, *, scopes: Iterable[str] = (READ,),
                     days: int = DEFAULT_DAYS, label: str = "API token") -> tuple[ApiToken, str]:
    raw = "pt_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, organisation_id=organisation.id, scopes=normalise_scopes(scopes),
                     token_hash=sha256(raw), label=(label or "")[:100] or "API token",
                     expires_at=utcnow() + timedelta(days=check_days(days)))
    db.session.add(token)
    db.session.flush()
    record_platform("api_token_created", token, actor=user, organisation=organisation,
                    scopes=token.scopes, days=days)
    return token, raw


#: How stale a token's "last used" may be: it is written at most once in this long.
LAST_USED_PRECISION = timedelta(minutes=1)


def authenticate_api_token(raw: str) -> ApiToken | None:
    if not raw or not raw.startswith("pt_"):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(raw)))
    now = utcnow()
    # A suspended organisation's token is let through to the pipeline, which answers 403 saying so.
    if (token is None or token.revoked_at or token.expires_at <= now or not token.user.is_active
            or not (token.organisation.is_active or token.organisation.is_suspended)):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now  # to the minute: not a write on every call of a busy integration
    return token


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_platform("api_token_revoked", token, actor=actor, organisation=token.organisation)
