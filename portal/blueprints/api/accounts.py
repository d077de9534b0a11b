"""API tokens and the signed-in person."""
from __future__ import annotations

from flask import g, request

from portal.accounts import api_tokens, mfa
from portal.accounts import services as accounts
from portal.accounts.schemas import MeSchema, TokenRequestSchema, TokenSchema
from portal.errors import ServiceError
from portal.http.access import PUBLIC, SIGNED_IN, requires
from portal.http.api import BEARER, ApiBlueprint
from portal.http.errors import answer
from portal.tenants.queries import memberships_of

bp = ApiBlueprint("api_auth", __name__, description="API tokens and the signed-in person")


@bp.route("/auth/tokens", methods=["POST"])
@requires(PUBLIC)  # throttled per account and address by portal.accounts.throttle (429 with Retry-After)
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
@bp.alt_response(401, description="Wrong email, password or code")
@bp.alt_response(403, description="None of the person's roles uses the API, or MFA is required and not set up")
@bp.alt_response(422, description="A field is wrong: the organisation, scopes or days (one message each), or the "
                 "account uses MFA and `code` is missing")
@bp.alt_response(429, description="Too many failed attempts: wait the seconds in Retry-After")
def create_token(data):
    """Exchange an email and password (and the MFA code, when the person has MFA) for a bearer token of one
    organisation (for people whose roles use the API)

    The token works only at that organisation's addresses; `read` tokens use GET only."""
    try:
        user = accounts.token_exchange(data["email"], data["password"], data.get("code"),
                                       address=request.remote_addr)
    except accounts.SignInThrottled as exc:  # the failure is audited: answered without a rollback
        response = answer(429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except (accounts.CodeRequired, mfa.MfaSetupNeeded) as exc:
        return answer(exc.status, exc.message, exc.api_errors())
    except ServiceError as exc:
        return answer(401, exc.message)
    return _issue(user, data)


def _issue(user, data):
    """The token for one organisation, with its scopes and expiry (each checked: 422 per field)."""
    token, raw = api_tokens.issue_api_token(user, organisation=data["organisation"], scopes=data["scopes"],
                                            expires_in_days=data["expires_in_days"], label=data["label"])
    return {"token": raw, "id": token.id, "organisation": token.organisation.slug, "scopes": token.scopes,
            "expires_at": token.expires_at}


@bp.route("/auth/tokens/current", methods=["DELETE"])
@requires(SIGNED_IN)
@bp.response(204)
@bp.doc(security=BEARER)
def revoke_current_token():
    """Revoke the token used for this request"""
    api_tokens.revoke_api_token(g.api_token, actor=g.api_token.user)


@bp.route("/me", methods=["GET"])
@requires(SIGNED_IN)
@bp.response(200, MeSchema)
@bp.doc(security=BEARER)
def me():
    """The token's user and its organisation, with the user's role there"""
    user = g.api_token.user
    memberships = [m for m in memberships_of(user) if m.tenant_id == g.api_token.organisation_id]
    return {
        "email": user.email, "full_name": user.full_name, "platform_admin": user.is_platform_admin,
        "organisations": [{"slug": m.organisation.slug, "name": m.organisation.name,
                           "kind": m.organisation.kind, "role": m.role} for m in memberships],
        "roles": sorted({m.role for m in memberships}),
        "token": {"organisation": g.api_token.organisation.slug, "scopes": g.api_token.scopes,
                  "expires_at": g.api_token.expires_at},
    }

