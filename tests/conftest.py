"""Fixtures shared by the program tests: the repo's stacks run through `__main__.py` under the SDK's mocks.

Each test re-runs the program (`run_program` sets fresh mocks with preview=False and awaits every output
before it returns), so assertions on a `Plan` see resolved values, never skipped callbacks.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pulumi
import pytest

from components.spec import StackSpec
from components.stack_config import RawStackConfig, load_stack
from components.stack_config.network import SubnetInfo
from elasticache_facts import tokens
from preflight.mocks import AwsMocks, RecordingMonitor
from preflight.model import Plan, PlannedResource, SubnetAnswer
from preflight.program import run_program
from preflight.stack_files import StackConfig, read_stack_config

# Each program run allocates hundreds of thousands of short-lived objects (futures, protobufs); with the default
# thresholds the cyclic collector walks every live object of the session again and again.
gc.set_threshold(200_000, 50, 100)

STACKS = ("dev", "prod")


def one(plan: Plan, type_token: str, cache: str) -> PlannedResource:
    """The single resource of a type that belongs to one cache component."""
    found = [r for r in plan.of_type(type_token) if r.parent and r.parent.endswith(f"::{cache}")]
    assert len(found) == 1, f"expected one {type_token} in cache {cache}, found {[r.name for r in found]}"
    return found[0]


def children(plan: Plan, cache: str) -> list[PlannedResource]:
    return [r for r in plan.resources if r.parent and r.parent.endswith(f"::{cache}")]


def suffixes(plan: Plan, cache: str) -> dict[str, str]:
    """The cache's random name suffixes (logical name -> the value kept in state), as the mocks answered."""
    return {r.name: r.outputs["result"] for r in children(plan, cache) if r.type == tokens.RANDOM_STRING}


def readable(plan: Plan, cache: str, name: str) -> str:
    """An AWS name with the cache's random suffixes taken out: the part the config alone derives."""
    for value in suffixes(plan, cache).values():
        name = name.replace(f"-{value}", "")
    return name


@pytest.fixture
def stack_config() -> Callable[[str], StackConfig]:
    return read_stack_config


@pytest.fixture
def run() -> Iterator[Callable[..., Plan]]:
    """Runs the program for a config; restores the SDK's global settings after the test."""
    yield run_program
    pulumi.runtime.settings.ROOT.set(None)


@pytest.fixture
def dev(stack_config: Callable[[str], StackConfig]) -> StackConfig:
    return stack_config("dev")


@pytest.fixture
def prod(stack_config: Callable[[str], StackConfig]) -> StackConfig:
    return stack_config("prod")


def edit_cache(config: StackConfig, cache: str, **changes: Any) -> StackConfig:
    """A copy of `config` with keys of one cache set (None deletes a key)."""
    caches = copy.deepcopy(config.get("caches"))
    for key, value in changes.items():
        if value is None:
            caches[cache].pop(key, None)
        else:
            caches[cache][key] = value
    return config.with_values(caches=caches)


def edit(config: StackConfig, key: str, change: Callable[[Any], Any]) -> StackConfig:
    """A copy of `config` with one top-level key transformed (its value is deep-copied first)."""
    return config.with_values(**{key: change(copy.deepcopy(config.get(key)))})


@pytest.fixture
def component_mocks() -> Iterator[RecordingMonitor]:
    """SDK mocks for tests that build a `Cache` directly, in the style of the SDK's own tests."""
    mocks = AwsMocks("us-east-1", UNIT_SUBNETS)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project="elasticache", stack="unit", preview=False, monitor=monitor)
    yield monitor
    pulumi.runtime.settings.ROOT.set(None)


UNIT_VPC = "vpc-0bbbbbbbbbbbbbbb1"
UNIT_TAGS = {"team": "t", "costCentre": "cc-1"}
"""The tags the loader requires of every stack (`elasticache_facts.tags`)."""
UNIT_SUBNETS = {
    "subnet-0aaaaaaaaaaaaaaa1": SubnetAnswer("us-east-1a", UNIT_VPC),
    "subnet-0aaaaaaaaaaaaaaa2": SubnetAnswer("us-east-1b", UNIT_VPC),
    "subnet-0aaaaaaaaaaaaaaa3": SubnetAnswer("us-east-1c", UNIT_VPC),
}
UNIT_NETWORK = {
    "vpcId": UNIT_VPC,
    "subnetIds": list(UNIT_SUBNETS),
    "appSecurityGroupIds": ["sg-0ccccccccccccccc1"],
    "appAvailabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"],
}


def unit_lookup(subnet_ids: Sequence[str]) -> dict[str, SubnetInfo | None]:
    return {
        s: SubnetInfo(UNIT_SUBNETS[s].availability_zone, UNIT_SUBNETS[s].vpc_id) if s in UNIT_SUBNETS else None
        for s in subnet_ids
    }


def unit_spec(caches: dict[str, Any], *, production: bool = True, **values: Any) -> StackSpec:
    """Validate a config for the unit network without running a program (pure: no Pulumi involved)."""
    raw = RawStackConfig(
        stack="unit",
        region="us-east-1",
        values={
            "network": UNIT_NETWORK,
            "production": production,
            "tags": UNIT_TAGS,
            "caches": caches,
            **values,
        },
        secret_keys=frozenset({"cacheSecrets"}),  # as `pulumi config set --secret --path` stores them
    )
    return load_stack(raw, unit_lookup)
