"""Proposals with their financial model, frozen versions and documents; commissioners' wage
floors; investment funds with their panels, scores, moderated scores and payments; savings
targets and savings.

Revision ID: 0021_proposals
Revises: 0020_invoices
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import TENANT, append_only, enable_commissioner_rls, enable_tenant_rls, grant

revision = "0021_proposals"
down_revision = "0020_invoices"
branch_labels = None
depends_on = None

COMMISSIONER_VISIBLE = ("proposal_versions", "fund_payments")
HIDDEN_DRAFTS = ("proposals", "proposal_documents")
TENANT_OWNED = ("fund_panel_members", "fund_scores", "fund_consensus_scores", "savings_targets", "savings")
READ_BY_ALL = ("wage_floors", "investment_funds")


def enable_read_by_all_rls(table: str) -> None:
    """The owner writes its rows; every organisation reads those that are ``listed``."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY owner_rows ON "{table}" USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})')
    op.execute(f'CREATE POLICY listed_rows ON "{table}" FOR SELECT USING (listed AND {TENANT} IS NOT NULL)')


def upgrade(app_role: str) -> None:
    op.create_table('investment_funds',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('criteria', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("listed = (status <> 'draft')", name=op.f('ck_investment_funds_listed_once_opened')),
    sa.CheckConstraint("status in ('draft', 'open', 'closed')", name=op.f('ck_investment_funds_valid_status')),
    sa.CheckConstraint('budget > 0', name=op.f('ck_investment_funds_budget_positive')),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_investment_funds_dates_in_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_investment_funds_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_investment_funds_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investment_funds')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_investment_funds_tenant_id_id')
    )
    op.create_table('wage_floors',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('year_start', sa.Date(), nullable=False),
    sa.Column('hourly', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('hourly > 0', name=op.f('ck_wage_floors_hourly_positive')),
    sa.CheckConstraint('listed', name=op.f('ck_wage_floors_always_listed')),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_wage_floors_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wage_floors')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_wage_floors_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'year_start', name='uq_wage_floors_year')
    )
    op.create_table('fund_panel_members',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('fund_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'fund_id'], ['investment_funds.tenant_id', 'investment_funds.id'], name='fk_fund_panel_members_tenant_fund_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_fund_panel_members_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fund_panel_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_panel_members')),
    sa.UniqueConstraint('tenant_id', 'fund_id', 'user_id', name='uq_fund_panel_members_pair'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_fund_panel_members_tenant_id_id')
    )
    op.create_table('savings_targets',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year_start', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('programme', sa.String(length=200), nullable=False),
    sa.Column('service_type', sa.String(length=30), nullable=False),
    sa.Column('collaborative_id', sa.BigInteger(), nullable=True),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('baseline_kind', sa.String(length=20), nullable=False),
    sa.Column('baseline_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('member_baselines', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("baseline_kind <> 'typed' or baseline_amount is not null", name=op.f('ck_savings_targets_typed_baseline_given')),
    sa.CheckConstraint("baseline_kind in ('typed', 'invoices')", name=op.f('ck_savings_targets_valid_baseline_kind')),
    sa.CheckConstraint("scope <> 'collaborative' or collaborative_id is not null", name=op.f('ck_savings_targets_collaborative_named')),
    sa.CheckConstraint("scope <> 'service_type' or service_type <> ''", name=op.f('ck_savings_targets_service_type_named')),
    sa.CheckConstraint("scope in ('programme', 'service_type', 'collaborative')", name=op.f('ck_savings_targets_valid_scope')),
    sa.CheckConstraint("target_kind <> 'percent' or target_value <= 100", name=op.f('ck_savings_targets_percent_in_range')),
    sa.CheckConstraint("target_kind in ('percent', 'amount')", name=op.f('ck_savings_targets_valid_target_kind')),
    sa.CheckConstraint('target_value > 0', name=op.f('ck_savings_targets_target_positive')),
    sa.ForeignKeyConstraint(['collaborative_id'], ['collaboratives.id'], name=op.f('fk_savings_targets_collaborative_id_collaboratives'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_savings_targets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_savings_targets_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_targets')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_savings_targets_tenant_id_id')
    )
    op.create_index('ix_savings_targets_year', 'savings_targets', ['tenant_id', 'year_start'], unique=False)
    op.create_table('proposals',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('contract_id', sa.BigInteger(), nullable=True),
    sa.Column('tender_id', sa.BigInteger(), nullable=True),
    sa.Column('fund_id', sa.BigInteger(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('amount_requested', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('hourly_pay', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('employer_ni_pct', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('pension_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('holiday_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('travel_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('training_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('overheads_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('margin_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('hours_per_year', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('current_rate', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('awarded_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('decided_by_id', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=60), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('versions_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind <> 'fund_bid' or fund_id is not null", name=op.f('ck_proposals_fund_bid_names_fund')),
    sa.CheckConstraint("kind in ('service_redesign', 'rate_uplift', 'new_service', 'efficiency', 'fund_bid')", name=op.f('ck_proposals_valid_kind')),
    sa.CheckConstraint("status = 'draft' or submitted_at is not null", name=op.f('ck_proposals_submitted_has_time')),
    sa.CheckConstraint("status in ('draft', 'submitted', 'under_review', 'accepted', 'declined')", name=op.f('ck_proposals_valid_status')),
    sa.CheckConstraint('awarded_amount is null or awarded_amount >= 0', name=op.f('ck_proposals_award_not_negative')),
    sa.ForeignKeyConstraint(['commissioner_id', 'fund_id'], ['investment_funds.tenant_id', 'investment_funds.id'], name='fk_proposals_commissioner_fund_id', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['commissioner_id', 'tender_id'], ['tenders.tenant_id', 'tenders.id'], name='fk_proposals_commissioner_tender_id', ondelete='SET NULL (tender_id)'),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_proposals_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_proposals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_proposals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name='fk_proposals_tenant_contract_id', ondelete='SET NULL (contract_id)'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_proposals_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_proposals_tenant_id_id')
    )
    op.create_index('ix_proposals_commissioner_id_status', 'proposals', ['commissioner_id', 'status'], unique=False)
    op.create_index('ix_proposals_fund_id', 'proposals', ['commissioner_id', 'fund_id'], unique=False)
    op.create_table('fund_consensus_scores',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('fund_id', sa.BigInteger(), nullable=False),
    sa.Column('provider_id', sa.BigInteger(), nullable=False),
    sa.Column('proposal_id', sa.BigInteger(), nullable=False),
    sa.Column('criterion', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('moderator_id', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('score between 0 and 4', name=op.f('ck_fund_consensus_scores_score_in_scale')),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_fund_consensus_scores_moderator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id', 'proposal_id'], ['proposals.tenant_id', 'proposals.id'], name='fk_fund_consensus_scores_provider_proposal_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'fund_id'], ['investment_funds.tenant_id', 'investment_funds.id'], name='fk_fund_consensus_scores_tenant_fund_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_fund_consensus_scores_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_consensus_scores')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_fund_consensus_scores_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'proposal_id', 'criterion', name='uq_fund_consensus_scores_cell')
    )
    op.create_table('fund_payments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('proposal_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_fund_payments_amount_positive')),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_fund_payments_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_payments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'proposal_id'], ['proposals.tenant_id', 'proposals.id'], name='fk_fund_payments_tenant_proposal_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_fund_payments_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_payments')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_fund_payments_tenant_id_id')
    )
    op.create_table('fund_scores',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('fund_id', sa.BigInteger(), nullable=False),
    sa.Column('provider_id', sa.BigInteger(), nullable=False),
    sa.Column('proposal_id', sa.BigInteger(), nullable=False),
    sa.Column('criterion', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('score between 0 and 4', name=op.f('ck_fund_scores_score_in_scale')),
    sa.ForeignKeyConstraint(['provider_id', 'proposal_id'], ['proposals.tenant_id', 'proposals.id'], name='fk_fund_scores_provider_proposal_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'fund_id'], ['investment_funds.tenant_id', 'investment_funds.id'], name='fk_fund_scores_tenant_fund_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_fund_scores_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fund_scores_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_scores')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_fund_scores_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'proposal_id', 'criterion', 'user_id', name='uq_fund_scores_cell')
    )
    op.create_table('proposal_documents',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('proposal_id', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_proposal_documents_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_proposal_documents_tenant_document_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'proposal_id'], ['proposals.tenant_id', 'proposals.id'], name='fk_proposal_documents_tenant_proposal_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_proposal_documents_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_documents')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_proposal_documents_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'proposal_id', 'document_id', name='uq_proposal_documents_pair')
    )
    op.create_table('proposal_versions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('proposal_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('submitted_by_id', sa.BigInteger(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commissioner_id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['commissioner_id'], ['organisations.id'], name=op.f('fk_proposal_versions_commissioner_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_proposal_versions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'proposal_id'], ['proposals.tenant_id', 'proposals.id'], name='fk_proposal_versions_tenant_proposal_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_proposal_versions_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_versions')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_proposal_versions_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'proposal_id', 'number', name='uq_proposal_versions_number')
    )
    op.create_table('savings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('target_id', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider_id', sa.BigInteger(), nullable=True),
    sa.Column('proposal_id', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status in ('proposed', 'agreed', 'realised')", name=op.f('ck_savings_valid_status')),
    sa.CheckConstraint('(provider_id is null) = (proposal_id is null)', name=op.f('ck_savings_proposal_whole')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_savings_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_savings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id', 'proposal_id'], ['proposals.tenant_id', 'proposals.id'], name='fk_savings_provider_proposal_id', ondelete='SET NULL (provider_id, proposal_id)'),
    sa.ForeignKeyConstraint(['tenant_id', 'target_id'], ['savings_targets.tenant_id', 'savings_targets.id'], name='fk_savings_tenant_target_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['organisations.id'], name=op.f('fk_savings_tenant_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_savings_tenant_id_id')
    )
    op.create_index('ix_savings_target_id', 'savings', ['tenant_id', 'target_id'], unique=False)
    for table in COMMISSIONER_VISIBLE:
        enable_commissioner_rls(table)
    for table in HIDDEN_DRAFTS:
        enable_commissioner_rls(table, hidden_statuses=("draft",))
    for table in TENANT_OWNED:
        enable_tenant_rls(table)
    for table in READ_BY_ALL:
        enable_read_by_all_rls(table)
    for table in ("fund_payments", *HIDDEN_DRAFTS, *TENANT_OWNED, *READ_BY_ALL):
        grant(table, app_role)
    grant("proposal_versions", app_role, "SELECT, INSERT")
    append_only("proposal_versions")


def downgrade(app_role: str) -> None:
    for table in ("savings", "proposal_versions", "proposal_documents", "fund_scores", "fund_payments",
                  "fund_consensus_scores", "proposals", "savings_targets", "fund_panel_members", "wage_floors",
                  "investment_funds"):
        op.drop_table(table)
