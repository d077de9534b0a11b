"""What search reads.

A commissioner searches ``search_entries``: one row per narrative answer and per evidence
document of the latest submitted version of each return of its contracts. The rows belong to
the provider (``tenant_id``) and carry the commissioner (``commissioner_id``), like versions,
so the commissioner never reads the provider's ``documents`` rows (RLS keeps those
provider-only): the text it may search was copied here, as the provider, when the version was
submitted.

A provider searches its own live rows: the narrative answers of its returns (drafts too) and its
documents' ``text_content``. Search gives ``answers`` and ``documents`` a generated, stored
``search_vector`` column each (declared here, next to the rest of search, and made by migration
0005), so a search never parses texts again.

Every ``search_vector`` has a GIN index. PostgreSQL uses an index under row-level security
only for leakproof operators, and ``@@`` is not marked leakproof, so a commissioner's search
matches its words in ``search_matches`` (``SEARCH_MATCHES``): a view of the entries' vectors
that holds only the organisation's own, kept outside row-level security by migration 0028 so
that the GIN index serves the match, and split by commissioner by migration 0029 so that the
index read is the commissioner's own; the matching entries are then read from ``search_entries``
under its policies, by provider and id. A provider's search of its own answers and documents finds them through the
tenant indexes and tests the stored vectors, so its cost grows with the organisation's own rows,
never with other tenants'.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, Column, Computed, ForeignKeyConstraint, Index, Integer, String,
                        Table, Text, UniqueConstraint, column, literal_column, table)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from portal.documents.models import Document
from portal.extensions import db
from portal.models_base import created_at_column, tenant_table_args
from portal.returns.models import Answer
from portal.tenants.scoping import CommissionerVisible

NARRATIVE, DOCUMENT = "narrative", "document"
KINDS = (NARRATIVE, DOCUMENT)
KIND_LABELS = {NARRATIVE: "Narrative", DOCUMENT: "Document"}
#: Characters of a text that are indexed and searched. A tsvector holds at most 1 MB; this many
#: characters stay well under it whatever the text, so indexing never fails on a long document.
TEXT_LIMIT = 100_000
#: The view of search entries' vectors the app role matches words in (migrations 0028 and 0029):
#: the entries the organisation holds as commissioner, in its commissioner's partition (the GIN
#: index of that partition alone), each with its provider (the entry's ``tenant_id``).
SEARCH_MATCHES = table("search_matches", column("entry_id", BigInteger), column("search_vector", TSVECTOR),
                       column("provider_id", BigInteger), column("commissioner_id", BigInteger))
#: ``to_tsvector``'s configuration as a constant (SQL text, not a bound parameter).
ENGLISH = literal_column("'english'::regconfig")


def vector_of(column: str) -> str:
    """The generated column's expression: the first TEXT_LIMIT characters, parsed as English."""
    return f"to_tsvector('english'::regconfig, left(coalesce({column}, ''::text), {TEXT_LIMIT}))"


def _add_search_vector(table: Table, column: str) -> Column:
    """A stored ``search_vector`` of ``column`` with a GIN index (not mapped: never loaded with the rows)."""
    vector = Column("search_vector", TSVECTOR, Computed(vector_of(column), persisted=True), nullable=False)
    table.append_column(vector)
    Index(f"ix_{table.name}_search_vector", vector, postgresql_using="gin")
    return vector


ANSWER_VECTOR = _add_search_vector(Answer.__table__, "value_text")
DOCUMENT_VECTOR = _add_search_vector(Document.__table__, "text_content")


class SearchEntry(CommissionerVisible, db.Model):
    """One searchable text of a return's latest submitted version: a narrative answer or the
    extracted text of an evidence document. Replaced whenever a new version is submitted."""

    __tablename__ = "search_entries"
    __table_args__ = tenant_table_args(
        "search_entries",
        UniqueConstraint("tenant_id", "return_id", "kind", "measure_code", "document_id",
                         name="uq_search_entries_tenant_id_return_id_source", postgresql_nulls_not_distinct=True),
        CheckConstraint("kind in ('narrative', 'document')", name="valid_kind"),
        CheckConstraint("(kind = 'narrative' and measure_code is not null and document_id is null) or "
                        "(kind = 'document' and document_id is not null and measure_code is null)",
                        name="source_matches_kind"),
        ForeignKeyConstraint(["tenant_id", "return_id", "version_number"],
                             ["return_versions.tenant_id", "return_versions.return_id", "return_versions.number"],
                             name="fk_search_entries_tenant_return_version", ondelete="CASCADE"),
        Index("ix_search_entries_commissioner_id", "commissioner_id"),
        Index("ix_search_entries_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    return_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    version_number: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    measure_code: Mapped[str | None] = mapped_column(String(60))
    document_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    search_vector = mapped_column(TSVECTOR, Computed("to_tsvector('english'::regconfig, body)", persisted=True),
                                  nullable=False, deferred=True)
    created_at: Mapped[datetime] = created_at_column()
