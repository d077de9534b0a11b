"""Periodic jobs, loaded by `rq cron portal.cron` (started by `portal up`); listed in portal/jobs.py."""
import importlib

from rq import cron

from portal.jobs import PERIODIC

for periodic in PERIODIC:
    module, _, attribute = periodic.target.partition(":")
    # A run not started within one interval is dropped: the next one does the same work.
    cron.register(getattr(importlib.import_module(module), attribute), periodic.queue,
                  interval=periodic.interval_seconds, ttl=periodic.interval_seconds, name=periodic.name)
