"""Every background job in one table: its name, its function and its queue.

The outbox (``portal.outbox``) looks jobs up here by name; ``rq cron portal.cron`` registers
the periodic ones; ``worker_command`` builds the ``rq worker`` command line that ``portal up``
and the tests start. Queues are listed in RQ's priority order: a worker always takes the next
job from the first non-empty queue, so documents and email never wait behind bulk work.

Functions are named by import path and imported on first use, so that this module imports
nothing from the domains (which import the outbox, which imports this table).
"""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

DOCUMENTS = "documents"  # uploaded files a person is waiting for: evidence checks, spreadsheet imports
EMAIL = "email"  # invitations, password resets, review decisions, reminders
DEFAULT = "default"  # periodic housekeeping: the outbox sweep, the reminder run
BULK = "bulk"  # derived data nobody waits for: rollups, search entries, clean-ups
QUEUES = (DOCUMENTS, EMAIL, DEFAULT, BULK)

WORKER_CLASS = "portal.worker.Worker"
DEFAULT_JOB_WORKERS = 2  # `portal up --job-workers`


@dataclass(frozen=True)
class JobKind:
    name: str
    target: str | Callable[..., None]  # "package.module:function", or a function (tests)
    queue: str
    #: At most one message of this job with the same payload and tenant waits to start: a new one
    #: joins it (see ``portal.outbox.enqueue_after_commit``). For jobs that rebuild from the
    #: current state, where running once after several changes gives the same result.
    coalesce: bool = False

    @property
    def function(self) -> Callable[..., None]:
        if callable(self.target):
            return self.target
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    target: str
    queue: str
    interval_seconds: int


JOBS: dict[str, JobKind] = {kind.name: kind for kind in (
    JobKind("process_document", "portal.documents.jobs:process_document", DOCUMENTS),
    JobKind("process_return_import", "portal.returns.imports:process_import", DOCUMENTS),
    JobKind("send_email", "portal.notifications.services:deliver_email", EMAIL),
    JobKind("notify_review", "portal.returns.review_queue:notify_review", EMAIL),
    JobKind("notify_clarifications", "portal.procurement.clarifications:notify_clarifications", EMAIL),
    JobKind("refresh_outcome_rollup", "portal.collaboratives.services:refresh_outcome_rollup", BULK, coalesce=True),
    JobKind("index_return_version", "portal.search.jobs:index_return_version", BULK, coalesce=True),
    JobKind("discard_document_object", "portal.documents.jobs:discard_document_object", BULK),
    JobKind("notify_interested", "portal.procurement.jobs:notify_interested", EMAIL),
    JobKind("notify_bid_member", "portal.procurement.bid_jobs:notify_bid_member", EMAIL),
    JobKind("mark_bids_for_reconfirmation", "portal.procurement.bid_jobs:mark_bids_for_reconfirmation", DEFAULT),
    JobKind("notify_documents_released", "portal.procurement.tender_document_jobs:notify_documents_released", EMAIL),
    JobKind("notify_award_outcome", "portal.procurement.award:notify_award_outcome", EMAIL),
    JobKind("notify_remittance", "portal.invoicing.remittances:notify_remittance", EMAIL),
    JobKind("notify_contract_review", "portal.contract_reviews.services:notify_contract_review", EMAIL),
    JobKind("notify_invoice", "portal.invoicing.workflow:notify_invoice", EMAIL),
    JobKind("notify_proposal", "portal.proposals.jobs:notify_proposal", EMAIL),
    JobKind("build_organisation_export", "portal.offboarding.jobs:build_organisation_export", DEFAULT),
)}

PERIODIC: tuple[PeriodicJob, ...] = (
    PeriodicJob("sweep-outbox", "portal.outbox:sweep_outbox", DEFAULT, 60),
    PeriodicJob("return-reminders", "portal.returns.jobs:send_return_reminders", DEFAULT, 3600),
    PeriodicJob("close-tenders", "portal.procurement.jobs:close_tenders", DEFAULT, 60),
    PeriodicJob("release-tender-documents", "portal.procurement.tender_document_jobs:release_tender_documents",
                DEFAULT, 60),
    PeriodicJob("end-standstills", "portal.procurement.award:end_standstills", DEFAULT, 60),
    PeriodicJob("expire-exports", "portal.offboarding.jobs:expire_exports", BULK, 3600),
    PeriodicJob("delete-offboarded-organisations", "portal.offboarding.jobs:delete_offboarded_organisations", BULK,
                3600),
)


def job_kind(name: str) -> JobKind:
    try:
        return JOBS[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}: add it to portal/jobs.py") from None


def job_function(name: str) -> Callable[..., None]:
    return job_kind(name).function


def import_job_functions() -> None:
    """Import every job's module now (a worker does this once, before it forks work horses)."""
    for kind in JOBS.values():
        kind.function  # noqa: B018  (the import is the point)
    for periodic in PERIODIC:
        importlib.import_module(periodic.target.partition(":")[0])


def _rq() -> str:
    candidate = Path(sys.executable).parent / "rq"
    return str(candidate) if candidate.exists() else "rq"


def worker_command(redis_url: str, *, burst: bool = False, name: str | None = None,
                   with_scheduler: bool = True) -> list[str]:
    """The command line of one RQ worker: the portal's worker class, every queue in priority order.
    ``portal up`` starts it ``--job-workers`` times; the tests start it the same way."""
    command = [_rq(), "worker", "--worker-class", WORKER_CLASS, "--url", redis_url]
    if with_scheduler:
        command.append("--with-scheduler")  # RQ's retries wait in its scheduled registry
    if burst:
        command.append("--burst")
    if name:
        command += ["--name", name]
    return [*command, *QUEUES]


def cron_command(redis_url: str) -> list[str]:
    return [_rq(), "cron", "--url", redis_url, "portal.cron"]



def job_process_commands(redis_url: str, job_workers: int = DEFAULT_JOB_WORKERS) -> list[list[str]]:
    """What `portal up` starts for background work: ``job_workers`` workers and one `rq cron`."""
    return [worker_command(redis_url) for _ in range(job_workers)] + [cron_command(redis_url)]
