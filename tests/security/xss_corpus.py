"""The XSS payload corpus in every text field people type, and the pages that show them, for the
input suites (the test client in test_input.py, the real browser in tests/browser/test_xss_journey.py).

Every payload that could run sets ``window.__xss``; the template-injection ones would show 49 if
they were evaluated. ``fill_every_text_field`` writes the corpus into every column of
``FREE_TEXT`` in every row that has a value (as much of the corpus as the column holds, after a
marker naming the column), and ``crawl`` follows every link a signed-in person can reach inside
their organisation. Every string column of the schema is either in ``FREE_TEXT`` or in
``NOT_FREE_TEXT`` with the reason (test_input.py checks that), so a new column is classified
before it can be left out.
"""
from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

CORPUS = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "' autofocus onfocus='window.__xss=1",
    "javascript:window.__xss=1",
    '<a href="javascript:window.__xss=1">link</a>',
    "{{7*7}}",
    "${7*7}",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e",
    "</textarea><script>window.__xss=1</script>",
)

#: Every column a person types into (pages, API, imports), as "table.column".
FREE_TEXT = tuple("""
answers.value_text api_tokens.label collaboratives.name contract_reviews.reason
contract_variations.description contracts.reference contracts.title contracts.care_group contracts.locality
documents.filename fund_consensus_scores.reason fund_payments.reference fund_scores.reason
investment_funds.name investment_funds.description invoice_attachments.filename invoice_events.comment
invoice_lines.description invoice_lines.query invoice_lines.answer invoices.number invoices.buyer_reference
invoices.note invoices.decision_comment invoices.payment_reference measures.label measures.hint
organisations.name outcome_frameworks.name outcomes.text outcomes.short_name
payment_runs.reference payment_runs.payment_reference proposal_documents.filename proposals.title
proposals.summary proposals.narrative proposals.decision_note remittances.reference
remittances.payment_reference return_imports.filename returns.review_comment savings.description
savings_targets.name savings_targets.programme supplier_list_members.removed_reason
supplier_lists.name supplier_lists.description tender_amendments.reason tender_awards.reason
tender_bid_documents.filename tender_bids.reconfirm_reason tender_clarifications.question
tender_clarifications.answer tender_consensus_scores.reason tender_documents.title tender_documents.filename
tender_evaluator_scores.reason tender_evaluators.conflict tender_lots.title tender_lots.description
tender_quality_questions.text tender_quality_questions.guidance tender_questions.text
tender_questions.published_text tender_questions.answer tender_questions.private_reason tenders.reference
tenders.title tenders.description tenders.cancel_reason thread_answers.question thread_answers.answer
thread_questions.body thread_replies.body threads.title threads.description users.full_name
visit_imports.filename visits.person_ref visits.decision_reason wage_floors.note organisations.offboarding_reason
""".split())

#: Every other string column, by why no one types free text into it.
NOT_FREE_TEXT = {
    "a choice from a fixed list or a status the portal sets": """
        collaborative_members.status contract_rates.unit contract_rates.service_type contract_rates.day_type
        contract_reviews.decision contract_variations.kind contract_variations.source contracts.service_type
        contracts.funding_model contracts.delivery_unit contracts.holiday_region documents.status
        documents.scan_status fund_consensus_scores.criterion fund_scores.criterion investment_funds.status
        invitations.role invoice_attachments.status invoice_events.action invoice_lines.status invoice_lines.unit
        invoice_lines.service_type invoice_lines.day_type invoice_lines.price_source invoice_lines.vat_category
        invoices.kind invoices.status invoices.source invoices.currency measures.type memberships.role
        organisation_exports.status organisation_exports.reason organisations.kind payment_runs.status
        proposal_documents.status proposals.kind proposals.status proposals.outcome return_imports.file_format
        return_imports.status return_reminders.kind return_schedules.frequency returns.status savings.status
        savings_targets.scope savings_targets.service_type savings_targets.target_kind
        savings_targets.baseline_kind supplier_lists.service_type tender_awards.status
        tender_bid_documents.status tender_bid_documents.scan_status tender_bid_members.role
        tender_bid_members.part tender_bid_members.status tender_bid_receipts.status tender_bids.status
        tender_documents.status tender_evaluators.status tender_questions.status tenders.service_type
        tenders.regime tenders.status threads.scope threads.status user_sessions.end_reason
        visit_imports.rule visit_rules.basis visits.day_type visits.status""",
    "a code or identifier in a checked format (slug, email, framework code)": """
        organisations.slug users.email invitations.email measures.code outcome_frameworks.code
        outcome_frameworks.source outcomes.code""",
    "a hash, key or secret the portal makes (never shown)": """
        api_tokens.token_hash invitations.nonce_hash mfa_recovery_codes.code_hash users.password_hash
        users.mfa_secret user_sessions.token_hash documents.sha256 documents.storage_key
        invoice_attachments.storage_key organisation_exports.storage_key organisation_exports.sha256
        return_imports.storage_key return_versions.sha256 tender_bid_documents.sha256
        tender_bid_documents.storage_key tender_bid_receipts.sha256 tender_bids.receipt_sha256
        tender_documents.sha256 tender_documents.storage_key tender_keys.key_id""",
    "what the portal detects or works out from a file or a figure": """
        documents.declared_content_type documents.content_type documents.detected_type documents.scan_result
        documents.rejection_reason documents.text_content invoice_attachments.content_type
        tender_bid_documents.content_type tender_documents.content_type invoice_lines.workings
        organisation_exports.error""",
    "a column no form, API call or import writes (kept for a later feature)": "savings.note",
    "derived from other rows (search index, rollups), refreshed from the typed columns": """
        search_entries.kind search_entries.measure_code search_entries.title search_entries.body
        outcome_rollups.framework_code outcome_rollups.outcome""",
    "logs and queues the portal writes (no page shows their text as HTML)": """
        access_events.outcome access_events.endpoint access_events.method access_events.object_kind
        access_events.object_id access_events.address audit_events.action audit_events.object_type
        audit_events.object_id audit_events.user_agent platform_audit_events.action
        platform_audit_events.object_type platform_audit_events.object_id platform_audit_events.user_agent
        outbox_messages.job outbox_messages.last_error dev_mailbox_messages.to_address
        dev_mailbox_messages.subject dev_mailbox_messages.body""",
}

#: Typed columns that no page shows (only their own owner's API, as JSON, or nobody), with why.
NOT_ON_A_PAGE = {
    "tender_bids.reconfirm_reason": "kept for the audit of a bid changed after an amendment; no page shows it",
    "tender_awards.reason": "each bidder's outcome letter shows the copy made at the award (tender_bid_outcomes.details, "
                            "filled with the corpus here too)",
    "fund_payments.reference": "kept with the payment for the finance team; the bid's page shows the total paid",
    "invoices.payment_reference": "a copy of the payment run's reference, shown on the run and the remittance",
}


def marker(column: str) -> str:
    """What the value of ``column`` starts with, so that a page can be traced to the column it shows."""
    return f"XSS{FREE_TEXT.index(column):03d}"


def fill_every_text_field(engine) -> dict[str, int]:
    """Every non-empty value of every ``FREE_TEXT`` column becomes its marker, the row's own number
    (unique columns stay unique) and as much of the corpus as the column holds; returns the rows
    changed per column. ``engine`` must see every tenant's rows (the PostgreSQL superuser)."""
    from sqlalchemy import inspect, text

    corpus = " ".join(CORPUS)
    changed = {}
    columns = {(t, c["name"]): c for t in inspect(engine).get_table_names() for c in inspect(engine).get_columns(t)}
    with engine.begin() as conn:
        conn.execute(text("set local session_replication_role = replica"))  # past the append-only triggers
        for column in FREE_TEXT:
            table, name = column.split(".")
            length = getattr(columns[(table, name)]["type"], "length", None) or 10_000
            result = conn.execute(text(
                f'update "{table}" set "{name}" = left(:marker || \' \' || ctid::text || \' \' || :corpus, :length) '
                f'where coalesce("{name}", \'\') <> \'\''),
                {"marker": marker(column), "corpus": corpus, "length": length})
            changed[column] = result.rowcount
    return changed


def crawl(client, start: list[str], *, limit: int = 400, skip: set | None = None) -> dict[str, str]:
    """Every HTML page a signed-in test client reaches by following links and htmx requests from
    ``start`` (an organisation's home and account pages, or the platform's admin pages) that stay
    under the first two path segments of one of them (at most three queries of one path: a filter
    or page number is not followed further), except those in ``skip`` (pages another role of the
    same side has seen; the start pages are always fetched): URL to HTML. A page that is not 200
    is recorded as ``"<status>"``; a redirect (a download from storage) is left out."""
    scopes = tuple("/".join(url.split("/")[:3]).rstrip("/") + "/" for url in start)
    seen, queue, pages = set(start) | set(skip or ()), deque(start), {}
    queries: dict[str, int] = {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (302, 303):  # a download: the file is served from storage
            continue
        if response.status_code != 200:
            pages[url] = f"<{response.status_code}>"
            continue
        if not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for link in _links(html, url):
            path = link.split("?")[0]
            if link in seen or not link.startswith(scopes) or "?" in link and queries.get(path, 0) >= 3:
                continue
            seen.add(link)
            queries[path] = queries.get(path, 0) + ("?" in link)
            queue.append(link)
    return pages


def _links(html: str, base: str) -> list[str]:
    from bs4 import BeautifulSoup

    found = []
    soup = BeautifulSoup(html, "html.parser")
    targets = [a["href"] for a in soup.find_all("a", href=True)] + [e["hx-get"] for e in soup.find_all(attrs={"hx-get": True})]
    for target in targets:
        parts = urlsplit(urljoin(base, target))
        if parts.netloc in ("", "testserver") and parts.path:
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def shown_text(html: str) -> str:
    """The text a person sees on the page, with what form fields hold (a value is shown in its box)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    values = [element.get("value", "") for element in soup.find_all("input") if element.get("type") != "hidden"]
    return soup.get_text(" ") + " " + " ".join(values)


def xss_world(app, engine) -> dict:
    """The every-role world of the access suites (a row in every tenant table, a member of every
    role on both sides), a platform administrator, and the rows whose typed columns that world
    leaves empty: a review comment, an invoice query and its answer, a decided proposal, a
    cancelled tender, a removed list member, and so on. ``engine`` sees every tenant's rows."""
    from sqlalchemy import text

    from tests import factories
    from tests.tenancy.seed import every_role_world

    world = every_role_world(app, provider_slug="xss-care", commissioner_slug="xss-hscp")
    provider, commissioner = world["orgs"]["provider"], world["orgs"]["commissioner"]
    from datetime import date, timedelta

    contract = factories.contract(commissioner=commissioner, provider=provider, reference="XSS-C",
                                  care_group="Older people", locality="East",
                                  end=date.today() + timedelta(days=60))  # due for review
    factories.submission(contract)
    factories.variation(contract, value_change="100")
    factories.contract_review_row(contract, decision="retender", reason="Working well")
    factories.invoice_row(contract, number="XSS-Q", status="queried")
    tender = factories.tender(commissioner, reference="XSS-T")
    factories.answer(factories.question(provider, tender, text="Our rates?"), publish=False, reason="Only yours")
    factories.review(contract, decision="request_changes", comment="Check the hours")
    factories.api_token(world["users"][("provider", "provider_admin")], label="Care planner")
    factories.list_member(factories.supplier_list(commissioner, name="Old list"), provider, removed="Left the area")
    factories.proposal(provider, commissioner, status="declined", contract_=contract, title="Turned down")
    # An evaluation in moderation: a panel member's score and the consensus, with their reasons.
    users = world["users"]
    evaluated = factories.evaluation_tender(commissioner, reference="XSS-E")
    evaluated_bid = factories.bid(provider, evaluated)
    factories.opened(evaluated, by=(users[("commissioner", "procurement")], users[("commissioner", "commissioner_admin")]))
    factories.evaluation_started(evaluated)
    factories.evaluator(evaluated, users[("commissioner", "contract_manager")])
    with engine.connect() as conn:
        question = conn.execute(text("select id from tender_quality_questions where tender_id = :t"),
                                {"t": evaluated.id}).one()
    factories.evaluator_score(evaluated_bid, question, users[("commissioner", "contract_manager")])
    factories.consensus_score(evaluated_bid, question)
    world["users"][("platform", "admin")] = factories.user("root@platform.example", platform_admin=True)
    ids = world["ids"]["commissioner"]
    # Pages reached by a form's answer or a state no link of this world leads to (URLs per person).
    world["also"] = {
        ("commissioner", "contract_manager"): [],
        "commissioner": [f"/o/{commissioner.slug}/contract-reviews/{contract.id}",
                         f"/o/{commissioner.slug}/savings/{ids['target_id']}"],
        "provider": [f"/o/{provider.slug}/returns/{ids['return_id']}/imports/{ids['import_id']}"],
    }
    statements = (  # columns only a later step fills in: set as that step would
        "update invoices set buyer_reference = 'PO 1', note = 'For March', decision_comment = 'Fine'",
        "update invoice_lines set query = 'Which visits?', answer = 'The weekend ones'",
        "update invoice_events set comment = 'Queried'",
        "update proposals set decision_note = 'The budget is spent' where status = 'declined'",
        "update tender_awards set reason = 'Best value'",
        "update tender_bids set reconfirm_reason = 'The deadline moved'",
        "update tender_evaluators set conflict = 'None'",
        "update tender_lots set description = 'The east of the city'",
        "update tender_quality_questions set guidance = 'Say how'",
        "update tender_questions set private_reason = 'Commercially sensitive'",
        "update visits set decision_reason = 'Paid as planned'",
        "update tenders set status = 'cancelled', cancel_reason = 'Withdrawn' where reference like '%-DRAFT'",
        "update organisations set offboarding_reason = 'Merged', suspended_at = now() where slug like '%-payer'",
    )
    with engine.begin() as conn:
        conn.execute(text("set local session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("update tender_bid_outcomes set details = jsonb_set(details, '{reason}', to_jsonb(cast(:corpus as text)))"),
                     {"corpus": " ".join(CORPUS)})
        awarded = conn.execute(text("select tender_id from tender_awards order by id limit 1")).one()
    world["also"]["commissioner"].append(f"/o/{commissioner.slug}/tenders/{evaluated.id}/bids/{evaluated_bid.id}/moderate")
    world["also"][("commissioner", "contract_manager")].append(  # the evaluator's own score
        f"/o/{commissioner.slug}/tenders/{evaluated.id}/bids/{evaluated_bid.id}/score")
    world["also"]["provider"].append(f"/o/{provider.slug}/tenders/{awarded.tender_id}/outcome")
    return world
