"""API blueprints: every route of an organisation exists twice, registered by one call.

``@bp.org_route("/returns/<int:return_id>")`` registers ``/api/v1/orgs/<slug>/returns/<id>``
(endpoint ``org_<name>``) and ``/api/v1/returns/<id>`` (endpoint ``<name>``) for a person who
belongs to one organisation. A person in several gets a 400 naming the addresses with their
slugs. The view never sees the slug: the pipeline resolves it.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

BEARER = [{"bearerAuth": []}]
TWIN_PREFIX = "org_"
#: Error answers any operation may give (portal/http/errors.py writes them all as the Error schema):
#: documented once here for every route, by flask-smorest's response components for each status.
COMMON_ERRORS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
                 422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS"}
#: The slugless form of the organisation itself (/api/v1/orgs/<slug>).
ORGANISATION_RULE = "/organisation"


class ApiBlueprint(Blueprint):
    def __init__(self, name: str, import_name: str, *, description: str):
        super().__init__(name, import_name, url_prefix="/api/v1", description=description)

    @staticmethod
    def _prepare_response_doc(doc, doc_info, *, api, spec, **kwargs):
        """Every operation documents the common error answers, unless it describes one itself; an
        error it describes (``@bp.alt_response(409, description=...)``) has the Error schema too."""
        responses = doc_info.setdefault("response", {}).setdefault("responses", {})
        for status, described in responses.items():
            if int(status) >= 400:
                responses[status] = [dict(item, schema=api.ERROR_SCHEMA) if isinstance(item, dict)
                                     and not item.get("schema") else item for item in described]
        for status, name in COMMON_ERRORS.items():
            if status not in responses and str(status) not in responses:
                responses[status] = [name]
        return Blueprint._prepare_response_doc(doc, doc_info, api=api, spec=spec, **kwargs)

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


def decimal_as_string(_converter, field, **_kwargs) -> dict:
    """apispec documents every Decimal as a number; one dumped ``as_string`` is a string in the answer."""
    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


def document_fields(api) -> None:
    """Make the OpenAPI document say what the fields really send (checked by tests/security/test_api_fuzz.py)."""
    api.ma_plugin.converter.add_attribute_function(decimal_as_string)
