"""Memory of uploads: the peak resident memory, above idle, of the gunicorn worker that receives a
1 GB upload, and of the RQ work horse that checks a 200 MB PDF (issue 12, measurement 5).

    .venv/bin/python -m bench.uploads                 # its own services in var/bench-uploads
    .venv/bin/python -m bench.uploads --upload-mb 64 --pdf-mb 20     # a quick run

Uploads go through the documented route, ``POST /api/v1/documents`` (multipart, field ``file``,
a bearer token), streamed by httpx from a file on disk (never held in the client's memory).
Memory is sampled with psutil every 50 ms.

The product's limits are not changed: ``DOCUMENT_MAX_BYTES`` is 50 MB by default and
``MAX_CONTENT_LENGTH`` ten times that, so a 1 GB upload to the portal as configured is refused
(413) before its body is read; that answer is reported (``upload_1gb_answer``), with the peak of
an upload of the largest allowed size (``upload_at_limit_peak_rss_mb``). To measure streaming
at 1 GB, a second gunicorn on the same services is started with ``DOCUMENT_MAX_BYTES`` raised
for the benchmark only (``upload_peak_rss_mb``), and the 200 MB PDF goes through it as well.

``measure(env, base_url)`` samples every RQ worker on ``env``'s Redis and its work horses: the
harness's own workers may take the PDF's job, and they are measured the same way.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from bench.stack import MB, ROOT, PeakRss, Processes, Stack, interruptible, rss, uptime

TARGET_MB = 100
DEFAULT_DOCUMENT_MAX_BYTES = 50 * MB  # portal/config.py


# -- files -----------------------------------------------------------------------------------------

def write_blob(path: Path, size: int) -> Path:
    """``size`` bytes of incompressible data, written 1 MB at a time."""
    block = os.urandom(MB)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(block[:min(MB, left)])
            left -= MB
    return path


def write_pdf(path: Path, size: int, *, page_bytes: int = 400 * 1024) -> int:
    """A valid PDF of about ``size`` bytes, like a scanned document: pages with a line of text
    each and an uncompressed RGB image of ``page_bytes``, written page by page. Returns the
    number of pages."""
    side = int((page_bytes / 3) ** 0.5)
    pixels = side * side * 3
    pages = max(1, size // (pixels + 600))
    offsets: list[int] = []
    noise = os.urandom(pixels)

    with open(path, "wb") as fh:
        def obj(number: int, body: bytes, stream: bytes | None = None) -> None:
            while len(offsets) < number:
                offsets.append(0)
            offsets[number - 1] = fh.tell()
            fh.write(f"{number} 0 obj\n".encode() + body)
            if stream is not None:
                fh.write(b"\nstream\n" + stream + b"\nendstream")
            fh.write(b"\nendobj\n")

        fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        # 1 catalog, 2 pages, 3 font; page n uses objects 4+3n (page), 5+3n (content), 6+3n (image)
        kids = " ".join(f"{4 + 3 * n} 0 R" for n in range(pages))
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(2, f"<< /Type /Pages /Count {pages} /Kids [{kids}] >>".encode())
        obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for n in range(pages):
            page, content, image = 4 + 3 * n, 5 + 3 * n, 6 + 3 * n
            obj(page, (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
                       f"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 {image} 0 R >> >> >>").encode())
            text = (f"BT /F1 12 Tf 72 800 Td (Outcome evidence, scanned page {n + 1}) Tj ET "
                    f"q 451 0 0 451 72 300 cm /Im1 Do Q").encode()
            obj(content, f"<< /Length {len(text)} >>".encode(), text)
            pixels_now = noise[n % 97:] + noise[:n % 97]  # not the same bytes on every page
            obj(image, (f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceRGB "
                        f"/BitsPerComponent 8 /Length {pixels} >>").encode(), pixels_now)
        xref = fh.tell()
        fh.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        fh.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets))
        fh.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return pages


# -- the uploader ----------------------------------------------------------------------------------

@contextmanager
def environment(env: dict):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_uploader(env: dict) -> tuple[str, int, int]:
    """A provider organisation with a submitter and a write token (as the tests' factories make them):
    the token, the organisation's id and the person's."""
    import logging

    from portal import create_app
    from tests import factories

    with environment(env):
        app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    factories.bind(app)
    stamp = time.monotonic_ns() % 10**9
    provider = factories.organisation("provider", slug=f"bench-uploads-{stamp}", name=f"Bench Uploads {stamp}")
    person = factories.user(f"uploader-{stamp}@bench.example", memberships=[(provider, "submitter")])
    token = factories.api_token(person, label="bench uploads")
    with app.app_context():
        from portal.extensions import db

        for engine in db.engines.values():
            engine.dispose()
    return token, provider.id, person.id


def upload(base_url: str, token: str, path: Path, name: str, timeout: float = 900) -> tuple[int, dict | str]:
    """POST the file at ``path`` to the documents API, streamed from disk."""
    try:
        with open(path, "rb") as fh:
            response = httpx.post(f"{base_url}/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                                  files={"file": (name, fh, "application/pdf")}, timeout=timeout)
    except httpx.HTTPError as exc:
        return 0, f"no answer: {exc!r}"
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text[:300]


def wait_checked(base_url: str, token: str, document_id: int, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        while time.monotonic() < deadline:
            document = client.get(f"/api/v1/documents/{document_id}").json()
            if document.get("status") != "pending":
                return document
            time.sleep(0.2)
    raise RuntimeError(f"document {document_id} still pending after {timeout:.0f} s")


# -- processes to sample ---------------------------------------------------------------------------

def web_workers(base_url: str) -> list[psutil.Process]:
    """The gunicorn workers serving ``base_url``: the children of the master that holds its
    listening socket (psutil may name the master or any one worker as the socket's holder)."""
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    holders = [psutil.Process(c.pid) for c in psutil.net_connections(kind="tcp")
               if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid]
    if not holders:
        raise RuntimeError(f"no process found listening on port {port}")
    holder = holders[0]
    master = holder if holder.children() else holder.parent()
    workers = master.children()
    if not workers:
        raise RuntimeError(f"no gunicorn worker found under process {master.pid} (port {port})")
    return workers


def rq_workers(redis_url: str) -> list[psutil.Process]:
    """Every `rq worker` process on this Redis (its command line names the URL)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "worker" in cmdline and redis_url in cmdline:
            found.append(process)
    return found


def with_children(parents: list[psutil.Process]) -> list[psutil.Process]:
    everything = list(parents)
    for parent in parents:
        try:
            everything += parent.children(recursive=True)
        except psutil.Error:
            pass
    return everything


def peak_above_idle(peaks: dict[int, int], idle: dict[int, int], parent_of: dict[int, int] | None = None) -> float:
    """The largest (peak - idle) in MB over the sampled processes; a work horse is compared with
    the idle size of the worker it was forked from."""
    best = 0
    for pid, peak in peaks.items():
        base = idle.get(pid) or idle.get((parent_of or {}).get(pid, -1))
        if base:
            best = max(best, peak - base)
    return round(best / MB, 1)


def measure_upload(base_url: str, token: str, path: Path, name: str) -> dict:
    workers = web_workers(base_url)
    idle = {p.pid: rss(p.pid) for p in workers}
    with PeakRss(lambda: workers) as sampler:
        started = time.monotonic()
        status, answer = upload(base_url, token, path, name)
        seconds = time.monotonic() - started
    return {"status": status, "answer": answer, "seconds": round(seconds, 1),
            "peak_rss_mb": peak_above_idle(sampler.peaks, idle), "idle_rss_mb": round(max(idle.values()) / MB, 1),
            "samples": sampler.samples, "size_mb": round(path.stat().st_size / MB, 1)}


def measure_worker(base_url: str, token: str, redis_url: str, path: Path) -> dict:
    workers = rq_workers(redis_url)
    if not workers:
        raise RuntimeError("no RQ worker is running on this Redis")
    idle = {p.pid: rss(p.pid) for p in workers}
    parent_of: dict[int, int] = {}

    def pick():
        processes = []
        for worker in workers:
            try:
                horses = worker.children()
            except psutil.Error:
                continue
            for horse in horses:
                parent_of[horse.pid] = worker.pid
            processes += [worker, *horses]
        return processes

    status, answer = upload(base_url, token, path, "scanned-evidence.pdf")
    if status != 202:
        return {"status": status, "answer": answer}
    with PeakRss(pick, uss=True) as sampler:
        started = time.monotonic()
        try:
            document = wait_checked(base_url, token, answer["id"])
        except RuntimeError as exc:  # e.g. a scanner that refuses a stream this long: the job retries
            document = {"status": f"pending: {exc}"}
        seconds = time.monotonic() - started
    return {"document_status": document["status"], "page_count": document.get("page_count"),
            "has_text": document.get("has_text"), "scan_status": document.get("scan_status"),
            "rejection_reason": document.get("rejection_reason"), "seconds": round(seconds, 1),
            "peak_rss_mb": peak_above_idle(sampler.peaks, idle, parent_of),
            # A work horse shares the worker's pages until it writes to them: its private pages
            # are what the job itself added (the RSS above idle can miss pages it never touched).
            "horse_peak_uss_mb": round(max([v for pid, v in sampler.uss_peaks.items() if pid in parent_of],
                                           default=0) / MB, 1),
            "idle_rss_mb": round(max(idle.values()) / MB, 1), "samples": sampler.samples,
            "size_mb": round(path.stat().st_size / MB, 1)}


# -- the measurement -------------------------------------------------------------------------------

def measure(env: dict, base_url: str, *, upload_mb: int = 1024, pdf_mb: int = 200) -> dict:
    """Peak RSS above idle of the web worker for a ``upload_mb`` upload and of the work horse for a
    ``pdf_mb`` PDF; ``base_url`` is a running gunicorn on the services in ``env``."""
    folder = ROOT / "var" / "bench-uploads-files"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    limit = int(env.get("DOCUMENT_MAX_BYTES") or DEFAULT_DOCUMENT_MAX_BYTES)
    raised = max(upload_mb, pdf_mb) * MB + MB
    processes = Processes(env, folder)
    result: dict = {"document_max_bytes": limit}
    try:
        token, _org_id, _user_id = make_uploader(env)
        # The largest file the portal as configured takes, then what it answers to the big one (in
        # this order: memory a process has used once stays in its RSS).
        warm_up = write_blob(folder / "warm-up.pdf", 64 * 1024)
        for _ in range(4):  # each web worker has imported what an upload needs before it is measured
            upload(base_url, token, warm_up, "warm-up.pdf")
        at_limit = measure_upload(base_url, token, write_blob(folder / "at-limit.pdf", limit), "at-limit.pdf")
        result["upload_at_limit"] = at_limit
        result["upload_at_limit_peak_rss_mb"] = at_limit["peak_rss_mb"]
        big = write_blob(folder / "one-gigabyte.pdf", upload_mb * MB)
        refused = measure_upload(base_url, token, big, "big-evidence.pdf")
        result["upload_1gb_answer"] = {"status": refused["status"], "peak_rss_mb": refused["peak_rss_mb"],
                                       "message": refused["answer"].get("message") if isinstance(
                                           refused["answer"], dict) else refused["answer"]}
        # The same services, a gunicorn whose per-file limit is raised for the benchmark only.
        raised_url, _ = processes.gunicorn(workers=1, extra_env={"DOCUMENT_MAX_BYTES": str(raised)})
        upload(raised_url, token, warm_up, "warm-up.pdf")
        big_run = measure_upload(raised_url, token, big, "big-evidence.pdf")
        result["upload"] = big_run
        result["upload_peak_rss_mb"] = big_run["peak_rss_mb"]
        big.unlink()
        pdf = folder / "scanned.pdf"
        result["pdf_pages"] = write_pdf(pdf, pdf_mb * MB)
        if not rq_workers(env["REDIS_URL"]):
            processes.workers(1)
        worker_run = measure_worker(raised_url, token, env["REDIS_URL"], pdf)
        result["worker"] = worker_run
        result["worker_rss_above_idle_mb"] = worker_run.get("peak_rss_mb")
        result["worker_horse_peak_uss_mb"] = worker_run.get("horse_peak_uss_mb")
        # The worker's figure is the larger of the two: the RSS above idle of the worker and its
        # horses, and the pages the horse made its own (a horse's RSS starts with pages it shares
        # with the worker, so its RSS above the worker's idle size can read 0 while the job grows).
        figures = [v for v in (worker_run.get("peak_rss_mb"), worker_run.get("horse_peak_uss_mb")) if v is not None]
        result["worker_peak_rss_mb"] = max(figures) if figures else None
    finally:
        processes.stop()
        shutil.rmtree(folder, ignore_errors=True)
    notes = []
    if result.get("upload_peak_rss_mb") is not None and result["upload_peak_rss_mb"] >= TARGET_MB:
        notes.append(f"upload: {result['upload_peak_rss_mb']} MB above idle, target {TARGET_MB} MB")
    if result.get("worker_peak_rss_mb") is None or result["worker_peak_rss_mb"] >= TARGET_MB:
        notes.append(f"worker: {result.get('worker_peak_rss_mb')} MB above idle, target {TARGET_MB} MB "
                     f"({result.get('worker')})")
    if notes:
        result["notes"] = notes
    result["load"] = uptime()
    return result


def print_result(result: dict) -> None:
    print(f"upload of {result['upload']['size_mb']:.0f} MB: {result['upload_peak_rss_mb']} MB above idle "
          f"(idle {result['upload']['idle_rss_mb']} MB, {result['upload']['seconds']} s, "
          f"answer {result['upload']['status']}, {result['upload']['samples']} samples)")
    print(f"as configured (DOCUMENT_MAX_BYTES {result['document_max_bytes'] / MB:.0f} MB): a 1 GB upload is answered "
          f"{result['upload_1gb_answer']['status']}; at the limit, {result['upload_at_limit_peak_rss_mb']} MB above "
          f"idle ({result['upload_at_limit']['seconds']} s)")
    worker = result["worker"]
    print(f"work horse on a {worker.get('size_mb')} MB PDF ({result['pdf_pages']} pages): "
          f"{result['worker_peak_rss_mb']} MB (RSS above idle {result.get('worker_rss_above_idle_mb')} MB, idle "
          f"{worker.get('idle_rss_mb')} MB; the horse's own pages at most {worker.get('horse_peak_uss_mb')} MB; "
          f"{worker.get('seconds')} s, {worker.get('document_status')}, scan {worker.get('scan_status')})")
    if result.get("notes"):
        print("MISSED: " + "; ".join(result["notes"]))
    print(result["load"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upload-mb", type=int, default=1024, help="the big upload, in MB (default 1024)")
    parser.add_argument("--pdf-mb", type=int, default=200, help="the PDF the worker checks, in MB (default 200)")
    parser.add_argument("--output", help="write the figures to this JSON file as well")
    args = parser.parse_args()
    with interruptible(), Stack("uploads", clamd_stream_bytes=(max(args.upload_mb, args.pdf_mb) + 1) * MB) as stack:
        print(f"uploads: services in {stack.folder.relative_to(ROOT)}; scanner: {stack.scanner}")
        processes = Processes(stack.env, stack.folder / "web")
        try:
            base_url, _ = processes.gunicorn(workers=2)
            result = measure(stack.env, base_url, upload_mb=args.upload_mb, pdf_mb=args.pdf_mb)
        finally:
            processes.stop()
    result["scanner"] = stack.scanner
    print_result(result)
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
