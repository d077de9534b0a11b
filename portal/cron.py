"""Periodic jobs, loaded by `rq cron portal.cron` (started by `portal up`); listed in portal/jobs.py."""
import importlib

from rq import cron

from portal.jobs import PERIODIC

for periodic in PERIODIC:
    module, _, attribute = periodic.target.partition(":")
    cron.register(getattr(importlib.import_module(module), attribute), periodic.queue,
                  interval=periodic.interval_seconds, name=periodic.name)
