"""Spreadsheet import: download a template, fill it in, upload it; a worker applies every
answer in it or none, and lists each problem by row and column."""
from __future__ import annotations

import csv
import tempfile
import uuid

from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.audit.services import record
from portal.documents import storage
from portal.documents.detection import Rejected, detect
from portal.errors import Conflict, ServiceError
from portal.extensions import db
from portal.models_base import utcnow
from portal.outbox import enqueue_after_commit
from portal.reporting.exports import csv_text, new_workbook, unguard, xlsx_bytes
from portal.returns import queries
from portal.returns.models import EDITABLE, IMPORT_APPLIED, IMPORT_FAILED, IMPORT_PENDING, Return, ReturnImport
from portal.returns.validation import NOT_STORABLE, FieldError, parse

HEADERS = ["Code", "Section", "Question", "Type", "Required", "Value"]
CODE_COLUMN, VALUE_COLUMN = 1, 6
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
TYPE_HINTS = {"integer": "whole number", "decimal": "number", "percentage": "percentage 0 to 100",
              "yes_no": "Yes or No", "text": "text"}


def _rows(ret: Return) -> list[list]:
    values = queries.answer_values(ret)
    rows = []
    for m in queries.measures_for(ret):
        section = m.outcome.code if m.outcome else "Service delivery"
        rows.append([m.code, section, m.label, TYPE_HINTS[m.type], "Yes" if m.required else "No",
                     values.get(m.code, "")])
    return rows


def template_xlsx(ret: Return) -> bytes:
    wb = new_workbook()
    ws = wb.active
    ws.title = "Return"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    for row in _rows(ret):
        ws.append(row)
    for index, width in enumerate([22, 18, 60, 20, 10, 40], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    for row in ws.iter_rows(min_row=2, min_col=VALUE_COLUMN, max_col=VALUE_COLUMN):
        row[0].protection = Protection(locked=False)
    return xlsx_bytes(wb)


def template_csv(ret: Return) -> str:
    return csv_text(HEADERS, _rows(ret))


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_file(ret: Return, file_format: str) -> tuple[bytes | str, str, str]:
    """The return's template to fill in: its body, MIME type and file name."""
    name = f"return-{ret.contract.reference}-{ret.period_start:%Y-%m}.{file_format}"
    if file_format == "xlsx":
        return template_xlsx(ret), XLSX_MIMETYPE, name
    return template_csv(ret), "text/csv", name


def start_import(ret: Return, upload: FileStorage | None, *, actor: User) -> ReturnImport:
    """Store the file and queue the check; the import's page shows the outcome."""
    if ret.status not in EDITABLE:
        raise Conflict(f"This return is {ret.status_label.lower()} and can no longer be changed")
    name = (upload.filename or "").strip() if upload else ""
    if not name:
        raise ServiceError("Select the filled-in template to upload", field="file")
    file_format = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if file_format not in ("xlsx", "csv"):
        raise ServiceError("The file must be the Excel (.xlsx) or CSV (.csv) template for this return", field="file")
    key = f"t/{ret.tenant_id}/imports/{uuid.uuid4().hex}"
    try:
        size = storage.upload_stream(upload.stream, key, MAX_IMPORT_BYTES)
    except storage.TooLarge:
        raise ServiceError(f"The file must be smaller than {MAX_IMPORT_BYTES // 1024 // 1024} MB: "
                           "a return template is much smaller than that", field="file") from None
    storage.remember_upload(key)
    if size == 0:
        raise ServiceError("The file is empty: fill in the template and upload it again", field="file")
    item = ReturnImport(tenant_id=ret.tenant_id, return_id=ret.id, filename=name[:255], file_format=file_format,
                        storage_key=key, status=IMPORT_PENDING, errors=[], created_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    enqueue_after_commit("process_return_import", tenant_id=ret.tenant_id, import_id=item.id)
    record("return_import_started", ret, actor=actor, import_id=item.id, filename=item.filename)
    return item


def _read_rows(path: str, file_format: str, filename: str) -> list[tuple[int, list]]:
    with open(path, "rb") as fh:
        detect(fh, filename)  # the real type, and the zip-bomb limits for .xlsx
    if file_format == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:  # undo the template's formula guard
            return [(n, [unguard(cell) for cell in row])
                    for n, row in enumerate(csv.reader(fh), start=1)][:MAX_ROWS + 1]
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(ws.iter_rows(values_only=True, max_row=MAX_ROWS + 1),
                                                       start=1)]
    finally:
        wb.close()


def _shown(code: str) -> str:
    """A code from the sheet, safe and short enough to quote in a message (and to store in JSONB)."""
    code = NOT_STORABLE.sub("\ufffd", code)
    return code if len(code) <= 60 else code[:60] + "…"


def _cell(row: list, column: int):
    return row[column - 1] if len(row) >= column else None


def check_rows(ret: Return, rows: list[tuple[int, list]]) -> tuple[dict[str, object], list[dict]]:
    """The answers in the sheet and every problem found, by row and column."""
    measures = {m.code: m for m in queries.measures_for(ret)}
    errors: list[dict] = []
    if not rows or [str(c or "").strip().lower() for c in rows[0][1][:VALUE_COLUMN]] != [h.lower() for h in HEADERS]:
        return {}, [{"row": 1, "column": "A", "message": "The first row must be the template's headings: "
                     + ", ".join(HEADERS) + ". Download the template again and fill in the Value column."}]
    if len(rows) > MAX_ROWS:
        return {}, [{"row": MAX_ROWS + 1, "column": "A", "message": f"The sheet has more than {MAX_ROWS} rows"}]
    values: dict[str, object] = {}
    value_letter = f"{get_column_letter(VALUE_COLUMN)} (Value)"
    for number, row in rows[1:]:
        code = str(_cell(row, CODE_COLUMN) or "").strip()
        if not code:
            if any(str(c or "").strip() for c in row):
                errors.append({"row": number, "column": "A (Code)",
                               "message": "The code is missing: copy it from the template"})
            continue
        measure = measures.get(code)
        if measure is None:
            errors.append({"row": number, "column": "A (Code)",
                           "message": f"{_shown(code)} is not a question of this return"})
            continue
        if code in values:
            errors.append({"row": number, "column": "A (Code)", "message": f"{code} appears more than once"})
            continue
        raw = _cell(row, VALUE_COLUMN)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        try:
            parse(measure, raw, partial=True)  # a blank is no answer: only submitting needs every one
        except FieldError as exc:
            errors.append({"row": number, "column": value_letter, "message": str(exc)})
            continue
        values[code] = raw
    return values, errors


def process_import(import_id: int) -> None:
    """Apply all answers or none. Idempotent: a processed import is left as it is."""
    from portal.returns.services import ValidationFailed, save_answers

    item = db.session.scalar(db.select(ReturnImport).where(ReturnImport.id == import_id)
                             .with_for_update(of=ReturnImport))
    if item is None or item.status != IMPORT_PENDING:
        return
    ret = queries.get_return(item.return_id)
    with tempfile.NamedTemporaryFile(suffix="." + item.file_format) as tmp:
        storage.download_to(item.storage_key, tmp)
        try:
            rows = _read_rows(tmp.name, item.file_format, item.filename)
        except Rejected as exc:
            rows, problem = None, str(exc)
        except Exception as exc:  # a damaged spreadsheet that openpyxl cannot read
            rows, problem = None, f"The file could not be read as a spreadsheet ({type(exc).__name__}). " \
                                  "Save it again as .xlsx or CSV UTF-8 and upload it."
    if rows is None:
        errors, values = [{"row": 1, "column": "A", "message": problem}], {}
    else:
        values, errors = check_rows(ret, rows)
    answered = [code for code, raw in values.items() if raw is not None and str(raw).strip()]
    if not errors and not answered:
        errors = [{"row": 2, "column": "F (Value)", "message": "The file has no answers in the Value column"}]
    if not errors:
        if ret.status not in EDITABLE:
            errors = [{"row": 1, "column": "A", "message": f"The return is {ret.status_label.lower()} and can no "
                                                          "longer be changed"}]
        else:
            try:
                save_answers(ret, values, expected_version=ret.lock_version, actor=item.created_by, partial=True)
            except ValidationFailed as exc:  # figures that contradict each other (more achieved than reviewed)
                where = {code: number for number, row in rows or [] for code in [str(_cell(row, CODE_COLUMN) or "")
                                                                                   .strip()]}
                errors = [{"row": where.get(code, 1), "column": "F (Value)", "message": f"{code}: {message}"}
                          for code, message in exc.errors.items()]
    item.status = IMPORT_FAILED if errors else IMPORT_APPLIED
    item.errors = errors
    item.applied_count = 0 if errors else len(answered)
    item.processed_at = utcnow()
    db.session.flush()
    record("return_import_" + item.status, ret, actor=item.created_by, import_id=item.id, errors=len(errors))


def get_import(ret: Return, import_id: int) -> ReturnImport | None:
    return db.session.scalar(db.select(ReturnImport).where(ReturnImport.id == import_id,
                                                           ReturnImport.return_id == ret.id))
