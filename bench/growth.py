"""Measurement 2, growth: p50 and p95 of the commissioner's heavy pages at one scale, requested
one after another through gunicorn (``warmup`` requests first, then ``count`` timed ones).
Target: p95 at scale 10 under 500 ms and under 3 times its scale-1 figure."""
from __future__ import annotations

import time
from contextlib import closing
from urllib.parse import quote

from bench.common import http_client, percentiles

P95_LIMIT_MS = 500
GROWTH_LIMIT = 3.0


def pages(subjects) -> dict[str, str]:
    slug = subjects.commissioner_slug
    return {
        "outcomes_dashboard": f"/o/{slug}/outcomes/",
        "compliance_dashboard": f"/o/{slug}/dashboards/compliance",
        "delivery_dashboard": f"/o/{slug}/dashboards/delivery",
        "review_queue": f"/o/{slug}/reviews/",
        "search": f"/o/{slug}/search?q={quote(subjects.search_term)}",
        "search_rare": f"/o/{slug}/search?q={quote(subjects.rare_term)}",
        "spend": f"/o/{slug}/spend/",
    }


def measure(stack, subjects, count: int = 30, warmup: int = 3, time_limit: float = 120) -> dict:
    results = {}
    with closing(http_client(stack.base_url, email=subjects.commissioner_email)) as client:
        for name, url in pages(subjects).items():
            for _ in range(warmup):
                client.get(url)
            seconds, statuses = [], {}
            deadline = time.monotonic() + time_limit
            for _ in range(count):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                response = client.get(url)
                seconds.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            results[name] = {"url": url, **percentiles(seconds), "statuses": statuses,
                             "bytes": len(response.content)}
            print(f"  growth {name:22} p50 {results[name]['p50_ms']:>7} ms  p95 {results[name]['p95_ms']:>7} ms  "
                  f"{statuses}")
    return results
