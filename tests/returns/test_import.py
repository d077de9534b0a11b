"""Spreadsheet import: all answers or none, with each problem by row and column."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.helpers import run_jobs


def _setup(app, web, contract_setup):
    from portal.returns.queries import list_returns
    from portal.tenants.context import tenant_context

    with app.app_context(), tenant_context(contract_setup["provider"].id):
        return_id = list_returns()[0].id
    web.sign_in(contract_setup["submitter"].email)
    return f"/o/{contract_setup['provider'].slug}/returns/{return_id}"


def _upload(web, base, name, body):
    token = web.csrf(f"{base}/import")
    return web.client.post(f"{base}/import", data={"csrf_token": token, "file": (io.BytesIO(body), name)},
                           content_type="multipart/form-data")


def _filled_workbook(template: bytes, changes: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb.active
    for row in ws.iter_rows(min_row=2):
        if row[0].value in changes:
            row[5].value = changes[row[0].value]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _all_values(template: bytes) -> dict[str, object]:
    wb = load_workbook(io.BytesIO(template), read_only=True)
    values = {}
    for code, _section, _question, kind, _required, _value in wb.active.iter_rows(min_row=2, values_only=True):
        values[code] = {"whole number": 12, "number": 100.5, "percentage 0 to 100": 97, "Yes or No": "Yes",
                        "text": f"Evidence {code}"}[kind]
        if code.endswith(".ACHIEVED"):
            values[code] = 8
    return values


def test_xlsx_round_trip_applies_every_answer(app, web, contract_setup):
    base = _setup(app, web, contract_setup)
    template = web.client.get(f"{base}/template.xlsx")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    body = _filled_workbook(template.data, _all_values(template.data))
    response = _upload(web, base, "filled.xlsx", body)
    assert response.status_code == 303
    status_url = response.headers["Location"]
    assert "Checking" in web.client.get(status_url).get_data(as_text=True)
    run_jobs(app)
    page = web.client.get(status_url).get_data(as_text=True)
    assert "Answers saved" in page and "32 answers" in page  # 9 outcomes x 3 questions + 5 on delivery
    tasks = web.client.get(base).get_data(as_text=True)
    assert tasks.count("Completed") == 10  # every section (the declaration is made with the submission)


def test_one_bad_row_means_nothing_is_applied(app, web, contract_setup):
    base = _setup(app, web, contract_setup)
    template = web.client.get(f"{base}/template.xlsx").data
    values = _all_values(template)
    values["NHWO-4.REVIEWED"] = "lots"
    values["DEL.LIVING_WAGE"] = 140
    body = _filled_workbook(template, values)
    status_url = _upload(web, base, "filled.xlsx", body).headers["Location"]
    run_jobs(app)
    page = web.client.get(status_url).get_data(as_text=True)
    assert "Nothing was changed, because of 2 problems" in page
    assert "must be a whole number" in page and "must be 100 or less" in page and "F (Value)" in page
    assert web.client.get(base).get_data(as_text=True).count("Not yet started") == 10


def test_csv_with_unknown_and_duplicate_codes(app, web, contract_setup):
    base = _setup(app, web, contract_setup)
    template = web.client.get(f"{base}/template.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(template)))
    rows[1][5] = "5"
    rows.append(["NOT-A-CODE", "", "", "", "", "1"])
    rows.append(list(rows[1]))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    status_url = _upload(web, base, "filled.csv", out.getvalue().encode()).headers["Location"]
    run_jobs(app)
    page = web.client.get(status_url).get_data(as_text=True)
    assert "NOT-A-CODE is not a question of this return" in page
    assert "appears more than once" in page and "A (Code)" in page


def test_bad_files_are_refused_with_reasons(app, web, contract_setup):
    base = _setup(app, web, contract_setup)
    assert "must be the Excel" in _upload(web, base, "answers.txt", b"x").get_data(as_text=True)
    assert "The file is empty" in _upload(web, base, "answers.csv", b"").get_data(as_text=True)
    status_url = _upload(web, base, "answers.xlsx", b"this is not a spreadsheet").headers["Location"]
    run_jobs(app)
    assert "Not imported" in web.client.get(status_url).get_data(as_text=True)
    status_url = _upload(web, base, "wrong.csv", b"a,b,c\n1,2,3\n").headers["Location"]
    run_jobs(app)
    assert "first row must be the template" in web.client.get(status_url).get_data(as_text=True)


def test_import_through_the_api(app, client, api_token, contract_setup):
    headers = {"Authorization": f"Bearer {api_token(contract_setup['submitter'].email)}"}
    return_id = client.get("/api/v1/returns", headers=headers).get_json()[0]["id"]
    body = b"Code,Section,Question,Type,Required,Value\nNHWO-1.REVIEWED,,,,,9\n"
    started = client.post(f"/api/v1/returns/{return_id}/imports", headers=headers,
                          data={"file": (io.BytesIO(body), "partial.csv")}, content_type="multipart/form-data")
    assert started.status_code == 202 and started.get_json()["status"] == "pending"
    run_jobs(app)
    done = client.get(f"/api/v1/returns/{return_id}/imports/{started.get_json()['id']}", headers=headers).get_json()
    assert done["status"] == "applied" and done["applied_count"] == 1 and done["errors"] == []
    detail = client.get(f"/api/v1/returns/{return_id}", headers=headers).get_json()
    assert detail["answers"]["NHWO-1.REVIEWED"] == "9"
