"""Rendering without running anything: secrets masked, results grouped by level, one JSON document."""

from __future__ import annotations

import json

from elasticache_facts import tokens
from elasticache_facts.wire import secret
from preflight.analyzer import Diagnostic
from preflight.model import Plan, PlannedResource, SubnetAnswer
from preflight.report import render_json, render_text
from preflight.run import Failure, PolicyPackSummary, PreflightResult
from preflight.summaries import cache_settings
from preflight.values import public

SECRET = secret("hunter2-hunter2-hunter2")
STACK_URN = "urn:pulumi:unit::elasticache::pulumi:pulumi:Stack::elasticache-unit"
CACHE_URN = "urn:pulumi:unit::elasticache::elasticache:index:Cache::orders"
GROUP_URN = (
    "urn:pulumi:unit::elasticache::elasticache:index:Cache$"
    "aws:elasticache/replicationGroup:ReplicationGroup::orders-replication-group"
)
GROUP_INPUTS = {
    "engine": "redis",
    "engineVersion": "7.1",
    "nodeType": "cache.r7g.large",
    "clusterMode": "disabled",
    "numCacheClusters": 2.0,
    "preferredCacheClusterAzs": ["us-east-1a", "us-east-1b"],
    "multiAzEnabled": True,
    "automaticFailoverEnabled": False,
    "transitEncryptionEnabled": True,
    "transitEncryptionMode": "preferred",
    "atRestEncryptionEnabled": True,
    "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/0f7b0a8e-0000-4000-8000-000000000000",
    "authTokenWo": SECRET,
    "authTokenWoVersion": 3.0,
    "snapshotRetentionLimit": 0.0,
    "maintenanceWindow": "sun:05:00-sun:06:00",
}


def resource(urn: str, type_: str, name: str, inputs: dict, parent: str | None) -> PlannedResource:
    return PlannedResource(type_, name, urn, type_ != tokens.COMPONENT, inputs, inputs, parent)


def result(**changes) -> PreflightResult:
    plan = Plan(
        "elasticache",
        "unit",
        (
            resource(CACHE_URN, tokens.COMPONENT, "orders", {}, STACK_URN),
            resource(
                GROUP_URN,
                tokens.REPLICATION_GROUP,
                "orders-replication-group",
                GROUP_INPUTS,
                CACHE_URN,
            ),
        ),
        {"orders": {"endpoint": "master.unit-orders.use1.cache.amazonaws.com", "port": 6379.0, "token": SECRET}},
    )
    base = {
        "project": "elasticache",
        "stack": "unit",
        "plan": plan,
        "diagnostics": (
            Diagnostic(
                "elasticache-backup-retention",
                "elasticache-guardrails",
                "Caches keep snapshots.\n`snapshotRetentionLimit` is 0.",
                "mandatory",
                GROUP_URN,
                "medium",
                "Set `snapshotRetentionLimit`.",
                "Caches keep snapshots.",
            ),
            Diagnostic(
                "elasticache-monthly-budget",
                "elasticache-guardrails",
                "Fits the budget.\nover by $12.",
                "advisory",
                STACK_URN,
                "low",
                "",
                "Fits the budget.",
            ),
        ),
        "pack": PolicyPackSummary("elasticache-guardrails", "0.1.0", {"elasticache-backup-retention": "mandatory"}),
        "subnets": {"subnet-1": SubnetAnswer("us-east-1a", "vpc-1")},
        "started": True,
    }
    base.update(changes)
    return PreflightResult(**base)


def test_public_masks_secrets_at_any_depth_and_shows_integral_numbers_as_integers() -> None:
    assert public({"a": [SECRET, {"b": SECRET}], "n": 6379.0, "x": 0.5}) == {
        "a": ["[secret]", {"b": "[secret]"}],
        "n": 6379,
        "x": 0.5,
    }


def test_cache_settings_name_what_matters_including_weak_settings() -> None:
    settings = cache_settings(result().plan.resources[1:], {})

    assert settings["engine"] == "redis 7.1, node-based, cluster mode disabled"
    assert settings["nodes"].startswith("2 x cache.r7g.large in us-east-1a (primary), us-east-1b")
    assert "automatic failover OFF" in settings["nodes"]
    assert settings["tls"] == "enabled, mode preferred (plain-text connections accepted)"
    assert settings["atRest"].startswith("encrypted, KMS key arn:aws:kms:")
    assert settings["auth"] == "AUTH token [secret] (version 3)"
    assert settings["backups"] == "OFF (snapshotRetentionLimit 0)"


def test_the_json_document_holds_resources_results_by_level_and_masked_exports() -> None:
    text = render_json([result()], all_stacks=False)
    document = json.loads(text)

    assert "hunter2" not in text
    assert document["exitCode"] == 1
    assert document["verdict"] == "mandatory policy violations"
    assert sorted(r["name"] for r in document["resources"]) == ["orders", "orders-replication-group"]
    [group] = [r for r in document["resources"] if r["type"].endswith("ReplicationGroup")]
    assert group["inputs"]["authTokenWo"] == "[secret]"
    assert document["caches"][0]["name"] == "orders"
    assert list(document["policyResults"]) == ["mandatory", "advisory"]
    [mandatory] = document["policyResults"]["mandatory"]
    assert mandatory["policy"] == "elasticache-backup-retention"
    assert mandatory["resourceName"] == "orders-replication-group"
    assert mandatory["message"] == "`snapshotRetentionLimit` is 0."
    assert mandatory["remediation"] == "Set `snapshotRetentionLimit`."
    # A stack-level result is filed under the root stack, as the engine files it.
    assert document["policyResults"]["advisory"][0]["urn"] == STACK_URN
    assert document["exports"] == {
        "orders": {"endpoint": "master.unit-orders.use1.cache.amazonaws.com", "port": 6379, "token": "[secret]"}
    }


def test_all_stacks_is_one_document_with_the_worst_exit_code() -> None:
    broken = result(plan=None, diagnostics=(), failures=(Failure("config", "Invalid stack config"),))
    document = json.loads(render_json([result(), broken], all_stacks=True))

    assert document["exitCode"] == 2
    assert [stack["exitCode"] for stack in document["stacks"]] == [1, 2]
    assert document["stacks"][1]["errors"] == [{"kind": "config", "message": "Invalid stack config"}]


def test_the_text_report_shows_the_tree_results_and_exports() -> None:
    text = render_text(result(), unicode=False)

    assert "hunter2" not in text
    assert "+- elasticache:index:Cache  orders" in text or "`- elasticache:index:Cache  orders" in text
    assert "TLS          enabled, mode preferred" in text
    assert "mandatory (1):" in text
    assert "advisory (1):" in text
    assert "resource:    the whole stack" in text
    assert "token:    [secret]" in text
    assert text.rstrip().endswith("Stack unit: FAILED: 1 mandatory violation, 1 other (exit 1)")
