"""Every stack config key the pack names in a fix exists in the program's schema, for the kind it names it on,
and is one the preflight points at for that policy (`preflight.locations.FIXED_BY`), so the annotation sits on
the line the message says to change."""

from __future__ import annotations

import re
import typing

import pytest
from guardrails.program_terms import FIXES, serverless_pricing_inputs
from guardrails.registry import POLICIES
from pydantic import BaseModel

from components.stack_config.schema import (
    TOP_LEVEL_KEYS,
    EncryptionConfig,
    NetworkConfig,
    NodeCacheConfig,
    ServerlessCacheConfig,
)
from elasticache_facts.tokens import REPLICATION_GROUP, SERVERLESS_CACHE
from preflight.locations import CACHE, FIXED_BY, POLICY_SETTING

KEY = re.compile(r"`((?:caches|network|encryption|tags)\.[A-Za-z.]+)[`:]")
NODE_ONLY = {
    "elasticache-transit-encryption-mode",
    "elasticache-multi-az-failover",
    "elasticache-node-type",
    "elasticache-eviction-policy",
}
SERVERLESS_ONLY = {"elasticache-serverless-usage-limits"}
TOP = {"network": NetworkConfig, "encryption": EncryptionConfig}


def _model(annotation: typing.Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model(argument)
        if found is not None:
            return found
    return None


def _resolves(model: type[BaseModel], path: list[str]) -> bool:
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    if not path:
        return True
    if path[0] not in fields:
        return False
    nested = _model(fields[path[0]].annotation)
    return not path[1:] or (nested is not None and _resolves(nested, path[1:]))


def _is_top_level_key(head: str, rest: list[str]) -> bool:
    """A key outside `caches`: one of the stack's top-level keys, and a field of its model where it has one."""
    return head in TOP_LEVEL_KEYS and (head not in TOP or _resolves(TOP[head], rest))


@pytest.mark.parametrize("policy", sorted(FIXES))
@pytest.mark.parametrize(
    ("kind", "model"), [(REPLICATION_GROUP, NodeCacheConfig), (SERVERLESS_CACHE, ServerlessCacheConfig)]
)
def test_every_key_a_fix_names_is_a_key_of_the_program(policy: str, kind: str, model: type[BaseModel]) -> None:
    if policy in (NODE_ONLY if kind == SERVERLESS_CACHE else SERVERLESS_ONLY):
        pytest.skip("the policy never reports on this kind of cache")
    text = FIXES[policy]("caches.sessions", {}, kind)
    keys = KEY.findall(text)
    assert keys, text
    for key in keys:
        head, *rest = key.split(".")
        if head == "caches":
            assert rest[0] == "sessions", key
            if (
                policy in ("elasticache-transit-encryption-mode", "elasticache-multi-az-failover")
                and kind == SERVERLESS_CACHE
            ):
                continue  # node-only findings: a serverless cache never gets them
            assert _resolves(model, rest[1:]), f"{policy}: {key} is not a {model.__name__} key"
        else:
            assert _is_top_level_key(head, rest), key


ALONGSIDE = {"caches.sessions.allowReplacement"}
"""Named in a fix beside the key that fixes it (a change AWS makes only by replacing the cache), never alone."""


@pytest.mark.parametrize("policy", sorted(FIXES))
@pytest.mark.parametrize("kind", [REPLICATION_GROUP, SERVERLESS_CACHE])
def test_every_key_a_fix_names_is_one_the_preflight_points_at(policy: str, kind: str) -> None:
    pointed_at = [key.replace(CACHE, "sessions") for key in FIXED_BY[policy]]
    for key in KEY.findall(FIXES[policy]("caches.sessions", {}, kind)):
        if key in ALONGSIDE:
            continue
        assert any(key == at or key.startswith(f"{at}.") for at in pointed_at), (
            f"{policy} names {key}; the preflight points at {pointed_at}"
        )


def test_the_preflight_points_every_policy_of_the_pack_at_a_key() -> None:
    names = {policy.name for policy in POLICIES}

    assert names - set(FIXED_BY) - set(POLICY_SETTING) == set()
    assert set(FIXED_BY) | set(POLICY_SETTING) <= names


@pytest.mark.parametrize("policy", sorted(FIXED_BY))
def test_every_key_the_preflight_points_at_is_a_key_of_the_program(policy: str) -> None:
    for key in FIXED_BY[policy]:
        head, *rest = key.split(".")
        if head == "caches":
            assert rest[0] == CACHE, key
            kinds = [model for model in (NodeCacheConfig, ServerlessCacheConfig) if _resolves(model, rest[1:])]
            assert kinds, f"{policy}: {key} is a key of no kind of cache"
        else:
            assert _is_top_level_key(head, rest), key


@pytest.mark.parametrize("policy", sorted(POLICY_SETTING))
def test_every_policy_setting_the_preflight_points_at_is_in_the_policy_schema(policy: str) -> None:
    [found] = [candidate for candidate in POLICIES if candidate.name == policy]

    assert found.config_schema is not None
    assert POLICY_SETTING[policy] in found.config_schema.properties


def test_every_key_the_budget_names_for_a_serverless_cache_is_a_key_of_the_program() -> None:
    for phrase in serverless_pricing_inputs("caches.sessions").values():
        (key,) = KEY.findall(phrase)
        head, name, *rest = key.split(".")
        assert (head, name) == ("caches", "sessions"), key
        assert _resolves(ServerlessCacheConfig, rest), f"{key} is not a ServerlessCacheConfig key"
