"""The portal's RQ worker (``rq worker --worker-class portal.worker.Worker``).

RQ forks a work horse for every job, so that a job that crashes or is killed cannot take the
worker down. Building the Flask app costs seconds; this worker builds it once, in the parent,
before the first fork, and every work horse inherits it. On starting, it hands the jobs of
workers that died to RQ's retry (``portal.worker_reaper``), so they do not wait for RQ's own
heartbeat expiry.
"""
from __future__ import annotations

import gc

from rq import Worker as RQWorker

from portal.worker_app import after_fork_in_child, build_app
from portal.worker_reaper import reap_abandoned_jobs


class Worker(RQWorker):
    def work(self, *args, **kwargs) -> bool:
        build_app()
        gc.collect()
        gc.freeze()  # keep the app's objects out of the work horses' garbage collection (fewer copied pages)
        reap_abandoned_jobs(self.connection)
        return super().work(*args, **kwargs)

    def main_work_horse(self, job, queue) -> None:
        after_fork_in_child()
        super().main_work_horse(job, queue)
