"""SeaweedFS's other ports (master, volume, filer HTTP and every gRPC port) need this var dir's
client certificate, and the volume and filer also a JWT; its secrets stay private to the var dir."""
from __future__ import annotations

import json
import socket
import ssl
import stat

import pytest
import urllib3

from portal.dev.embedded import GRPC_OFFSET, WEED_PARTS
from portal.dev.seaweed import BOOTSTRAP_IDENTITY, PORTAL_IDENTITY, SeaweedSecrets

HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # + empty SETTINGS


def https(tls=None, *, with_cert: bool) -> urllib3.PoolManager:
    extra = {"cert_file": str(tls.cert), "key_file": str(tls.key)} if with_cert else {}
    return urllib3.PoolManager(retries=False, timeout=5, cert_reqs="CERT_REQUIRED", ca_certs=str(tls.ca), **extra)


@pytest.mark.parametrize("part", WEED_PARTS)
def test_plain_http_to_master_volume_and_filer_gets_nothing(services, part):
    response = urllib3.request("GET", f"http://127.0.0.1:{services.weed_http_port(part)}/dir/assign",
                               retries=False, timeout=5)
    assert response.status == 400
    assert b"HTTP request to an HTTPS server" in response.data


@pytest.mark.parametrize("part", WEED_PARTS)
def test_https_without_the_client_certificate_is_refused(services, part):
    url = f"https://127.0.0.1:{services.weed_http_port(part)}/dir/assign"
    https(services.secrets.tls, with_cert=True).request("GET", url)  # TLS is served, and this passes it
    with pytest.raises((urllib3.exceptions.SSLError, urllib3.exceptions.ProtocolError)):
        https(services.secrets.tls, with_cert=False).request("GET", url)


def test_with_the_client_certificate_the_master_answers_but_volume_and_filer_want_a_jwt(services):
    client = https(services.secrets.tls, with_cert=True)
    assert client.request("GET", f"https://127.0.0.1:{services.weed_http_port('master')}/dir/status").status == 200
    for part in ("volume server", "filer"):
        response = client.request("GET", f"https://127.0.0.1:{services.weed_http_port(part)}/buckets/")
        assert response.status == 401, part
        assert b"jwt" in response.data


def grpc_answer(port: int, tls, *, with_cert: bool) -> bytes:
    """Open TLS to a gRPC port, send the HTTP/2 preface and return what comes back (b'' if closed)."""
    context = ssl.create_default_context(cafile=str(tls.ca))
    context.set_alpn_protocols(["h2"])
    if with_cert:
        context.load_cert_chain(str(tls.cert), str(tls.key))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as conn:
            conn.sendall(HTTP2_PREFACE)
            return conn.recv(64)


def grpc_ports(services) -> list[int]:
    return [services.weed_base_port + GRPC_OFFSET + i for i in range(len(WEED_PARTS))] + [
        services.s3_port + GRPC_OFFSET]


def test_grpc_ports_refuse_plaintext(services):
    for port in grpc_ports(services):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(HTTP2_PREFACE)
            try:
                answer = conn.recv(64)
            except ConnectionResetError:
                answer = b""
        assert answer[3:4] != b"\x04", f"port {port} spoke plaintext HTTP/2"  # no SETTINGS frame back


def test_grpc_ports_want_the_client_certificate(services):
    tls = services.secrets.tls
    for port in grpc_ports(services):
        answer = grpc_answer(port, tls, with_cert=True)
        assert answer[3:4] == b"\x04", f"port {port} did not answer with HTTP/2 SETTINGS"
        try:
            refused = grpc_answer(port, tls, with_cert=False)
        except (ssl.SSLError, ConnectionResetError):
            refused = b""
        assert refused == b"", f"port {port} spoke to a client without a certificate"


def test_secrets_are_private_and_kept_per_var_dir(tmp_path):
    first = SeaweedSecrets(tmp_path / "one", "bucket-a")
    again = SeaweedSecrets(tmp_path / "one", "bucket-b")
    other = SeaweedSecrets(tmp_path / "two", "bucket-a")
    assert again.portal == first.portal and again.bootstrap == first.bootstrap
    assert other.portal != first.portal and other.portal.access_key != first.portal.access_key
    assert stat.S_IMODE(first.folder.stat().st_mode) == 0o700
    for path in first.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert not (first.folder / "ca.key").exists()  # the CA's key is not kept
    identities = {i["name"]: i for i in json.loads(again.s3_config.read_text())["identities"]}
    assert identities[PORTAL_IDENTITY]["actions"] == ["Read:bucket-b", "Write:bucket-b", "List:bucket-b",
                                                      "Tagging:bucket-b"]
    assert identities[BOOTSTRAP_IDENTITY]["actions"] == ["Admin"]
