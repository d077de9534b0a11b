"""Measurement 1, the floor ratio: requests per second of three real pages under gunicorn, each
divided by the requests per second of a bare Flask + psycopg endpoint (``floor_app`` below,
under the same gunicorn settings) that runs the single SQL statement the page needs.

The statement is captured from the real request (SQLAlchemy's cursor events, in this process):
the slowest SELECT that is not the pipeline's own (see ``bench.common.main_statement``). The
floor runs it as the app role, with ``app.org_id`` set once per connection (so row-level security
applies as in the app), and answers its rows as JSON. Target: each ratio at least 0.35.
"""
from __future__ import annotations

import json
import os
import pickle
import tempfile
import threading
import time
from pathlib import Path

import httpx

TARGET = 0.35
CONCURRENCY = 4


# -- the bare endpoint (gunicorn bench.floor:floor_app, FLOOR_SPEC names the pickled statements) -----

def _floor_app():
    from flask import Flask, Response

    app = Flask("floor")
    spec = pickle.loads(Path(os.environ["FLOOR_SPEC"]).read_bytes()) if os.environ.get("FLOOR_SPEC") else {}
    local = threading.local()

    def connection(name: str):
        import psycopg

        conns = getattr(local, "conns", None)
        if conns is None:
            conns = local.conns = {}
        if name not in conns:
            conn = psycopg.connect(spec["dsn"], autocommit=True)
            conn.execute("select set_config('app.org_id', %s, false), set_config('app.user_id', %s, false)",
                         (str(spec["routes"][name]["org_id"]), str(spec["routes"][name].get("user_id") or "")))
            conns[name] = conn
        return conns[name]

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/floor/<name>")
    def floor(name: str):
        route = spec["routes"][name]
        rows = connection(name).execute(route["sql"], route["params"]).fetchall()
        return Response(json.dumps([list(r) for r in rows], default=str), mimetype="application/json")

    return app


floor_app = _floor_app() if os.environ.get("FLOOR_SPEC") else None


# -- the load generator ---------------------------------------------------------------------------

def requests_per_second(make_client, url: str, count: int, concurrency: int = CONCURRENCY,
                        warmup: int = 10, time_limit: float = 300) -> dict:
    """``count`` GETs of ``url`` from ``concurrency`` threads (each its own client); requests per
    second over the whole run. Bounded by count and by ``time_limit`` seconds."""
    clients = [make_client() for _ in range(concurrency)]
    try:
        for n in range(warmup):
            clients[n % concurrency].get(url)
        remaining = [count]
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        deadline = time.monotonic() + time_limit

        def worker(client):
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                status = client.get(url).status_code
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        done = sum(statuses.values())
        return {"requests": done, "seconds": round(elapsed, 2), "rps": round(done / elapsed, 1),
                "statuses": statuses}
    finally:
        for c in clients:
            c.close()


def _plain(params):
    """Parameters as psycopg takes them (SQLAlchemy hands the cursor a dict or a tuple)."""
    return dict(params) if isinstance(params, dict) else tuple(params or ())


def measure(stack, subjects, count: int = 400) -> dict:
    """The three ratios; the statement each floor runs is kept in the result."""
    from bench.common import capture, http_client, main_statement

    s = subjects
    pages = {
        "return_page": {"url": f"/o/{s.provider_slug}/returns/{s.return_id}", "email": s.provider_email,
                        "org_id": s.provider_id},
        "dashboard": {"url": f"/o/{s.commissioner_slug}/outcomes/", "email": s.commissioner_email,
                      "org_id": s.commissioner_id},
        "api_returns": {"url": "/api/v1/returns", "token": s.provider_token, "org_id": s.provider_id},
    }
    spec = {"dsn": stack.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1), "routes": {}}
    for name, page in pages.items():
        statements = capture(stack, page.get("email"), page["url"], token=page.get("token"))
        main = main_statement(statements)
        page["statements"] = len(statements)
        page["main_sql"] = main.sql if main else None
        page["main_ms_in_process"] = round(main.seconds * 1000, 2) if main else None
        spec["routes"][name] = {"sql": main.sql if main else "select 1", "params": _plain(main.params if main else ()),
                                "org_id": page["org_id"]}
    with tempfile.NamedTemporaryFile(dir=stack.var_dir, suffix=".pickle", delete=False) as fh:
        pickle.dump(spec, fh)
    floor = stack.gunicorn("bench.floor:floor_app", port=stack.floor_port, extra_env={"FLOOR_SPEC": fh.name})
    results = {}
    try:
        for name, page in pages.items():
            def app_client(page=page):
                return http_client(stack.base_url, email=page.get("email"), token=page.get("token"))

            real = requests_per_second(app_client, page["url"], count)
            bare = requests_per_second(lambda: httpx.Client(base_url=f"http://127.0.0.1:{stack.floor_port}",
                                                            timeout=120),
                                       f"/floor/{name}", count)
            ratio = round(real["rps"] / bare["rps"], 3) if bare["rps"] else None
            results[name] = {"url": page["url"], "app": real, "floor": bare, "ratio": ratio,
                             "statements_per_request": page["statements"], "main_sql": page["main_sql"],
                             "main_ms_in_process": page["main_ms_in_process"]}
            print(f"  floor {name:12} app {real['rps']:>7}/s  floor {bare['rps']:>7}/s  ratio {ratio}")
    finally:
        stack.stop_process(floor)
    return results
