"""Who listens to which domain event, in one place; ``create_app`` connects them, so the web
app, the workers and the commands all have them."""
from __future__ import annotations


def connect_receivers() -> None:
    """Connect every receiver (idempotent: connecting the same function again changes nothing)."""
    from portal.collaboratives.services import refresh_rollup_of_return
    from portal.contracts.awards import contract_from_award
    from portal.procurement.award import standstill_ended
    from portal.returns.signals import return_reviewed, return_submitted
    from portal.search.jobs import index_submitted_return

    return_submitted.connect(index_submitted_return, weak=False)
    return_submitted.connect(refresh_rollup_of_return, weak=False)
    return_reviewed.connect(refresh_rollup_of_return, weak=False)
    standstill_ended.connect(contract_from_award, weak=False)
