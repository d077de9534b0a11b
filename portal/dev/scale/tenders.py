"""Tenders of the new commissioners: lots, interested providers, clarification questions (most
answered and published as anonymised clarifications, some still open) and sealed bids with their
receipts (``portal.procurement.bid_receipts``: the canonical JSON and its SHA-256). Half the
tenders are open now; the others closed for bids last month, their bids still sealed."""
from __future__ import annotations

import os
import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from portal.dev.scale.bulk import Writer, as_json
from portal.dev.scale.contracts import ABBREVIATIONS, LOCALITIES, SERVICES
from portal.dev.scale.people import Org
from portal.procurement.bid_receipts import digest

TENDERS_PER_COMMISSIONER = 6
QUESTIONS = ["Is TUPE expected to apply to staff of the current providers?",
             "Will the commissioner accept consortium bids for a single lot?",
             "What volume of hours is expected in the first year?",
             "Can the pricing schedule include a rate for sleepovers?",
             "Is there a minimum staffing ratio for the day opportunities lot?",
             "How will outcome returns be weighted in the contract review?",
             "Will mileage between visits be paid separately?",
             "Can you confirm the living wage rate assumed for the contract start?"]
ANSWERS = ["Yes. The TUPE information will be released with the second set of documents.",
           "Yes, consortium bids are welcome; the lead provider signs the contract.",
           "About 5,000 hours a week across the lot in the first year.",
           "Yes, add it in the other costs section of the pricing schedule.",
           "No fixed ratio: describe your staffing model in your answer to question 3.",
           "Outcome returns count for 20 per cent of the annual contract review.",
           "No: the hourly rate should include travel time and mileage.",
           "Assume the Real Living Wage rate announced for the contract's first year."]


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), timezone.utc)


def make_tenders(writer: Writer, commissioners: list[Org], providers: list[Org], new_commissioners: list[int],
                 today: date, seed: int) -> None:
    owners = [c for c in commissioners if c.index in set(new_commissioners)]
    if not owners or not providers:
        return
    tender_ids = writer.reserve_ids("tenders", len(owners) * TENDERS_PER_COMMISSIONER)
    tenders, lots, interests, questions, clarifications, bids, receipts = [], [], [], [], [], [], []
    lot_ids = writer.reserve_ids("tender_lots", len(tender_ids) * 2)
    bid_ids = writer.reserve_ids("tender_bids", len(tender_ids) * 2 * 8)
    n, bid_n = 0, 0
    for commissioner in owners:
        for number in range(TENDERS_PER_COMMISSIONER):
            rng = random.Random(f"{seed}-tender-{commissioner.index}-{number}")
            tender_id = tender_ids[n]
            service = rng.choice(SERVICES)[0]
            is_open = number % 2 == 0
            deadline = (_at(today + timedelta(days=rng.randint(10, 40))) if is_open
                        else _at(today - timedelta(days=rng.randint(5, 30))))
            published = deadline - timedelta(days=rng.randint(35, 60))
            reference = f"{commissioner.slug.upper()}-T{number + 1:02d}-{ABBREVIATIONS[service]}"
            place = rng.choice(LOCALITIES)
            title = f"{service.replace('_', ' ').capitalize()}, {place}"
            tenders.append((tender_id, commissioner.id, reference, title,
                            f"{title}: outcomes-based care and support for adults, block funded, with monthly "
                            f"outcome returns.", service, "england" if commissioner.region == "england" else "scotland",
                            "published" if is_open else "closed", True, published, deadline - timedelta(days=10),
                            deadline - timedelta(days=6), deadline, (deadline + timedelta(days=2)).date(),
                            (deadline + timedelta(days=21)).date(), deadline + timedelta(days=32),
                            (deadline + timedelta(days=32)).date(), os.urandom(32), published - timedelta(days=2)))
            tender_lots = []
            for lot_number in (1, 2):
                lot_id = lot_ids[2 * n + lot_number - 1]
                value = Decimal(rng.randint(400, 4000) * 1000)
                tender_lots.append((lot_id, lot_number, f"{place} lot {lot_number}"))
                lots.append((lot_id, commissioner.id, tender_id, lot_number, f"{place} lot {lot_number}",
                             f"About {rng.randint(50, 400)} people", value, 1, True))
            bidders = rng.sample(providers, min(len(providers), rng.randint(4, 12)))
            answered = 0
            for position, provider in enumerate(bidders):
                interests.append((provider.id, commissioner.id, tender_id, published + timedelta(days=position + 1)))
                if rng.random() < 0.6:
                    asked = published + timedelta(days=rng.randint(2, 20))
                    q = rng.randrange(len(QUESTIONS))
                    if deadline - timedelta(days=10) < _at(today) or rng.random() < 0.7:
                        answered += 1
                        answered_at = asked + timedelta(days=2)
                        clarifications.append((commissioner.id, tender_id, answered, QUESTIONS[q], ANSWERS[q],
                                               answered_at, True))
                        questions.append((provider.id, commissioner.id, tender_id, QUESTIONS[q], QUESTIONS[q],
                                          "published", ANSWERS[q], provider.people["admin"],
                                          commissioner.people.get("procurement"), answered_at,
                                          (tender_id, answered), asked))
                    else:
                        questions.append((provider.id, commissioner.id, tender_id, QUESTIONS[q], "", "open", "",
                                          provider.people["admin"], None, None, None, asked))
                if not is_open and position < 8 and rng.random() < 0.75:
                    lot_id, lot_number, lot_title = tender_lots[position % 2]
                    bid_id = bid_ids[bid_n]
                    bid_n += 1
                    price = Decimal(rng.randint(300, 4200) * 1000)
                    sent = deadline - timedelta(hours=rng.randint(2, 200))
                    contents = {"receipt": 1, "action": "submitted", "time": sent.isoformat(),
                                "tender": {"id": tender_id, "reference": reference, "commissioner": commissioner.name},
                                "lot": {"number": lot_number, "title": lot_title},
                                "provider": {"slug": provider.slug, "name": provider.name}, "version": 1,
                                "price": f"{price:.2f}", "answers": [], "documents": [], "members": []}
                    sha = digest(contents)
                    bids.append((bid_id, provider.id, commissioner.id, tender_id, lot_id, "submitted", price, "{}", 1,
                                 sent, provider.people["admin"], sha, sent - timedelta(hours=3)))
                    receipts.append((provider.id, commissioner.id, tender_id, bid_id, 1, "submitted", sha,
                                     as_json(contents), provider.people["admin"], sent))
            n += 1
    writer.copy("tenders", ("id", "tenant_id", "reference", "title", "description", "service_type", "regime", "status",
                            "listed", "published_at", "clarification_deadline", "answer_deadline",
                            "submission_deadline", "evaluation_on", "award_on", "standstill_end", "contract_start",
                            "bid_public_key", "created_at"), tenders)
    writer.copy("tender_lots", ("id", "tenant_id", "tender_id", "number", "title", "description", "estimated_value",
                                "places", "listed"), lots)
    writer.copy("tender_interests", ("tenant_id", "commissioner_id", "tender_id", "created_at"), interests)
    clar_ids = writer.reserve_ids("tender_clarifications", len(clarifications))
    by_number = {(row[1], row[2]): cid for cid, row in zip(clar_ids, clarifications)}
    writer.copy("tender_clarifications", ("id", "tenant_id", "tender_id", "number", "question", "answer",
                                          "published_at", "listed"),
                [(cid,) + row for cid, row in zip(clar_ids, clarifications)])
    writer.copy("tender_questions", ("tenant_id", "commissioner_id", "tender_id", "text", "published_text", "status",
                                     "answer", "asked_by_id", "answered_by_id", "answered_at", "clarification_id",
                                     "created_at"),
                [row[:10] + (by_number.get(row[10]) if row[10] else None, row[11]) for row in questions])
    writer.copy("tender_bids", ("id", "tenant_id", "commissioner_id", "tender_id", "lot_id", "status", "price",
                                "answers", "version", "submitted_at", "submitted_by_id", "receipt_sha256",
                                "created_at"), bids)
    writer.copy("tender_bid_receipts", ("tenant_id", "commissioner_id", "tender_id", "bid_id", "number", "status",
                                        "sha256", "contents", "by_id", "created_at"), receipts)
