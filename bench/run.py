"""`make bench`: how the portal's cost grows with its data, side by side in one run.

    make bench                                    # scales 1 and 10
    make bench BENCH_ARGS=--quick                 # scales 0.05 and 0.5, fewer requests (development)
    .venv/bin/python -m bench.run --scales 1,10 --output bench/results.json

In var/bench (emptied first): embedded PostgreSQL, Redis and S3, migrated, with the frameworks
and the demo data. For each scale, in order (the seed is additive: a higher scale adds
organisations), the data set is seeded and measurements 1-4 of issue 12 are taken
(bench/floor.py, growth.py, rls.py, queries.py) against gunicorn (2 workers, 127.0.0.1); then the
data-independent measurements of bench/uploads.py, jobs.py and pageweight.py when they exist.
Writes bench/results.json and prints a table. Everything started is stopped, even on Ctrl-C.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench.results import build_results, print_table

ROOT = Path(__file__).resolve().parent.parent
QUICK_SCALES = "0.05,0.5"


def machine(stack=None) -> dict:
    info = {"cpu_model": platform.processor() or "", "cores": os.cpu_count(), "os": platform.platform(),
            "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    if stack is not None and stack.services is not None:
        from bench.common import superuser_rows

        info["postgresql"] = superuser_rows(stack, "show server_version")[0][0]
    info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def _other(module: str, function: str, *args) -> tuple[dict, str | None]:
    """Another part's measurement, if it is there: (figures, a note when skipped or failed)."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return {}, f"{module} is not there yet: its figures are missing from this run"
    measure = getattr(found, function, None)
    if measure is None:
        return {}, f"{module} has no {function}(): its figures are missing from this run"
    try:
        return measure(*args) or {}, None
    except Exception as exc:  # one part failing must not lose the others' figures
        traceback.print_exc()
        return {}, f"{module}.{function} failed: {exc!r}"


def run(args) -> dict:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    from bench import floor, growth, queries, rls
    from bench.common import Stack, pick_subjects, seed

    scales = [float(s) for s in args.scales.split(",")]
    stack = Stack(Path(args.var_dir))
    measured = {"scales": scales, "quick": args.quick, "by_scale": {}, "others": {}, "skipped": []}
    started = time.monotonic()
    try:
        print(f"bench: services in {stack.var_dir} (emptied first)...")
        stack.start()
        measured["machine"] = machine(stack)
        web = first_subjects = None
        for scale in scales:
            label = f"scale_{scale:g}"
            print(f"bench: seeding scale {scale:g}...")
            seeding = seed(stack, scale)
            print(f"  seeded in {seeding['seconds']} s by {seeding['source']}: {seeding['counts']}")
            if web is None:
                web = stack.gunicorn(workers=2)
            subjects = pick_subjects(stack, label.replace(".", "_"))
            print(f"bench: {label}: commissioner {subjects.commissioner_slug}, provider {subjects.provider_slug}")
            figures = {"seed": seeding, "subjects": {"commissioner": subjects.commissioner_slug,
                                                     "provider": subjects.provider_slug,
                                                     "return_id": subjects.return_id}}
            figures["floor"] = floor.measure(stack, subjects, count=args.requests)
            figures["growth"] = growth.measure(stack, subjects, count=args.samples)
            figures["rls"] = rls.measure(stack, subjects, reps=args.reps)
            # The same people and objects at every scale (the seed keeps the first scale's organisations),
            # so that a count that grows is the data's doing, not a different provider's.
            first_subjects = first_subjects or subjects
            figures["queries"] = queries.measure(stack, first_subjects)
            figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
            measured["by_scale"][label] = figures
        # The data-independent measurements, last (they may fill the queues and tables).
        base_url = stack.base_url
        people = {"provider": (subjects.provider_email, subjects.provider_slug),
                  "commissioner": (subjects.commissioner_email, subjects.commissioner_slug)}

        def sign_in(client, who: str) -> str:
            """Signs ``client`` (an httpx client) in as the bench's provider or commissioner; their slug."""
            from bench.common import sign_in as form_sign_in

            email, slug = people[who]
            form_sign_in(client, email)
            return slug

        for module, function, call_args in (("bench.uploads", "measure", (dict(stack.env), base_url)),
                                            ("bench.jobs", "measure", (dict(stack.env),)),
                                            ("bench.pageweight", "measure", (base_url, sign_in))):
            if args.skip_others:
                measured["skipped"].append(f"{module}: skipped (--skip-others)")
                continue
            print(f"bench: {module}.{function}...")
            figures, note = _other(module, function, *call_args)
            measured["others"][module] = figures
            if note:
                measured["skipped"].append(note)
                print(f"  {note}")
    finally:
        stack.stop()
    measured["seconds"] = round(time.monotonic() - started, 1)
    measured["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return measured


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=None, help="comma-separated, in increasing order (default 1,10)")
    parser.add_argument("--quick", action="store_true", help=f"scales {QUICK_SCALES} and fewer requests")
    parser.add_argument("--requests", type=int, default=None, help="requests per floor measurement (400)")
    parser.add_argument("--samples", type=int, default=None, help="timed requests per growth page (30)")
    parser.add_argument("--reps", type=int, default=None, help="runs of each statement in the RLS comparison (15)")
    parser.add_argument("--skip-others", action="store_true", help="skip uploads, jobs and page weight")
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args(argv)
    args.scales = args.scales or (QUICK_SCALES if args.quick else "1,10")
    args.requests = args.requests or (100 if args.quick else 400)
    args.samples = args.samples or (10 if args.quick else 30)
    args.reps = args.reps or (5 if args.quick else 15)
    measured = run(args)
    results = build_results(measured)
    Path(args.output).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    print(f"bench: written to {args.output} ({measured['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
