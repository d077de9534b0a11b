"""Contracts due to end: delivery, spend, outcomes and compliance side by side, and the decision recorded."""
