"""Collaboratives: commissioners who pool their aggregated, suppressed outcome figures."""
