"""Redis OSS Extended Support: the version's end dates, and the premium on the on-demand node price.

Hand-computed: Redis OSS cache.r6g.large us-east-1 0.206 $/h (DefangLabs row), 2 nodes = 2 x 0.206 x 730 =
300.76 $/month on demand. Dates (engine-versions.md): 5.0 and 4.0 standard support ended 2026-01-31, Extended
Support ends 2029-01-31; 6.x: 2027-01-31 and 2030-01-31. Premium: 80% in years 1-2, 160% in year 3.
"""

from __future__ import annotations

import datetime

import pytest

from elasticache_facts.engines import redis_oss_support
from pricing import estimate_node_based, load_table

TABLE = load_table()
NODES = 2 * 0.206 * 730  # 300.76


def support_line(version: str, day: str, region: str = "us-east-1", engine: str = "redis"):
    estimate = estimate_node_based(
        TABLE, region, engine, "cache.r6g.large", 2, engine_version=version, today=datetime.date.fromisoformat(day)
    )
    found = [line for line in estimate.lines if line.label == "extended support"]
    return found[0] if found else None


@pytest.mark.parametrize(
    ("day", "year", "premium"),
    [("2026-02-01", 1, 0.8), ("2027-01-31", 1, 0.8), ("2027-02-01", 2, 0.8), ("2028-02-01", 3, 1.6)],
)
def test_in_extended_support_the_premium_is_added_with_its_end_date(day: str, year: int, premium: float) -> None:
    line = support_line("5.0.6", day)
    assert line is not None
    assert line.usd == pytest.approx(premium * NODES)
    assert f"Redis OSS 5.0.6 is in Extended Support (year {year}, until 2029-01-31)" in line.detail
    assert line.uncertain  # the premium is read through a sample repository, not the AWS page


def test_before_standard_support_ends_it_says_when() -> None:
    line = support_line("6.2", "2026-12-01")
    assert line is not None
    assert line.usd == 0
    assert "standard support ends 2027-01-31, Extended Support 2030-01-31" in line.detail
    assert redis_oss_support("6.x") == ("2027-01-31", "2030-01-31")


def test_without_a_node_price_the_surcharge_is_unknown() -> None:
    line = support_line("4.0.10", "2026-12-01", region="il-central-1")
    assert line is not None
    assert line.usd is None
    assert line.detail.endswith("surcharge unknown (the node price is not known)")


def test_after_extended_support_ends_it_is_not_priced() -> None:
    line = support_line("4.0.10", "2029-02-01")
    assert line is not None
    assert line.usd is None
    assert "Extended Support ended 2029-01-31" in line.detail


@pytest.mark.parametrize(("engine", "version"), [("redis", "7.1"), ("valkey", "8.1"), ("redis", None)])
def test_versions_without_an_announced_end_add_nothing(engine: str, version: str | None) -> None:
    assert support_line(version or "", "2026-12-01", engine=engine) is None
