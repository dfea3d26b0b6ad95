"""The adapter to the SDK's config store: lists every project key and knows which are secret, as the language
host's exec script sets them (`set_all_config(PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS)`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pulumi
import pytest
from pulumi.runtime import set_all_config

from components.stack_config import pulumi_config, read_pulumi_config
from preflight.mocks import AwsMocks


@pytest.fixture
def project() -> Iterator[None]:
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(AwsMocks("us-east-1", {}), project="elasticache", stack="unit", preview=False)
    yield
    set_all_config({}, [])
    pulumi.runtime.settings.ROOT.set(None)


def test_every_project_key_is_listed_and_secret_keys_are_known(project: None) -> None:
    set_all_config(
        {"elasticache:encyption": "{}", "elasticache:caches": "{}", "aws:region": "us-east-1", "other:x": "1"},
        ["elasticache:caches"],
    )
    assert pulumi_config.project_keys() == ["caches", "encyption"]
    assert pulumi_config.is_secret("caches")
    assert not pulumi_config.is_secret("encyption")


def test_the_program_reads_unknown_top_level_keys_and_secret_marks(project: None) -> None:
    set_all_config(
        {
            "elasticache:kmsKey": "create",
            "elasticache:cacheSecrets": json.dumps({"a": {"authToken": "x"}}),
            "aws:region": "us-east-1",
        },
        ["elasticache:cacheSecrets"],
    )
    raw = read_pulumi_config()
    assert raw.values["kmsKey"] == "create"
    assert raw.secret_keys == frozenset({"cacheSecrets"})
    assert raw.region == "us-east-1"
