"""Row-level security policies read the tenant and user settings once per statement.

Each policy compared its column with ``nullif(current_setting('app.org_id', true), '')::bigint``,
which PostgreSQL evaluates again for every row a filter looks at. Wrapped in a scalar subquery
(``(SELECT ...)``) it becomes an InitPlan, evaluated once per statement and usable as an index
condition: make bench measured the policies' cost on the dashboards and lists at 17 % before and
8 % after, on the same data. What each policy allows does not change (the tenancy suites).

New policies get the wrapped form from migrations/rls.py; this rewrites the existing ones.

Revision ID: 0027_rls_settings_once
Revises: 0026_commissioner_indexes
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0027_rls_settings_once"
down_revision = "0026_commissioner_indexes"
branch_labels = None
depends_on = None

#: A setting as PostgreSQL prints it back in pg_policies, bare (per row) and wrapped (once).
BARE = re.compile(r"(?<!SELECT )\(NULLIF\(current_setting\('app\.(org_id|user_id)'::text, true\), ''::text\)\)::bigint")
WRAPPED = re.compile(r"\( SELECT \(NULLIF\(current_setting\('app\.(org_id|user_id)'::text, true\), ''::text\)\)::bigint"
                     r"(?: AS \"?nullif\"?)?\)")


def _rewrite(change) -> None:
    policies = op.get_bind().execute(sa.text(
        "select tablename, policyname, qual, with_check from pg_policies where schemaname = current_schema()")).all()
    for table, name, qual, check in policies:
        parts = [f"{clause} ({change(expression)})" for clause, expression in (("USING", qual), ("WITH CHECK", check))
                 if expression is not None and change(expression) != expression]
        if parts:
            op.execute(f'ALTER POLICY "{name}" ON "{table}" ' + " ".join(parts))


def upgrade(app_role: str) -> None:
    _rewrite(lambda expression: BARE.sub(
        lambda m: f"(SELECT NULLIF(current_setting('app.{m.group(1)}', true), '')::bigint)", expression))


def downgrade(app_role: str) -> None:
    _rewrite(lambda expression: WRAPPED.sub(
        lambda m: f"(NULLIF(current_setting('app.{m.group(1)}', true), '')::bigint)", expression))
