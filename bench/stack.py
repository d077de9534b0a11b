"""The services, web and job processes a measurement starts for itself (bench.uploads, bench.jobs,
bench.pageweight), in its own folder under var/ (emptied first), and the memory sampler they share.

    with Stack("uploads") as stack:          # PostgreSQL, Redis, S3 (and clamd if asked), migrated
        base_url = stack.gunicorn(workers=1)
        stack.worker()

Everything started here is stopped when the block ends, also on Ctrl-C or SIGTERM (see
``interruptible``). Traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def bin_path(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


@contextlib.contextmanager
def interruptible():
    """SIGTERM behaves like Ctrl-C, so that ``finally`` blocks stop what was started."""
    def interrupted(*_args):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_processes(processes: list[subprocess.Popen], timeout: float = 30) -> None:
    """SIGTERM to each process group (started with a session of its own), then SIGKILL."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_serving(base_url: str, processes: list[subprocess.Popen], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a web process stopped while starting; see the log")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn at {base_url} did not answer /healthz in time")


def wait_for_workers(redis_url: str, count: int, processes: list[subprocess.Popen], *, idle: bool = True,
                     timeout: float = 120) -> None:
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    names = {f"{p.args[p.args.index('--name') + 1]}" for p in processes}
    while len([w for w in Worker.all(connection=connection)
               if w.name in names and (w.get_state() == "idle" or not idle)]) < count:
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError("the RQ workers did not start; see the log")
        time.sleep(0.1)


class Processes:
    """gunicorn and RQ workers on services named by ``env``; ``stop()`` ends them all."""

    def __init__(self, env: dict, folder: Path):
        self.env = env
        self.folder = folder
        self.started: list[subprocess.Popen] = []
        folder.mkdir(parents=True, exist_ok=True)
        self.log = open(folder / "processes.log", "ab")

    def _start(self, command: list[str], extra_env: dict | None) -> subprocess.Popen:
        process = subprocess.Popen(command, env={**self.env, **(extra_env or {})}, stdout=self.log,
                                   stderr=self.log, cwd=ROOT, start_new_session=True)
        self.started.append(process)
        return process

    def gunicorn(self, *, workers: int = 1, extra_env: dict | None = None, timeout: int = 600) -> tuple[str, subprocess.Popen]:
        from portal.dev.embedded import free_port_block

        port = free_port_block(1)
        process = self._start([bin_path("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                               "--timeout", str(timeout), "wsgi:app"], extra_env)
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url, [process])
        return base_url, process

    def workers(self, count: int = 1, *, extra_env: dict | None = None, idle: bool = True) -> list[subprocess.Popen]:
        """``count`` RQ workers as `portal up` starts them; waits until they are idle (or, with
        ``idle=False``, until they have registered: jobs already queued keep them busy)."""
        from portal.jobs import worker_command

        started = [self._start(worker_command(self.env["REDIS_URL"], name=f"bench-{n}-{time.monotonic_ns()}"),
                               extra_env) for n in range(count)]
        wait_for_workers(self.env["REDIS_URL"], count, started, idle=idle)
        return started

    def stop_some(self, processes: list[subprocess.Popen]) -> None:
        stop_processes(processes)
        self.started = [p for p in self.started if p not in processes]

    def stop(self) -> None:
        stop_processes(self.started)
        self.started = []
        self.log.close()


class Stack:
    """Embedded PostgreSQL, Redis and S3 in ``var/bench-<name>`` (emptied first), migrated, with the
    national frameworks (and the demo data if asked); clamd too if ``clamd_stream_bytes`` is given and
    ClamAV is installed. ``env`` is what `portal up` would pass to gunicorn and `rq worker`."""

    def __init__(self, name: str, *, demo: bool = False, clamd_stream_bytes: int | None = None):
        self.folder = ROOT / "var" / f"bench-{name}"
        self.demo = demo
        self.clamd_stream_bytes = clamd_stream_bytes
        self.services = None
        self.clamd = None
        self.env: dict = {}
        self.processes: Processes | None = None
        self.scanner = "none"

    def __enter__(self) -> Stack:
        from portal.dev.embedded import EmbeddedServices, env_with, free_port_block

        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        base = free_port_block(6)
        self.services = EmbeddedServices(self.folder, database="portal_bench", redis_port=base, s3_port=base + 1,
                                         weed_base_port=base + 2, bucket="portal-bench")
        try:
            urls = self.services.start()
            self.env = env_with(urls)
            self.env.update({"PORTAL_VAR_DIR": str(self.folder), "PORTAL_ENV": "development",
                             "DOCUMENT_SCANNER": "none", "BASE_URL": "http://127.0.0.1"})
            for key in ("SMTP_URL", "CLAMD_SOCKET", "CLAMAV_DATABASE_DIR", "DATABASE_URL_OVERRIDE"):
                self.env.pop(key, None)
            self._start_clamd()
            self.processes = Processes(self.env, self.folder)
            self._cli("db", "upgrade", "heads")
            self._cli("seed-frameworks")
            if self.demo:
                self._cli("demo")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _cli(self, *args: str) -> None:
        with open(self.folder / "cli.log", "ab") as log:
            subprocess.run([bin_path("portal"), *args], env=self.env, check=True, stdout=log, stderr=log, cwd=ROOT)

    def _start_clamd(self) -> None:
        if self.clamd_stream_bytes is None:
            return
        from portal.dev import clamav

        if clamav.find_tool("clamd") is None:
            return
        folder = self.folder / "clamav"
        database = folder / "local-db"
        clamav.write_local_signature(database)
        self.clamd = clamav.Clamd(folder, database, stream_max_bytes=self.clamd_stream_bytes)
        try:
            self.env["CLAMD_SOCKET"] = self.clamd.start()
        except (RuntimeError, OSError):
            self.clamd = None
            return
        self.env["DOCUMENT_SCANNER"] = "clamd"
        self.scanner = "clamd (one local test signature)"

    def __exit__(self, *_exc) -> None:
        try:
            if self.processes is not None:
                self.processes.stop()
        finally:
            if self.clamd is not None:
                self.clamd.stop()
            if self.services is not None:
                self.services.stop()
            # The logs stay for reading; the stored data (a benchmark's files in S3 can be gigabytes) goes.
            for data in ("s3", "postgres"):
                shutil.rmtree(self.folder / data, ignore_errors=True)


class PeakRss:
    """Samples the resident set size of some processes every ``interval`` seconds in a thread and
    keeps each one's peak. ``pick`` answers the processes to sample (called at each tick, so that
    work horses forked during the run are seen)."""

    def __init__(self, pick, interval: float = 0.05, *, uss: bool = False):
        self.pick = pick
        self.interval = interval
        self.uss = uss  # also the unique set size (private pages: for a forked process, what it added)
        self.peaks: dict[int, int] = {}
        self.uss_peaks: dict[int, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for process in self.pick():
                with contextlib.suppress(psutil.Error):
                    if self.uss:
                        info = process.memory_full_info()
                        self.uss_peaks[process.pid] = max(self.uss_peaks.get(process.pid, 0), info.uss)
                    else:
                        info = process.memory_info()
                    self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), info.rss)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def uptime() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} CPUs"
