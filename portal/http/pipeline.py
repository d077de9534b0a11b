"""The request pipeline, the same for pages and API:

    who (session or bearer token) -> organisation (from the address and the membership)
    -> the organisation's kind has the page (else 404) -> objects named in the address
    (one table of loaders; 404 before the body is read) -> permission (one table; 403)
    -> the view calls services (they flush) -> one commit -> render or serialise.

Views never commit: the pipeline commits once after a view that completed, and rolls back
after any error answer. Side effects queued in the outbox leave after that commit.
"""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_login import current_user
from flask_smorest import abort

from portal.accounts import mfa
from portal.extensions import db, login_manager
from portal.audit.access import REFUSED_OBJECT, REFUSED_ORGANISATION, REFUSED_SCOPE, REFUSED_TOKEN_ORGANISATION
from portal.http import audit_trail, errors
from portal.http.access import access_of, is_organisation_permission
from portal.http.api import twin_endpoint
from portal.http.identity import bearer_user, init_login, missing_scope, session_user, token_slug
from portal.http.loaders import NotFoundInUrl, load_url_objects
from portal.http.navigation import service_navigation
from portal.http.organisation import (AmbiguousOrganisation, NoOrganisation, OrganisationSuspended, enter_organisation,
                                      own_memberships)
from portal.http.pages import redirect_to
from portal.http.signin import ALLOWED_BEFORE_MFA
from portal.tenants.context import clear_identity, set_identity
from portal.tenants.permissions import PLATFORM_ADMIN, PUBLIC, kind_has


class UnmarkedView(RuntimeError):
    """A route whose view names no permission: refused, and the tests list every route."""


def register(app: Flask) -> None:
    init_login(app)
    app.before_request(run_pipeline)
    app.after_request(finish)
    app.teardown_request(lambda _exc: clear_identity())
    errors.register(app)
    app.jinja_env.globals["service_navigation"] = service_navigation

    @app.context_processor
    def template_globals():
        return {"cspNonce": getattr(request, "csp_nonce", "") if has_request_context() else ""}


def run_pipeline():
    clear_identity()
    g.request_failed = False
    endpoint = request.endpoint
    if endpoint is None:  # no such address: the 404 or 405 handler answers
        return None
    access = access_of(current_app, endpoint)
    if access is None:
        raise UnmarkedView(f"{endpoint} has no @requires(...)")
    api = errors.is_api_request()
    if api:
        user = bearer_user()
    elif endpoint == "static":
        return None
    else:
        user, timed_out = session_user()
        if timed_out is not None:
            return timed_out
    if user is not None:
        set_identity(None, user.id)
    if access == PUBLIC:
        return None
    if (user is not None and endpoint not in ALLOWED_BEFORE_MFA
            and mfa.setup_needed(user, lambda: own_memberships(user))):
        if api:  # MFA is set up in the browser; until then the API refuses every token of the account
            abort(403, message=mfa.SET_UP_IN_BROWSER)
        return redirect_to(url_for("account.mfa_setup"))
    if user is None:
        if api:
            abort(401, message=errors.API_HINTS[401])
        return login_manager.unauthorized()
    if access == PLATFORM_ADMIN and not user.is_platform_admin:
        abort(404)
    if is_organisation_permission(access):
        _enter(user, access, endpoint, api)
    _load_objects()
    needed = missing_scope(endpoint)
    if needed is not None:
        _refuse_scope(needed)
    if is_organisation_permission(access) and not g.membership.can(access):
        abort(403, message=f"As {g.membership.role_label.lower()} in {g.organisation.name} you cannot do this. "
                           "Ask your organisation's administrator if you need to.")
    return None


def _enter(user, permission: str, endpoint: str, api: bool) -> None:
    slug = request.view_args.pop("slug", None)
    if g.get("api_token") is not None:  # a token enters its own organisation, and no other
        asked = slug
        slug, elsewhere = token_slug(slug)
        if elsewhere:
            audit_trail.refused(REFUSED_TOKEN_ORGANISATION, status=404,
                                organisation_id=audit_trail.organisation_id_of(asked))
            abort(404, message="No such organisation")
    try:
        organisation, _membership = enter_organisation(user, slug)
    except NoOrganisation:
        audit_trail.refused(REFUSED_ORGANISATION, status=404, organisation_id=audit_trail.organisation_id_of(slug))
        abort(404, message="No such organisation")
    except OrganisationSuspended as exc:
        abort(403, message=f"{exc.organisation.name} has been suspended from the portal while it leaves it, so no "
                           "one can use its pages or its API tokens. Contact the portal's administrators if you "
                           "think this is a mistake.")
    except AmbiguousOrganisation as exc:
        abort(400, message=_ambiguous_message(endpoint, exc.memberships))
    if not kind_has(organisation.kind, permission):
        abort(404, message=f"There is no such page for a {organisation.kind}")


def _load_objects() -> None:
    audit_trail.remember_url_ids()
    try:
        load_url_objects(request.view_args)
    except NotFoundInUrl as exc:
        organisation = g.get("organisation")
        audit_trail.refused(REFUSED_OBJECT, status=404, organisation_id=organisation.id if organisation else None,
                            argument=exc.argument, value=exc.value)
        abort(404, message=exc.message)


def _refuse_scope(needed: str) -> None:
    organisation = g.get("organisation")
    audit_trail.refused(REFUSED_SCOPE, status=403, organisation_id=organisation.id if organisation else None)
    abort(403, message=f"This token may only read (scope 'read'): {request.method} needs a token with the "
                       f"'{needed}' scope. Create one with \"scopes\": [\"read\", \"write\"].")


def _ambiguous_message(endpoint: str, memberships) -> str:
    """For a slugless API address: the addresses, with each of the person's organisations."""
    if not memberships:
        return "You do not belong to any organisation, so there is nothing here for you."
    twin, values = twin_endpoint(endpoint), dict(request.view_args)
    addresses = [url_for(twin, slug=m.organisation.slug, **values) for m in memberships]
    return (f"You belong to {len(memberships)} organisations, so this address cannot tell which one you mean. "
            f"Use {' or '.join(addresses)}.")


def finish(response):
    """One commit per request, after a view that completed; a rollback after any error."""
    # Read before the commit, which expires the person (reading it after would load them again).
    signed_in = bool(current_user) and getattr(current_user, "is_authenticated", False)
    if g.get("request_failed") or response.status_code >= 500:
        db.session.rollback()
    else:
        db.session.commit()
        audit_trail.record_download(response)
    if errors.is_api_request():
        response.headers["Cache-Control"] = "no-store"  # API answers carry personal data
    elif signed_in:
        response.headers.setdefault("Cache-Control", "no-store")
    return response
