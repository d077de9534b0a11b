"""Contracts, return schedules, rate cards and each contract's evidence document.

Every contract runs 36 months, the last of them the current one (monthly returns, due 10 to 28
days after each month). Each contract has one outcome tracker (CSV) in its provider's library,
attached to its submitted returns: its bytes are uploaded to S3 (a kilobyte each, a thread pool),
so that every document row the pages list can also be downloaded."""
from __future__ import annotations

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from portal.dev.scale.bulk import Writer
from portal.dev.scale.people import Org

MONTHS = 36
SERVICES = [  # service type, care group, delivery unit, invoice unit, share
    ("care_at_home", "Older people", "hours", "hour", 40),
    ("supported_living", "Learning disability", "hours", "hour", 25),
    ("day_opportunities", "Mental health", "sessions", "session", 12),
    ("residential", "Older people", "nights", "night", 15),
    ("other", "Unpaid carers", "hours", "hour", 8),
]
LOCALITIES = ["North East", "North West", "South", "City Centre", "East", "West", "Coast", "Rural North",
              "Rural South", "Valleys"]
ABBREVIATIONS = {"care_at_home": "CAH", "supported_living": "SL", "day_opportunities": "DAY", "residential": "RES",
                 "other": "OTH"}


@dataclass
class Measure:
    id: int
    code: str
    type: str
    is_narrative: bool
    task: str  # outcome code, or "delivery"


@dataclass
class Framework:
    id: int
    code: str
    measures: list[Measure] = field(default_factory=list)


@dataclass
class ContractInfo:
    id: int
    provider: Org
    commissioner: Org
    reference: str
    service_type: str
    unit: str
    invoice_unit: str
    annual_value: Decimal
    framework: Framework
    start: date
    end: date
    due_days: int
    manager_id: int
    rate: Decimal
    document: dict | None = None  # the evidence document's reference, as versions record it


def load_frameworks(writer: Writer) -> dict[str, Framework]:
    frameworks: dict[str, Framework] = {}
    for fid, code in writer.conn.execute("select id, code from outcome_frameworks where owner_id is null"):
        frameworks[code] = Framework(fid, code)
    for mid, fid, code, mtype, narrative, outcome in writer.conn.execute(
            "select m.id, m.framework_id, m.code, m.type, m.is_narrative, o.code from measures m "
            "left join outcomes o on o.id = m.outcome_id order by m.framework_id, m.position"):
        for framework in frameworks.values():
            if framework.id == fid:
                framework.measures.append(Measure(mid, code, mtype, narrative, outcome or "delivery"))
    return frameworks


def framework_for(frameworks: dict[str, Framework], commissioner: Org, rng: random.Random) -> Framework:
    if commissioner.region == "england":
        code = "ASCOF-2023" if rng.random() < 0.7 else "ASCOF-2014"
        return frameworks.get(code) or frameworks["NHWO"]
    return frameworks["NHWO"]


def first_month(today: date) -> date:
    return today.replace(day=1) - relativedelta(months=MONTHS - 1)


def make_contracts(writer: Writer, providers: list[Org], commissioners: list[Org], frameworks: dict[str, Framework],
                   today: date, seed: int) -> list[ContractInfo]:
    """Three contracts a provider on average (one to five), with commissioners chosen by region."""
    start = first_month(today)
    end = start + relativedelta(months=MONTHS) - timedelta(days=1)
    weights = [s[4] for s in SERVICES]
    contracts: list[ContractInfo] = []
    for provider in providers:
        rng = random.Random(f"{seed}-contracts-{provider.index}")
        home = rng.randrange(len(commissioners))
        for number in range(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])):
            commissioner = commissioners[(home + number * rng.randint(0, 2)) % len(commissioners)]
            service, group, unit, invoice_unit, _w = rng.choices(SERVICES, weights)[0]
            value = Decimal(rng.randint(150, 3200) * 1000)
            rate = Decimal(rng.choice(["21.40", "22.70", "23.15", "24.50", "19.80", "26.10"]))
            contracts.append(ContractInfo(
                0, provider, commissioner, f"{commissioner.slug.upper()}-{ABBREVIATIONS[service]}-"
                                           f"{provider.index:05d}-{number + 1}",
                service, unit, invoice_unit, value, framework_for(frameworks, commissioner, rng), start, end,
                rng.choice([10, 14, 14, 14, 21, 28]),
                commissioner.people.get(rng.choice(["commissioner", "manager"])) or commissioner.people["admin"],
                rate))
    ids = writer.reserve_ids("contracts", len(contracts))
    rows, schedules, rates = [], [], []
    for contract_id, c in zip(ids, contracts):
        c.id = contract_id
        rng = random.Random(f"{seed}-contract-{c.reference}")
        title = f"{c.service_type.replace('_', ' ').capitalize()}, {rng.choice(LOCALITIES)}"
        created = datetime.combine(c.start - timedelta(days=rng.randint(20, 60)), datetime.min.time(), timezone.utc)
        rows.append((c.id, c.provider.id, c.commissioner.id, c.reference, title, c.service_type,
                     SERVICES[[s[0] for s in SERVICES].index(c.service_type)][1], rng.choice(LOCALITIES), c.start,
                     c.end, c.annual_value, rng.choice(["block", "hourly", "outcomes_based", "outcomes_based"]),
                     c.unit, c.manager_id, c.framework.id, Decimal("12.60"), c.commissioner.region, created))
        schedules.append((c.provider.id, c.commissioner.id, c.id, "monthly", c.due_days, created))
        rates.append((c.provider.id, c.commissioner.id, c.id, c.invoice_unit, "weekday", c.rate, c.start,
                      c.manager_id, created))
    writer.copy("contracts", ("id", "tenant_id", "commissioner_id", "reference", "title", "service_type", "care_group",
                              "locality", "start_date", "end_date", "annual_value", "funding_model", "delivery_unit",
                              "lead_manager_id", "framework_id", "living_wage_rate", "holiday_region", "created_at"),
                rows)
    writer.copy("return_schedules", ("tenant_id", "commissioner_id", "contract_id", "frequency", "due_days",
                                     "created_at"), schedules)
    writer.copy("contract_rates", ("tenant_id", "commissioner_id", "contract_id", "unit", "day_type", "rate",
                                   "effective_from", "created_by_id", "created_at"), rates)
    return contracts


def _tracker(rng: random.Random) -> tuple[bytes, str]:
    """An outcome tracker's bytes and the text the document job would extract from it."""
    header = ["month", "people_reviewed", "outcomes_met", "notes"]
    rows = []
    for month in range(1, MONTHS + 1):
        reviewed = rng.randint(20, 60)
        rows.append([str(month), str(reviewed), str(int(reviewed * rng.uniform(0.6, 0.9))),
                     rng.choice(["reviewed with people and families", "befriending and community links",
                                 "falls prevention reviews", "hospital discharge follow-up"])])
    csv = "\n".join(",".join(r) for r in [header] + rows).encode()
    text = "\n".join(" | ".join(r) for r in [header] + rows)
    return csv, text


def make_documents(writer: Writer, contracts: list[ContractInfo], seed: int, upload) -> None:
    """One evidence document per contract, clean, with its bytes in S3 (``upload(key, bytes)``)."""
    ids = writer.reserve_ids("documents", len(contracts))
    rows, objects = [], []
    for document_id, c in zip(ids, contracts):
        rng = random.Random(f"{seed}-document-{c.reference}")
        body, text = _tracker(rng)
        key = f"t/{c.provider.id}/documents/{rng.getrandbits(128):032x}"
        digest = hashlib.sha256(body).hexdigest()
        filename = f"{c.reference}-outcome-tracker.csv"
        created = datetime.combine(c.start + timedelta(days=rng.randint(25, 40)), datetime.min.time(),
                                   timezone.utc) + timedelta(hours=10)
        rows.append((document_id, c.provider.id, key, filename, "text/csv", len(body), "clean", "not_scanned",
                     "No virus scanner is configured", "csv", "text/csv", digest, text,
                     c.provider.people["staff"], created, created + timedelta(seconds=3)))
        c.document = {"id": document_id, "filename": filename, "sha256": digest, "size_bytes": len(body),
                      "content_type": "text/csv", "scan_status": "not_scanned", "key": key, "pages": None,
                      "created": created}
        objects.append((key, body))
    writer.copy("documents", ("id", "tenant_id", "storage_key", "filename", "declared_content_type", "size_bytes",
                              "status", "scan_status", "scan_result", "detected_type", "content_type", "sha256",
                              "text_content", "uploaded_by_id", "created_at", "processed_at"), rows)
    if upload is not None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda pair: upload(*pair), objects))
