"""Savings targets against a baseline, and each saving from proposed to agreed to realised."""
