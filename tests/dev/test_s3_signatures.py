"""The embedded S3 refuses what AWS S3 refuses: unsigned, tampered, foreign and expired requests.

Real SeaweedFS (the session's `services`), real HTTP with urllib3; nothing here is mocked.
"""
from __future__ import annotations

import datetime as dt
import uuid

import botocore.auth
import pytest
import urllib3
from botocore.exceptions import ClientError

from portal.dev.seaweed import S3Credentials

http = urllib3.PoolManager(retries=False, timeout=10)


@pytest.fixture
def stored(services):
    """Two objects, as two tenants' documents would be stored, signed by the portal's identity."""
    client = services.s3_client()
    keys = {name: f"tenants/{name}/{uuid.uuid4()}.pdf" for name in ("ours", "theirs")}
    for name, key in keys.items():
        client.put_object(Bucket=services.bucket, Key=key, Body=f"{name} evidence".encode())
    yield keys
    for key in keys.values():
        client.delete_object(Bucket=services.bucket, Key=key)


def s3_url(services, path: str = "") -> str:
    return f"http://127.0.0.1:{services.s3_port}/{services.bucket}{path}"


def presign(services, key: str, *, credentials: S3Credentials | None = None, expires: int = 60) -> str:
    return services.s3_client(credentials).generate_presigned_url(
        "get_object", Params={"Bucket": services.bucket, "Key": key}, ExpiresIn=expires)


def exists(services, key: str) -> bool:
    try:
        services.s3_client().head_object(Bucket=services.bucket, Key=key)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("404", "NoSuchKey")
        return False
    return True


# -- unsigned requests --------------------------------------------------------------------------
def test_unsigned_get_is_refused(services, stored):
    response = http.request("GET", s3_url(services, "/" + stored["ours"]))
    assert response.status == 403
    assert b"ours evidence" not in response.data


def test_unsigned_list_of_the_bucket_and_of_all_buckets_is_refused(services, stored):
    for url in (s3_url(services, "?list-type=2"), s3_url(services), f"http://127.0.0.1:{services.s3_port}/"):
        response = http.request("GET", url)
        assert response.status == 403, url
        assert stored["ours"].encode() not in response.data


def test_unsigned_put_is_refused_and_writes_nothing(services):
    key = f"tenants/intruder/{uuid.uuid4()}.pdf"
    response = http.request("PUT", s3_url(services, "/" + key), body=b"planted")
    assert response.status == 403
    assert not exists(services, key)


def test_unsigned_delete_is_refused_and_deletes_nothing(services, stored):
    response = http.request("DELETE", s3_url(services, "/" + stored["ours"]))
    assert response.status == 403
    assert exists(services, stored["ours"])


# -- presigned links ----------------------------------------------------------------------------
def test_a_good_presigned_link_works(services, stored):
    response = http.request("GET", presign(services, stored["ours"]))
    assert response.status == 200
    assert response.data == b"ours evidence"


def test_a_presigned_link_with_a_corrupted_signature_is_refused(services, stored):
    url = presign(services, stored["ours"])
    head, _, signature = url.rpartition("X-Amz-Signature=")
    corrupted = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    response = http.request("GET", f"{head}X-Amz-Signature={corrupted}")
    assert response.status == 403
    assert b"SignatureDoesNotMatch" in response.data


def test_a_presigned_link_moved_to_another_tenants_document_is_refused(services, stored):
    url = presign(services, stored["ours"])
    response = http.request("GET", url.replace(stored["ours"], stored["theirs"]))
    assert response.status == 403
    assert b"theirs evidence" not in response.data


def test_a_link_signed_with_the_wrong_secret_is_refused(services, stored):
    wrong = S3Credentials(services.secrets.portal.access_key, "not-the-secret-" + uuid.uuid4().hex)
    response = http.request("GET", presign(services, stored["ours"], credentials=wrong))
    assert response.status == 403
    assert b"SignatureDoesNotMatch" in response.data


def test_a_link_signed_with_another_key_is_refused(services, stored):
    stranger = S3Credentials("AKIA" + uuid.uuid4().hex[:16].upper(), uuid.uuid4().hex)
    response = http.request("GET", presign(services, stored["ours"], credentials=stranger))
    assert response.status == 403
    assert b"ours evidence" not in response.data


def test_an_expired_presigned_link_is_refused(services, stored, monkeypatch):
    # Signed correctly, an hour ago, for 60 seconds: the signature matches but the link has expired.
    an_hour_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: an_hour_ago)
    url = presign(services, stored["ours"], expires=60)
    monkeypatch.undo()
    response = http.request("GET", url)
    assert response.status == 403
    assert b"expired" in response.data.lower()


# -- what the portal's identity may do ------------------------------------------------------------
def test_the_portal_identity_cannot_create_buckets_or_reach_other_buckets(services):
    client = services.s3_client()
    other = f"other-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as created:
        client.create_bucket(Bucket=other)
    assert created.value.response["Error"]["Code"] == "AccessDenied"
    services.s3_client(services.secrets.bootstrap).create_bucket(Bucket=other)
    try:
        with pytest.raises(ClientError) as written:
            client.put_object(Bucket=other, Key="x.txt", Body=b"x")
        assert written.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        services.s3_client(services.secrets.bootstrap).delete_bucket(Bucket=other)
