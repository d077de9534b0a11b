"""Pages: one module per domain."""
from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from portal.blueprints.web import (account, admin, auth, collaboratives, contracts, dashboards, documents,
                                       frameworks, health, organisation, outcomes, returns, reviews, search, tenders,
                                       threads)
    from portal.blueprints.web import clarifications
    from portal.blueprints.web import evaluation

    for module in (auth, organisation, contracts, frameworks, returns, reviews, outcomes, collaboratives,
                   dashboards, documents, account, admin, health, search, tenders, threads, clarifications,
                   evaluation):
        app.register_blueprint(module.bp)
