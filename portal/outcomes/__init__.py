"""Outcomes across providers: totals, rates, benchmarks and trends, with small numbers suppressed."""
