"""Derived data, built in bulk by SQL: the search index (one INSERT ... SELECT per provider, the
rows ``portal.search.services.index_return`` makes for each return's latest version) and the
commissioners' outcome rollups (the app's own ``refresh_outcome_rollup``: one statement each)."""
from __future__ import annotations

from portal.dev.scale.bulk import Writer
from portal.search.models import TEXT_LIMIT

# A return's latest version, its narrative answers and its documents' text, as index_return
# writes them (searchable(): the highlight markers removed, the first TEXT_LIMIT characters, stripped).
SEARCH_ENTRIES = f"""
WITH latest AS (
    SELECT DISTINCT ON (v.return_id) v.tenant_id, v.commissioner_id, v.return_id, v.number, v.answers, v.documents,
           c.framework_id
    FROM return_versions v
    JOIN returns r ON r.tenant_id = v.tenant_id AND r.id = v.return_id
    JOIN contracts c ON c.tenant_id = r.tenant_id AND c.id = r.contract_id
    WHERE v.tenant_id = %(tenant)s AND r.status <> 'draft'
      AND NOT EXISTS (SELECT 1 FROM search_entries s WHERE s.tenant_id = v.tenant_id AND s.return_id = v.return_id)
    ORDER BY v.return_id, v.number DESC
), texts AS (
    SELECT l.tenant_id, l.commissioner_id, l.return_id, l.number, 'narrative' AS kind, m.code AS measure_code,
           NULL::bigint AS document_id, left(coalesce(o.text, m.label), 300) AS title,
           btrim(left(translate(l.answers ->> m.code, E'\\x02\\x03', ''), {TEXT_LIMIT}), E' \\t\\n\\r') AS body,
           m.position AS position
    FROM latest l
    JOIN measures m ON m.framework_id = l.framework_id AND m.is_narrative
    LEFT JOIN outcomes o ON o.id = m.outcome_id
    WHERE jsonb_typeof(l.answers -> m.code) = 'string'
    UNION ALL
    SELECT l.tenant_id, l.commissioner_id, l.return_id, l.number, 'document', NULL, (ref ->> 'id')::bigint,
           left(ref ->> 'filename', 300),
           btrim(left(translate(coalesce(d.text_content, ''), E'\\x02\\x03', ''), {TEXT_LIMIT}), E' \\t\\n\\r'),
           100000 + ordinality
    FROM latest l
    CROSS JOIN LATERAL jsonb_array_elements(l.documents) WITH ORDINALITY AS refs(ref, ordinality)
    JOIN documents d ON d.tenant_id = l.tenant_id AND d.id = (ref ->> 'id')::bigint
)
INSERT INTO search_entries (tenant_id, commissioner_id, return_id, version_number, kind, measure_code, document_id,
                            title, body, created_at)
SELECT tenant_id, commissioner_id, return_id, number, kind, measure_code, document_id, title, body, %(now)s
FROM texts WHERE body <> ''
ORDER BY return_id, position
"""


def build_search_entries(writer: Writer, provider_ids: list[int]) -> int:
    made = 0
    for provider_id in provider_ids:
        made += writer.execute_as(provider_id, SEARCH_ENTRIES, {"tenant": provider_id, "now": writer.now})
    writer.counts["search_entries"] += made
    return made


def refresh_rollups(commissioner_ids: list[int]) -> None:
    """The app's rollup refresh, as each commissioner (through the app's own session)."""
    from portal.collaboratives.services import refresh_outcome_rollup
    from portal.extensions import db
    from portal.tenants.context import tenant_context

    for commissioner_id in commissioner_ids:
        with tenant_context(commissioner_id):
            refresh_outcome_rollup(commissioner_id)
    db.session.commit()


def analyze(writer: Writer) -> None:
    writer.conn.execute("ANALYZE")
