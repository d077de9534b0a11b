"""API blueprints: every route of an organisation exists twice, registered by one call.

``@bp.org_route("/returns/<int:return_id>")`` registers ``/api/v1/orgs/<slug>/returns/<id>``
(endpoint ``org_<name>``) and ``/api/v1/returns/<id>`` (endpoint ``<name>``) for a person who
belongs to one organisation. A person in several gets a 400 naming the addresses with their
slugs. The view never sees the slug: the pipeline resolves it.
"""
from __future__ import annotations

from flask_smorest import Blueprint

BEARER = [{"bearerAuth": []}]
TWIN_PREFIX = "org_"
#: The slugless form of the organisation itself (/api/v1/orgs/<slug>).
ORGANISATION_RULE = "/organisation"


class ApiBlueprint(Blueprint):
    def __init__(self, name: str, import_name: str, *, description: str):
        super().__init__(name, import_name, url_prefix="/api/v1", description=description)

    def org_route(self, rule: str, **options):
        """Register a view of an organisation under both addresses."""
        options.setdefault("methods", ["GET"])

        def decorator(func):
            endpoint = options.pop("endpoint", None) or func.__name__
            self.add_url_rule(f"/orgs/<slug>{rule}", f"{TWIN_PREFIX}{endpoint}", func, **options)
            self.add_url_rule(rule or ORGANISATION_RULE, endpoint, func, **options)
            return func

        return decorator


def twin_endpoint(endpoint: str) -> str:
    """The slug form of a slugless API endpoint (``api_returns.returns`` -> ``api_returns.org_returns``)."""
    blueprint, _, name = endpoint.rpartition(".")
    return f"{blueprint}.{TWIN_PREFIX}{name}"
