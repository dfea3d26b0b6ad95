"""The pure AWS rules and the AZ layout, on their edges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import aws_rules, placement
from components.spec import Engine
from elasticache_facts.engines import parameter_group_family


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [(Engine.VALKEY, "7.2", "valkey7"), (Engine.VALKEY, "8.1", "valkey8"), (Engine.REDIS, "7.1", "redis7")],
)
def test_parameter_group_family(engine: Engine, version: str, family: str) -> None:
    assert parameter_group_family(engine, version) == family


@pytest.mark.parametrize(
    ("maintenance", "snapshot", "overlap"),
    [
        ("sun:05:00-sun:06:00", "03:00-04:00", False),
        ("sun:05:00-sun:06:00", "05:59-07:00", True),
        ("sun:05:00-sun:06:00", "06:00-07:00", False),  # touching is not overlapping
        ("sat:23:30-sun:00:30", "00:00-01:00", True),  # across midnight
        ("sun:23:30-mon:00:30", "00:00-01:00", True),  # across the week's end
        ("wed:10:00-wed:11:00", "23:00-01:00", False),
        ("mon:00:00-mon:01:00", "23:30-00:30", True),  # the snapshot that starts on sunday runs into monday
    ],
)
def test_windows_overlap(maintenance: str, snapshot: str, overlap: bool) -> None:
    assert aws_rules.windows_overlap(maintenance, snapshot) is overlap


_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@st.composite
def _window_pair(draw: st.DrawFn) -> tuple[str, str]:
    def clock(minute: int) -> str:
        return f"{minute % 1440 // 60:02d}:{minute % 60:02d}"

    day = draw(st.integers(0, 6))
    start = draw(st.integers(0, 1439))
    length = draw(st.integers(60, 23 * 60))  # a maintenance window of the whole day leaves no snapshot window
    end = day * 1440 + start + length
    maintenance = f"{_DAYS[day]}:{clock(start)}-{_DAYS[end // 1440 % 7]}:{clock(end)}"
    snapshot_start = draw(st.integers(0, 1439))
    snapshot_length = draw(st.integers(60, 1440 - length))
    return maintenance, f"{clock(snapshot_start)}-{clock(snapshot_start + snapshot_length)}"


@given(_window_pair())
def test_an_overlap_names_a_daily_window_that_aws_takes(pair: tuple[str, str]) -> None:
    maintenance, snapshot = pair
    why = aws_rules.check_windows(maintenance, snapshot, "maintenanceWindow")
    if not aws_rules.windows_overlap(maintenance, snapshot):
        assert why is None
        return
    assert why is not None
    assert f"overlaps maintenanceWindow {maintenance}" in why
    suggested = why.split("e.g. '")[1].split("'")[0]
    assert aws_rules.check_snapshot_window(suggested) is None
    assert not aws_rules.windows_overlap(maintenance, suggested)
    length = aws_rules.time_window_span(snapshot)
    assert length is not None
    assert (span := aws_rules.time_window_span(suggested)) is not None
    assert span[1] - span[0] == length[1] - length[0]


def test_a_maintenance_window_of_a_whole_day_leaves_no_snapshot_window() -> None:
    why = aws_rules.check_windows("sun:00:00-mon:00:00", "03:00-04:00", "maintenanceWindow")
    assert why is not None
    assert "no daily window misses it: shorten maintenanceWindow" in why


@pytest.mark.parametrize("value", ["a", "a" * 40, "prod-sessions", "A1-b2"])
def test_valid_ids(value: str) -> None:
    assert aws_rules.check_resource_id(value) is None


@pytest.mark.parametrize("value", ["", "a" * 41, "1abc", "a--b", "ab-", "a_b"])
def test_invalid_ids(value: str) -> None:
    assert aws_rules.check_resource_id(value) is not None


def test_secret_rules() -> None:
    assert aws_rules.check_secret("A" * 16) is None
    assert aws_rules.check_secret("A" * 15) is not None
    assert aws_rules.check_secret("A" * 15 + "@") is not None
    assert aws_rules.check_secret("Abc!&#$^<>-12345") is None


def test_single_shard_layout_puts_primary_first_and_spreads_replicas() -> None:
    [layout] = placement.shard_layouts(["a", "b", "c"], 1, 2)
    assert layout.azs == ("a", "b", "c")
    [crowded] = placement.shard_layouts(["a", "b"], 1, 4)
    assert crowded.azs == ("a", "b", "a", "b", "a")


def test_shards_rotate_replicas_over_the_other_azs() -> None:
    layouts = placement.shard_layouts(["a", "b", "c"], 3, 1)
    assert [layout.azs for layout in layouts] == [("a", "b"), ("a", "c"), ("a", "b")]
    assert placement.uncovered_azs(["a", "b", "c"], layouts) == []


def test_uncovered_azs() -> None:
    layouts = placement.shard_layouts(["a", "b", "c"], 1, 1)
    assert placement.uncovered_azs(["a", "b", "c"], layouts) == ["c"]


@pytest.mark.parametrize(("az", "refused"), [("us-east-1a", False), ("us-east-10a", True), ("us-east-1", True)])
def test_an_app_az_is_its_region_and_one_letter(az: str, refused: bool) -> None:
    lists = {"subnet_ids": ["subnet-1"], "app_security_group_ids": ["sg-1"], "app_availability_zones": [az]}
    names = {field: f"network.{field}" for field in lists}

    found = aws_rules.check_network("us-east-1", lists, None, names)

    assert [problem.value for problem in found if "not an AZ of the region" in problem.why] == ([az] if refused else [])
