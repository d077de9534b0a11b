"""Periodic jobs, loaded by `rq cron portal.cron` (started by `portal up`)."""
from rq import cron

from portal.outbox import QUEUE_NAME, sweep_outbox
from portal.returns.jobs import send_return_reminders

cron.register(sweep_outbox, QUEUE_NAME, interval=60, name="sweep-outbox")
cron.register(send_return_reminders, QUEUE_NAME, interval=3600, name="return-reminders")
