"""Market engagement: Q&A threads outside tenders, with published answer sets."""
