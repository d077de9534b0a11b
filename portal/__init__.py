"""The portal's application factory."""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from portal.config import PROJECT_ROOT, load_config
from flask_talisman import Talisman

from portal import static_files
from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate
from portal.http import converters, input_guard


def import_models() -> None:
    """Every model, so that metadata, migrations and the tenancy tests see all tables."""
    from portal.accounts import models as _accounts  # noqa: F401
    from portal.audit import models as _audit  # noqa: F401
    from portal.documents import models as _documents  # noqa: F401
    from portal.engagement import models as _engagement  # noqa: F401
    from portal.collaboratives import models as _collaboratives  # noqa: F401
    from portal.contracts import models as _contracts  # noqa: F401
    from portal.procurement import models as _procurement  # noqa: F401
    from portal.procurement import clarification_models as _clarifications  # noqa: F401
    from portal.procurement import bid_models as _bids  # noqa: F401
    from portal.procurement import supplier_list_models as _supplier_lists  # noqa: F401
    from portal.procurement import tender_document_models as _tender_documents  # noqa: F401
    from portal.procurement import evaluation_models as _evaluation  # noqa: F401
    from portal.invoicing import models as _invoicing  # noqa: F401
    from portal.contract_reviews import models as _contract_reviews  # noqa: F401
    from portal.invoicing import actuals_models as _actuals  # noqa: F401
    from portal.invoicing import attachment_models as _invoice_attachments  # noqa: F401
    from portal.proposals import models as _proposals; from portal.savings import models as _savings  # noqa: F401,E702
    from portal.returns import models as _returns  # noqa: F401
    from portal.search import models as _search  # noqa: F401
    from portal.notifications import models as _notifications  # noqa: F401
    from portal import outbox as _outbox  # noqa: F401
    from portal.tenants import models as _tenants  # noqa: F401
    from portal.offboarding import models as _offboarding  # noqa: F401


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"), static_folder="static")
    app.config.update(load_config(overrides))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(PROJECT_ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["london"] = london_time
    app.jinja_env.filters["day"] = lambda d: d.strftime("%-d %b %Y") if d else ""
    app.jinja_env.filters["money"] = lambda v: "" if v is None else f"£{v:,.2f}"

    _compression(app)  # first, so that its after_request runs last, on the finished answer
    converters.register(app)  # before any blueprint: ids past the bigint range are 404s
    input_guard.register(app)  # NUL, lone surrogates and non-UTF-8 bytes are refused before any view
    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    WTFormsHelpers(app)
    _security_headers(app)
    static_files.init_app(app)  # hashed, compressed static files, answered before Flask

    from portal.events import connect_receivers

    connect_receivers()
    from portal.blueprints import register_blueprints
    from portal.http import pipeline

    register_blueprints(app)
    pipeline.register(app)

    from portal.cli import register_cli

    register_cli(app)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app


def london_time(value) -> str:
    """Times are stored in UTC and shown in Europe/London."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo("Europe/London")).strftime("%-d %b %Y %H:%M")


def _compression(app: Flask) -> None:
    """API answers, exports read whole and text files go compressed (brotli or gzip, as the client
    accepts); WhiteNoise serves the static files' own compressed copies. Pages (HTML) do not: a
    page carries the CSRF token next to text the person typed, and compressing the two together
    would let an observer of sizes guess the token (BREACH). Pages stay within the weight
    targets uncompressed (bench/pageweight.py). Streamed answers are sent as they are, and no
    ETag is added."""
    from flask_compress import Compress

    for key, value in {"COMPRESS_ALGORITHM": ["br", "gzip"], "COMPRESS_STREAMS": False,
                       "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
                       "COMPRESS_MIMETYPES": ["application/json", "application/geo+json", "text/csv", "text/plain",
                                              "text/css", "text/javascript", "application/javascript",
                                              "image/svg+xml"]}.items():
        app.config.setdefault(key, value)
    Compress(app)


def _security_headers(app: Flask) -> None:
    csp = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=csp,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
