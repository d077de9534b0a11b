"""The local ports of `portal up`: set by environment variables, all checked before anything starts.

A port that is taken gives one line naming the port, what holds it when that can be known, and
the variable to set, with a free value to try.
"""
from __future__ import annotations

import random
import socket
from collections.abc import Mapping
from dataclasses import dataclass

MAX_PORT = 65535


class PortProblem(RuntimeError):
    """A port setting that cannot be used; the message is one line a person can act on."""


@dataclass(frozen=True)
class PortSetting:
    variable: str  # the environment variable that moves these ports, e.g. PORTAL_S3_PORT
    purpose: str  # what listens there, e.g. "the embedded S3 (SeaweedFS)"
    port: int
    offsets: tuple[int, ...] = (0,)  # the ports used are port + each offset
    labels: tuple[str, ...] = ("",)  # what each of those ports is, when there are several

    @property
    def ports(self) -> list[int]:
        return [self.port + offset for offset in self.offsets]

    def describe(self, port: int) -> str:
        offset = port - self.port
        label = self.labels[self.offsets.index(offset)] if offset in self.offsets else ""
        what = f"{self.purpose}{', ' + label if label else ''}"
        if offset:
            what += f", {self.variable} + {offset}"
        return f"port {port} ({what})"


def read_port(env: Mapping[str, str], variable: str, default: int, *, span: int = 0) -> int:
    """The port in `variable`, or `default`; `span` is how far above it the setting reaches."""
    raw = (env.get(variable) or "").strip()
    if not raw:
        return default
    top = MAX_PORT - span
    try:
        value = int(raw)
    except ValueError:
        raise PortProblem(f"{variable} must be a port number from 1024 to {top}, not {raw!r}.") from None
    if not 1024 <= value <= top:
        reach = f" (it also uses the ports up to {variable} + {span})" if span else ""
        raise PortProblem(f"{variable} must be a port number from 1024 to {top}{reach}, not {value}.")
    return value


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(count: int, start: int = 20000, stop: int = 40000) -> int:
    """A base port so that base..base+count-1 and each +10000 (weed's gRPC ports) are free."""
    for _ in range(200):
        base = random.randrange(start, stop - count)
        ports = [base + i for i in range(count)] + [base + i + 10000 for i in range(count)]
        if all(port_is_free(p) for p in ports):
            return base
    raise RuntimeError("no free block of local ports found")


def holder_of(port: int) -> str | None:
    """'weed (pid 123)' for the process listening on a local TCP port, when this user may see it."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "a process of another user"
            try:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return None


def check_ports(settings: list[PortSetting]) -> None:
    """Raise PortProblem, with one line to act on, if two settings overlap or a port is taken."""
    owner: dict[int, PortSetting] = {}
    for setting in settings:
        for port in setting.ports:
            other = owner.setdefault(port, setting)
            if other is not setting:
                raise PortProblem(
                    f"{other.variable}={other.port} and {setting.variable}={setting.port} both need "
                    f"port {port}; set one of them further away.")
    for setting in settings:
        for port in setting.ports:
            if port_is_free(port):
                continue
            holder = holder_of(port)
            used_by = f" by {holder}" if holder else ""
            hint = f"set {setting.variable} to another port"
            suggestion = _suggest(setting, settings)
            if suggestion:
                hint += f", for example {setting.variable}={suggestion}"
            what = setting.describe(port)
            raise PortProblem(f"{what[0].upper()}{what[1:]} is already in use{used_by}; {hint}.")


def _suggest(setting: PortSetting, settings: list[PortSetting]) -> int | None:
    """A value for `setting` whose ports are all free and clear of the other settings'."""
    taken = {p for s in settings if s is not setting for p in s.ports}
    top = MAX_PORT - max(setting.offsets)
    for candidate in range(setting.port + 1, min(setting.port + 1000, top + 1)):
        ports = [candidate + offset for offset in setting.offsets]
        if not taken.intersection(ports) and all(port_is_free(p) for p in ports):
            return candidate
    return None
