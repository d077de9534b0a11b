"""A year of monthly invoices per contract, with lines, their history and payment runs.

Older invoices are paid in a monthly payment run of their commissioner; recent ones approved,
queried or waiting for approval; some of the latest month still drafts. Amounts are worked out
from the lines as ``portal.invoicing.money`` would (quantity × price, rounded to the penny,
exempt from VAT as care services are)."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from portal.dev.scale.bulk import Writer
from portal.dev.scale.contracts import ContractInfo
from portal.dev.scale.people import Org

MONTHS = 12
PENNY = Decimal("0.01")
INVOICE_COLUMNS = ("id", "tenant_id", "commissioner_id", "contract_id", "number", "buyer_reference", "period_start",
                   "period_end", "issue_date", "status", "net_total", "total", "lock_version", "created_by_id",
                   "editor_ids", "submitted_at", "first_submitted_at", "approved_by_id", "approved_at",
                   "decision_comment", "payment_run_id", "paid_on", "payment_reference", "created_at", "updated_at")
LINE_COLUMNS = ("tenant_id", "commissioner_id", "invoice_id", "status", "position", "description", "quantity", "unit",
                "day_type", "unit_price", "price_source", "line_start", "line_end", "net", "workings", "query")
EVENT_COLUMNS = ("tenant_id", "commissioner_id", "invoice_id", "action", "user_id", "comment", "at")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), timezone.utc)


def _status(age: int, rng: random.Random) -> str:
    """What became of an invoice ``age`` months old (0: the latest month)."""
    roll = rng.random()
    if age == 0:
        return "draft" if roll < 0.4 else "submitted"
    if age == 1:
        return "submitted" if roll < 0.4 else "queried" if roll < 0.55 else "approved"
    if age == 2:
        return "approved" if roll < 0.3 else "queried" if roll < 0.36 else "paid"
    return "queried" if roll < 0.01 else "paid"


def make_invoices(writer: Writer, contracts: list[ContractInfo], commissioners: list[Org], today: date,
                  seed: int) -> None:
    latest = today.replace(day=1) - relativedelta(months=1)
    runs: dict[tuple[int, date], list] = {}
    invoices, lines, events = [], [], []
    ids = writer.reserve_ids("invoices", len(contracts) * MONTHS)
    position = 0
    for c in contracts:
        rng = random.Random(f"{seed}-invoices-{c.reference}")
        finance = c.provider.people["finance"]
        monthly_units = (c.annual_value / 12 / c.rate).quantize(Decimal("0.0001"))
        for age in range(MONTHS - 1, -1, -1):
            invoice_id = ids[position]
            position += 1
            start = latest - relativedelta(months=age)
            end = start + relativedelta(months=1) - timedelta(days=1)
            status = _status(age, rng)
            issued = end + timedelta(days=rng.randint(1, 6))
            submitted = _at(issued) if status != "draft" else None
            weekday = (monthly_units * Decimal(str(rng.uniform(0.62, 0.72)))).quantize(Decimal("0.0001"))
            weekend = (monthly_units * Decimal(str(rng.uniform(0.22, 0.3)))).quantize(Decimal("0.0001"))
            weekend_price = (c.rate * Decimal("1.15")).quantize(Decimal("0.0001"))
            parts = [(weekday, c.rate, "weekday", "weekday rate"), (weekend, weekend_price, "weekend", "weekend rate")]
            net_total = Decimal("0.00")
            for number, (quantity, price, day_type, label) in enumerate(parts, start=1):
                net = (quantity * price).quantize(PENNY, rounding=ROUND_HALF_UP)
                net_total += net
                query = ("Please send the visit log for the weekend hours." if status == "queried" and number == 2
                         else "")
                lines.append((c.provider.id, c.commissioner.id, invoice_id, status, number,
                              f"{c.service_type.replace('_', ' ').capitalize()} {c.invoice_unit}s, {label}",
                              quantity, c.invoice_unit, day_type, price, "card", start, end, net,
                              f"{quantity} {c.invoice_unit}s × £{price}: the rate card's {label}", query))
            approved_at = _at(issued + timedelta(days=rng.randint(3, 12))) if status in ("approved", "paid") else None
            run_id = paid_on = None
            reference = ""
            if status == "paid":
                key = (c.commissioner.id, start)
                run = runs.setdefault(key, [None, c.commissioner, start, Decimal("0.00"), []])
                run[3] += net_total
                run[4].append(len(invoices))
            invoices.append([invoice_id, c.provider.id, c.commissioner.id, c.id,
                             f"{c.provider.slug.upper()}-{c.id}-{start:%Y%m}", f"PO-{c.reference}", start, end,
                             issued, status, net_total, net_total, 1 + (status != "draft") * 3 + (status == "paid") * 2,
                             finance, [finance], submitted, submitted, c.manager_id if approved_at else None,
                             approved_at, "", run_id, paid_on, reference, _at(issued, 9),
                             approved_at or submitted or _at(issued, 9)])
            if submitted:
                events.append((c.provider.id, c.commissioner.id, invoice_id, "submitted", finance, "", submitted))
            if status == "queried":
                events.append((c.provider.id, c.commissioner.id, invoice_id, "queried", c.manager_id,
                               "Please send the visit log for the weekend hours.", submitted + timedelta(days=4)))
            if approved_at:
                events.append((c.provider.id, c.commissioner.id, invoice_id, "approved", c.manager_id, "",
                               approved_at))
    _payment_runs(writer, runs, invoices, events)
    writer.copy("invoices", INVOICE_COLUMNS, [tuple(row) for row in invoices])
    writer.copy("invoice_lines", LINE_COLUMNS, lines)
    writer.copy("invoice_events", EVENT_COLUMNS, events)


def _payment_runs(writer: Writer, runs: dict, invoices: list, events: list) -> None:
    """One paid run per commissioner and month, holding that month's paid invoices."""
    ids = writer.reserve_ids("payment_runs", len(runs))
    rows = []
    by_commissioner = defaultdict(int)
    for run_id, ((commissioner_id, month), run) in zip(ids, sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1]))):
        commissioner: Org = run[1]
        by_commissioner[commissioner_id] += 1
        paid_on = month + relativedelta(months=2) - timedelta(days=5)
        payment_reference = f"BACS-{paid_on:%Y%m%d}-{commissioner.index:03d}"
        officer = commissioner.people.get("procurement") or commissioner.people["admin"]
        rows.append((run_id, commissioner_id, f"PR-{month:%Y%m}-{run_id}", paid_on + timedelta(days=5), "paid",
                     run[3], officer, officer, _at(paid_on - timedelta(days=3)), officer, paid_on, payment_reference,
                     _at(paid_on - timedelta(days=4))))
        for index in run[4]:
            invoice = invoices[index]
            invoice[20], invoice[21], invoice[22] = run_id, paid_on, payment_reference
            invoice[24] = _at(paid_on, 15)
            events.append((invoice[1], invoice[2], invoice[0], "paid", officer, payment_reference, _at(paid_on, 15)))
    writer.copy("payment_runs", ("id", "tenant_id", "reference", "due_by", "status", "total", "created_by_id",
                                 "confirmed_by_id", "confirmed_at", "released_by_id", "paid_on", "payment_reference",
                                 "created_at"), rows)
