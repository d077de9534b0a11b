"""Tenders as Open Contracting Data Standard 1.1 releases: one release per event, and a record.

Events, in order: ``tender`` at publication, ``tenderUpdate`` for each amendment (and, when
clarifications are published, for each batch), ``tenderCancellation`` when cancelled, ``award``
for each award notice (the lot's winners, their value, the date, ``relatedLots``; ``pending``
during the standstill, ``active`` once the contract is made) and ``contract`` when a standstill
ends and the awards become contracts (``awardID``, value, period). Each
release is the whole tender as it stood after the event (OCDS releases may repeat what earlier
ones said), so the compiled release is the latest one with the ``compiled`` tag.

Lots follow the lots extension (``tender.lots``, ``relatedLot``); published clarifications go in
``tender.enquiries`` (the enquiry extension) with no ``author``: the asker stays anonymous.
The only providers named are the successful ones (``parties`` with the role ``supplier``): an
unsuccessful bidder, like the asker of a question, is never published.
"""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from flask import current_app

from portal.procurement import policy
from portal.procurement.regimes import LONDON
from portal.procurement.models import CANCELLED, Amendment, Tender

VERSION = "1.1"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/master/extension.json",
]
STATUSES = {"draft": "planned", "published": "active", "closed": "complete", "evaluation": "complete",
            "awarded": "complete", "cancelled": "cancelled"}


def ocid(tender: Tender) -> str:
    return f"{current_app.config['OCDS_PREFIX']}-{tender.commissioner.slug}-{tender.id}"


def _when(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.combine(value, time(0), tzinfo=LONDON).isoformat()


def _money(amount: Decimal) -> dict:
    return {"amount": float(amount), "currency": "GBP"}


def _buyer(tender: Tender) -> dict:
    return {"id": f"{tender.commissioner.slug}", "name": tender.commissioner.name}


def _tender_section(tender: Tender, *, status: str, amendments: list[Amendment], enquiries: list[dict]) -> dict:
    section = {
        "id": str(tender.id),
        "title": tender.title,
        "description": tender.description or None,
        "status": status,
        "procuringEntity": _buyer(tender),
        "value": _money(tender.estimated_value),
        "procurementMethod": "open",
        "mainProcurementCategory": "services",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _when(tender.published_at), "endDate": _when(tender.submission_deadline)},
        "enquiryPeriod": {"startDate": _when(tender.published_at), "endDate": _when(tender.clarification_deadline)},
        "awardPeriod": {"startDate": _when(tender.award_on)},
        "contractPeriod": {"startDate": _when(tender.contract_start)},
        "hasEnquiries": bool(enquiries),
        "lots": [{"id": str(lot.number), "title": lot.title, "description": lot.description or None,
                  "value": _money(lot.estimated_value), "status": status} for lot in tender.lots],
        "amendments": [{"id": str(a.number), "date": _when(a.created_at), "rationale": a.reason,
                        "description": "; ".join(f"{c['label']}: {c['after']}" for name, c in a.changes.items()
                                                 if name != "description")
                        or "The description changed"} for a in amendments],
    }
    if enquiries:
        section["enquiries"] = enquiries
    return {key: value for key, value in section.items() if value not in (None, [])}


def _end_of(day) -> str:
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).isoformat()


def _supplier(award) -> dict:
    return {"id": award.provider.slug, "name": award.provider.name}


def _award(award, date: datetime) -> dict:
    contracted = award.concluded_at is not None and award.concluded_at <= date
    return {"id": str(award.id), "title": f"Lot {award.lot.number}: {award.lot.title}",
            "status": "active" if contracted else "pending", "date": _when(award.notice_at),
            "value": _money(award.value), "suppliers": [_supplier(award)], "relatedLots": [str(award.lot.number)],
            "contractPeriod": {"startDate": _when(award.contract_start), "endDate": _end_of(award.contract_end)}}


def _contract(award, date: datetime) -> dict:
    started = award.contract_start <= date.astimezone(LONDON).date()
    return {"id": f"{award.id}-contract", "awardID": str(award.id),
            "title": f"Lot {award.lot.number}: {award.lot.title}", "status": "active" if started else "pending",
            "value": _money(award.value),
            "period": {"startDate": _when(award.contract_start), "endDate": _end_of(award.contract_end)}}


def _release(tender: Tender, number: int, tag: str, date, *, status: str, amendments, enquiries,
             awards=()) -> dict:
    made = [a for a in awards if a.notice_at <= date]
    concluded = [a for a in made if a.concluded_at is not None and a.concluded_at <= date]
    suppliers = {a.provider.slug: a for a in made}
    release = {
        "ocid": ocid(tender),
        "id": f"{ocid(tender)}-{number:03d}-{tag}",
        "date": _when(date),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
        "parties": [{**_buyer(tender), "roles": ["buyer", "procuringEntity"]}],
        "buyer": _buyer(tender),
        "tender": _tender_section(tender, status=status, amendments=amendments, enquiries=enquiries),
    }
    if made:
        release["parties"] += [{**_supplier(a), "roles": ["supplier"]} for a in suppliers.values()]
        release["awards"] = [_award(a, date) for a in made]
    if concluded:
        release["contracts"] = [_contract(a, date) for a in concluded]
    return release


def releases(tender: Tender, enquiries: list[dict] | None = None, awards: list | None = None) -> list[dict]:
    """One release per event of a published tender, oldest first ([] for a draft).

    ``enquiries``: the published clarifications as OCDS enquiries, each with its ``date`` (when it
    was published, ISO 8601), oldest first; those published on one day make one ``tenderUpdate``.
    ``awards``: the tender's awards (read here when not given); each award notice makes one
    ``award`` release and each run of the standstill sweep that made contracts one ``contract``."""
    if not tender.listed:
        return []
    if awards is None:
        from portal.procurement.evaluation_queries import awards_of

        awards = awards_of(tender)
    enquiries = enquiries or []
    events: list[tuple[datetime, str]] = [(tender.published_at, "tender")]
    events += [(amendment.created_at, "tenderUpdate") for amendment in tender.amendments]
    last_of_day: dict[str, str] = {}
    for enquiry in enquiries:
        day = enquiry["date"][:10]
        last_of_day[day] = max(last_of_day.get(day, ""), enquiry["date"])
    events += [(datetime.fromisoformat(moment), "tenderUpdate") for moment in last_of_day.values()]
    if tender.status == CANCELLED and tender.cancelled_at is not None:
        events.append((tender.cancelled_at, "tenderCancellation"))
    events += [(moment, "award") for moment in sorted({a.notice_at for a in awards})]
    events += [(moment, "contract") for moment in sorted({a.concluded_at for a in awards if a.concluded_at})]
    events.sort(key=lambda event: event[0])
    out = []
    for number, (date, tag) in enumerate(events, start=1):
        status = "cancelled" if tag == "tenderCancellation" else "active"
        out.append(_release(tender, number, tag, date, status=status,
                            amendments=[a for a in tender.amendments if a.created_at <= date],
                            enquiries=[e for e in enquiries if datetime.fromisoformat(e["date"]) <= date],
                            awards=awards))
    if tender.status != CANCELLED:
        out[-1]["tender"]["status"] = STATUSES[policy.status_at(tender)]
        for lot in out[-1]["tender"].get("lots", []):
            lot["status"] = out[-1]["tender"]["status"]
    return out


def _package(uri: str, published: datetime) -> dict:
    return {"uri": uri, "version": VERSION, "publishedDate": published.isoformat(),
            "publisher": {"name": current_app.config["OCDS_PUBLISHER"]}, "extensions": EXTENSIONS}


def release_package(tender_releases: list[dict], *, uri: str, published: datetime) -> dict:
    return {**_package(uri, published), "releases": tender_releases}


def record_package(records: list[dict], *, uri: str, published: datetime) -> dict:
    return {**_package(uri, published), "records": records}


def record(tender_releases: list[dict]) -> dict | None:
    """The tender's record: its releases and the compiled release (the state after the last one)."""
    if not tender_releases:
        return None
    compiled = {**tender_releases[-1], "id": f"{tender_releases[-1]['ocid']}-compiled", "tag": ["compiled"]}
    return {"ocid": tender_releases[-1]["ocid"], "releases": tender_releases, "compiledRelease": compiled}
