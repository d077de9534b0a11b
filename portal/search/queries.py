"""Search: ``websearch_to_tsquery`` against GIN-indexed vectors, ranked with ``ts_rank``, with
``ts_headline`` snippets.

- A commissioner searches the ``search_entries`` of its contracts' submitted returns (latest
  version of each; a document attached to several returns shows once, from the latest period).
- A provider searches its own narrative answers (drafts too) and its own documents' text.

Every query names the organisation explicitly, on top of the ORM and RLS layers. Snippets mark
matches with control characters that indexed text cannot contain; ``highlight`` escapes the
snippet and only then turns the markers into ``<mark>`` tags.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import (BigInteger, Date, Integer, String, Text, and_, case, cast, func, literal, literal_column,
                        null, select, true, union_all)

from portal.errors import ServiceError
from portal.contracts.models import Contract, Measure, Outcome
from portal.documents.models import CLEAN, Document
from portal.extensions import db
from portal.limits import clamp_page
from portal.returns.models import Answer, Return
from portal.search.models import (ANSWER_VECTOR, DOCUMENT, DOCUMENT_VECTOR, ENGLISH, NARRATIVE, SEARCH_MATCHES,
                                  TEXT_LIMIT, SearchEntry)
from portal.search.services import MARKERS
from portal.tenants.models import COMMISSIONER, Organisation

MAX_QUERY_LENGTH = 200
PAGE_SIZE = 20
START, STOP = MARKERS[0], MARKERS[1]
HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=12, ShortWord=3, "
                    "MaxFragments=2, FragmentDelimiter=\" … \"")
#: ts_rank normalisation 1: divide by 1 + log(length), so a long document does not win on length alone.
RANK_NORMALISATION = 1


class QueryProblem(ServiceError):
    """The search words cannot be used: the message says how to fix them."""

    def __init__(self, message: str):
        super().__init__(message, field="q")


@dataclass
class Hit:
    kind: str
    title: str
    snippet: Markup
    rank: float
    provider: str
    return_id: int | None = None
    version_number: int | None = None
    return_status: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    contract_reference: str | None = None
    contract_title: str | None = None
    measure_code: str | None = None
    document_id: int | None = None


@dataclass
class Results:
    query: str
    hits: list[Hit]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def clean_query(raw: str | None) -> str:
    """The search words, or QueryProblem with what to do instead."""
    q = " ".join((raw or "").split())
    if not q:
        raise QueryProblem("Enter the words you are looking for")
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryProblem(f"Search words must be {MAX_QUERY_LENGTH} characters or fewer")
    return q


def highlight(snippet: str | None) -> Markup:
    """Escape the snippet, then turn ts_headline's markers into <mark> tags (nothing else is trusted)."""
    text = str(escape((snippet or "").strip()))
    return Markup(text.replace(START, "<mark>").replace(STOP, "</mark>"))


def _tsquery(q: str):
    return func.websearch_to_tsquery(ENGLISH, q)


def _headline(column, tsquery):
    limited = func.left(func.coalesce(column, literal_column("''::text")), literal_column(str(TEXT_LIMIT)))
    return func.ts_headline(ENGLISH, func.translate(limited, literal(MARKERS), literal("")), tsquery,
                            literal(HEADLINE_OPTIONS))


def search(organisation: Organisation, raw_query: str | None, *, page: int = 1,
           page_size: int = PAGE_SIZE) -> Results:
    q = clean_query(raw_query)
    page = clamp_page(page)
    offset = (page - 1) * page_size
    if organisation.kind == COMMISSIONER:
        hits, total = _commissioner_search(organisation.id, q, page_size, offset)
    else:
        hits, total = _provider_search(organisation, q, page_size, offset)
    return Results(query=q, hits=hits, total=total, page=page, page_size=page_size)


def _commissioner_search(commissioner_id: int, q: str, limit: int, offset: int) -> tuple[list[Hit], int]:
    tsquery = _tsquery(q)
    # The entries whose words match, through the GIN index of the organisation's own vectors (see
    # portal.search.models), found first and once (MATERIALIZED): under row-level security PostgreSQL
    # misjudges how many entries the organisation has and would test each one's vector instead.
    # Ranked there too: the vector is already read (the index's recheck), never read again.
    hits = (select(SEARCH_MATCHES.c.entry_id, SEARCH_MATCHES.c.provider_id,
                   func.ts_rank(SEARCH_MATCHES.c.search_vector, tsquery, RANK_NORMALISATION).label("rank"))
            .where(SEARCH_MATCHES.c.commissioner_id == commissioner_id,  # its partition, chosen when planned
                   SEARCH_MATCHES.c.search_vector.op("@@")(tsquery))
            .cte("hits").prefix_with("MATERIALIZED"))
    # Each match's entry by its provider and id, one lookup per match (LIMIT 1 keeps PostgreSQL
    # from turning it into a join it could plan badly: it took the entries for one row and scanned
    # the matches again for each of them, 59 s for a common word at scale 10).
    entry = (select(SearchEntry.id, SearchEntry.kind, SearchEntry.document_id, SearchEntry.tenant_id,
                    SearchEntry.return_id, hits.c.rank)
             .where(SearchEntry.tenant_id == hits.c.provider_id, SearchEntry.id == hits.c.entry_id,
                    SearchEntry.commissioner_id == commissioner_id)
             .limit(1).lateral("entry"))
    # A document evidences many returns: keep its entry from the latest period only.
    source = case((entry.c.kind == DOCUMENT, func.concat("d", entry.c.document_id)),
                  else_=func.concat("n", entry.c.id))
    matches = (
        select(entry.c.id.label("id"), entry.c.tenant_id.label("tenant_id"), entry.c.rank.label("rank"),
               Return.period_start.label("period_start"),
               func.row_number().over(partition_by=source,
                                      order_by=(Return.period_start.desc(), entry.c.id.desc())).label("nth"))
        .select_from(hits).join(entry, true())
        .join(Return, and_(Return.tenant_id == entry.c.tenant_id, Return.id == entry.c.return_id))
        .subquery("matches"))
    # One statement: the page of matches and, beside each, how many there are in all (a window over
    # every match, counted before the page is cut), so the matching is done once, not twice.
    ranked = (select(matches.c.id, matches.c.tenant_id, matches.c.rank, matches.c.period_start,
                     func.count().over().label("total"))
              .where(matches.c.nth == 1)
              .order_by(matches.c.rank.desc(), matches.c.period_start.desc(), matches.c.id.desc())
              .limit(limit).offset(offset).subquery("ranked"))
    rows = db.session.execute(
        select(SearchEntry.kind, SearchEntry.title, _headline(SearchEntry.body, tsquery).label("snippet"),
               ranked.c.rank, Organisation.name, SearchEntry.return_id, SearchEntry.version_number, Return.status,
               Return.period_start, Return.period_end, Contract.reference, Contract.title,
               SearchEntry.measure_code, SearchEntry.document_id, ranked.c.total)
        .join(ranked, and_(ranked.c.tenant_id == SearchEntry.tenant_id, ranked.c.id == SearchEntry.id))
        .join(Return, and_(Return.tenant_id == SearchEntry.tenant_id, Return.id == SearchEntry.return_id))
        .join(Contract, and_(Contract.tenant_id == Return.tenant_id, Contract.id == Return.contract_id))
        .join(Organisation, Organisation.id == SearchEntry.tenant_id)
        .where(SearchEntry.commissioner_id == commissioner_id)
        .order_by(ranked.c.rank.desc(), ranked.c.period_start.desc(), ranked.c.id.desc())).all()
    if rows:
        return [_hit(row[:-1]) for row in rows], rows[0].total
    if not offset:
        return [], 0
    # A page past the last: how many there are, for the link back to the first page.
    return [], db.session.scalar(select(func.count()).select_from(matches).where(matches.c.nth == 1)) or 0


def _provider_search(provider: Organisation, q: str, limit: int, offset: int) -> tuple[list[Hit], int]:
    tsquery = _tsquery(q)
    narratives = (
        select(literal(NARRATIVE).label("kind"), Answer.id.label("id"),
               func.ts_rank(ANSWER_VECTOR, tsquery, RANK_NORMALISATION).label("rank"),
               func.coalesce(Outcome.text, Measure.label).label("title"), Answer.value_text.label("body"),
               Return.id.label("return_id"), Return.status.label("status"),
               Return.period_start.label("period_start"), Return.period_end.label("period_end"),
               Contract.reference.label("reference"), Contract.title.label("contract_title"),
               Measure.code.label("measure_code"), cast(null(), BigInteger).label("document_id"),
               Return.period_start.label("sort_date"))
        .join(Measure, and_(Measure.id == Answer.measure_id, Measure.is_narrative.is_(True)))
        .outerjoin(Outcome, Outcome.id == Measure.outcome_id)
        .join(Return, and_(Return.tenant_id == Answer.tenant_id, Return.id == Answer.return_id))
        .join(Contract, and_(Contract.tenant_id == Return.tenant_id, Contract.id == Return.contract_id))
        .where(Answer.tenant_id == provider.id, ANSWER_VECTOR.op("@@")(tsquery)))
    documents = (
        select(literal(DOCUMENT).label("kind"), Document.id.label("id"),
               func.ts_rank(DOCUMENT_VECTOR, tsquery, RANK_NORMALISATION).label("rank"),
               cast(Document.filename, Text).label("title"), Document.text_content.label("body"),
               cast(null(), BigInteger).label("return_id"), cast(null(), String).label("status"),
               cast(null(), Date).label("period_start"), cast(null(), Date).label("period_end"),
               cast(null(), String).label("reference"), cast(null(), String).label("contract_title"),
               cast(null(), String).label("measure_code"), Document.id.label("document_id"),
               cast(Document.created_at, Date).label("sort_date"))
        .where(Document.tenant_id == provider.id, Document.status == CLEAN, Document.object_deleted_at.is_(None),
               DOCUMENT_VECTOR.op("@@")(tsquery)))
    matches = union_all(narratives, documents).subquery("matches")
    total = db.session.scalar(select(func.count()).select_from(matches))
    if not total:
        return [], 0
    ranked = (select(matches).order_by(matches.c.rank.desc(), matches.c.sort_date.desc(), matches.c.kind,
                                       matches.c.id.desc())
              .limit(limit).offset(offset).subquery("ranked"))
    rows = db.session.execute(
        select(ranked.c.kind, ranked.c.title, _headline(ranked.c.body, tsquery).label("snippet"), ranked.c.rank,
               literal(provider.name).label("provider"), ranked.c.return_id,
               cast(null(), Integer).label("version_number"), ranked.c.status, ranked.c.period_start,
               ranked.c.period_end, ranked.c.reference, ranked.c.contract_title, ranked.c.measure_code,
               ranked.c.document_id)
        .order_by(ranked.c.rank.desc(), ranked.c.sort_date.desc(), ranked.c.kind, ranked.c.id.desc()))
    return [_hit(row) for row in rows], total


def _hit(row) -> Hit:
    (kind, title, snippet, rank, provider, return_id, version_number, status, period_start, period_end, reference,
     contract_title, measure_code, document_id) = row
    return Hit(kind=kind, title=title, snippet=highlight(snippet), rank=float(rank), provider=provider,
               return_id=return_id, version_number=version_number, return_status=status,
               period_start=period_start, period_end=period_end, contract_reference=reference,
               contract_title=contract_title, measure_code=measure_code, document_id=document_id)
