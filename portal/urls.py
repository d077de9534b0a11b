"""Absolute links for email, built from BASE_URL so they work inside and outside requests."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme or "https",
                                       script_name=base.path or "/")
    return adapter.build(endpoint, values, force_external=True)
