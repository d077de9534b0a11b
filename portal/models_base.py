"""Shared column helpers for models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKeyConstraint, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


def tenant_table_args(table: str, *extra, parents: tuple[tuple[str, str], ...] = ()) -> tuple:
    """Layer 3 (schema): ``UNIQUE (tenant_id, id)`` and composite foreign keys to parents.

    ``parents`` names ``(column, parent_table)`` pairs: the child references the parent by
    ``(tenant_id, column) -> parent(tenant_id, id)`` so a row can never point at another
    tenant's parent.
    """
    args = [UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id")]
    for column, parent in parents:
        args.append(ForeignKeyConstraint(
            ["tenant_id", column], [f"{parent}.tenant_id", f"{parent}.id"],
            name=f"fk_{table}_tenant_{column}", ondelete="CASCADE"))
    args.extend(extra)
    return tuple(args)


__all__ = ["utcnow", "created_at_column", "tenant_table_args", "Index"]
