"""Organisation offboarding: a full export of an organisation's data and documents (a zip built by
a job), suspension, and deletion after a retention period with the audit log kept."""
