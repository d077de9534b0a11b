"""The portal's RQ worker (``rq worker --worker-class portal.worker.Worker``).

RQ forks a work horse for every job, so that a job that crashes, leaks or is killed cannot take
the worker down. Building the Flask app costs seconds; this worker builds it once, in the parent,
before the first fork, and every work horse inherits it. On starting, it hands the jobs of
workers that died to RQ's retry (``portal.worker_reaper``), so they do not wait for RQ's own
heartbeat expiry.

Jobs of the queues in ``IN_PROCESS_QUEUES`` (emails) run in the worker itself, as RQ's
SimpleWorker runs every job: a short job that only renders a message and hands it on costs less
than the fork and the new database connection a work horse needs, so one worker sends about
twice as many emails a second (``make bench``). Their time limit still holds (RQ's alarm
signal); what they give up is only the crash isolation that documents, with their file readers,
keep.
"""
from __future__ import annotations

import gc

from rq import SimpleWorker, Worker as RQWorker
from rq.worker import WorkerStatus

from portal.jobs import EMAIL
from portal.worker_app import after_fork_in_child, build_app
from portal.worker_reaper import reap_abandoned_jobs

#: Queues whose jobs run in the worker process, not in a forked work horse.
IN_PROCESS_QUEUES = frozenset({EMAIL})


class Worker(RQWorker):
    def work(self, *args, **kwargs) -> bool:
        build_app()
        gc.collect()
        gc.freeze()  # keep the app's objects out of the work horses' garbage collection (fewer copied pages)
        reap_abandoned_jobs(self.connection)
        return super().work(*args, **kwargs)

    def execute_job(self, job, queue) -> None:
        if queue.name not in IN_PROCESS_QUEUES:
            super().execute_job(job, queue)
            return
        execution = self.prepare_execution(job)  # as SimpleWorker.execute_job
        self.perform_job(job, queue, execution)
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        if job.origin in IN_PROCESS_QUEUES:  # no work horse to watch: the heartbeat covers the whole job
            return SimpleWorker.get_heartbeat_ttl(self, job, working_time)
        return super().get_heartbeat_ttl(job, working_time)

    def main_work_horse(self, job, queue) -> None:
        after_fork_in_child()
        super().main_work_horse(job, queue)
