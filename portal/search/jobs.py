"""Indexing in the background: each submission (the ``return_submitted`` signal) enqueues one
job (through the outbox, after the commit) that indexes the return as its provider.
``portal demo`` and ``portal search reindex`` run the same work in-process, for installations
without a worker or with older submissions."""
from __future__ import annotations

from sqlalchemy import exists, select

from portal.extensions import db
from portal.models_base import utcnow
from portal.outbox import OutboxMessage, enqueue_after_commit
from portal.returns.models import DRAFT, Return, ReturnVersion
from portal.search.models import SearchEntry
from portal.search.services import index_return
from portal.tenants.context import tenant_context
from portal.tenants.models import PROVIDER, Organisation

JOB = "index_return_version"


def index_return_version(return_id: int) -> None:
    """Index the return's latest version (run as the provider by ``run_outbox_message``)."""
    ret = db.session.execute(select(Return).where(Return.id == return_id).with_for_update(of=Return)
                             ).scalar_one_or_none()
    if ret is not None:
        index_return(ret)


def index_after_commit(ret: Return) -> None:
    """Index the return's latest version once this transaction is committed (one pending job
    per return, however often it is submitted before the job starts)."""
    enqueue_after_commit(JOB, tenant_id=ret.tenant_id, return_id=ret.id)


def index_submitted_return(ret: Return, **_event) -> None:
    """Receives ``return_submitted``: the commissioner's search sees the version once indexed."""
    index_after_commit(ret)


def run_pending_index_jobs() -> int:
    """Run the index jobs not done yet, here (``portal search reindex``); the caller commits.
    Each message is marked done, so a worker that receives it later skips it."""
    messages = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.job == JOB, OutboxMessage.done_at.is_(None))
        .order_by(OutboxMessage.id).with_for_update(skip_locked=True)))
    for message in messages:
        with tenant_context(message.run_as_tenant_id):
            index_return_version(**message.payload)
        message.attempts += 1
        message.done_at = utcnow()
    db.session.flush()
    return len(messages)


def index_submitted_returns(*, only_missing: bool = True) -> int:
    """Index every provider's submitted returns (those with no entries yet, or all); the caller
    commits. For submissions made before search existed."""
    done = 0
    for provider_id in db.session.scalars(select(Organisation.id).where(Organisation.kind == PROVIDER)
                                          .order_by(Organisation.id)):
        with tenant_context(provider_id):
            query = select(Return).where(
                Return.tenant_id == provider_id, Return.status != DRAFT,
                exists().where(ReturnVersion.tenant_id == Return.tenant_id, ReturnVersion.return_id == Return.id))
            if only_missing:
                query = query.where(~exists().where(SearchEntry.tenant_id == Return.tenant_id,
                                                    SearchEntry.return_id == Return.id))
            for ret in db.session.scalars(query.order_by(Return.id)):
                index_return(ret)
                done += 1
    return done
