"""A taken port gives one line (which port, what holds it, which variable to set), never a traceback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from portal.dev.embedded import EmbeddedServices
from portal.dev.ports import PortProblem, PortSetting, check_ports, free_port_block, read_port


@pytest.fixture
def listening():
    """Listen on a port, as another program would; yields the port."""
    sockets = []

    def listen(port: int) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        sockets.append(sock)
        return port

    yield listen
    for sock in sockets:
        sock.close()


def embedded_on_free_ports(tmp_path: Path) -> EmbeddedServices:
    base = free_port_block(6)
    return EmbeddedServices(tmp_path, redis_port=base, s3_port=base + 1, weed_base_port=base + 2)


def problem(settings) -> str:
    with pytest.raises(PortProblem) as caught:
        check_ports(settings)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_free_ports_pass(tmp_path):
    check_ports(embedded_on_free_ports(tmp_path).port_settings())


def test_a_taken_s3_port_names_the_port_its_holder_and_the_variable(tmp_path, listening):
    services = embedded_on_free_ports(tmp_path)
    listening(services.s3_port)
    message = problem(services.port_settings())
    assert message.startswith(f"Port {services.s3_port} (the embedded S3) is already in use")
    assert f"(pid {os.getpid()})" in message  # this test process holds it
    assert "set PORTAL_S3_PORT to another port, for example PORTAL_S3_PORT=" in message
    suggested = int(message.rsplit("PORTAL_S3_PORT=", 1)[1].rstrip("."))
    check_ports([PortSetting("PORTAL_S3_PORT", "S3", suggested, (0, 10000))])  # the suggestion is free


def test_a_taken_derived_port_names_the_variable_that_moves_it(tmp_path, listening):
    services = embedded_on_free_ports(tmp_path)
    listening(services.weed_base_port + 10001)
    message = problem(services.port_settings())
    assert f"Port {services.weed_base_port + 10001} (SeaweedFS, volume server gRPC, PORTAL_WEED_BASE_PORT + 10001)" \
        in message
    assert "set PORTAL_WEED_BASE_PORT to another port" in message


def test_two_settings_on_the_same_port_are_named(tmp_path):
    services = embedded_on_free_ports(tmp_path)
    web = PortSetting("PORT", "the portal's web server", services.redis_port)
    message = problem([web] + services.port_settings())
    assert message == (f"PORT={services.redis_port} and PORTAL_REDIS_PORT={services.redis_port} both need port "
                       f"{services.redis_port}; set one of them further away.")


@pytest.mark.parametrize("value, expected", [
    ("abc", "PORTAL_S3_PORT must be a port number from 1024 to 55535, not 'abc'."),
    ("80", "PORTAL_S3_PORT must be a port number from 1024 to 55535 (it also uses the ports up to "
           "PORTAL_S3_PORT + 10000), not 80."),
    ("60000", "PORTAL_S3_PORT must be a port number from 1024 to 55535 (it also uses the ports up to "
              "PORTAL_S3_PORT + 10000), not 60000."),
])
def test_a_port_variable_that_is_not_a_usable_port_is_explained(value, expected):
    with pytest.raises(PortProblem) as caught:
        read_port({"PORTAL_S3_PORT": value}, "PORTAL_S3_PORT", 18333, span=10000)
    assert str(caught.value) == expected


def test_ports_come_from_the_environment(tmp_path):
    env = {"PORTAL_REDIS_PORT": "26379", "PORTAL_S3_PORT": "28334", "PORTAL_WEED_BASE_PORT": "29400"}
    services = EmbeddedServices.from_env(tmp_path, env)
    assert (services.redis_port, services.s3_port, services.weed_base_port) == (26379, 28334, 29400)
    defaults = EmbeddedServices.from_env(tmp_path, {})
    assert (defaults.redis_port, defaults.s3_port, defaults.weed_base_port) == (16379, 18333, 19300)


def test_portal_up_with_a_taken_port_prints_one_line_and_starts_nothing(tmp_path, listening):
    base = free_port_block(8)
    taken = listening(base + 1)
    var = tmp_path / "var"
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(tmp_path)),
        "PORTAL_VAR_DIR": str(var), "PORT": str(base + 6),
        "PORTAL_REDIS_PORT": str(base), "PORTAL_S3_PORT": str(taken), "PORTAL_WEED_BASE_PORT": str(base + 2),
    }
    portal = Path(sys.executable).parent / "portal"
    result = subprocess.run([str(portal), "up", "--no-demo"], env=env, capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"Error: Port {taken} (the embedded S3) is already in use by ")
    assert "set PORTAL_S3_PORT to another port" in result.stderr
    assert not var.exists() or not any(var.iterdir())  # nothing was started or written


def test_portal_up_with_a_bad_port_variable_prints_one_line(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(tmp_path)),
           "PORTAL_VAR_DIR": str(tmp_path / "var"), "PORTAL_REDIS_PORT": "sixteen"}
    portal = Path(sys.executable).parent / "portal"
    result = subprocess.run([str(portal), "up"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "Error: PORTAL_REDIS_PORT must be a port number from 1024 to 65535, not 'sixteen'.\n"
