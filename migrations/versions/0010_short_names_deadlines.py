"""Outcomes' short names for the rows seeded before them; each submitted version's deadline
(the date it was judged late or on time against), and returns' lateness by that one rule.

The national outcomes get the names in portal.contracts.frameworks.SHORT_NAMES (copied here, as
a migration must not change when the code does); a commissioner's own outcomes get their
wording's first clause, cut at a word. Versions made before this migration were judged against
the due date (there was no date to respond by), so that is their deadline; a return is late when
any of its versions was (portal.returns.lateness).

Revision ID: 0010_short_names_deadlines
Revises: 0009_return_reviews
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_short_names_deadlines"
down_revision = "0009_return_reviews"
branch_labels = None
depends_on = None

SHORT_NAMES = {
    "NHWO-1": "Healthier living",
    "NHWO-2": "Independent living",
    "NHWO-3": "Positive experiences",
    "NHWO-4": "Quality of life",
    "NHWO-5": "Reducing health inequalities",
    "NHWO-6": "Carers supported",
    "NHWO-7": "Safe from harm",
    "NHWO-8": "Engaged workforce",
    "NHWO-9": "Resources used well",
    "ASCOF-1": "Quality of life",
    "ASCOF-2": "Delaying and reducing need",
    "ASCOF-3": "Positive experience of care",
    "ASCOF-4": "Safeguarding",
    "ASCOF23-QOL": "Quality of life",
    "ASCOF23-IND": "Independence",
    "ASCOF23-EMP": "Information and advice",
    "ASCOF23-SAF": "Safety",
    "ASCOF23-SOC": "Social connections",
    "ASCOF23-CQC": "Continuity and quality of care",
}


def _shorten(text: str) -> str:
    text = " ".join((text or "").split())
    clause = text
    for mark in (". ", "; ", ", "):
        head = clause.split(mark, 1)[0]
        if 12 <= len(head) < len(clause):
            clause = head
    clause = clause.rstrip(".;:, ")
    if len(clause) <= 60:
        return clause
    return clause[:60].rsplit(" ", 1)[0].rstrip(".;:, ") + "\u2026"


def upgrade(app_role: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT o.id, o.code, o.text, f.owner_id IS NULL AS national FROM outcomes o "
        "JOIN outcome_frameworks f ON f.id = o.framework_id WHERE o.short_name = ''")).all()
    for row in rows:
        short = (SHORT_NAMES.get(row.code) if row.national else None) or _shorten(row.text)
        conn.execute(sa.text("UPDATE outcomes SET short_name = :short WHERE id = :id"),
                     {"short": short[:80], "id": row.id})

    op.add_column("return_versions", sa.Column("deadline", sa.Date(), nullable=True))
    # Row-level security is forced on the owner too: lift it while every tenant's rows are filled
    # in (inside this migration's transaction). Versions are append-only (a trigger refuses
    # UPDATE): only the new column is filled, once.
    for table in ("returns", "return_versions"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE return_versions DISABLE TRIGGER return_versions_append_only")
    op.execute("UPDATE return_versions v SET deadline = r.due_date FROM returns r "
               "WHERE r.id = v.return_id AND r.tenant_id = v.tenant_id")
    op.execute("ALTER TABLE return_versions ENABLE TRIGGER return_versions_append_only")
    op.execute("UPDATE returns r SET submitted_late = EXISTS (SELECT 1 FROM return_versions v "
               "WHERE v.return_id = r.id AND v.tenant_id = r.tenant_id "
               "AND (v.submitted_at AT TIME ZONE 'Europe/London')::date > v.deadline)")
    for table in ("returns", "return_versions"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.alter_column("return_versions", "deadline", nullable=False)


def downgrade(app_role: str) -> None:
    op.drop_column("return_versions", "deadline")
    op.execute("UPDATE outcomes SET short_name = ''")
