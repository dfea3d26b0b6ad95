"""What the last `pulumi up` of this stack deployed, read back before anything is registered.

The program exports `deployedCaches` (engine, version, port, key, ...) on every update; the next run reads it
through a StackReference to its own stack, so an edit that AWS could only apply by replacing a cache is refused
at preview, with the key to change, instead of showing up as a replace in a long diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

from components.spec import DeployedCache

DEPLOYED_CACHES_OUTPUT = "deployedCaches"


def read_deployed_caches() -> dict[str, DeployedCache]:
    """Empty on a stack's first update (no outputs yet)."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference("deployed-state", stack_name=stack)
    # The SDK's own mechanism for synchronous invokes: pumps the event loop until the read resolves, so the
    # result is known before the config is validated and before any cache resource is registered.
    details = _sync_await(reference.get_output_details(DEPLOYED_CACHES_OUTPUT))
    return parse_deployed(details.value)


def parse_deployed(value: Any) -> dict[str, DeployedCache]:
    if not isinstance(value, Mapping):
        return {}
    found = {}
    for name, facts in value.items():
        try:
            found[str(name)] = DeployedCache(
                cache_id=str(facts["cacheId"]),
                type=str(facts["type"]),
                engine=str(facts["engine"]),
                engine_version=str(facts["engineVersion"]),
                port=int(facts["port"]),
                kms_key=str(facts["kmsKey"]),
                sharded=bool(facts["sharded"]),
                data_tiering=bool(facts["dataTiering"]),
            )
        except (KeyError, TypeError, ValueError):
            continue  # written by an older version of this program: nothing reliable to compare against
    return found
