"""Email: queued through the outbox, sent by a worker over SMTP or kept in the dev mailbox."""
