"""Money: contract variations and rate cards, invoices and credit notes with their lines and
history, payment runs, remittance advice and each commissioner's invoicing settings.

Revision ID: 0020_invoices
Revises: 0019_evaluation
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import append_only, enable_commissioner_rls, enable_tenant_rls, grant

revision = "0020_invoices"
down_revision = "0019_evaluation"
branch_labels = None
depends_on = None

COMMISSIONER_VISIBLE = ("contract_variations", "contract_rates", "remittances")
TENANT_OWNED = ("payment_runs", "invoicing_settings")


def upgrade(app_role: str) -> None:
    op.add_column("contracts", sa.Column("holiday_region", sa.String(20), nullable=False, server_default="scotland"))
    op.create_check_constraint(op.f("ck_contracts_valid_holiday_region"), "contracts",
                               "holiday_region in ('scotland', 'england', 'northern_ireland', 'uk')")
    op.create_table('contract_variations',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('new_end_date', sa.Date(), nullable=True),
    sa.Column('value_change', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind in ('rate', 'extension', 'value', 'other')", name=op.f('ck_contract_variations_valid_kind')),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_contract_variations_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contract_variations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name='fk_contract_variations_tenant_contract_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_contract_variations_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_variations')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_contract_variations_tenant_id_id')
    )
    op.create_index('ix_contract_variations_contract_id', 'contract_variations', ['tenant_id', 'contract_id'], unique=False)
    op.create_table('contract_rates',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('service_type', sa.String(length=30), nullable=False),
    sa.Column('day_type', sa.String(length=20), nullable=False),
    sa.Column('rate', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('variation_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("day_type in ('weekday', 'weekend', 'public_holiday')", name=op.f('ck_contract_rates_valid_day_type')),
    sa.CheckConstraint("unit in ('hour', 'visit', 'week', 'night', 'session', 'block')", name=op.f('ck_contract_rates_valid_unit')),
    sa.CheckConstraint('effective_to is null or effective_to >= effective_from', name=op.f('ck_contract_rates_dates_in_order')),
    sa.CheckConstraint('rate >= 0', name=op.f('ck_contract_rates_rate_not_negative')),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_contract_rates_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contract_rates_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name='fk_contract_rates_tenant_contract_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'variation_id'], ['contract_variations.tenant_id', 'contract_variations.id'], name='fk_contract_rates_tenant_variation_id', ondelete='SET NULL (variation_id)'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_contract_rates_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_rates')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_contract_rates_tenant_id_id')
    )
    op.create_index('ix_contract_rates_contract_id', 'contract_rates', ['tenant_id', 'contract_id', 'unit', 'day_type', 'effective_from'], unique=False)
    op.create_table('payment_runs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('due_by', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('confirmed_by_id', sa.BigInteger(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.BigInteger(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_reference', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status <> 'paid' or (paid_on is not null and payment_reference <> '')", name=op.f('ck_payment_runs_paid_has_date')),
    sa.CheckConstraint("status in ('draft', 'confirmed', 'paid', 'cancelled')", name=op.f('ck_payment_runs_valid_status')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_payment_runs_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payment_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_payment_runs_released_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_payment_runs_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_runs')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_payment_runs_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'reference', name='uq_payment_runs_tenant_id_reference')
    )
    op.create_table('invoices',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('corrects_id', sa.BigInteger(), nullable=True),
    sa.Column('buyer_reference', sa.String(length=60), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('vat_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('warnings', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('editor_ids', sa.ARRAY(sa.BigInteger()), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_approved_by_id', sa.BigInteger(), nullable=True),
    sa.Column('first_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.BigInteger(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.Column('payment_run_id', sa.BigInteger(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_reference', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind = 'invoice' or corrects_id is not null", name=op.f('ck_invoices_credit_note_corrects')),
    sa.CheckConstraint("kind in ('invoice', 'credit_note')", name=op.f('ck_invoices_valid_kind')),
    sa.CheckConstraint("source in ('typed', 'actuals', 'ubl', 'adjustment', 'api')", name=op.f('ck_invoices_valid_source')),
    sa.CheckConstraint("status = 'draft' or submitted_at is not null", name=op.f('ck_invoices_submitted_has_time')),
    sa.CheckConstraint("status in ('draft', 'submitted', 'queried', 'approved', 'rejected', 'scheduled', 'paid')", name=op.f('ck_invoices_valid_status')),
    sa.CheckConstraint("status not in ('scheduled', 'paid') or payment_run_id is not null", name=op.f('ck_invoices_scheduled_has_run')),
    sa.CheckConstraint('net_total >= 0 and vat_total >= 0 and total = net_total + vat_total', name=op.f('ck_invoices_totals_add_up')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_invoices_period_in_order')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_invoices_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commissioner_id', 'payment_run_id'], ['payment_runs.tenant_id', 'payment_runs.id'], name='fk_invoices_commissioner_payment_run_id', ondelete='SET NULL (payment_run_id)'),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_invoices_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invoices_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_approved_by_id'], ['users.id'], name=op.f('fk_invoices_first_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name='fk_invoices_tenant_contract_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'corrects_id'], ['invoices.tenant_id', 'invoices.id'], name='fk_invoices_tenant_corrects_id', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_invoices_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invoices_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_invoices_tenant_id_number')
    )
    op.create_index('ix_invoices_commissioner_id_status', 'invoices', ['commissioner_id', 'status', 'submitted_at'], unique=False)
    op.create_index('ix_invoices_payment_run_id', 'invoices', ['commissioner_id', 'payment_run_id'], unique=False)
    op.create_index('ix_invoices_tenant_id_contract_id', 'invoices', ['tenant_id', 'contract_id', 'period_start'], unique=False)
    op.create_table('invoice_lines',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('service_type', sa.String(length=30), nullable=False),
    sa.Column('day_type', sa.String(length=20), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('price_source', sa.String(length=20), nullable=False),
    sa.Column('card_rate', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('vat_category', sa.String(length=1), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('line_start', sa.Date(), nullable=True),
    sa.Column('line_end', sa.Date(), nullable=True),
    sa.Column('net', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('workings', sa.Text(), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("unit in ('hour', 'visit', 'week', 'night', 'session', 'block')", name=op.f('ck_invoice_lines_valid_unit')),
    sa.CheckConstraint("vat_category = 'S' or vat_rate = 0", name=op.f('ck_invoice_lines_only_standard_rate_charges_vat')),
    sa.CheckConstraint("vat_category in ('S', 'Z', 'E', 'O')", name=op.f('ck_invoice_lines_valid_vat_category')),
    sa.CheckConstraint('line_end is null or line_start is null or line_end >= line_start', name=op.f('ck_invoice_lines_dates_in_order')),
    sa.CheckConstraint('quantity >= 0 and unit_price >= 0 and net >= 0', name=op.f('ck_invoice_lines_not_negative')),
    sa.CheckConstraint('vat_rate >= 0 and vat_rate <= 100', name=op.f('ck_invoice_lines_vat_rate_in_range')),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_invoice_lines_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'invoice_id'], ['invoices.tenant_id', 'invoices.id'], name='fk_invoice_lines_tenant_invoice_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_invoice_lines_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invoice_lines_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'invoice_id', 'position', name='uq_invoice_lines_position')
    )
    op.create_index('ix_invoice_lines_invoice_id', 'invoice_lines', ['tenant_id', 'invoice_id'], unique=False)
    op.create_table('invoice_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('line_comments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_invoice_events_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'invoice_id'], ['invoices.tenant_id', 'invoices.id'], name='fk_invoice_events_tenant_invoice_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_invoice_events_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invoice_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_events')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invoice_events_tenant_id_id')
    )
    op.create_index('ix_invoice_events_invoice_id', 'invoice_events', ['tenant_id', 'invoice_id', 'at'], unique=False)
    op.create_table('remittances',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('payment_run_id', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('payment_reference', sa.String(length=60), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('lines', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['commissioner_id', 'payment_run_id'], ['payment_runs.tenant_id', 'payment_runs.id'], name='fk_remittances_commissioner_payment_run_id', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_remittances_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_remittances_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remittances')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_remittances_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'payment_run_id', name='uq_remittances_run')
    )
    op.create_table('invoicing_settings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('second_approval_over', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('target_working_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('second_approval_over is null or second_approval_over >= 0', name=op.f('ck_invoicing_settings_threshold_not_negative')),
    sa.CheckConstraint('target_working_days between 1 and 30', name=op.f('ck_invoicing_settings_target_in_range')),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_invoicing_settings_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoicing_settings')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invoicing_settings_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', name='uq_invoicing_settings_tenant_id')
    )
    # ### end Alembic commands ###
    for table in (*COMMISSIONER_VISIBLE, "invoice_events"):
        enable_commissioner_rls(table)
    for table in ("invoices", "invoice_lines"):
        enable_commissioner_rls(table, hidden_statuses=("draft",))
    for table in TENANT_OWNED:
        enable_tenant_rls(table)
    for table in (*COMMISSIONER_VISIBLE, *TENANT_OWNED, "invoices", "invoice_lines"):
        grant(table, app_role)
    grant("invoice_events", app_role, "SELECT, INSERT")
    append_only("invoice_events")


def downgrade(app_role: str) -> None:
    for table in ("invoicing_settings", "remittances", "invoice_events", "invoice_lines", "invoices", "payment_runs",
                  "contract_rates", "contract_variations"):
        op.drop_table(table)
    op.drop_constraint(op.f("ck_contracts_valid_holiday_region"), "contracts", type_="check")
    op.drop_column("contracts", "holiday_region")
