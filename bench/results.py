"""bench/results.json from the measurements of bench/run.py, the targets met or missed (each
missed one with its reason and what would meet it), and the printed table."""
from __future__ import annotations

FLOOR_TARGET = 0.35
P95_LIMIT_MS = 500
GROWTH_LIMIT = 3.0
RLS_LIMIT_PCT = 10.0
RSS_LIMIT_MB = 100
EMAIL_JOBS_TARGET = 20
UPLOAD_TO_CLEAN_LIMIT_S = 10
COLD_KB, WARM_KB = 100, 30

REQUIRED_KEYS = ("floor_ratio", "dashboard_p95_ms", "rls_overhead_pct", "queries_per_page", "upload_peak_rss_mb",
                 "worker_peak_rss_mb", "document_jobs_per_s", "email_jobs_per_s", "upload_to_clean_s_with_backlog",
                 "page_weight_kb", "machine", "targets", "notes")



#: Why each page is slower than its floor, and what would bring it closer.
FLOOR_REASONS = {
    "return_page": (
        "(4 are the pipeline's: the session, the memberships and the tenant settings twice) and renders the GOV.UK "
        "page, where the floor dumps JSON: most of the difference is Python (the pipeline, the ORM, the "
        "templates), not the database.",
        "less work per request than a signed-in GOV.UK page through the whole pipeline does: caching rendered "
        "parts of the page per version of what they show, or fewer, larger statements (the session and "
        "memberships in one)."),
    "dashboard": (
        "(the figures of every outcome; the page also totals every measure in a second one) and then draws "
        "the trend of each outcome and the tables of outcomes, providers by outcome (25 a page) and measures, "
        "where the floor dumps the statement's rows as JSON.",
        "the outcome figures kept in a rollup table, updated when a return is submitted or reviewed, as the "
        "compliance figures are: the page would then read a few hundred rows instead of every return's answers."),
}

def _other(measured: dict, key: str):
    for figures in measured.get("others", {}).values():
        if key in figures:
            return figures[key]
    return None


def build_results(measured: dict) -> dict:
    from bench.queries import growth as query_growth

    by_scale = measured.get("by_scale", {})
    labels = list(by_scale)
    first, last = (by_scale[labels[0]], by_scale[labels[-1]]) if labels else ({}, {})
    floor = last.get("floor", {})
    notes: list[str] = []
    targets: dict[str, dict] = {}

    def target(name: str, value, goal: str, met: bool | None, reason: str = "", remedy: str = ""):
        targets[name] = {"value": value, "target": goal,
                         "status": "not measured" if met is None else ("met" if met else "missed")}
        if met is False:
            notes.append(f"{name} missed ({value}; target {goal}): {reason} What would meet it: {remedy}")
        elif met is None:
            notes.append(f"{name} not measured in this run.")

    # 1. floor ratio
    floor_ratio = {name: figures.get("ratio") for name, figures in floor.items()}
    for name in ("return_page", "dashboard", "api_returns"):
        figures = floor.get(name, {})
        ratio = figures.get("ratio")
        why, remedy = FLOOR_REASONS.get(name, FLOOR_REASONS["return_page"])
        target(f"floor_ratio.{name}", ratio, f">= {FLOOR_TARGET}", None if ratio is None else ratio >= FLOOR_TARGET,
               f"{figures.get('app', {}).get('rps')} requests/s against a floor of "
               f"{figures.get('floor', {}).get('rps')}/s; the page runs {figures.get('statements_per_request')} "
               f"statements where the floor runs one ({figures.get('main_ms_in_process')} ms of it in the "
               f"page's own process) {why}", remedy)

    # 2. growth
    growth_p95 = {label: {page: f.get("p95_ms") for page, f in figures.get("growth", {}).items()}
                  for label, figures in by_scale.items()}
    dashboard_p95 = {label: pages.get("outcomes_dashboard") for label, pages in growth_p95.items()}
    for page in (first.get("growth") or {}):
        small = first["growth"][page].get("p95_ms")
        big = (last.get("growth") or {}).get(page, {}).get("p95_ms")
        met = None if big is None else (big < P95_LIMIT_MS and (len(labels) < 2 or big < GROWTH_LIMIT * small))
        slow = [s for s in (last.get("rls", {}).get("slowest") or []) if s.get("page") == page][:1]
        target(f"growth_p95.{page}", [small, big], f"p95 < {P95_LIMIT_MS} ms at {labels[-1]} and < "
               f"{GROWTH_LIMIT}x {labels[0]}", met,
               f"p95 {small} ms at {labels[0]}, {big} ms at {labels[-1]}; its slowest statement took "
               f"{slow[0]['app_ms'] if slow else '?'} ms"
               + (f" with Seq Scans on {[s['table'] for s in slow[0]['seq_scans']]}." if slow and
                  slow[0].get("seq_scans") else "."),
               "an index on the tenant column and the filter/sort columns of that statement, or a rollup "
               "table kept up to date by the writes (not a cache) for the aggregate it computes.")

    # 3. row-level security
    rls = last.get("rls", {})
    overhead = rls.get("overhead_pct")
    target("rls_overhead_pct", overhead, f"< {RLS_LIMIT_PCT} %", None if overhead is None else overhead < RLS_LIMIT_PCT,
           f"the policies add their own conditions ({rls.get('app_ms_total')} ms as the app role against "
           f"{rls.get('bypass_ms_total')} ms with the explicit WHERE alone).",
           "the statements with the largest difference are in details.by_scale.*.rls.slowest with their "
           "plans. Under row-level security PostgreSQL cannot tell how many rows an organisation has (the "
           "policy compares with a setting, read once per statement), so it can misjudge a join and read a "
           "table again for each row of another: the delivery dashboard (1.5 s at scale 10) and search did, and "
           "read what they need once now, in materialised CTEs; a statement still far apart needs the same.")
    seq = rls.get("seq_scans_on_big_tables")
    not_tenant = rls.get("index_scans_not_on_tenant")
    if seq is not None:
        target("explain_tenant_index", {"seq_scans": len(seq), "index_scans_not_on_tenant": len(not_tenant or [])},
               "every scan of a table over 10,000 rows has an index condition on the tenant column",
               not seq and not not_tenant,
               f"Seq Scans on {sorted({s['table'] for s in seq})}; index scans without the tenant column on "
               f"{sorted({s['table'] for s in not_tenant or []})} (each listed with its index condition in "
               f"details.by_scale.*.rls.index_scans_not_on_tenant).",
               "composite indexes (tenant_id or commissioner_id first, then the column filtered or sorted on), "
               "and joins on (tenant_id, id) where a primary key lookup is used.")
        gin = rls.get("search_gin_indexes")
        target("search_uses_gin", gin, "search through a GIN index as the app role", bool(gin),
               "no search statement's plan used a GIN index. The text-search match (@@) is not LEAKPROOF, so "
               "under row-level security PostgreSQL cannot use a GIN index for it; commissioners' search "
               "matches in the view search_matches instead (migrations 0028 and 0029), where it can, and the planner "
               "takes the GIN index there when the words are rarer than the organisation's own entries.",
               "the plans in details.by_scale.*.rls.slowest show which way in the planner took; a search for "
               "words in most entries reads the organisation's own index instead, rightly.")

    # 4. statements per request
    queries_per_page, grows = ({}, [])
    if labels and all("queries" in f for f in by_scale.values()):
        queries_per_page, grows = query_growth({label: f["queries"] for label, f in by_scale.items()})
    target("queries_do_not_grow", [g["route"] for g in grows], "no route's statement count grows with the scale",
           None if not queries_per_page else not grows,
           f"{len(grows)} routes run more statements at {labels[-1] if labels else '?'}: "
           f"{[(g['route'], g['counts']) for g in grows[:10]]}.",
           "the same people and objects are requested at every scale, so a count that grows is the data's "
           "doing: a statement per row a page lists (an N+1) needs eager loading or one aggregate query, and "
           "a list without a page size grows by a statement per 500 rows of each selectin load (the OCDS "
           "bulk download had both: it now comes in packages of 100, tested). Per-row growth is also "
           "checked by the tests that count statements.")

    # 5-7. the other parts' figures
    upload_rss, worker_rss = _other(measured, "upload_peak_rss_mb"), _other(measured, "worker_peak_rss_mb")
    document_jobs, email_jobs = _other(measured, "document_jobs_per_s"), _other(measured, "email_jobs_per_s")
    to_clean, page_weight = _other(measured, "upload_to_clean_s_with_backlog"), _other(measured, "page_weight_kb")
    for name, value, goal, ok in (
            ("upload_peak_rss_mb", upload_rss, f"< {RSS_LIMIT_MB} MB above idle", lambda v: v < RSS_LIMIT_MB),
            ("worker_peak_rss_mb", worker_rss, f"< {RSS_LIMIT_MB} MB above idle", lambda v: v < RSS_LIMIT_MB),
            ("email_jobs_per_s", email_jobs, f">= {EMAIL_JOBS_TARGET}", lambda v: v >= EMAIL_JOBS_TARGET),
            ("upload_to_clean_s_with_backlog", to_clean, f"< {UPLOAD_TO_CLEAN_LIMIT_S} s",
             lambda v: v < UPLOAD_TO_CLEAN_LIMIT_S)):
        target(name, value, goal, None if value is None else ok(value),
               "see that part's own notes below.", "see that part's own notes below.")
    if page_weight is not None:
        heavy = {p: w for p, w in page_weight.items() if isinstance(w, dict) and
                 ((w.get("cold") or 0) >= COLD_KB or (w.get("warm") or 0) >= WARM_KB)}
        target("page_weight_kb", page_weight, f"< {COLD_KB} KB cold, < {WARM_KB} KB warm", not heavy,
               f"heavier pages: {heavy}.", "see that part's own notes below.")
    else:
        target("page_weight_kb", None, f"< {COLD_KB} KB cold, < {WARM_KB} KB warm", None)
    for module, figures in measured.get("others", {}).items():
        own = figures.get("notes") or []
        notes += [f"{module}: {n}" for n in ([own] if isinstance(own, str) else own)]
    notes += measured.get("skipped", [])
    if measured.get("quick"):
        notes.insert(0, f"QUICK RUN at scales {labels}: not the issue's scales 1 and 10; figures are for "
                        "developing the harness only.")

    return {
        "floor_ratio": floor_ratio,
        "dashboard_p95_ms": dashboard_p95,
        "growth_p95_ms": growth_p95,
        "rls_overhead_pct": overhead,
        "queries_per_page": queries_per_page,
        "upload_peak_rss_mb": upload_rss,
        "worker_peak_rss_mb": worker_rss,
        "document_jobs_per_s": document_jobs,
        "email_jobs_per_s": email_jobs,
        "enqueue_per_s": _other(measured, "enqueue_per_s"),
        "upload_to_clean_s_with_backlog": to_clean,
        "page_weight_kb": page_weight,
        "machine": measured.get("machine", {}),
        "scales": labels,
        "quick": bool(measured.get("quick")),
        "targets": targets,
        "notes": notes,
        "details": {"by_scale": by_scale, "others": measured.get("others", {}),
                    "seconds": measured.get("seconds"), "finished_at": measured.get("finished_at")},
    }


def print_table(results: dict) -> None:
    labels = results.get("scales", [])
    print("\n== make bench ==" + ("  (QUICK RUN)" if results.get("quick") else ""))
    m = results.get("machine", {})
    print(f"machine: {m.get('cpu_model')}, {m.get('cores')} cores, {m.get('ram_gb')} GB, {m.get('os')}, "
          f"Python {m.get('python')}, PostgreSQL {m.get('postgresql')}, load {m.get('load_average')}")
    print(f"\n{'page':24}" + "".join(f"{'p50 ' + lab:>18}{'p95 ' + lab:>18}" for lab in labels))
    by_scale = results.get("details", {}).get("by_scale", {})
    pages = list((by_scale.get(labels[0], {}) if labels else {}).get("growth", {}))
    for page in pages:
        row = f"{page:24}"
        for lab in labels:
            f = by_scale[lab]["growth"].get(page, {})
            row += f"{str(f.get('p50_ms')) + ' ms':>18}{str(f.get('p95_ms')) + ' ms':>18}"
        print(row)
    print(f"\n{'target':34} {'value':>40}  status")
    for name, t in results.get("targets", {}).items():
        value = t["value"]
        text = value if not isinstance(value, (dict, list)) else str(value)
        print(f"{name:34} {str(text)[:40]:>40}  {t['status']}")
    grows = [(r, c) for r, c in results.get("queries_per_page", {}).items() if None not in c and c != sorted(c)[:1] * len(c)]
    if grows:
        print(f"\nroutes whose statement count changes with the scale: {grows[:15]}")
    if results.get("notes"):
        print("\nnotes:")
        for note in results["notes"]:
            print(f"  - {note}")
