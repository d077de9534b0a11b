"""HTTP only: load, authorise, call a service, render or serialise.

``web`` holds the pages and ``api`` the JSON API, one module per domain in each. Both go
through the one request pipeline (portal.http.pipeline); views name a permission with
``@requires(...)`` and never query or commit.
"""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.blueprints.web import register_web
    from portal.blueprints.api import register_api

    register_web(app)
    register_api(app)
