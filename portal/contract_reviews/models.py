"""A commissioner's decision on a contract due to end: extend, vary, retender or end.

The row is the provider's (``tenant_id``) that its commissioner writes and reads
(``CommissionerVisible``), like contracts: a decision is only ever written when it is made, so the
provider may read every row of its own (row-level security lets it; the pages to show it to the
provider follow the permission table, which gives reviews to commissioners only for now).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contracts.models import Contract
from portal.extensions import db
from portal.models_base import tenant_table_args, utcnow
from portal.tenants.scoping import CommissionerVisible

EXTEND, VARY, RETENDER, END = "extend", "vary", "retender", "end"
DECISIONS = {EXTEND: "Extend", VARY: "Vary", RETENDER: "Retender", END: "End"}
DECISION_WORDS = {EXTEND: "extend it", VARY: "vary it", RETENDER: "retender it", END: "let it end"}
WINDOWS = (3, 6, 12)


class ContractReview(CommissionerVisible, db.Model):
    __tablename__ = "contract_reviews"
    __table_args__ = tenant_table_args(
        "contract_reviews",
        CheckConstraint("decision in ('extend', 'vary', 'retender', 'end')", name="valid_decision"),
        CheckConstraint("decision <> 'extend' or (new_end_date is not null and new_end_date > previous_end_date)",
                        name="extension_moves_end"),
        CheckConstraint("reason <> ''", name="has_reason"),
        ForeignKeyConstraint(["tenant_id", "variation_id"], ["contract_variations.tenant_id", "contract_variations.id"],
                             name="fk_contract_reviews_tenant_variation_id", ondelete="SET NULL (variation_id)"),
        Index("ix_contract_reviews_contract_id", "tenant_id", "contract_id", "decided_at"),
        Index("ix_contract_reviews_commissioner_id", "commissioner_id", "decided_at"),
        parents=(("contract_id", "contracts"),),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    #: The contract's end date when the decision was made.
    previous_end_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: An extension's new end date.
    new_end_date: Mapped[date | None] = mapped_column(Date)
    #: The variation an extension or a variation made.
    variation_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    contract: Mapped[Contract] = relationship(
        primaryjoin="and_(foreign(ContractReview.contract_id) == Contract.id, "
                    "foreign(ContractReview.tenant_id) == Contract.tenant_id)", viewonly=True, lazy="joined")
    decided_by = relationship("User", lazy="joined")

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision]
