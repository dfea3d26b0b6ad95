"""Waivers: one policy, one resource, with a reason and an optional expiry; shown as waived, never silent."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from guardrails.backups import backup_retention
from guardrails.network import security_group_ingress
from guardrails.operations import data_protection

from preflight.analyzer import PolicyPack, PolicyPackError
from tests.policies.harness import Item, check, check_stack, with_
from tests.policies.secure import (
    REPLICATION_GROUP,
    RG,
    SESSIONS_SG,
    SESSIONS_TAGS,
    STACK_CONFIG,
    planned,
    secure_items,
)

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
PROD = json.loads((PACK_DIR / "config" / "prod.json").read_text())
SHORT = with_(REPLICATION_GROUP, snapshotRetentionLimit=3)
TOMORROW = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)).isoformat()
LAST_YEAR = (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=365)).isoformat()


def waiving(resource: str, **extra: str) -> dict:
    return {"minimumRetentionDays": 7, "waivers": [{"resource": resource, "reason": "restored nightly", **extra}]}


def test_a_waived_finding_is_an_advisory_line_with_its_reason() -> None:
    outcome = check(backup_retention, RG, SHORT, name="sessions-rg", config=waiving("sessions-rg", expires=TOMORROW))
    assert outcome.violations == []
    assert outcome.advisory is not None
    assert outcome.advisory.startswith(f"waived for sessions-rg until {TOMORROW}: restored nightly; the finding: ")
    assert "`snapshotRetentionLimit` is 3" in outcome.advisory


def test_a_waiver_without_expiry_holds_and_the_stack_config_key_names_every_resource_of_a_cache() -> None:
    tagged = with_(SHORT, tags={**SESSIONS_TAGS, "stackConfigKey": "caches.sessions"})
    outcome = check(backup_retention, RG, tagged, name="sessions-rg", config=waiving("caches.sessions"))
    assert outcome.violations == []
    assert (outcome.advisory or "").startswith("waived for caches.sessions: restored nightly")


def test_an_expired_waiver_waives_nothing_and_says_so() -> None:
    outcome = check(backup_retention, RG, SHORT, name="sessions-rg", config=waiving("sessions-rg", expires=LAST_YEAR))
    assert outcome.advisory is None
    [violation] = outcome.violations
    assert violation.endswith(f"(The waiver for sessions-rg expired on {LAST_YEAR}.)")


def test_a_waiver_is_for_one_resource() -> None:
    other = check(backup_retention, RG, SHORT, name="sessions-rg", config=waiving("checkout-rg"))
    assert other.violations
    assert other.advisory is None
    unprotected = with_(REPLICATION_GROUP, finalSnapshotIdentifier="")
    assert check(data_protection, RG, unprotected, name="sessions-rg").violations
    waived = {"waivers": [{"resource": "sessions-rg", "reason": "scratch data"}]}
    assert check(data_protection, RG, unprotected, name="sessions-rg", config=waived).violations == []


def test_a_stack_policy_waives_by_the_resource_the_finding_is_on() -> None:
    world = Item(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "world",
        {"securityGroupId": SESSIONS_SG, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
        {"securityGroupId": ["sessions-sg"]},
    )
    items = [*secure_items(), world]
    assert check_stack(security_group_ingress, items).violations
    config = {"waivers": [{"resource": "world", "reason": "load test, torn down today", "expires": TOMORROW}]}
    outcome = check_stack(security_group_ingress, items, config=config)
    assert outcome.violations == []
    assert "waived for world until" in (outcome.advisory or "")
    assert "admits 0.0.0.0/0" in (outcome.advisory or "")


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod", stack_config=STACK_CONFIG) as running:
        yield running


def test_over_grpc_a_waived_violation_is_advisory_and_the_rest_of_the_gate_holds(pack: PolicyPack) -> None:
    plan = [
        item if item.name != "sessions-replication-group" else with_item(item, snapshotRetentionLimit=3)
        for item in secure_items()
    ]
    resources = planned(plan)
    waived = {
        **PROD,
        "elasticache-backup-retention": {
            **PROD["elasticache-backup-retention"],
            "waivers": [{"resource": "sessions-replication-group", "reason": "restored nightly", "expires": TOMORROW}],
        },
    }
    pack.configure(waived)
    found = [d for r in resources for d in pack.analyze(r)] + pack.analyze_stack(resources)
    [line] = [d for d in found if d.policy_name == "elasticache-backup-retention"]
    assert not line.mandatory
    assert "waived for sessions-replication-group until" in line.message
    assert [d for d in found if d.mandatory] == []

    pack.configure(PROD)
    [violation] = [d for r in resources for d in pack.analyze(r) if d.policy_name == "elasticache-backup-retention"]
    assert violation.mandatory


def test_over_grpc_a_waiver_without_a_reason_is_refused(pack: PolicyPack) -> None:
    with pytest.raises(PolicyPackError, match="reason: is required"):
        pack.configure({"elasticache-backup-retention": {"waivers": [{"resource": "x"}]}})


def with_item(item: Item, **inputs: object) -> Item:
    return Item(item.type, item.name, with_(item.properties, **inputs), item.depends)
