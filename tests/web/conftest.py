"""Fixtures the web tests share with the domain tests."""

from __future__ import annotations

# The hand-counted year of the VP annual report (tests/stats/test_vp_report.py).
from tests.stats.test_vp_report import central, vps, year  # noqa: F401
