"""Bulk writes for the scale generator: COPY through the owner (migration) connection, one
tenant at a time, so that every row passes the table's row-level security as the app's would.

The owner is not a superuser and every tenant-owned table has ``FORCE ROW LEVEL SECURITY``: a
COPY runs after ``set_config('app.org_id', <tenant>, true)``, and PostgreSQL checks each row
against the same policies the app's inserts meet (a row of another tenant fails the COPY).
Columns the models fill from Python defaults (``created_at``, empty lists, ``false``...) are
filled here from the same defaults, once per table, so the rows are those the ORM would write.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import psycopg
from sqlalchemy import Table

from portal.extensions import db


def owner_url() -> str:
    """The migration (owner) database URL, as psycopg takes it."""
    from flask import current_app

    url = (current_app.config.get("MIGRATION_DATABASE_URL") or os.environ.get("MIGRATION_DATABASE_URL")
           or current_app.config.get("SQLALCHEMY_DATABASE_URI"))
    if not url:
        raise RuntimeError("MIGRATION_DATABASE_URL is not set: name the database the migrations run on")
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Writer:
    """One owner connection and transaction; ``copy`` writes rows grouped by tenant."""

    def __init__(self, conn: psycopg.Connection, now: datetime):
        self.conn = conn
        self.now = now
        self.counts: dict[str, int] = defaultdict(int)
        self._tenant: int | None = None

    def table(self, name: str) -> Table:
        return db.metadata.tables[name]

    def set_tenant(self, tenant_id: int | None) -> None:
        if tenant_id != self._tenant:
            self.conn.execute("select set_config('app.org_id', %s, true)",
                              ("" if tenant_id is None else str(tenant_id),))
            self._tenant = tenant_id

    def reserve_ids(self, table: str, n: int) -> list[int]:
        """``n`` ids from the table's own sequence (the ids the app's inserts would have taken)."""
        if n <= 0:
            return []
        rows = self.conn.execute(
            "select nextval(pg_get_serial_sequence(%s, 'id')) from generate_series(1, %s)", (table, n)).fetchall()
        return [r[0] for r in rows]

    def _defaults(self, table: Table, given: Sequence[str]) -> tuple[list[str], tuple]:
        """The columns the caller did not give that the model fills from a Python default."""
        names, values = [], []
        for column in table.columns:
            if column.name in given or column.computed is not None or column.primary_key:
                continue
            default = column.default
            if default is None or not getattr(default, "is_scalar", False) and not getattr(default, "is_callable",
                                                                                                False):
                continue
            if default.is_scalar:
                value = default.arg
            else:
                value = default.arg(None)
                if isinstance(value, datetime):
                    value = self.now
            if isinstance(value, (dict, list)) and column.type.__class__.__name__ == "JSONB":
                value = as_json(value)
            names.append(column.name)
            values.append(value)
        return names, tuple(values)

    def copy(self, name: str, columns: Sequence[str], rows: Iterable[tuple], *, tenant_index: int | None = None,
             as_tenant: bool = True) -> int:
        """COPY ``rows`` (tuples in ``columns`` order) into ``name``; each row as the tenant in its
        column ``tenant_index`` (default: the ``tenant_id`` column). Returns how many were written."""
        table = self.table(name)
        extra_names, extra_values = self._defaults(table, columns)
        all_columns = list(columns) + extra_names
        statement = f'COPY "{name}" ({", ".join(all_columns)}) FROM STDIN'
        groups: dict[int | None, list[tuple]] = defaultdict(list)
        if as_tenant:
            index = columns.index("tenant_id") if tenant_index is None else tenant_index
            for row in rows:
                groups[row[index]].append(row)
        else:
            groups[None] = list(rows)
        written = 0
        with self.conn.cursor() as cursor:
            if not as_tenant:  # a table without row-level security (organisations, users)
                with cursor.copy(statement) as copy:
                    for row in groups[None]:
                        copy.write_row(row + extra_values)
                self.counts[name] += len(groups[None])
                return len(groups[None])
            # PostgreSQL refuses COPY into a table with row-level security: each tenant's rows are
            # copied into a temporary table, then inserted as that tenant (the policies check them).
            stage = f"stage_{name}"
            column_list = ", ".join(all_columns)
            cursor.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" AS SELECT {column_list} FROM "{name}" '
                           f"WITH NO DATA")
            for tenant_id, group in groups.items():
                self.set_tenant(tenant_id)
                with cursor.copy(f'COPY "{stage}" ({column_list}) FROM STDIN') as copy:
                    for row in group:
                        copy.write_row(row + extra_values)
                cursor.execute(f'INSERT INTO "{name}" ({column_list}) SELECT {column_list} FROM "{stage}"')
                cursor.execute(f'TRUNCATE "{stage}"')
                written += len(group)
            cursor.execute(f'DROP TABLE "{stage}"')
        self.counts[name] += written
        return written

    def execute_as(self, tenant_id: int, sql: str, params: dict | tuple | None = None) -> int:
        self.set_tenant(tenant_id)
        return self.conn.execute(sql, params).rowcount
