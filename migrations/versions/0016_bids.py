"""Bids: quality questions, the bid key, the two-person opening, and the sealed bid tables.

Quality questions are listed with their tender. The tender key and the openings are the
commissioner's own rows. Bids, their members, documents and receipts are the provider's rows,
which the tender's commissioner reads only once ``tenders.opened_at`` is set; a trigger sets that
only after two different users have confirmed the opening. A consortium member reads and confirms
its own membership row.

Revision ID: 0016_bids
Revises: 0015_join_procurement
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rls import TENANT, append_only, enable_listed_rls, enable_tenant_rls, grant

revision = "0016_bids"
down_revision = "0015_join_procurement"
branch_labels = None
depends_on = None

STATUS = "status in ('draft', 'submitted', 'withdrawn')"
OPENED = (f"commissioner_id = {TENANT} AND status <> 'draft' AND tender_id IN "
          f"(SELECT id FROM tenders WHERE tenant_id = {TENANT} AND opened_at IS NOT NULL)")


def _org_fk(table: str, column: str = "tenant_id"):
    return sa.ForeignKeyConstraint([column], ["organisations.id"], name=op.f(f"fk_{table}_{column}_organisations"),
                                   ondelete="RESTRICT")


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"),
                                   ondelete="SET NULL")


def _keys(table: str, *parents):
    made = [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"),
            _org_fk(table)]
    for column, parent in parents:
        made.append(sa.ForeignKeyConstraint(["tenant_id", column], [f"{parent}.tenant_id", f"{parent}.id"],
                                            name=f"fk_{table}_tenant_{column}", ondelete="CASCADE"))
    return made


def _sealed(table: str):
    return [sa.Column("commissioner_id", sa.BigInteger(), nullable=False),
            sa.Column("tender_id", sa.BigInteger(), nullable=False)]


def _sealed_keys(table: str):
    return [_org_fk(table, "commissioner_id"),
            sa.ForeignKeyConstraint(["commissioner_id", "tender_id"], ["tenders.tenant_id", "tenders.id"],
                                    name=f"fk_{table}_commissioner_tender_id", ondelete="CASCADE")]


def _enable_sealed_rls(table: str, member_reads: bool = False) -> None:
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY provider_rows ON "{table}" USING (tenant_id = {TENANT}) '
               f'WITH CHECK (tenant_id = {TENANT})')
    op.execute(f'CREATE POLICY opened_rows ON "{table}" FOR SELECT USING ({OPENED})')
    if member_reads:
        op.execute(f'CREATE POLICY member_rows ON "{table}" FOR SELECT USING (member_id = {TENANT})')
        op.execute(f'CREATE POLICY member_confirms ON "{table}" FOR UPDATE USING (member_id = {TENANT}) '
                   f'WITH CHECK (member_id = {TENANT})')
    op.create_index(f"ix_{table}_commissioner_id_tender_id", table, ["commissioner_id", "tender_id"])


def upgrade(app_role: str) -> None:
    op.add_column("tenders", sa.Column("quality_weight", sa.Integer(), nullable=False, server_default="70"))
    op.add_column("tenders", sa.Column("price_weight", sa.Integer(), nullable=False, server_default="30"))
    op.alter_column("tenders", "quality_weight", server_default=None)
    op.alter_column("tenders", "price_weight", server_default=None)
    op.add_column("tenders", sa.Column("bid_public_key", sa.LargeBinary(), nullable=True))
    op.add_column("tenders", sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        "weights_add_up", "tenders",
        "quality_weight >= 0 and price_weight >= 0 and quality_weight + price_weight = 100")

    op.create_table(
        "tender_quality_questions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("word_limit", sa.Integer(), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_tender_quality_questions_number_from_one")),
        sa.CheckConstraint("weight between 1 and 100", name=op.f("ck_tender_quality_questions_weight_in_range")),
        sa.CheckConstraint("word_limit is null or word_limit > 0",
                           name=op.f("ck_tender_quality_questions_word_limit_positive")),
        sa.UniqueConstraint("tenant_id", "tender_id", "number", name="uq_tender_quality_questions_number"),
        *_keys("tender_quality_questions", ("tender_id", "tenders"), ("lot_id", "tender_lots")),
    )
    enable_listed_rls("tender_quality_questions")

    op.create_table(
        "tender_keys",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("tenant_id", "tender_id", name="uq_tender_keys_tender"),
        *_keys("tender_keys", ("tender_id", "tenders")),
    )
    enable_tenant_rls("tender_keys")

    op.create_table(
        "tender_openings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tender_openings_user_id_users"),
                                ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "tender_id", "user_id", name="uq_tender_openings_user"),
        *_keys("tender_openings", ("tender_id", "tenders")),
    )
    enable_tenant_rls("tender_openings")
    append_only("tender_openings")
    # Two different people open the bids: the database holds the rule, whatever the code does.
    op.execute("""
        CREATE FUNCTION portal_check_opening() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.opened_at IS NOT NULL AND OLD.opened_at IS NULL AND
             (SELECT count(DISTINCT user_id) FROM tender_openings
              WHERE tenant_id = NEW.tenant_id AND tender_id = NEW.id) < 2 THEN
            RAISE EXCEPTION 'opening tender % needs two different people to confirm', NEW.id
              USING ERRCODE = 'check_violation';
          END IF;
          IF OLD.opened_at IS NOT NULL AND NEW.opened_at IS DISTINCT FROM OLD.opened_at THEN
            RAISE EXCEPTION 'tender % is already opened', NEW.id USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER tenders_two_person_opening BEFORE UPDATE OF opened_at ON tenders "
               "FOR EACH ROW EXECUTE FUNCTION portal_check_opening()")

    op.create_table(
        "tender_bids",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_sealed("tender_bids"),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("price", sa.Numeric(14, 2), nullable=True),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.BigInteger(), nullable=True),
        sa.Column("receipt_sha256", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reconfirm_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reconfirm_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(STATUS, name=op.f("ck_tender_bids_valid_status")),
        sa.CheckConstraint("price is null or price > 0", name=op.f("ck_tender_bids_price_positive")),
        sa.CheckConstraint("status <> 'submitted' or (price is not null and submitted_at is not null "
                           "and receipt_sha256 is not null)", name=op.f("ck_tender_bids_submitted_is_complete")),
        sa.ForeignKeyConstraint(["commissioner_id", "lot_id"], ["tender_lots.tenant_id", "tender_lots.id"],
                                name="fk_tender_bids_commissioner_lot_id", ondelete="CASCADE"),
        _user_fk("tender_bids", "submitted_by_id"),
        sa.UniqueConstraint("tenant_id", "tender_id", "lot_id", name="uq_tender_bids_one_per_lot"),
        *_keys("tender_bids"), *_sealed_keys("tender_bids"),
    )
    _enable_sealed_rls("tender_bids")

    op.create_table(
        "tender_bid_members",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_sealed("tender_bid_members"),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("share", sa.Numeric(5, 2), nullable=False),
        sa.Column("part", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("role in ('member', 'subcontractor')", name=op.f("ck_tender_bid_members_valid_role")),
        sa.CheckConstraint("share > 0 and share <= 100", name=op.f("ck_tender_bid_members_share_in_range")),
        sa.CheckConstraint("member_id <> tenant_id", name=op.f("ck_tender_bid_members_not_the_lead")),
        sa.CheckConstraint(STATUS, name=op.f("ck_tender_bid_members_valid_status")),
        _org_fk("tender_bid_members", "member_id"),
        _user_fk("tender_bid_members", "confirmed_by_id"),
        sa.UniqueConstraint("tenant_id", "bid_id", "member_id", name="uq_tender_bid_members_once"),
        *_keys("tender_bid_members", ("bid_id", "tender_bids")), *_sealed_keys("tender_bid_members"),
    )
    op.create_index("ix_tender_bid_members_member_id", "tender_bid_members", ["member_id"])
    _enable_sealed_rls("tender_bid_members", member_reads=True)

    op.create_table(
        "tender_bid_documents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_sealed("tender_bid_documents"),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("scan_status", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("uploaded_by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_tender_bid_documents_not_empty")),
        sa.CheckConstraint(STATUS, name=op.f("ck_tender_bid_documents_valid_status")),
        _user_fk("tender_bid_documents", "uploaded_by_id"),
        sa.UniqueConstraint("tenant_id", "storage_key", name="uq_tender_bid_documents_storage_key"),
        *_keys("tender_bid_documents", ("bid_id", "tender_bids")), *_sealed_keys("tender_bid_documents"),
    )
    _enable_sealed_rls("tender_bid_documents")

    op.create_table(
        "tender_bid_receipts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        *_sealed("tender_bid_receipts"),
        sa.Column("bid_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("contents", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("by_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('submitted', 'withdrawn')", name=op.f("ck_tender_bid_receipts_valid_status")),
        _user_fk("tender_bid_receipts", "by_id"),
        sa.UniqueConstraint("tenant_id", "bid_id", "number", name="uq_tender_bid_receipts_number"),
        *_keys("tender_bid_receipts", ("bid_id", "tender_bids")), *_sealed_keys("tender_bid_receipts"),
    )
    _enable_sealed_rls("tender_bid_receipts")
    append_only("tender_bid_receipts")

    for table in ("tender_quality_questions", "tender_keys", "tender_bids", "tender_bid_members",
                  "tender_bid_documents"):
        grant(table, app_role)
    for table in ("tender_openings", "tender_bid_receipts"):
        grant(table, app_role, "SELECT, INSERT")


def downgrade(app_role: str) -> None:
    for table in ("tender_bid_receipts", "tender_bid_documents", "tender_bid_members", "tender_bids",
                  "tender_openings", "tender_keys", "tender_quality_questions"):
        op.drop_table(table)
    op.execute("DROP TRIGGER IF EXISTS tenders_two_person_opening ON tenders")
    op.execute("DROP FUNCTION IF EXISTS portal_check_opening()")
    op.drop_constraint(op.f("ck_tenders_weights_add_up"), "tenders", type_="check")
    for column in ("opened_at", "bid_public_key", "price_weight", "quality_weight"):
        op.drop_column("tenders", column)
