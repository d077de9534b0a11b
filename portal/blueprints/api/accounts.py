"""API tokens and the signed-in person."""
from __future__ import annotations

from flask import g, request

from portal.accounts import mfa
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
@bp.alt_response(422, description="The account uses MFA and `code` is missing")
@bp.alt_response(429, description="Too many failed attempts: wait the seconds in Retry-After")
def create_token(data):
    """Exchange an email and password (and the MFA code, when the person has MFA) for a bearer token"""
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
    token, raw = accounts.issue_api_token(user, data["label"])
    return {"token": raw, "expires_at": token.expires_at}


@bp.route("/auth/tokens/current", methods=["DELETE"])
@requires(SIGNED_IN)
@bp.response(204)
@bp.doc(security=BEARER)
def revoke_current_token():
    """Revoke the token used for this request"""
    accounts.revoke_api_token(g.api_token, actor=g.api_token.user)


@bp.route("/me", methods=["GET"])
@requires(SIGNED_IN)
@bp.response(200, MeSchema)
@bp.doc(security=BEARER)
def me():
    """The token's user, their organisations and roles"""
    user = g.api_token.user
    memberships = memberships_of(user)
    return {
        "email": user.email, "full_name": user.full_name, "platform_admin": user.is_platform_admin,
        "organisations": [{"slug": m.organisation.slug, "name": m.organisation.name,
                           "kind": m.organisation.kind, "role": m.role} for m in memberships],
        "roles": sorted({m.role for m in memberships}),
    }

