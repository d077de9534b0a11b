"""The API fuzzed from its own OpenAPI document (schemathesis over /api/openapi.json).

Two tenants with data of every kind (tests/tenancy/seed.py): a provider, fuzzed through the
slug addresses (/api/v1/orgs/<slug>/...), and an unrelated commissioner, fuzzed through the
slugless twins, each with its own bearer token. For every operation and every generated
request, valid and invalid alike: no 5xx, a documented status code, a documented content type,
a body that matches its documented schema, and nothing of the other tenant's private rows in
the answer. Ids in the address are drawn from the rows of both tenants as well as generated,
so the views run on real objects, the other tenant's among them.

Every operation also refuses an anonymous caller and a made-up token with a 401 JSON error;
the list of operations is read from the document, so a new route joins both suites by itself.

Bounded for `make test` (PORTAL_FUZZ_EXAMPLES valid and as many invalid examples an operation, 5
by default, derandomised, so a failure reproduces); `make fuzz` runs the long profile (more
examples, no shrinking).
"""
from __future__ import annotations

import json
import os
import re
import traceback
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)
from sqlalchemy import text
from unittest import SkipTest

from tests import factories
from tests.tenancy.seed import seed_contract_rows

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "5"))
#: Shrinking finds the smallest failing request; off in the long profile, where time goes to more examples.
PHASES = [Phase.explicit, Phase.generate] + ([] if EXAMPLES > 20 else [Phase.shrink])
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SLUG_PREFIX = "/api/v1/orgs/{slug}"
#: Answers as sent, uncompressed: the WSGI transport hands schemathesis the bytes as they are, where an
#: HTTP client would decompress them (compression itself: tests/http/test_compression.py).
PLAIN = {"Accept-Encoding": "identity"}
#: The one operation a caller without a token may use: it is how a token is obtained.
PUBLIC_OPERATIONS = {("POST", "/api/v1/auth/tokens")}
#: It revokes the token the run authenticates with: fuzzed like any other, then a new token is made.
REVOKES_TOKEN = ("DELETE", "/api/v1/auth/tokens/current")

# URL arguments -> the table whose ids the fuzzer draws from (both tenants' rows, and more).
ID_TABLES = {
    "membership_id": "memberships", "contract_id": "contracts", "return_id": "returns", "import_id": "return_imports",
    "document_id": "documents", "tender_id": "tenders", "thread_id": "threads", "post_id": "thread_questions",
    "question_id": "tender_questions", "supplier_list_id": "supplier_lists",
    "list_member_id": "supplier_list_members", "tender_document_id": "tender_documents", "bid_id": "tender_bids",
    "bid_member_id": "tender_bid_members", "invoice_id": "invoices", "invoice_attachment_id": "invoice_attachments",
    "payment_run_id": "payment_runs", "remittance_id": "remittances", "proposal_id": "proposals",
    "fund_id": "investment_funds", "target_id": "savings_targets", "saving_id": "savings",
    "visit_import_id": "visit_imports", "framework_id": "outcome_frameworks",
}
TEXT_TYPES = ("application/json", "text/", "application/xml")
# Rows that are never public (unlike published tenders, their documents, clarifications and market
# threads, which every provider may read): their ids in another tenant's answers are a leak.
PRIVATE_TABLES = {"contracts": "contract_id", "returns": "return_id", "invoices": "invoice_id",
                  "payment_runs": "payment_run_id", "proposals": "proposal_id", "documents": "document_id",
                  "return_imports": "import_id", "savings_targets": "target_id"}
COLLECTIONS = {"contracts": "contracts", "returns": "returns", "invoices": "invoices", "payment-runs": "payment_runs",
               "proposals": "proposals", "documents": "documents"}


@dataclass
class Caller:
    """One tenant's side: its organisation, the person fuzzing with its token, what is private to it."""

    kind: str
    slug: str
    email: str
    user: object
    org_ids: set[int]
    markers: list[str]
    token: str = ""
    private_ids: dict[str, set[int]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **PLAIN}

    def renew_token(self) -> None:
        self.token = factories.api_token(self.user)


def _org_ids(superuser) -> set[int]:
    with superuser.connect() as conn:
        return set(conn.scalars(text("select id from organisations")))


def _private_markers(reference: str, email: str, document: str) -> list[str]:
    """Names in the seed's rows that only the seeded pair of organisations may read."""
    return [email, document, f"{reference}-INV-1", f"{reference}-INV-PAID", f"{reference}-CN-1", f"{reference}-RUN",
            f"{reference}-DRAFT", f"{reference} private", f"{reference} uplift", f"{reference} draft",
            f"{reference} target", f"{reference} approved providers"]


def _private_ids(superuser, org_ids: set[int]) -> dict[str, set[int]]:
    made = {}
    with superuser.connect() as conn:
        for table, key in PRIVATE_TABLES.items():
            columns = set(conn.scalars(text("select column_name from information_schema.columns "
                                            "where table_name = :t"), {"t": table}))
            where = "tenant_id = any(:ids)" + (" or commissioner_id = any(:ids)" if "commissioner_id" in columns else "")
            made[key] = set(conn.scalars(text(f"select id from {table} where {where}"), {"ids": list(org_ids)}))
    return made


@pytest.fixture
def fuzz_world(app, superuser_engine):
    """A provider (with its commissioner) and an unrelated commissioner (with its provider), each
    pair seeded with rows of every kind; the ids the fuzzer draws from."""
    superuser = superuser_engine
    start = _org_ids(superuser)
    alpha = factories.organisation("provider", slug="fuzz-alpha-care", name="Fuzz Alpha Care")
    buyer = factories.organisation("commissioner", slug="fuzz-alpha-council", name="Fuzz Alpha Council")
    user_a = factories.user("fuzz-a@alpha.example", memberships=[(alpha, "provider_admin")])
    factories.document(alpha, filename="alpha-private-minutes.pdf")
    seed_contract_rows(app, alpha, buyer, "ALPHA-1")
    middle = _org_ids(superuser)
    beta = factories.organisation("commissioner", slug="fuzz-beta-hscp", name="Fuzz Beta HSCP")
    supplier = factories.organisation("provider", slug="fuzz-beta-gamma", name="Fuzz Beta Gamma Care")
    user_b = factories.user("fuzz-b@beta.example", memberships=[(beta, "commissioner_admin")])
    factories.document(beta, filename="beta-private-minutes.pdf")
    seed_contract_rows(app, supplier, beta, "BETA-1")
    end = _org_ids(superuser)
    provider = Caller("provider", alpha.slug, user_a.email, user_a, middle - start,
                      _private_markers("ALPHA-1", user_a.email, "alpha-private-minutes.pdf"))
    commissioner = Caller("commissioner", beta.slug, user_b.email, user_b, end - middle,
                          _private_markers("BETA-1", user_b.email, "beta-private-minutes.pdf"))
    for caller in (provider, commissioner):
        caller.private_ids = _private_ids(superuser, caller.org_ids)
        caller.renew_token()
        assert all(caller.private_ids.values()), f"the seed left the {caller.kind} without {caller.private_ids}"
    pools = {}
    with superuser.connect() as conn:
        for name, table in ID_TABLES.items():
            pools[name] = sorted(conn.scalars(text(f"select id from {table}")))
    assert all(pools.values()), f"no rows to draw ids from: {[name for name, ids in pools.items() if not ids]}"
    return {"provider": provider, "commissioner": commissioner, "pools": pools}


@pytest.fixture(params=["provider", "commissioner"])
def caller(request, fuzz_world) -> Caller:
    return fuzz_world[request.param]


@pytest.fixture
def other(caller, fuzz_world) -> Caller:
    return fuzz_world["commissioner" if caller.kind == "provider" else "provider"]


def _document(app) -> dict:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                yield method.upper(), path, operation


def _slugless(path: str) -> str:
    if path == SLUG_PREFIX:
        return "/api/v1/organisation"
    return "/api/v1" + path[len(SLUG_PREFIX):] if path.startswith(SLUG_PREFIX + "/") else path


def _for_caller(document: dict, kind: str) -> dict:
    """The provider is fuzzed through the slug addresses, the commissioner through the slugless
    twins; operations outside an organisation (tokens, /me) through both."""
    twinned = {_slugless(path) for path in document["paths"] if path.startswith(SLUG_PREFIX)}
    keep = {}
    for path, item in document["paths"].items():
        slugged = path.startswith(SLUG_PREFIX)
        if (kind == "provider" and (slugged or path not in twinned)) or (kind == "commissioner" and not slugged):
            keep[path] = item
    return dict(document, paths=keep)


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "suppress-health-check": ["all"],
        # The caller's token is sent with every request; anonymous callers have their own test below.
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none",
                       "with-security-parameters": False},
    })


def _load(app, document: dict):
    """The document as schemathesis's WSGI loader would have it (requests go to the app itself)."""
    loaded = schemathesis.openapi.from_dict(document, config=_config())
    loaded.app, loaded.location = app, "/api/openapi.json"
    return loaded


@pytest.fixture
def api_schema(app, caller, other, fuzz_world):
    schema = _load(app, _for_caller(_document(app), caller.kind))
    pools = fuzz_world["pools"]

    @schema.hook("flatmap_path_parameters")
    def real_ids(_context, path_parameters):
        """Ids of real rows (both tenants') as often as generated ones; the caller's slug mostly."""
        if not isinstance(path_parameters, dict) or not path_parameters:
            return st.just(path_parameters)
        parts = {}
        for name, value in path_parameters.items():
            if name == "slug":
                parts[name] = st.sampled_from([caller.slug, caller.slug, caller.slug, other.slug, value])
            elif name == "lot_number":
                parts[name] = st.sampled_from([1, 1, 2, value])
            elif pools.get(name):
                parts[name] = st.one_of(st.sampled_from(pools[name]), st.just(value))
            else:
                parts[name] = st.just(value)
        return st.fixed_dictionaries(parts)

    @schema.hook("filter_case")
    def sendable(_context, case):
        """A multipart part is text or a file: the generator's null for one cannot be sent (the test
        client raises a TypeError before the request exists), so no client can send it either."""
        body = case.body
        return not (case.media_type == "multipart/form-data" and isinstance(body, dict)
                    and any(value is None for value in body.values()))

    return schema


def _walk(node, key=None):
    """(key, value) for every scalar in a JSON document."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _walk(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, key)
    else:
        yield key, node


def _top_level_ids(body):
    items = body if isinstance(body, list) else [body]
    return {item.get("id") for item in items if isinstance(item, dict)}


def leaks(path: str, method: str, body_text: str, other: Caller) -> list[str]:
    """What of the other tenant's private rows the answer shows: its names and its ids."""
    found = [marker for marker in other.markers if marker.lower() in body_text.lower()]
    try:
        body = json.loads(body_text)
    except ValueError:
        return found
    for key, value in _walk(body):
        if key in other.private_ids and isinstance(value, int) and value in other.private_ids[key]:
            found.append(f"{key}={value}")
    match = re.fullmatch(r"/api/v1(?:/orgs/\{slug\})?/([a-z-]+)(?:/\{[a-z_]+\})?", path)
    if method == "GET" and match and match.group(1) in COLLECTIONS:
        key = PRIVATE_TABLES[COLLECTIONS[match.group(1)]]
        found += [f"{match.group(1)} id {value}" for value in _top_level_ids(body) & other.private_ids[key]]
    return found


def _declared_explicitly(case, status: int) -> None:
    """Stricter than schemathesis's status check, which lets the catch-all `default` response
    cover any code: each status the API gives is listed for the operation by itself."""
    responses = case.operation.schema.raw_schema["paths"][case.operation.path][case.method.lower()]["responses"]
    assert str(status) in responses or f"{str(status)[0]}XX" in responses, (
        f"{case.method.upper()} {case.operation.path} answered {status}, which it does not document "
        f"(it documents {sorted(responses)})")


def _answer_as_documented(case, caller: Caller, other: Caller, statuses: set[int]) -> None:
    response = case.call(headers=caller.headers)
    statuses.add(response.status_code)
    try:
        case.validate_response(response, checks=CHECKS)
        _declared_explicitly(case, response.status_code)
        content_type = (response.headers.get("content-type") or [""])[0]
        body = response.text if content_type.startswith(TEXT_TYPES) else ""  # a PDF is not searched
        leaked = leaks(case.operation.path, case.method.upper(), body, other)
        assert not leaked, (f"{case.method.upper()} {case.formatted_path} as the {caller.kind} shows the "
                            f"{other.kind}'s rows: {leaked}")
    finally:
        if (case.method.upper(), case.operation.path) == REVOKES_TOKEN and response.status_code == 204:
            caller.renew_token()


def _fuzz(operation, mode: GenerationMode, caller: Caller, other: Caller, statuses: set[int]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=PHASES)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        _answer_as_documented(case, caller, other, statuses)

    run()


def _described(exc: BaseException) -> str:
    """A check's failure as schemathesis words it; anything else with where it was raised."""
    if isinstance(exc, (AssertionError, BaseExceptionGroup)) and str(exc).strip():
        return str(exc)
    # An exception the app raised (tests propagate them instead of answering 500): where it was raised.
    return "".join(traceback.format_exception(exc)[-8:])


@pytest.mark.timeout(1200)  # about three minutes on a quiet machine; `make test` shares the cores
def test_every_operation_answers_as_documented_and_shows_nothing_of_the_other_tenant(api_schema, caller, other):
    """Valid and invalid requests to every operation the caller's addresses have; every failure
    is listed (operation, kind of data, the check and a curl line to reproduce it)."""
    failures, answered = [], {}
    for result in api_schema.get_all_operations():
        operation = result.ok()  # an operation schemathesis cannot read is a broken document: fail
        statuses = answered.setdefault(operation.label, set())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, caller, other, statuses)
            except (Unsatisfiable, SkipTest):
                continue  # nothing invalid can be made for it (no parameters, no body)
            except BaseException as exc:  # schemathesis's FailureGroup too; every operation is tried, then all shown
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                failures.append(f"{operation.label} [{mode.value}]: {_described(exc)}")
    reached = sorted(label for label, codes in answered.items() if any(200 <= code < 400 for code in codes))
    print(f"{caller.kind}: {len(answered)} operations, {len(reached)} answered a success at least once")
    for label, codes in sorted(answered.items()):
        print(f"  {label}: {sorted(codes)}")
    assert len(answered) > 100
    # The run reaches the views with real objects, not only the pipeline's 401 and 404 answers.
    assert len(reached) > len(answered) // 3, f"only {reached} answered a success"
    assert not failures, f"{len(failures)} failures as the {caller.kind}:\n\n" + "\n\n".join(failures)


# -- anonymous callers --------------------------------------------------------------------------

def _arguments(path: str, slug: str) -> dict:
    return {name: slug if name == "slug" else 1 for name in re.findall(r"\{([a-z_]+)\}", path)}


@pytest.fixture
def whole_schema(app):
    return _load(app, _document(app))


def test_the_openapi_document_is_valid_openapi_3(whole_schema):
    assert whole_schema.raw_schema["openapi"].startswith("3.")
    whole_schema.validate()  # raises with the first violation of the OpenAPI 3.0 meta-schema


def test_only_the_token_exchange_is_open_to_anonymous_callers(app):
    document = _document(app)
    default = document.get("security")
    public = {(method, path) for method, path, operation in _operations(document)
              if not operation.get("security", default)}
    assert public == PUBLIC_OPERATIONS


@pytest.mark.parametrize("authorization", [None, "Bearer pt_made-up-token", "Basic dXNlcjpwYXNz", "Bearer "],
                         ids=["no header", "made-up token", "basic auth", "empty bearer"])
def test_every_operation_refuses_an_anonymous_caller(app, whole_schema, make_org, authorization):
    """Every path and method in the document, read from it: 401 with the JSON error body,
    as documented, before any body is read or any object is looked up."""
    org = make_org(slug="anonymous-target")
    headers = {**({"Authorization": authorization} if authorization else {}), **PLAIN}
    operations = [(m, p) for m, p, _ in _operations(_document(app)) if (m, p) not in PUBLIC_OPERATIONS]
    assert len(operations) > 200  # both addresses of every route
    refused = []
    for method, path in operations:
        case = whole_schema[path][method].Case(path_parameters=_arguments(path, org.slug))
        response = case.call(headers=headers)
        body = response.json() if "json" in response.headers.get("content-type", [""])[0] else {}
        if response.status_code != 401 or body.get("code") != 401 or not body.get("message"):
            refused.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
            continue
        case.validate_response(response, checks=CHECKS)
    assert not refused, "Not refused with a 401 JSON error:\n" + "\n".join(refused)


def test_the_leak_detector_finds_the_other_tenants_names_and_ids():
    """The check the fuzz relies on, against answers that do leak (and one that does not)."""
    beta = Caller("commissioner", "fuzz-beta-hscp", "b@beta.example", None, {7},
                  _private_markers("BETA-1", "b@beta.example", "beta.pdf"),
                  private_ids={key: set() for key in PRIVATE_TABLES.values()} | {"contract_id": {9}})
    listed = "/api/v1/orgs/{slug}/contracts"
    assert leaks(listed, "GET", json.dumps([{"id": 1, "reference": "ALPHA-1"}]), beta) == []
    assert leaks(listed, "GET", json.dumps([{"id": 9, "reference": "x"}]), beta) == ["contracts id 9"]
    assert leaks("/api/v1/invoices", "GET", json.dumps([{"contract_id": 9}]), beta) == ["contract_id=9"]
    assert leaks("/api/v1/search", "GET", json.dumps({"hits": ["Invoice beta-1-inv-1"]}), beta) == ["BETA-1-INV-1"]
    assert leaks("/api/v1/me", "GET", "", beta) == []
