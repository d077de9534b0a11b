"""Periodic returns: answers, the review workflow and frozen versions."""
