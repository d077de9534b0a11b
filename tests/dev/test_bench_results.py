"""bench/results.json carries every key issue 12 asks for, from a made-up set of measurements
(no benchmark runs here), and a missed target is reported with its reason."""
from __future__ import annotations

import json

from bench.results import REQUIRED_KEYS, build_results, print_table


def _scale(dashboard_p95: float, review_statements: int) -> dict:
    growth = {page: {"p50_ms": dashboard_p95 / 2, "p95_ms": dashboard_p95, "count": 30}
              for page in ("outcomes_dashboard", "compliance_dashboard", "review_queue")}
    return {
        "seed": {"source": "portal.dev.scale", "counts": {}},
        "floor": {"return_page": {"ratio": 0.5, "app": {"rps": 50}, "floor": {"rps": 100}},
                  "dashboard": {"ratio": 0.2, "app": {"rps": 20}, "floor": {"rps": 100},
                                "statements_per_request": 14},
                  "api_returns": {"ratio": 0.4, "app": {"rps": 40}, "floor": {"rps": 100}}},
        "growth": growth,
        "rls": {"overhead_pct": 4.0, "app_ms_total": 10.4, "bypass_ms_total": 10.0, "seq_scans_on_big_tables": [],
                "index_scans_not_on_tenant": [], "search_gin_indexes": ["ix_search_entries_document"],
                "slowest": []},
        "queries": {"routes": {"commissioner:reviews.index": {"statements": review_statements, "status": 200},
                               "commissioner:dashboards.index": {"statements": 9, "status": 200}}},
    }


def test_every_required_key_and_the_missed_targets_with_reasons(capsys):
    measured = {
        "scales": [1.0, 10.0], "quick": False, "machine": {"cores": 2},
        "by_scale": {"scale_1": _scale(100, 8), "scale_10": _scale(450, 12)},
        "others": {"bench.uploads": {"upload_peak_rss_mb": 40, "worker_peak_rss_mb": 150,
                                     "notes": ["the worker reads the whole PDF"]},
                   "bench.jobs": {"document_jobs_per_s": 8.5, "email_jobs_per_s": 30, "enqueue_per_s": 900,
                                  "upload_to_clean_s_with_backlog": 4.2},
                   "bench.pageweight": {"page_weight_kb": {"dashboard": {"cold": 80, "warm": 12}}}},
        "skipped": [],
    }
    results = build_results(measured)
    assert set(REQUIRED_KEYS) <= set(results)
    json.dumps(results)  # writable as JSON
    assert results["floor_ratio"] == {"return_page": 0.5, "dashboard": 0.2, "api_returns": 0.4}
    assert results["dashboard_p95_ms"] == {"scale_1": 100, "scale_10": 450}
    assert results["queries_per_page"]["commissioner:reviews.index"] == [8, 12]
    assert results["queries_per_page"]["commissioner:dashboards.index"] == [9, 9]
    status = {name: t["status"] for name, t in results["targets"].items()}
    assert status["floor_ratio.dashboard"] == "missed" and status["floor_ratio.return_page"] == "met"
    assert status["growth_p95.outcomes_dashboard"] == "missed"  # 4.5 times its scale-1 figure
    assert status["rls_overhead_pct"] == "met" and status["search_uses_gin"] == "met"
    assert status["queries_do_not_grow"] == "missed"
    assert status["worker_peak_rss_mb"] == "missed" and status["email_jobs_per_s"] == "met"
    assert status["page_weight_kb"] == "met"
    missed = [n for n in results["notes"] if " missed " in n]
    assert len(missed) == sum(1 for s in status.values() if s == "missed")
    assert all("What would meet it:" in n for n in missed)
    assert any("commissioner:reviews.index" in n for n in missed)
    assert "bench.uploads: the worker reads the whole PDF" in results["notes"]
    print_table(results)
    assert "outcomes_dashboard" in capsys.readouterr().out


def test_a_run_without_the_other_parts_says_what_is_missing():
    results = build_results({"scales": [0.05], "quick": True, "by_scale": {"scale_0.05": _scale(50, 8)},
                             "others": {}, "skipped": ["bench.uploads is not there yet"]})
    assert set(REQUIRED_KEYS) <= set(results)
    assert results["upload_peak_rss_mb"] is None
    assert results["targets"]["upload_peak_rss_mb"]["status"] == "not measured"
    assert results["notes"][0].startswith("QUICK RUN")
    assert "bench.uploads is not there yet" in results["notes"]
