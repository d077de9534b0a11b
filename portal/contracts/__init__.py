"""Contracts, outcome frameworks and return schedules."""
