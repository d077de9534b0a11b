"""The JSON API under /api/v1 (flask-smorest). Bearer tokens only: no cookies, so no CSRF."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_smorest import Api, Blueprint, abort

from portal.accounts import services as accounts
from portal.accounts.schemas import (
    AuditEventSchema,
    MeSchema,
    MembershipSchema,
    OrganisationSchema,
    PageArgsSchema,
    TokenRequestSchema,
    TokenSchema,
)
from portal.audit.queries import list_audit_events
from portal.errors import ServiceError
from portal.extensions import csrf, db, limiter
from portal.tenants import queries as tenants
from portal.tenants.context import set_identity
from portal.tenants.queries import get_organisation_by_slug, membership_in, memberships_of

auth_bp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="API tokens")
me_bp = Blueprint("api_me", __name__, url_prefix="/api/v1", description="The signed-in user")
orgs_bp = Blueprint("api_orgs", __name__, url_prefix="/api/v1/orgs", description="An organisation's own data")
BEARER = [{"bearerAuth": []}]


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        token = accounts.authenticate_api_token(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            abort(401, message="Send a valid API token as 'Authorization: Bearer <token>'. "
                               "Create one with POST /api/v1/auth/tokens.")
        g.api_token = token
        g.api_user = token.user
        set_identity(None, token.user.id)
        if "slug" in kwargs:  # another tenant's organisation is a 404 before the body is even read
            organisation_from_slug(kwargs["slug"])
        return view(*args, **kwargs)

    return wrapped


def organisation_from_slug(slug: str):
    """Layer 1 for the API: the organisation in the URL, if the token's user is a member."""
    organisation = get_organisation_by_slug(slug)
    membership = membership_in(organisation, g.api_user) if organisation else None
    if membership is None:
        abort(404, message="No such organisation")
    set_identity(organisation.id, g.api_user.id)
    g.organisation, g.membership = organisation, membership
    return organisation, membership


def resolve(slug: str | None):
    """The organisation named in the address, or, for the slugless routes, the token user's only one."""
    if slug is not None:
        return organisation_from_slug(slug)
    memberships = memberships_of(g.api_user)
    if len(memberships) != 1:
        slugs = ", ".join(m.organisation.slug for m in memberships) or "none"
        scoped = request.path.replace("/api/v1/", "/api/v1/orgs/<slug>/", 1)
        abort(400, message=f"You belong to {len(memberships)} organisations ({slugs}), so this address cannot "
                           f"tell which one you mean. Use {scoped} instead.")
    membership = memberships[0]
    set_identity(membership.tenant_id, g.api_user.id)
    g.organisation, g.membership = membership.organisation, membership
    return membership.organisation, membership


def org_admin_required(membership) -> None:
    if not membership.is_admin:
        abort(403, message="Only an organisation administrator can do this")


@auth_bp.route("/tokens", methods=["POST"])
@limiter.limit("30 per 15 minutes")
@auth_bp.arguments(TokenRequestSchema)
@auth_bp.response(201, TokenSchema)
@auth_bp.alt_response(401, description="Wrong email or password")
@auth_bp.alt_response(429, description="Too many failed attempts")
def create_token(data):
    """Exchange an email and password for a bearer token"""
    try:
        user = accounts.authenticate(data["email"], data["password"])
    except accounts.SignInLocked as exc:
        db.session.commit()
        abort(429, message=exc.message)
    except ServiceError as exc:
        db.session.commit()
        abort(401, message=exc.message)
    token, raw = accounts.create_api_token(user, data["label"])
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@auth_bp.route("/tokens/current", methods=["DELETE"])
@auth_bp.response(204)
@auth_bp.doc(security=BEARER)
@token_required
def revoke_current_token():
    """Revoke the token used for this request"""
    accounts.revoke_api_token(g.api_token, actor=g.api_user)
    db.session.commit()


@me_bp.route("/me", methods=["GET"])
@me_bp.response(200, MeSchema)
@me_bp.doc(security=BEARER)
@token_required
def me():
    """The token's user, their organisations and roles"""
    user = g.api_user
    memberships = memberships_of(user)
    return {
        "email": user.email,
        "full_name": user.full_name,
        "platform_admin": user.is_platform_admin,
        "organisations": [{"slug": m.organisation.slug, "name": m.organisation.name,
                           "kind": m.organisation.kind, "role": m.role} for m in memberships],
        "roles": sorted({m.role for m in memberships}),
    }


@orgs_bp.route("/<slug>", methods=["GET"])
@orgs_bp.response(200, OrganisationSchema)
@orgs_bp.doc(security=BEARER)
@token_required
def organisation(slug: str):
    """One of the user's organisations"""
    org, _membership = organisation_from_slug(slug)
    return org


@orgs_bp.route("/<slug>/members", methods=["GET"])
@orgs_bp.response(200, MembershipSchema(many=True))
@orgs_bp.doc(security=BEARER)
@token_required
def members(slug: str):
    """The organisation's members (administrators only)"""
    _org, membership = organisation_from_slug(slug)
    org_admin_required(membership)
    return tenants.list_members()


@orgs_bp.route("/<slug>/members/<int:membership_id>", methods=["GET"])
@orgs_bp.response(200, MembershipSchema)
@orgs_bp.doc(security=BEARER)
@token_required
def member(slug: str, membership_id: int):
    """One member of the organisation (administrators only)"""
    _org, membership = organisation_from_slug(slug)
    org_admin_required(membership)
    found = tenants.get_member(membership_id)
    if found is None:
        abort(404, message="No such member")
    return found


@orgs_bp.route("/<slug>/audit", methods=["GET"])
@orgs_bp.arguments(PageArgsSchema, location="query")
@orgs_bp.response(200, AuditEventSchema(many=True))
@orgs_bp.doc(security=BEARER)
@token_required
def audit(args, slug: str):
    """The organisation's audit log, newest first (administrators only)"""
    _org, membership = organisation_from_slug(slug)
    org_admin_required(membership)
    return list_audit_events(limit=args["limit"], offset=args["offset"])


def register_api(api: Api) -> None:
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    from portal.blueprints.api.dashboards import bp as dashboards_bp
    from portal.blueprints.api.documents import bp as documents_bp
    from portal.blueprints.api.outcomes import bp as outcomes_bp
    from portal.blueprints.api.returns import bp as returns_bp
    from portal.blueprints.api.search import bp as search_bp

    for blueprint in (auth_bp, me_bp, orgs_bp, documents_bp, returns_bp, outcomes_bp, dashboards_bp, search_bp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
