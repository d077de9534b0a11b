"""Static files: hashed names from the build's manifest, served compressed by WhiteNoise.

`make assets` (assets/build.mjs, then assets/digest.mjs) copies every file in portal/static to
``dist/<path>.<hash>.<ext>`` with gzip and brotli copies beside it, and writes
``dist/staticfiles.json``. Templates name static files through one helper,
``static_url("css/portal.css")``, which answers the hashed address. WhiteNoise serves the files
in front of Flask: the compressed copy the browser accepts, and a year's ``immutable`` cache
lifetime for hashed names, so a warm page costs one small request (the page itself).
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from flask import Flask, current_app, url_for
from whitenoise import WhiteNoise

log = logging.getLogger(__name__)
MANIFEST = "dist/staticfiles.json"
ONE_YEAR = 365 * 24 * 60 * 60
HASHED = re.compile(r"/dist/.+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
UNHASHED_MAX_AGE = 300  # seconds: a plain name may change under a browser at the next deploy


class StaticFiles(WhiteNoise):
    """WhiteNoise with the conventional one-year lifetime for files whose name carries a hash."""

    FOREVER = ONE_YEAR


def _headers(headers, path: str, url: str, *, hsts: bool = False) -> None:
    # Static files are answered before Flask (and Talisman) see the request: the same
    # no-sniffing, framing and referrer rules, and a policy that lets an SVG opened on its own
    # run nothing; HSTS too where the app forces HTTPS (production).
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if hsts:
        headers["Strict-Transport-Security"] = f"max-age={ONE_YEAR}; includeSubDomains"


class Manifest:
    """The build's map from plain names to hashed ones, read again when the file changes (debug)."""

    def __init__(self, path: Path, *, reload: bool) -> None:
        self.path, self.reload = path, reload
        self._stamp: float | None = None
        self._files: dict[str, str] = {}
        self._warned = False
        self._load()

    def _load(self) -> None:
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            if not self._warned:
                log.warning("no %s: static files are served under their plain names (run `make assets`)",
                            self.path)
                self._warned = True
            self._stamp, self._files = None, {}
            return
        if stamp != self._stamp:
            self._files = json.loads(self.path.read_text())["files"]
            self._stamp = stamp

    def get(self, filename: str) -> str | None:
        if self.reload:
            self._load()
        return self._files.get(filename)


def static_url(filename: str) -> str:
    """The address of a static file: its hashed name when the build made one."""
    manifest: Manifest = current_app.extensions["static_manifest"]
    return url_for("static", filename=manifest.get(filename) or filename)


def init_app(app: Flask) -> None:
    root = Path(app.static_folder)
    # In development `make assets` may run while the portal is up: look for new files and names.
    reload = bool(app.debug or app.config.get("PORTAL_ENV") == "development")
    app.extensions["static_manifest"] = Manifest(root / MANIFEST, reload=reload)
    app.jinja_env.globals["static_url"] = static_url
    app.wsgi_app = StaticFiles(
        app.wsgi_app, root=str(root), prefix=app.static_url_path, autorefresh=reload,
        max_age=UNHASHED_MAX_AGE, allow_all_origins=False,
        add_headers_function=lambda headers, path, url: _headers(headers, path, url, hsts=bool(app.config["FORCE_HTTPS"])),
        immutable_file_test=lambda path, url: bool(HASHED.search(url)))
