"""Per-organisation API tokens (one organisation, scopes, an expiry chosen at creation) and the
access trail (downloads and refused cross-organisation attempts, with no personal data).

api_tokens stays a person's own table (a token is found by its hash before any organisation is
known); its organisation is checked by the request pipeline on every request. Tokens made
before this revision named no organisation and acted in all of a person's organisations: they
are deleted, and their owners make new ones.

access_events is a platform table like platform_audit_events (a refusal comes from outside the
organisation it names): append-only, ids without foreign keys so that it outlives what it names.

Revision ID: 0024_tokens
Revises: 0023_invoice_attachments
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import append_only, grant

revision = "0024_tokens"
down_revision = "0023_invoice_attachments"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.execute("DELETE FROM api_tokens")
    op.add_column("api_tokens", sa.Column("organisation_id", sa.BigInteger(), nullable=False))
    op.add_column("api_tokens", sa.Column("scopes", postgresql.ARRAY(sa.String(length=20)), nullable=False))
    op.create_foreign_key(op.f("fk_api_tokens_organisation_id_organisations"), "api_tokens", "organisations",
                          ["organisation_id"], ["id"], ondelete="CASCADE")
    op.create_check_constraint(op.f("ck_api_tokens_known_scopes"), "api_tokens",
                               "scopes <@ array['read', 'write']::varchar[] and cardinality(scopes) > 0")

    op.create_table(
        "access_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("token_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("endpoint", sa.String(length=120), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("object_kind", sa.String(length=60), nullable=True),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_events")),
    )
    op.create_index("ix_access_events_created_at", "access_events", ["created_at"], unique=False)
    op.create_index("ix_access_events_organisation_id_created_at", "access_events",
                    ["organisation_id", "created_at"], unique=False)
    grant("access_events", app_role, "SELECT, INSERT")
    append_only("access_events")


def downgrade(app_role: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS access_events_append_only ON access_events")
    op.drop_table("access_events")
    op.drop_constraint(op.f("ck_api_tokens_known_scopes"), "api_tokens", type_="check")
    op.drop_constraint(op.f("fk_api_tokens_organisation_id_organisations"), "api_tokens", type_="foreignkey")
    op.drop_column("api_tokens", "scopes")
    op.drop_column("api_tokens", "organisation_id")
