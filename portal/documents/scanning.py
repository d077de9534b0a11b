"""Virus scanning, chosen by configuration so that tests use the real scanner.

``DOCUMENT_SCANNER`` is ``clamd`` (talk to clamd over ``CLAMD_SOCKET`` with the INSTREAM
protocol), ``clamscan`` (run ``clamscan -d CLAMAV_DATABASE_DIR``), ``none`` (nothing is
scanned: documents say "not scanned") or ``auto`` (the default: clamd if ``CLAMD_SOCKET`` is
set or Debian's socket exists, clamscan if ``CLAMAV_DATABASE_DIR`` is set, otherwise none).
A scanner that is configured but does not answer raises ``ScannerUnavailable``, so the job
fails and is retried rather than passing a file unscanned.
"""
from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from portal.documents.models import NOT_SCANNED, SCAN_CLEAN, SCAN_INFECTED
from portal.errors import ServiceError

DEBIAN_CLAMD_SOCKET = "/var/run/clamav/clamd.ctl"
CHUNK = 1024 * 1024


class ScannerUnavailable(ServiceError):
    """The scanner is configured but could not scan: retry later. A job fails (and RQ retries
    it); a request that scans at once answers 503 with a message a person can act on, while
    ``str()`` keeps the technical detail for logs and the outbox's last error."""

    status = 503

    def __init__(self, detail: str):
        super().__init__("The virus scanner is not answering, so the file could not be checked and was not kept. "
                         "Try again in a few minutes.")
        self.detail = detail
        self.args = (detail,)  # repr() too, as jobs record it

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class ScanResult:
    status: str  # clean, not_scanned or infected
    detail: str | None = None  # the signature found, or which scanner ran


def setting(key: str, default: str | None = None) -> str | None:
    """A scanner setting from the app's config, else the environment (workers, subprocesses)."""
    value = current_app.config.get(key)
    if value in (None, ""):
        value = os.environ.get(key)
    return value if value not in (None, "") else default


class NoScanner:
    name = "none"

    def ping(self) -> None:
        return None

    def scan(self, fh: BinaryIO) -> ScanResult:
        return ScanResult(NOT_SCANNED, "No virus scanner is configured")


class ClamdScanner:
    """clamd's INSTREAM command over a Unix socket (or ``tcp://host:port``)."""

    name = "clamd"

    def ping(self, timeout: float = 2.0) -> None:
        """Raises ``ScannerUnavailable`` unless clamd answers PONG (the health check)."""
        sock = None
        try:
            saved, self.timeout = self.timeout, timeout
            try:
                sock = self._connect()
            finally:
                self.timeout = saved
            with sock:
                sock.sendall(b"zPING\0")
                reply = sock.recv(16)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.address} did not answer: {exc}") from exc
        if not reply.startswith(b"PONG"):
            raise ScannerUnavailable(f"clamd at {self.address} answered {reply!r} to PING")

    def __init__(self, address: str, timeout: float = 120.0):
        self.address = address
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        if self.address.startswith("tcp://"):
            host, _, port = self.address[len("tcp://"):].rpartition(":")
            sock = socket.create_connection((host, int(port)), timeout=self.timeout)
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.address)
        return sock

    def scan(self, fh: BinaryIO) -> ScanResult:
        fh.seek(0)
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                while chunk := fh.read(CHUNK):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = sock.recv(4096)
                    if not data:
                        break
                    reply += data
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.address} did not answer: {exc}") from exc
        finally:
            fh.seek(0)
        answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        _, _, verdict = answer.partition(": ")
        if verdict == "OK":
            return ScanResult(SCAN_CLEAN, "clamd")
        if verdict.endswith(" FOUND"):
            return ScanResult(SCAN_INFECTED, verdict[: -len(" FOUND")].strip())
        raise ScannerUnavailable(f"clamd could not scan the file: {answer!r} (is StreamMaxLength at least "
                                 f"DOCUMENT_MAX_BYTES?)")


class ClamscanScanner:
    """``clamscan`` on a temporary copy, with the signatures in ``database``."""

    name = "clamscan"

    def ping(self) -> None:
        if not shutil.which(self.executable):
            raise ScannerUnavailable(f"{self.executable} is not installed")

    def __init__(self, database: str | None, executable: str = "clamscan"):
        self.database = database
        self.executable = executable

    def scan(self, fh: BinaryIO) -> ScanResult:
        import tempfile

        fh.seek(0)
        with tempfile.NamedTemporaryFile(prefix="portal-scan-") as copy:
            shutil.copyfileobj(fh, copy, CHUNK)
            copy.flush()
            fh.seek(0)
            command = [self.executable, "--no-summary", "--stdout"]
            if self.database:
                command += ["-d", self.database]
            try:
                done = subprocess.run([*command, copy.name], capture_output=True, text=True, timeout=300)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ScannerUnavailable(f"clamscan could not run: {exc}") from exc
        if done.returncode == 0:
            return ScanResult(SCAN_CLEAN, "clamscan")
        if done.returncode == 1:
            found = [line.rsplit(": ", 1)[-1] for line in done.stdout.splitlines() if line.endswith(" FOUND")]
            return ScanResult(SCAN_INFECTED, found[0][: -len(" FOUND")] if found else "virus found")
        raise ScannerUnavailable(f"clamscan failed ({done.returncode}): {(done.stderr or done.stdout)[-500:]}")


def configured_scanner():
    choice = (setting("DOCUMENT_SCANNER", "auto") or "auto").lower()
    clamd_socket = setting("CLAMD_SOCKET")
    database = setting("CLAMAV_DATABASE_DIR")
    if choice == "none":
        return NoScanner()
    if choice == "clamd":
        return ClamdScanner(clamd_socket or DEBIAN_CLAMD_SOCKET)
    if choice == "clamscan":
        return ClamscanScanner(database)
    if choice != "auto":
        raise RuntimeError(f"DOCUMENT_SCANNER must be auto, clamd, clamscan or none, not {choice!r}")
    if clamd_socket:
        return ClamdScanner(clamd_socket)
    if os.path.exists(DEBIAN_CLAMD_SOCKET):
        return ClamdScanner(DEBIAN_CLAMD_SOCKET)
    if database and shutil.which("clamscan"):
        return ClamscanScanner(database)
    return NoScanner()


def scanner_health() -> str:
    """For /healthz: ``ok`` (the scanner answers), ``not_configured`` (documents say "Not scanned")
    or ``unavailable`` (configured but not answering: uploads wait, pending, until it is back)."""
    scanner = configured_scanner()
    if isinstance(scanner, NoScanner):
        return "not_configured"
    try:
        scanner.ping()
    except ScannerUnavailable:
        return "unavailable"
    return "ok"
