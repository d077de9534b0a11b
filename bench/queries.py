"""Measurement 4, statements per request: every page and API GET route of an organisation
(walked from the URL map as tests/http/test_permissions.py does), requested in this process by the
subjects' commissioner (pages and API) and provider (pages and API), with the ids in the address
filled from real rows that organisation can see (read as the app role, under row-level security).
Every statement on the app's engine is counted, the pipeline's own included. bench.run passes the
first scale's subjects at every scale (the seed is additive, so they are still there, with the same
objects in each address): a route whose count grows from one scale to the next is flagged (N+1)."""
from __future__ import annotations

import re

import psycopg

from bench.common import StatementRecorder, sign_in
from portal.http.access import access_of
from portal.tenants.permissions import PERMISSIONS, role_can

#: Each URL argument: the SQL that finds one the organisation can see (the parent's value is
#: given as %(parent)s), and the argument it belongs to.
ID_QUERIES: dict[str, tuple[str, str | None]] = {
    "membership_id": ("select id from memberships order by id limit 1", None),
    "invitation_id": ("select id from invitations order by id limit 1", None),
    "contract_id": ("select id from contracts order by id limit 1", None),
    "return_id": ("select r.id from returns r join return_versions v on v.return_id = r.id "
                  "order by r.id limit 1", None),
    "number": ("select number from return_versions where return_id = %(parent)s order by number limit 1",
               "return_id"),
    "submitted_document_id": ("select d.id from return_documents d where d.return_id = %(parent)s "
                              "order by d.id limit 1", "return_id"),
    "import_id": ("select id from return_imports where return_id = %(parent)s order by id limit 1", "return_id"),
    "document_id": ("select id from documents order by id limit 1", None),
    "framework_id": ("select id from outcome_frameworks order by id limit 1", None),
    "outcome_id": ("select o.id from outcomes o where o.framework_id in (select framework_id from contracts) "
                   "order by o.framework_id, o.position limit 1", None),
    "collaborative_id": ("select collaborative_id from collaborative_members order by id limit 1", None),
    "tender_id": ("select id from tenders order by id limit 1", None),
    "bid_id": ("select id from tender_bids order by id limit 1", None),
    "bid_document_id": ("select id from tender_bid_documents where bid_id = %(parent)s order by id limit 1",
                        "bid_id"),
    "bid_member_id": ("select id from tender_bid_members where bid_id = %(parent)s order by id limit 1", "bid_id"),
    "lot_number": ("select number from tender_lots where tender_id = %(parent)s order by number limit 1",
                   "tender_id"),
    "thread_id": ("select id from threads order by id limit 1", None),
    "post_id": ("select id from thread_questions where thread_id = %(parent)s order by id limit 1", "thread_id"),
    "question_id": ("select id from tender_questions order by id limit 1", None),
    "supplier_list_id": ("select id from supplier_lists order by id limit 1", None),
    "list_member_id": ("select id from supplier_list_members where supplier_list_id = %(parent)s "
                       "order by id limit 1", "supplier_list_id"),
    "tender_document_id": ("select id from tender_documents where tender_id = %(parent)s order by id limit 1",
                           "tender_id"),
    "invoice_id": ("select id from invoices order by id limit 1", None),
    "invoice_attachment_id": ("select id from invoice_attachments where invoice_id = %(parent)s "
                              "order by id limit 1", "invoice_id"),
    "payment_run_id": ("select id from payment_runs order by id limit 1", None),
    "remittance_id": ("select id from remittances order by id limit 1", None),
    "visit_import_id": ("select id from visit_imports order by id limit 1", None),
    "visit_id": ("select id from visits order by id limit 1", None),
    "fund_id": ("select id from investment_funds order by id limit 1", None),
    "proposal_id": ("select id from proposals order by id limit 1", None),
    "target_id": ("select id from savings_targets order by id limit 1", None),
    "saving_id": ("select id from savings where target_id = %(parent)s order by id limit 1", "target_id"),
    "export_id": ("select id from organisation_exports order by id limit 1", None),
    "token_id": ("select id from api_tokens where user_id = %(user)s order by id limit 1", None),
}
FIXED = {"task_key": "delivery", "file_format": "csv"}
#: Not requested: binary downloads of stored files and PDFs (they time S3 and the PDF renderer).
SKIP = re.compile(r"(\.pdf|/download|/file|/raw)(>|$|/)")


def ids_for(app_url: str, org_id: int, user_id: int) -> dict:
    """One visible object for each URL argument, read as the app role (RLS) for ``org_id``."""
    found: dict = dict(FIXED)
    with psycopg.connect(app_url, autocommit=True) as conn:
        conn.execute("select set_config('app.org_id', %s, false), set_config('app.user_id', %s, false)",
                     (str(org_id), str(user_id)))
        for name, (sql, parent) in ID_QUERIES.items():
            if parent and parent not in found:
                continue
            try:
                row = conn.execute(sql, {"parent": found.get(parent), "user": user_id}).fetchone()
            except psycopg.Error:
                continue
            if row is not None:
                found[name] = row[0]
    return found


def _routes(app, kind: str, role: str):
    for rule in app.url_map.iter_rules():
        permission = access_of(app, rule.endpoint)
        if (permission in PERMISSIONS and "slug" in rule.arguments and "GET" in rule.methods
                and role_can(kind, role, permission) and not SKIP.search(rule.rule)):
            yield rule


def _url(rule, slug: str, ids: dict) -> str | None:
    url = rule.rule
    for name in rule.arguments:
        value = slug if name == "slug" else ids.get(name)
        if value is None:
            return None
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(value), url)
    return url


def measure(stack, subjects) -> dict:
    """{route: {"statements": n, "status": code, "url": ...}} for both organisations' routes."""
    from bench.common import superuser_rows
    from portal.extensions import db

    app = stack.flask_app()
    with app.app_context():
        recorder = StatementRecorder(db.engine)
    app_url = stack.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    users = dict(superuser_rows(stack, "select email, id from users where email in (%(c)s, %(p)s)",
                                {"c": subjects.commissioner_email, "p": subjects.provider_email}))
    who = [("commissioner", "contract_manager", subjects.commissioner_slug, subjects.commissioner_id,
            subjects.commissioner_email, subjects.commissioner_token),
           ("provider", "submitter", subjects.provider_slug, subjects.provider_id, subjects.provider_email,
            subjects.provider_token)]
    results, missing = {}, []
    for kind, role, slug, org_id, email, token in who:
        ids = ids_for(app_url, org_id, users[email])
        if kind == "provider":
            ids["return_id"] = subjects.return_id
        client = app.test_client()
        sign_in(client, email)
        for rule in _routes(app, kind, role):
            url = _url(rule, slug, ids)
            key = f"{kind}:{rule.endpoint}"
            if url is None:
                missing.append(key)
                continue
            headers = {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}
            client.get(url, headers=headers)  # warm (first-request caches)
            with recorder.record():
                response = client.get(url, headers=headers)
            results[key] = {"statements": len(recorder.statements), "status": response.status_code, "url": url}
    print(f"  queries: {len(results)} routes counted, {len(missing)} without an object to name")
    return {"routes": results, "no_object": sorted(missing)}


def growth(by_scale: dict[str, dict]) -> tuple[dict, list]:
    """``queries_per_page`` ({route: [count at each scale]}) and the routes whose count grows."""
    scales = list(by_scale)
    routes = sorted(set().union(*(set(m["routes"]) for m in by_scale.values())))
    table = {r: [by_scale[s]["routes"].get(r, {}).get("statements") for s in scales] for r in routes}
    statuses = {r: {by_scale[s]["routes"].get(r, {}).get("status") for s in scales} for r in routes}
    # Compared only where every scale answered the same status (a 404 at one scale is not comparable).
    grows = [{"route": r, "counts": counts, "url": by_scale[scales[-1]]["routes"].get(r, {}).get("url")}
             for r, counts in table.items()
             if None not in counts and len(statuses[r]) == 1 and any(b > a for a, b in zip(counts, counts[1:]))]
    return table, grows
