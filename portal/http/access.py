"""The one decorator: every view, page or API, names the permission it needs.

``@requires("review_returns")`` marks the view; the request pipeline checks the mark before
the view runs and before its body is read (``portal.http.pipeline``). A view without a mark
is refused (fail closed), and a test lists every route to prove none is unmarked.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask

from portal.tenants.permissions import LEVELS, PERMISSIONS, PLATFORM_ADMIN, PUBLIC, SIGNED_IN

__all__ = ["requires", "access_of", "PUBLIC", "SIGNED_IN", "PLATFORM_ADMIN"]

ATTRIBUTE = "_portal_requires"
#: Views that libraries register (static files, the OpenAPI document): open to all.
LIBRARY_ENDPOINTS = {"static": PUBLIC, "api-docs.openapi_json": PUBLIC}


def requires(permission: str) -> Callable:
    """Mark a view with the permission (or access level) it needs."""
    if permission not in PERMISSIONS and permission not in LEVELS:
        raise ValueError(f"unknown permission {permission!r}: add it to portal.tenants.permissions")

    def mark(view):
        setattr(view, ATTRIBUTE, permission)
        return view

    return mark


def access_of(app: Flask, endpoint: str) -> str | None:
    """The permission or access level of an endpoint, or None if its view is unmarked."""
    if endpoint in LIBRARY_ENDPOINTS:
        return LIBRARY_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, ATTRIBUTE, None) if view is not None else None


def is_organisation_permission(access: str) -> bool:
    return access in PERMISSIONS
