"""Procurement: tenders, clarification questions, bids, evaluation and award."""
