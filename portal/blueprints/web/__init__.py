"""Pages: one module per domain."""
from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from portal.blueprints.web import (account, admin, auth, collaboratives, contracts, dashboards, documents,
                                       frameworks, health, organisation, outcomes, returns, reviews, search, tenders,
                                       threads)
    from portal.blueprints.web import clarifications
    from portal.blueprints.web import bid_opening, bids
    from portal.blueprints.web import supplier_lists, tender_documents
    from portal.blueprints.web import evaluation
    from portal.blueprints.web import contract_reviews, payment_runs, spend
    from portal.blueprints.web import actuals, invoices, rate_cards
    from portal.blueprints.web import funds, proposals, savings
    from portal.blueprints.web import offboarding

    for module in (auth, organisation, contracts, frameworks, returns, reviews, outcomes, collaboratives,
                   dashboards, documents, account, admin, health, search, tenders, threads, clarifications,
                   supplier_lists, tender_documents, evaluation):
        app.register_blueprint(module.bp)
    app.register_blueprint(offboarding.bp)
    app.register_blueprint(offboarding.admin_bp)
    app.register_blueprint(bids.bp)
    app.register_blueprint(bid_opening.bp)
    for module in (invoices, payment_runs, spend, contract_reviews, rate_cards, actuals, proposals, funds, savings):
        app.register_blueprint(module.bp)
    from portal.blueprints.web import api_tokens

    app.register_blueprint(api_tokens.bp)
