"""Periodic jobs, loaded by `rq cron portal.cron` (started by `portal up`)."""
from rq import cron

from portal.outbox import QUEUE_NAME, sweep_outbox

cron.register(sweep_outbox, QUEUE_NAME, interval=60, name="sweep-outbox")
