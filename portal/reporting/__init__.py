"""Reporting pieces shared by every domain: periods, guarded CSV and Excel exports, and the
small-number suppression rules."""
