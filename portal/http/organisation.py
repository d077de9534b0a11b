"""Layer 1 for blueprints under /o/<slug>: the organisation comes from the URL and the
signed-in user's membership of it, never from a header or a form field."""
from __future__ import annotations

from flask import Blueprint, abort, g
from flask_login import current_user

from portal.extensions import login_manager
from portal.tenants.context import set_identity
from portal.tenants.queries import get_organisation_by_slug, membership_in


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=f"/o/<slug>{url_prefix}")

    @bp.url_value_preprocessor
    def pull_slug(_endpoint, values):
        g.org_slug = values.pop("slug", None) if values else None

    @bp.url_defaults
    def add_slug(endpoint, values):
        if "slug" not in values and g.get("organisation") is not None:
            values["slug"] = g.organisation.slug

    @bp.before_request
    def resolve_organisation():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        organisation = get_organisation_by_slug(g.org_slug or "")
        membership = membership_in(organisation, current_user) if organisation else None
        if membership is None:
            abort(404)  # a missing organisation and another's look the same
        set_identity(organisation.id, current_user.id)
        g.organisation = organisation
        g.membership = membership
        return None

    return bp
