"""The JSON API under /api/v1 (flask-smorest), one module per domain. Bearer tokens only: no
cookies, so no CSRF. The modules never import each other."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from portal.extensions import csrf
from portal.http.api import document_fields


def register_api(app: Flask) -> Api:
    from portal.blueprints.api import (accounts, contracts, dashboards, documents, organisations, outcomes,
                                       returns, search, tenders, threads)
    from portal.blueprints.api import clarifications
    from portal.blueprints.api import bids
    from portal.blueprints.api import supplier_lists, tender_documents
    from portal.blueprints.api import evaluation
    from portal.blueprints.api import contract_reviews, payment_runs, spend
    from portal.blueprints.api import actuals, invoices, rate_cards
    from portal.blueprints.api import funds, proposals, savings
    from portal.blueprints.api import offboarding

    api = Api(app)
    document_fields(api)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (accounts, organisations, contracts, returns, documents, outcomes, dashboards, search, tenders,
                   threads, clarifications, supplier_lists, tender_documents, evaluation):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
    csrf.exempt(offboarding.bp)
    api.register_blueprint(offboarding.bp)
    csrf.exempt(bids.bp)
    api.register_blueprint(bids.bp)
    for module in (invoices, payment_runs, spend, contract_reviews, rate_cards, actuals, proposals, funds, savings):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
    return api
