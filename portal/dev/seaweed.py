"""Locks for the embedded SeaweedFS, so that nothing on this machine reaches the documents unsigned.

- The S3 port checks AWS signatures (SigV4, presigned links included) against an `-s3.config`
  identity whose random key and secret are made once per var dir and kept there (mode 0600).
  The portal's identity may read, write, list and tag objects in its bucket only; a second
  identity may create buckets, and only `portal up` uses it (to create the bucket).
- The master, volume and filer HTTP ports and every gRPC port (which serve and change files
  directly, with no S3 signature) require a client certificate signed by a CA made for this var
  dir; the CA's private key is discarded once the certificate is signed. On top of that the
  volume and filer HTTP ports require SeaweedFS's JWTs, signed with keys made afresh at each start.

Only this module and SeaweedFS read the files under `<var>/s3-secrets/`.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PORTAL_IDENTITY = "portal"
BOOTSTRAP_IDENTITY = "portal-bootstrap"


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class ClientCertificate:
    """What a client needs to reach the TLS-locked ports: the CA to trust and its own certificate."""

    ca: Path
    cert: Path
    key: Path


def _private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _write_private(path: Path, data: bytes) -> None:
    """Write a file that only its owner may read, with no moment at which it is readable by others."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _new_credentials() -> S3Credentials:
    # The shapes of AWS keys: 20 upper-case characters, then a 40-character secret.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    access_key = "PRTL" + "".join(secrets.choice(alphabet) for _ in range(16))
    return S3Credentials(access_key, secrets.token_urlsafe(30))


class SeaweedSecrets:
    """The S3 identities, TLS files and JWT keys of one var dir's SeaweedFS."""

    def __init__(self, var_dir: Path, bucket: str):
        self.folder = _private_folder(var_dir / "s3-secrets")
        self.bucket = bucket
        self.s3_config = self.folder / "s3.json"
        self.portal, self.bootstrap = self._identities()
        self.tls = self._tls()

    # -- S3 identities (weed -s3.config) -----------------------------------------
    def _identities(self) -> tuple[S3Credentials, S3Credentials]:
        known: dict[str, S3Credentials] = {}
        if self.s3_config.exists():
            for identity in json.loads(self.s3_config.read_text()).get("identities", []):
                for cred in identity.get("credentials", [])[:1]:
                    known[identity["name"]] = S3Credentials(cred["accessKey"], cred["secretKey"])
        portal = known.get(PORTAL_IDENTITY) or _new_credentials()
        bootstrap = known.get(BOOTSTRAP_IDENTITY) or _new_credentials()
        # Rewritten at every start so that the actions follow the bucket's name; the keys stay.
        config = {"identities": [
            {"name": PORTAL_IDENTITY, "credentials": [_cred(portal)],
             "actions": [f"{action}:{self.bucket}" for action in ("Read", "Write", "List", "Tagging")]},
            {"name": BOOTSTRAP_IDENTITY, "credentials": [_cred(bootstrap)], "actions": ["Admin"]},
        ]}
        _write_private(self.s3_config, json.dumps(config, indent=2).encode())
        return portal, bootstrap

    # -- TLS for the master, volume and filer HTTP ports and all gRPC ports -----------
    def _tls(self) -> ClientCertificate:
        files = ClientCertificate(self.folder / "ca.crt", self.folder / "node.crt", self.folder / "node.key")
        if not all(p.exists() for p in (files.ca, files.cert, files.key)) or _expiring(files.cert):
            _make_certificates(files)
        return files

    def weed_environment(self) -> dict[str, str]:
        """SeaweedFS reads security.toml's settings from WEED_* variables (they win over any file)."""
        env = {
            # JWTs: master <-> volume (writes and reads), S3 gateway <-> filer (writes and reads).
            "WEED_JWT_SIGNING_KEY": secrets.token_urlsafe(32),
            "WEED_JWT_SIGNING_READ_KEY": secrets.token_urlsafe(32),
            "WEED_JWT_FILER_SIGNING_KEY": secrets.token_urlsafe(32),
            "WEED_JWT_FILER_SIGNING_READ_KEY": secrets.token_urlsafe(32),
            # Mutual TLS on every gRPC port, and the certificate weed's own parts present as clients.
            "WEED_GRPC_CA": str(self.tls.ca),
            # HTTPS, with a client certificate required, on the master, volume and filer HTTP ports.
            "WEED_HTTPS_CLIENT_ENABLED": "true",
            "WEED_HTTPS_CLIENT_CA": str(self.tls.ca),
            "WEED_HTTPS_CLIENT_CERT": str(self.tls.cert),
            "WEED_HTTPS_CLIENT_KEY": str(self.tls.key),
        }
        for part in ("MASTER", "VOLUME", "FILER", "S3", "CLIENT", "ADMIN", "WORKER",
                     "MSG_BROKER", "MSG_AGENT", "MQ"):
            env[f"WEED_GRPC_{part}_CERT"] = str(self.tls.cert)
            env[f"WEED_GRPC_{part}_KEY"] = str(self.tls.key)
        for part in ("MASTER", "VOLUME", "FILER"):
            env[f"WEED_HTTPS_{part}_CERT"] = str(self.tls.cert)
            env[f"WEED_HTTPS_{part}_KEY"] = str(self.tls.key)
            env[f"WEED_HTTPS_{part}_CA"] = str(self.tls.ca)
        return env


def _cred(credentials: S3Credentials) -> dict[str, str]:
    return {"accessKey": credentials.access_key, "secretKey": credentials.secret_key}


def _expiring(cert_path: Path) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        return True
    return cert.not_valid_after_utc < dt.datetime.now(dt.UTC) + dt.timedelta(days=30)


def _make_certificates(files: ClientCertificate) -> None:
    """A CA (whose key is thrown away) and one certificate for 127.0.0.1 that serves and connects."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_label = f"Portal embedded SeaweedFS CA {secrets.token_hex(4)}"
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_label)])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(until)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(files.key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    _write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM))
    _write_private(files.ca, ca.public_bytes(serialization.Encoding.PEM))
