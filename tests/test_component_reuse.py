"""The Cache component reused from another Pulumi program: hand-built args and resource options."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import rpc

from components import Cache
from components.spec import CacheArgs, Protection
from elasticache_facts.tokens import (
    COMPONENT,
    KMS_KEY,
    REPLICATION_GROUP,
    SECURITY_GROUP,
)
from preflight.mocks import RecordingMonitor
from tests.conftest import unit_spec


def valid(**cache: Any) -> CacheArgs:
    [args] = unit_spec({"sessions": {"workload": "sessions", **cache}}).caches
    return args


def registered(monitor: RecordingMonitor, type_token: str) -> list[dict[str, Any]]:
    return [rpc.deserialize_properties(req.object) for req, _ in monitor.registrations if req.type == type_token]


def types(monitor: RecordingMonitor) -> list[str]:
    return [req.type for req, _ in monitor.registrations]


def build(monitor: RecordingMonitor, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
    """Run a one-cache program; return (the exception the constructor raised or None, the cache)."""
    outcome: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:
        try:
            cache = Cache("sessions", args, opts)
        except Exception as error:
            outcome["error"] = error
            return None
        outcome["cache"] = cache
        return pulumi.Output.all(cache.endpoint, cache.connect_policy, cache.security_group_id)

    program()
    return outcome.get("error"), outcome.get("cache")


# -- resource options ----------------------------------------------------------------------------------------


def test_protect_on_the_component_reaches_the_cache_itself(component_mocks):
    # Unchecked: every child inherited protect=True except the replication group and the KMS key (explicit False).
    args = dataclasses.replace(
        valid(kmsKey="create"), protection=Protection(protect=False, retain_on_delete=False, allow_replacement=False)
    )
    error, _ = build(component_mocks, args, pulumi.ResourceOptions(protect=True))
    assert error is None
    protect = {req.type: req.protect for req, _ in component_mocks.registrations}
    assert protect[COMPONENT] is True
    assert protect[SECURITY_GROUP] is True
    assert protect[REPLICATION_GROUP] is True
    assert protect[KMS_KEY] is True


def test_unprotected_args_without_options_stay_unprotected(component_mocks):
    args = dataclasses.replace(
        valid(), protection=Protection(protect=False, retain_on_delete=False, allow_replacement=False)
    )
    error, _ = build(component_mocks, args)
    assert error is None
    assert {req.protect for req, _ in component_mocks.registrations} == {False}


def test_provider_propagates_to_every_aws_child(component_mocks):
    @pulumi.runtime.test
    def program() -> Any:
        west = aws.Provider("west", region="us-west-2")
        cache = Cache("sessions", valid(), pulumi.ResourceOptions(provider=west))
        return pulumi.Output.all(cache.endpoint, cache.connect_policy)

    program()
    aws_children = [req for req, _ in component_mocks.registrations if req.type.startswith("aws:")]
    assert aws_children
    assert all("::west::" in req.provider for req in aws_children)
