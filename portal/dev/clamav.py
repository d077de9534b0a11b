"""ClamAV's clamd for `portal up` and the tests, run as the current user with its own config.

Debian's `clamav-daemon` package provides the binary; this module never uses the system's
daemon or its configuration. Signatures, in order:

1. ``CLAMAV_DATABASE_DIR`` set by the operator (a folder of downloaded ``*.cvd``/``*.cld``);
2. ``var/clamav/db`` when it holds downloaded databases (``main`` or ``daily``, as ``freshclam
   --datadir var/clamav/db`` leaves them);
3. otherwise a local signature file made here with ``sigtool --md5`` from the EICAR test file:
   it catches EICAR and nothing else, so `portal up` says so loudly.

clamd listens on a Unix socket under ``var/`` (``var/clamav/clamd.sock``); the web and worker
processes are pointed at it with ``CLAMD_SOCKET``. Production runs freshclam and its own clamd
and sets ``CLAMD_SOCKET`` (see the README and deploy/).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_SIGNATURE_FILE = "portal-eicar.hdb"
DOWNLOADED_PREFIXES = ("main.", "daily.")
DOWNLOADED_SUFFIXES = (".cvd", ".cld")
#: What `portal up` prints for each kind of signature source.
LOCAL_ONLY_MESSAGE = "ClamAV: local test signature only (EICAR); run freshclam for real signatures"


class ClamAVMissing(RuntimeError):
    """clamd or sigtool is not installed (Debian: apt-get install clamav clamav-daemon)."""


def eicar() -> bytes:
    """The EICAR anti-virus test string, built from pieces so the repository never holds it whole."""
    parts = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-", "ANTIVIRUS-TEST-FILE!", "$H+H*"]
    return "".join(parts).encode("ascii")


def find_tool(name: str) -> str | None:
    """clamd lives in /usr/sbin on Debian, which is not on every user's PATH."""
    return shutil.which(name) or next((f"{d}/{name}" for d in ("/usr/sbin", "/usr/bin")
                                       if os.access(f"{d}/{name}", os.X_OK)), None)


def installed() -> bool:
    return bool(find_tool("clamd") and find_tool("sigtool"))


def has_downloaded_databases(folder: Path) -> bool:
    """``main.cvd``/``main.cld`` or ``daily.cvd``/``daily.cld`` (what freshclam downloads)."""
    if not folder.is_dir():
        return False
    return any(p.name.startswith(DOWNLOADED_PREFIXES) and p.name.endswith(DOWNLOADED_SUFFIXES)
               for p in folder.iterdir())


def write_local_signature(folder: Path) -> Path:
    """A signature database with one MD5 signature, of the EICAR test file (``sigtool --md5``)."""
    sigtool = find_tool("sigtool")
    if sigtool is None:
        raise ClamAVMissing("sigtool is not installed (apt-get install clamav)")
    folder.mkdir(parents=True, exist_ok=True)
    sample = folder / "Eicar-Test-Signature"
    sample.write_bytes(eicar())
    try:
        signature = subprocess.run([sigtool, "--md5", str(sample)], capture_output=True, text=True,
                                   check=True).stdout
    finally:
        sample.unlink(missing_ok=True)
    target = folder / LOCAL_SIGNATURE_FILE
    target.write_text(signature)
    return target


@dataclass
class SignatureChoice:
    folder: Path
    local_only: bool

    @property
    def message(self) -> str:
        if self.local_only:
            return LOCAL_ONLY_MESSAGE
        return f"ClamAV: downloaded signatures in {self.folder}"


def choose_signatures(clamav_dir: Path, env=os.environ) -> SignatureChoice:
    """The operator's CLAMAV_DATABASE_DIR, else downloaded databases in ``clamav_dir/db``, else
    the local EICAR signature written to ``clamav_dir/local-db``."""
    configured = env.get("CLAMAV_DATABASE_DIR")
    if configured:
        return SignatureChoice(Path(configured), local_only=False)
    downloaded = clamav_dir / "db"
    if has_downloaded_databases(downloaded):
        return SignatureChoice(downloaded, local_only=False)
    local = clamav_dir / "local-db"
    write_local_signature(local)
    return SignatureChoice(local, local_only=True)


def ping(address: str, timeout: float = 2.0) -> bool:
    """clamd's PING over its Unix socket answers PONG."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(timeout)
            probe.connect(address)
            probe.sendall(b"zPING\0")
            return probe.recv(16).startswith(b"PONG")
    except OSError:
        return False


@dataclass
class Clamd:
    """One clamd process with its config, socket and log in ``folder``."""

    folder: Path
    database: Path
    stream_max_bytes: int = 100 * 1024 * 1024
    process: subprocess.Popen | None = None
    extra_config: list[str] = field(default_factory=list)

    @property
    def socket_path(self) -> str:
        return str(self.folder / "clamd.sock")

    @property
    def log_path(self) -> Path:
        return self.folder / "clamd.log"

    def write_config(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "tmp"
        tmp.mkdir(exist_ok=True)
        megabytes = max(1, -(-self.stream_max_bytes // (1024 * 1024)))
        config = self.folder / "clamd.conf"
        config.write_text("\n".join([
            "# Written by portal.dev.clamav: clamd for this checkout, run as the current user.",
            f"LocalSocket {self.socket_path}", "LocalSocketMode 600", f"DatabaseDirectory {self.database}",
            "Foreground yes", f"LogFile {self.log_path}", "LogTime yes", f"TemporaryDirectory {tmp}",
            f"StreamMaxLength {megabytes}M", f"MaxFileSize {megabytes}M", f"MaxScanSize {megabytes * 4}M",
            "MaxThreads 4", "SelfCheck 0", *self.extra_config, ""]))
        return config

    def start(self, timeout: float = 120) -> str:
        """Start clamd and wait until it answers PING; returns the socket's path."""
        clamd = find_tool("clamd")
        if clamd is None:
            raise ClamAVMissing("clamd is not installed (apt-get install clamav-daemon)")
        config = self.write_config()
        Path(self.socket_path).unlink(missing_ok=True)  # left by a clamd that was killed
        self.process = subprocess.Popen([clamd, "-c", str(config)], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=open(self.folder / "clamd.err", "ab"),
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (self.folder / "clamd.err").read_text(errors="replace")[-2000:]
                self.process = None
                raise RuntimeError(f"clamd stopped at once; see {self.log_path}: {err}")
            if ping(self.socket_path):
                return self.socket_path
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"clamd did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 10) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
