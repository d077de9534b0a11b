"""What each contract counts its delivery in (hours, visits, sessions, nights, weeks, places), so
that delivery figures are only ever added up within one unit.

Existing contracts get the usual unit of their type of service (copied here, as a migration must
not change when the code does): hours for care at home, supported living and other services,
sessions for day opportunities, nights for residential care.

Revision ID: 0012_delivery_units
Revises: 0011_return_reminders
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_delivery_units"
down_revision = "0011_return_reminders"
branch_labels = None
depends_on = None

UNITS = ("hours", "visits", "sessions", "nights", "weeks", "places")


def upgrade(app_role: str) -> None:
    op.add_column("contracts", sa.Column("delivery_unit", sa.String(length=20), nullable=False,
                                         server_default="hours"))
    # Row-level security is forced on the owner too: lift it while every tenant's rows are filled
    # in (inside this migration's transaction).
    op.execute("ALTER TABLE contracts NO FORCE ROW LEVEL SECURITY")
    op.execute("UPDATE contracts SET delivery_unit = CASE service_type WHEN 'day_opportunities' THEN 'sessions' "
               "WHEN 'residential' THEN 'nights' ELSE 'hours' END")
    op.execute("ALTER TABLE contracts FORCE ROW LEVEL SECURITY")
    op.alter_column("contracts", "delivery_unit", server_default=None)
    op.create_check_constraint(op.f("ck_contracts_valid_delivery_unit"), "contracts",
                               "delivery_unit in (" + ", ".join(f"'{u}'" for u in UNITS) + ")")


def downgrade(app_role: str) -> None:
    op.drop_constraint(op.f("ck_contracts_valid_delivery_unit"), "contracts", type_="check")
    op.drop_column("contracts", "delivery_unit")
