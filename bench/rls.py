"""Measurement 3, the cost of row-level security.

The statements of the dashboards and lists are captured from real requests (in this process).
The ORM already writes the tenant into each of them (``tenant_id = :t``, or ``commissioner_id``
for a commissioner's view of providers' rows: portal/tenants/scoping.py), so the comparison is:
the same statement with the same parameters as the app role (row-level security on, with
``app.org_id`` and ``app.user_id`` set for the transaction as the app sets them) against a
BYPASSRLS role made for this bench database only (no policies: the explicit WHERE alone). The
two must answer the same number of rows (else the statement leans on the policy: reported).

Then ``EXPLAIN (ANALYZE)`` of each as the app role: for every table over 10,000 rows, its scan
must have an index condition on the tenant column (``tenant_id``/``commissioner_id``), or be a
partition of a table partitioned by it (search's vectors); any Seq Scan on such a table is
reported. Search must go through a GIN index.
Target: overhead under 10 %.
"""
from __future__ import annotations

import statistics
import time
from urllib.parse import quote

import psycopg

from bench.common import capture, is_page_read, superuser_rows

BYPASS_ROLE = "portal_bench_bypass"
BIG_TABLE = 10_000
TARGET_PCT = 10.0
TENANT_COLUMNS = ("tenant_id", "commissioner_id")


def _pages(s) -> dict[str, dict]:
    c, p = s.commissioner_slug, s.provider_slug
    commissioner = {"email": s.commissioner_email, "org_id": s.commissioner_id}
    provider = {"email": s.provider_email, "org_id": s.provider_id}
    return {
        "outcomes_dashboard": {"url": f"/o/{c}/outcomes/", **commissioner},
        "compliance_dashboard": {"url": f"/o/{c}/dashboards/compliance", **commissioner},
        "delivery_dashboard": {"url": f"/o/{c}/dashboards/delivery", **commissioner},
        "review_queue": {"url": f"/o/{c}/reviews/", **commissioner},
        "spend": {"url": f"/o/{c}/spend/", **commissioner},
        "commissioner_returns": {"url": f"/o/{c}/returns/", **commissioner},
        "search": {"url": f"/o/{c}/search?q={quote(s.search_term)}", **commissioner},
        "search_rare": {"url": f"/o/{c}/search?q={quote(s.rare_term)}", **commissioner},
        "provider_returns": {"url": f"/o/{p}/returns/", **provider},
        "api_returns": {"url": "/api/v1/returns", "email": None, "token": s.provider_token, "org_id": s.provider_id},
    }


def _data_statements(statements):
    return [st for st in statements if is_page_read(st.sql)]


def ensure_bypass_role(stack) -> str:
    """A login role with BYPASSRLS and SELECT on every table, in the bench database only."""
    superuser_rows(stack, f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{BYPASS_ROLE}') THEN
            CREATE ROLE {BYPASS_ROLE} LOGIN BYPASSRLS NOSUPERUSER;
          END IF;
        END $$""")
    superuser_rows(stack, f"GRANT CONNECT ON DATABASE portal_bench TO {BYPASS_ROLE}")
    superuser_rows(stack, f"GRANT USAGE ON SCHEMA public TO {BYPASS_ROLE}")
    superuser_rows(stack, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {BYPASS_ROLE}")
    return stack.superuser_url.replace("postgres@", f"{BYPASS_ROLE}@", 1)


def _params(params):
    return dict(params) if isinstance(params, dict) else tuple(params or ())


def _timed(conn, sql, params, org_id, user_id, reps) -> tuple[float, int]:
    """Median seconds of ``reps`` runs, each in its own transaction with the tenant set."""
    times, rows = [], 0
    for _ in range(reps):
        with conn.transaction():
            conn.execute("select set_config('app.org_id', %s, true), set_config('app.user_id', %s, true)",
                         (str(org_id), str(user_id or "")))
            started = time.perf_counter()
            rows = len(conn.execute(sql, _params(params)).fetchall())
            times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def _walk(node, parent_table=None):
    yield node, parent_table
    for child in node.get("Plans", []):
        yield from _walk(child, node.get("Relation Name") or parent_table)


def plan_findings(plan: dict, sizes: dict[str, float], gin_indexes: set[str],
                  partition_keys: dict[str, str] | None = None) -> dict:
    """Scans of big tables: which have an index condition on the tenant column, which are Seq Scans.

    A scan of a partition of a table partitioned by the tenant column (``partition_keys``: each
    partition's key column) is on the tenant too: PostgreSQL chose that partition by the tenant
    (a GIN index cannot hold the column itself without btree_gin), and it is reported as such."""
    scans, seq, gin = [], [], []
    partition_keys = partition_keys or {}
    for node, parent in _walk(plan["Plan"]):
        table = node.get("Relation Name") or (parent if node["Node Type"] == "Bitmap Index Scan" else None)
        if node.get("Index Name") in gin_indexes:
            gin.append(node["Index Name"])
        if not table or sizes.get(table, 0) < BIG_TABLE:
            continue
        if node["Node Type"] == "Seq Scan":
            seq.append({"table": table, "rows": int(sizes[table]), "filter": node.get("Filter", "")})
        elif "Index Cond" in node or node["Node Type"] in ("Index Scan", "Index Only Scan"):
            cond = node.get("Index Cond", "")
            by_partition = partition_keys.get(table) in TENANT_COLUMNS
            scans.append({"table": table, "index": node.get("Index Name"), "index_cond": cond,
                          "on_tenant": any(col in cond for col in TENANT_COLUMNS) or by_partition,
                          **({"partition_key": partition_keys[table]} if by_partition else {})})
    return {"index_scans": scans, "seq_scans": seq, "gin_indexes_used": sorted(set(gin))}


def measure(stack, subjects, reps: int = 15) -> dict:
    bypass_url = ensure_bypass_role(stack)
    app_url = stack.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    sizes = dict(superuser_rows(stack, "select relname, reltuples from pg_class where relkind = 'r' "
                                       "and relnamespace = 'public'::regnamespace"))
    gin = {r[0] for r in superuser_rows(stack, """select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid
        join pg_am a on a.oid = i.relam where a.amname = 'gin'""")}
    partition_keys = dict(superuser_rows(stack, """select c.relname, a.attname from pg_inherits i
        join pg_class c on c.oid = i.inhrelid join pg_partitioned_table p on p.partrelid = i.inhparent
        join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]"""))
    users = dict(superuser_rows(stack, "select email, id from users where email in (%(c)s, %(p)s)",
                                {"c": subjects.commissioner_email, "p": subjects.provider_email}))
    statements, pages = [], {}
    for name, page in _pages(subjects).items():
        try:
            captured = _data_statements(capture(stack, page.get("email"), page["url"], token=page.get("token")))
        except RuntimeError as exc:
            pages[name] = {"error": str(exc)}
            continue
        user_id = users.get(page.get("email") or subjects.provider_email)
        pages[name] = {"url": page["url"], "statements": len(captured)}
        statements += [(name, st, page["org_id"], user_id) for st in captured]
    total_app = total_bypass = 0.0
    rows_differ, per_statement, seq_scans, not_on_tenant, search_gin = [], [], [], [], []
    with psycopg.connect(app_url) as app_conn, psycopg.connect(bypass_url) as bypass_conn:
        for name, st, org_id, user_id in statements:
            for conn in (app_conn, bypass_conn):  # warm both
                _timed(conn, st.sql, st.params, org_id, user_id, 2)
            app_s, app_rows = _timed(app_conn, st.sql, st.params, org_id, user_id, reps)
            bypass_s, bypass_rows = _timed(bypass_conn, st.sql, st.params, org_id, user_id, reps)
            total_app += app_s
            total_bypass += bypass_s
            if app_rows != bypass_rows:
                rows_differ.append({"page": name, "sql": st.sql[:300], "app_rows": app_rows,
                                    "bypass_rows": bypass_rows})
            with app_conn.transaction():
                app_conn.execute("select set_config('app.org_id', %s, true), set_config('app.user_id', %s, true)",
                                 (str(org_id), str(user_id or "")))
                cursor = psycopg.ClientCursor(app_conn)
                plan = cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + st.sql, _params(st.params)).fetchone()[0][0]
                text_plan = "\n".join(r[0] for r in cursor.execute("EXPLAIN (ANALYZE) " + st.sql,
                                                                   _params(st.params)).fetchall())
            findings = plan_findings(plan, sizes, gin, partition_keys)
            seq_scans += [{"page": name, **s} for s in findings["seq_scans"]]
            not_on_tenant += [{"page": name, **s} for s in findings["index_scans"] if not s["on_tenant"]]
            if name.startswith("search"):
                search_gin += findings["gin_indexes_used"]
            per_statement.append({"page": name, "app_ms": round(app_s * 1000, 3),
                                  "bypass_ms": round(bypass_s * 1000, 3), "rows": app_rows, "sql": st.sql,
                                  "explain": text_plan, **findings})
    overhead = round((total_app - total_bypass) / total_bypass * 100, 1) if total_bypass else None
    slowest = sorted(per_statement, key=lambda s: s["app_ms"], reverse=True)
    print(f"  rls: {len(per_statement)} statements, app {total_app * 1000:.1f} ms vs bypass "
          f"{total_bypass * 1000:.1f} ms: overhead {overhead} %; seq scans of big tables: {len(seq_scans)}; "
          f"index scans not on the tenant column: {len(not_on_tenant)}; search GIN: {sorted(set(search_gin))}")
    return {"overhead_pct": overhead, "app_ms_total": round(total_app * 1000, 2),
            "bypass_ms_total": round(total_bypass * 1000, 2), "statements": len(per_statement), "pages": pages,
            "rows_differ": rows_differ, "seq_scans_on_big_tables": seq_scans,
            "index_scans_not_on_tenant": not_on_tenant, "search_gin_indexes": sorted(set(search_gin)),
            "big_tables": {t: int(n) for t, n in sizes.items() if n >= BIG_TABLE},
            "slowest": [{k: v for k, v in s.items()} for s in slowest[:8]]}
