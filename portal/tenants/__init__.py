"""Tenancy: the tenant context, ORM scoping, row-level security, organisations."""
