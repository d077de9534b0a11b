"""The documents API: 202 on upload, list and read, the slugless forms, JSON errors."""
from __future__ import annotations

import io

from tests.documents import files
from tests.helpers import run_jobs


def _headers(api_token, user) -> dict:
    return {"Authorization": f"Bearer {api_token(user.email)}"}


def test_upload_answers_202_pending_then_the_document_can_be_read(app, client, make_org, make_user, api_token):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    headers = _headers(api_token, user)
    response = client.post(f"/api/v1/orgs/{org.slug}/documents", headers=headers,
                           data={"file": (io.BytesIO(files.pdf(["API evidence"])), "api.pdf")})
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending" and isinstance(body["id"], int) and body["filename"] == "api.pdf"

    document = client.get(f"/api/v1/orgs/{org.slug}/documents/{body['id']}", headers=headers).get_json()
    assert document["status"] == "pending" and document["scan_status"] is None
    run_jobs(app)
    document = client.get(f"/api/v1/orgs/{org.slug}/documents/{body['id']}", headers=headers).get_json()
    assert document["status"] == "clean" and document["scan_status"] == "clean"
    assert document["page_count"] == 1 and document["has_text"] is True and document["detected_type"] == "pdf"
    assert document["uploaded_by"] == user.email and len(document["sha256"]) == 64
    assert "storage_key" not in document and "text_content" not in document

    listed = client.get(f"/api/v1/orgs/{org.slug}/documents?q=evidence", headers=headers).get_json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert client.get(f"/api/v1/orgs/{org.slug}/documents?q=nothing-like-this", headers=headers).get_json() == []
    download = client.get(f"/api/v1/orgs/{org.slug}/documents/{body['id']}/download", headers=headers)
    assert download.status_code == 303 and "X-Amz-Signature" in download.headers["Location"]


def test_the_slugless_routes_use_the_users_only_organisation(app, client, make_org, make_user, api_token):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    headers = _headers(api_token, user)
    response = client.post("/api/v1/documents", headers=headers,
                           data={"file": (io.BytesIO(b"a,b\n1,2\n"), "figures.csv")})
    assert response.status_code == 202
    document_id = response.get_json()["id"]
    run_jobs(app)
    body = client.get(f"/api/v1/documents/{document_id}", headers=headers).get_json()
    assert body["status"] == "clean" and body["filename"] == "figures.csv"
    assert client.get(f"/api/v1/orgs/{org.slug}/documents/{document_id}", headers=headers).status_code == 200


def test_a_member_of_several_organisations_names_one_in_the_token(client, make_org, make_user, api_token):
    """The token names its organisation, so its slugless routes are that organisation's."""
    a, b = make_org(slug="first-care"), make_org(slug="second-care")
    user = make_user(memberships=[(a, "submitter"), (b, "submitter")])
    headers = {"Authorization": f"Bearer {api_token(user.email, organisation='second-care')}"}
    response = client.post("/api/v1/documents", headers=headers,
                           data={"file": (io.BytesIO(b"a,b\n"), "figures.csv")})
    assert response.status_code == 202
    document_id = response.get_json()["id"]
    assert client.get(f"/api/v1/orgs/second-care/documents/{document_id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/first-care/documents/{document_id}", headers=headers).status_code == 404


def test_bad_uploads_get_a_json_message_saying_how_to_fix_them(client, make_org, make_user, api_token):
    org = make_org()
    user = make_user(memberships=[(org, "submitter")])
    headers = _headers(api_token, user)
    url = f"/api/v1/orgs/{org.slug}/documents"
    response = client.post(url, headers=headers, data={"upload": (io.BytesIO(b"x"), "a.pdf")})
    assert response.status_code == 422 and "field named 'file'" in response.get_json()["message"]
    response = client.post(url, headers=headers, json={"file": "not a file"})
    assert response.status_code == 422 and "multipart/form-data" in response.get_json()["message"]
    response = client.post(url, headers=headers, data={"file": (io.BytesIO(b""), "empty.pdf")})
    assert response.status_code == 422 and "empty.pdf is empty" in response.get_json()["message"]
    response = client.post(url, headers=headers, data={"file": (io.BytesIO(b"MZ"), "tool.exe")})
    assert response.status_code == 422 and "must be a PDF, DOCX" in response.get_json()["message"]
    response = client.get(f"{url}?status=lost", headers=headers)
    assert response.status_code == 422
    assert client.post(url, data={"file": (io.BytesIO(b"a"), "a.csv")}).status_code == 401


def test_a_viewer_cannot_upload_through_the_api(client, make_org, make_user):
    from tests import factories

    org = make_org("commissioner")
    user = make_user(memberships=[(org, "viewer")])
    headers = {"Authorization": f"Bearer {factories.api_token(user)}"}  # kept from a role that used the API
    response = client.post(f"/api/v1/orgs/{org.slug}/documents", headers=headers,
                           data={"file": (io.BytesIO(b"a,b\n"), "a.csv")})
    assert response.status_code == 403 and "As viewer" in response.get_json()["message"]


def test_the_openapi_document_describes_the_documents_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    assert {"/api/v1/orgs/{slug}/documents", "/api/v1/orgs/{slug}/documents/{document_id}",
            "/api/v1/documents", "/api/v1/documents/{document_id}"} <= set(spec["paths"])
    upload = spec["paths"]["/api/v1/orgs/{slug}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "202" in upload["responses"]
