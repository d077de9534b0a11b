"""A provider with a contract and a rate card, and its commissioner's wage floors."""
from __future__ import annotations

from datetime import date

import pytest

from tests import factories


@pytest.fixture
def uplift_world(app, contract_setup):
    """CLY-001 (Fern Care for Clyde HSCP) pays £20.00 a weekday hour from 1 January 2025 and £26.00
    at weekends; Clyde's wage floors are £12.60 (2025-26) and £13.45 (2026-27)."""
    contract = contract_setup["contract"]
    factories.rate(contract, "20.0000", effective_from=date(2025, 1, 1))
    factories.rate(contract, "26.0000", day_type="weekend", effective_from=date(2025, 1, 1))
    factories.wage_floor(contract_setup["commissioner"], year_start=date(2025, 4, 1), hourly="12.60")
    factories.wage_floor(contract_setup["commissioner"], year_start=date(2026, 4, 1), hourly="13.45")
    return contract_setup


UPLIFT_FORM = {"commissioner": "clyde-hscp", "kind": "rate_uplift", "title": "Real Living Wage uplift",
               "summary": "Pay care workers the real Living Wage from April", "narrative": "Recruitment is hard.",
               "start_date-day": "1", "start_date-month": "6", "start_date-year": "2025", "hourly_pay": "12.60",
               "holiday_pct": "12.07", "employer_ni_pct": "10", "pension_pct": "3", "travel_pct": "10",
               "training_pct": "2", "overheads_pct": "15", "margin_pct": "5", "hours_per_year": "1000",
               "current_rate": "20.00"}
