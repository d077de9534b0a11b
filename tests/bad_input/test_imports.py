"""Spreadsheet imports reach validation in a job, past the request guard: hidden characters, huge
numbers and broken bytes end as a failed import with reasons, never a crashed job."""
from __future__ import annotations

import io

from tests.helpers import run_jobs


def _import(app, world, body: bytes, name: str = "filled.csv") -> dict:
    headers = world["api"]["provider"]
    url = f"/api/v1/returns/{world['ids']['return_id']}/imports"
    started = app.test_client().post(url, headers=headers, data={"file": (io.BytesIO(body), name)},
                                     content_type="multipart/form-data")
    assert started.status_code == 202, started.get_json()
    run_jobs(app)
    return app.test_client().get(f"{url}/{started.get_json()['id']}", headers=headers).get_json()


def test_huge_numbers_and_long_codes_in_a_workbook(app, world):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Code", "Section", "Question", "Type", "Required", "Value"])
    for code, value in (("DEL.UNITS_DELIVERED", 1e308), ("DEL.UNITS_CONTRACTED", "99999999999999.99995"),
                        ("DEL.PEOPLE", "1e999999999"), ("X" * 5000, 1), ("NHWO-1.NARRATIVE", "x" * 10_001)):
        ws.append([code, "", "", "", "", value])
    out = io.BytesIO()
    wb.save(out)
    done = _import(app, world, out.getvalue(), "filled.xlsx")
    assert done["status"] == "failed", done
    messages = " | ".join(e["message"] for e in done["errors"])
    assert messages.count("must be less than 100,000,000,000,000") == 3, messages
    assert "is not a question of this return" in messages and "10,000 characters or fewer" in messages
    assert max(len(e["message"]) for e in done["errors"]) < 400


def test_nul_and_bytes_that_are_not_utf8_in_a_csv(app, world):
    for body in (b"Code,Section,Question,Type,Required,Value\nNHWO-1.NARRATIVE,,,,,Good\x00news\n",
                 b"Code,Section,Question,Type,Required,Value\nNHWO-1.NARRATIVE,,,,,\xed\xa0\x80\xff\n"):
        done = _import(app, world, body)
        assert done["status"] == "failed"
        assert "not UTF-8 text" in done["errors"][0]["message"]
