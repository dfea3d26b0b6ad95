"""Every stack config key the pack names in a fix exists in the program's schema, for the kind it names it on."""

from __future__ import annotations

import re
import typing

import pytest
from guardrails.program_terms import FIXES
from pydantic import BaseModel

from components.stack_config.schema import (
    TOP_LEVEL_KEYS,
    EncryptionConfig,
    NetworkConfig,
    NodeCacheConfig,
    ServerlessCacheConfig,
)
from elasticache_facts.tokens import REPLICATION_GROUP, SERVERLESS_CACHE

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
            assert head in TOP_LEVEL_KEYS, key
            if head in TOP:
                assert _resolves(TOP[head], rest), key
