"""Jobs abandoned by a worker that died (killed, out of memory, the machine restarted).

A job that is running sits in its queue's ``StartedJobRegistry`` until the worker finishes it.
When the worker process dies with it, RQ finds out only when the job's heartbeat has expired
(a minute and a half) and a worker next runs its maintenance (every ten minutes); until then
the job is "started" and the outbox sweep leaves it alone.

``reap_abandoned_jobs`` finds such jobs sooner: a job whose worker is no longer registered, or
whose worker ran on this host and its process is gone (or the process id now belongs to a
younger process), is handed to RQ's own abandoned-job handling at once: it is retried if it has
retries left (the outbox's jobs have three), otherwise it is failed and the outbox sweep pushes
it again later. The job's database work was one transaction that died with the process, and
``run_outbox_message`` runs a message only while it is not done, so running it again is safe:
its side effects happen once.

The portal's worker reaps when it starts, and the outbox sweep (every minute) reaps first.
A worker on another host that stopped heartbeating is left to RQ (its registration expires).
"""
from __future__ import annotations

import logging
import socket

import psutil
from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler
from rq.scripts import release_lock
from rq.utils import parse_composite_key
from rq.worker import Worker

from portal.jobs import QUEUES

log = logging.getLogger(__name__)
#: Started-registry entries are given this score, so that RQ's cleanup (everything scored up to
#: a time) takes exactly these and no live job.
_REAP_SCORE = 1


def worker_is_dead(connection: Redis, name: str | None) -> bool:
    """True when the worker called ``name`` is certainly not running."""
    if not name:
        return False  # not started by a worker we know of: leave it to RQ
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=connection)
    if worker is None:
        return True  # its registration expired or it registered its death: nobody runs the job
    born = worker.birth_date.timestamp() if worker.birth_date is not None else None
    return _process_is_gone(worker.hostname, worker.pid, born)


def _process_is_gone(hostname: str | None, pid: int | None, born: float | None) -> bool:
    """True when the process ``pid`` on ``hostname`` (started at ``born``) has certainly ended."""
    if hostname != socket.gethostname() or not pid:
        return False  # another machine: RQ's expiry times decide
    try:
        process = psutil.Process(pid)
        started = process.create_time()
        zombie = process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    if born is not None and started > born + 1:
        return True  # the process id was given to a process started later
    return zombie


def release_dead_scheduler_locks(connection: Redis, queue_names: tuple[str, ...] = QUEUES) -> list[str]:
    """A worker's scheduler (which queues RQ's retries when they are due) holds a lock per queue
    for a minute after its last heartbeat, and a live worker tries to take it only every two
    minutes: a dead scheduler's locks are released, so that the next worker to start takes them."""
    released = []
    for name in queue_names:
        key = RQScheduler.get_locking_key(name)
        owner = connection.get(key)
        if owner is None:
            continue
        owner = owner.decode() if isinstance(owner, bytes) else owner
        data = {k.decode(): v.decode() for k, v in connection.hgetall(f"rq:scheduler:{owner}").items()}
        if not data.get("pid"):
            continue  # not known here: its lock expires by itself
        # (No start time to compare: the scheduler's is taken before its process forks.)
        if _process_is_gone(data.get("hostname"), int(data["pid"]), None):
            release_lock(connection, key, owner)
            released.append(name)
    return released


def reap_abandoned_jobs(connection: Redis, queue_names: tuple[str, ...] = QUEUES) -> list[str]:
    """Hand every job whose worker is dead to RQ's abandoned-job handling; return their ids."""
    reaped: list[str] = []
    dead_workers: set[str] = set()
    for name in queue_names:
        registry = StartedJobRegistry(name, connection=connection)
        abandoned: dict[str, str] = {}
        for entry in connection.zrange(registry.key, 0, -1):
            entry = entry.decode() if isinstance(entry, bytes) else entry
            job_id, _execution = parse_composite_key(entry)
            try:
                job = Job.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            if job.get_status(refresh=False) != JobStatus.STARTED:
                continue
            if job.worker_name in dead_workers or worker_is_dead(connection, job.worker_name):
                dead_workers.add(job.worker_name)
                abandoned[entry] = job_id
        if not abandoned:
            continue
        connection.zadd(registry.key, {entry: _REAP_SCORE for entry in abandoned}, xx=True)
        registry.cleanup(timestamp=_REAP_SCORE)  # RQ retries each (or fails it when none are left)
        reaped.extend(abandoned.values())
    for worker_name in dead_workers:
        worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + worker_name, connection=connection)
        if worker is not None:
            worker.register_death()  # so that `rq info` stops listing it
    release_dead_scheduler_locks(connection, queue_names)
    if reaped:
        log.warning("reaped %s jobs abandoned by dead workers %s: %s", len(reaped), sorted(dead_workers), reaped)
    return reaped
