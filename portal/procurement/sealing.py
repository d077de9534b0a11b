"""Keys and encryption that seal bid documents until two people open the tender.

- At publication a tender gets an X25519 key pair: the public half on ``Tender.bid_public_key``,
  the private half only wrapped (AES-256-GCM) by the configured key ``BID_KEY_WRAPPING_KEY``
  (named by ``BID_KEY_ID``; a KMS can hand it over in production) in ``TenderKey``, the
  commissioner's own row.
- Each bid document is encrypted (AES-256-GCM, streamed) with a fresh 256-bit data key before any
  byte reaches S3. The data key is kept only sealed to the tender's public key with HPKE
  (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from the ``cryptography``
  package), bound to the document's storage key.
- Reading a document unwraps the tender's private key, which is refused until
  ``tenders.opened_at`` is set, unseals the data key and decrypts, checking the GCM tag before a
  byte is handed out. A provider cannot unwrap the key (the key row is the commissioner's), so it
  sees its documents' names, sizes and SHA-256, never their stored bytes.

An object in S3 is ``MAGIC | nonce (12) | ciphertext | tag (16)``, authenticated together with its
storage key (so an object cannot be passed off as another document's).
"""
from __future__ import annotations

import base64
import os
import tempfile
import uuid
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.documents import storage
from portal.extensions import db
from portal.procurement.bid_models import TenderKey
from portal.procurement.models import Tender

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
MAGIC = b"PBD1"
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK = 1024 * 1024
_DISCARD = "bid_objects_to_discard"


class SealingError(RuntimeError):
    """A key is missing, not configured, or something does not decrypt: never shown as plain text."""


def new_storage_key(provider_id: int, tender_id: int) -> str:
    """Made by the server, led by the provider (the tenant); never derived from the file name."""
    return f"t/{provider_id}/bids/{tender_id}/{uuid.uuid4().hex}"


# -- the tender's key pair ---------------------------------------------------------------------

def _wrapping_keys() -> tuple[str, dict[str, bytes]]:
    """The current wrapping key's id, and every configured key by id (previous ones still unwrap)."""
    config = current_app.config
    current = str(config["BID_KEY_ID"])
    keys = {current: base64.b64decode(config["BID_KEY_WRAPPING_KEY"])}
    for item in str(config.get("BID_KEY_PREVIOUS") or "").split(","):
        key_id, _, value = item.strip().partition(":")
        if key_id and value and key_id not in keys:
            keys[key_id] = base64.b64decode(value)
    return current, keys


def _wrapping_context(tender: Tender, key_id: str) -> bytes:
    return f"portal tender bid key|{tender.tenant_id}|{tender.id}|{key_id}".encode()


def issue_tender_key(tender: Tender) -> TenderKey:
    """A new key pair for a tender being published (the caller flushes)."""
    private = X25519PrivateKey.generate()
    key_id, keys = _wrapping_keys()
    nonce = os.urandom(NONCE_BYTES)
    wrapped = nonce + AESGCM(keys[key_id]).encrypt(nonce, private.private_bytes_raw(),
                                                    _wrapping_context(tender, key_id))
    tender.bid_public_key = private.public_key().public_bytes_raw()
    row = TenderKey(tenant_id=tender.tenant_id, tender_id=tender.id, key_id=key_id, wrapped_private_key=wrapped)
    db.session.add(row)
    return row


def tender_private_key(tender: Tender) -> X25519PrivateKey:
    """The tender's private key, unwrapped: only once two people have opened the bids."""
    if tender.opened_at is None:
        raise SealingError(f"tender {tender.id} is not opened: its bid key stays wrapped")
    row = db.session.scalar(select(TenderKey).where(TenderKey.tenant_id == tender.tenant_id,
                                                    TenderKey.tender_id == tender.id))
    if row is None:
        raise SealingError(f"tender {tender.id} has no bid key")
    _current, keys = _wrapping_keys()
    if row.key_id not in keys:
        raise SealingError(f"the wrapping key {row.key_id!r} of tender {tender.id} is not configured "
                           "(add it to BID_KEY_PREVIOUS)")
    wrapped = row.wrapped_private_key
    try:
        raw = AESGCM(keys[row.key_id]).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                               _wrapping_context(tender, row.key_id))
    except InvalidTag:
        raise SealingError(f"the bid key of tender {tender.id} does not unwrap with key {row.key_id!r}") from None
    return X25519PrivateKey.from_private_bytes(raw)


# -- a document's data key ---------------------------------------------------------------------

def _key_context(storage_key: str) -> bytes:
    return b"portal bid document key|" + storage_key.encode()


def seal_data_key(public_key: bytes, data_key: bytes, storage_key: str) -> bytes:
    return SUITE.encrypt(data_key, X25519PublicKey.from_public_bytes(public_key), info=_key_context(storage_key))


def unseal_data_key(private_key: X25519PrivateKey, sealed: bytes, storage_key: str) -> bytes:
    try:
        return SUITE.decrypt(sealed, private_key, info=_key_context(storage_key))
    except Exception as exc:  # cryptography raises InvalidTag or ValueError for a sealed key that is not ours
        raise SealingError(f"the data key of {storage_key} does not unseal") from exc


# -- the document's bytes ----------------------------------------------------------------------

class EncryptingReader:
    """A read-only stream of ``MAGIC | nonce | AES-GCM(plain) | tag`` over the plain file ``fh``,
    for boto3's upload_fileobj: memory stays bounded whatever the file size."""

    def __init__(self, fh: BinaryIO, data_key: bytes, storage_key: str):
        nonce = os.urandom(NONCE_BYTES)
        self._encryptor = Cipher(algorithms.AES(data_key), modes.GCM(nonce)).encryptor()
        self._encryptor.authenticate_additional_data(storage_key.encode())
        self._fh = fh
        self._pending = MAGIC + nonce
        self._done = False

    def _fill(self, want: int | None) -> None:
        while not self._done and (want is None or len(self._pending) < want):
            chunk = self._fh.read(CHUNK)
            if chunk:
                self._pending += self._encryptor.update(chunk)
            else:
                self._pending += self._encryptor.finalize() + self._encryptor.tag
                self._done = True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            self._fill(None)
            data, self._pending = self._pending, b""
            return data
        self._fill(size)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def store_encrypted(fh: BinaryIO, storage_key: str, public_key: bytes) -> bytes:
    """Encrypt the plain file to S3 under ``storage_key``; returns the data key sealed to the
    tender's public key. The object is deleted again if the transaction rolls back."""
    data_key = AESGCM.generate_key(bit_length=256)
    fh.seek(0)
    client = storage.s3_client()
    try:
        client.upload_fileobj(EncryptingReader(fh, data_key, storage_key), storage.bucket(), storage_key,
                              ExtraArgs={"ContentType": "application/octet-stream"}, Config=storage.TRANSFER)
    except BaseException:
        storage.delete_objects([storage_key], client=client)
        raise
    storage.remember_upload(storage_key)
    return seal_data_key(public_key, data_key, storage_key)


def decrypt_document(storage_key: str, sealed_key: bytes, private_key: X25519PrivateKey) -> BinaryIO:
    """The plain file, in a temporary file, once its tag has been checked (nothing unchecked is
    handed out); the caller closes it."""
    data_key = unseal_data_key(private_key, sealed_key, storage_key)
    with tempfile.TemporaryFile(prefix="portal-bid-") as sealed:
        storage.download_to(storage_key, sealed)
        size = sealed.seek(0, os.SEEK_END)
        header = len(MAGIC) + NONCE_BYTES
        if size < header + TAG_BYTES:
            raise SealingError(f"{storage_key} is too short to be a sealed bid document")
        sealed.seek(0)
        start = sealed.read(header)
        if start[:len(MAGIC)] != MAGIC:
            raise SealingError(f"{storage_key} is not a sealed bid document")
        sealed.seek(size - TAG_BYTES)
        tag = sealed.read(TAG_BYTES)
        decryptor = Cipher(algorithms.AES(data_key), modes.GCM(start[len(MAGIC):], tag)).decryptor()
        decryptor.authenticate_additional_data(storage_key.encode())
        plain = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK, prefix="portal-bid-plain-")
        sealed.seek(header)
        remaining = size - header - TAG_BYTES
        try:
            while remaining > 0:
                chunk = sealed.read(min(CHUNK, remaining))
                remaining -= len(chunk)
                plain.write(decryptor.update(chunk))
            plain.write(decryptor.finalize())
        except InvalidTag:
            plain.close()
            raise SealingError(f"{storage_key} does not decrypt: it has been changed or damaged") from None
    plain.seek(0)
    return plain


# -- objects no longer needed ------------------------------------------------------------------

def discard_after_commit(storage_keys: list[str]) -> None:
    """Delete these objects once the transaction that stops referring to them commits."""
    db.session.info.setdefault(_DISCARD, []).extend(storage_keys)


@event.listens_for(Session, "after_commit")
def _discard(session: Session) -> None:
    keys = session.info.pop(_DISCARD, None)
    if keys:
        from flask import has_app_context

        if has_app_context():
            storage.delete_objects(keys)


@event.listens_for(Session, "after_rollback")
def _keep(session: Session) -> None:
    session.info.pop(_DISCARD, None)
