"""A commissioner's aggregated views across its providers: compliance and delivery."""
