"""Proposals a provider makes to a commissioner (with the financial model of a rate) and investment funds."""
