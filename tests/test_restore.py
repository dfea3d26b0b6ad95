"""`restoreFrom`: a cache created from a backup or from RDB files in S3, checked before anything is registered, and
guarded afterwards, since AWS seeds a cache only when it creates it."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import aws_rules
from components.spec import RestoreFrom
from components.stack_config import ConfigError
from elasticache_facts.tokens import REPLICATION_GROUP, SERVERLESS_CACHE
from preflight.model import Plan
from preflight.program import run_program
from preflight.stack_files import StackConfig
from preflight.summaries import cache_settings
from tests.aws_api import refusals
from tests.aws_api.provider_requests import requests_for
from tests.conftest import edit_cache, one
from tests.test_component_reuse import refused, valid
from tests.test_day2 import first_deploy, redeploy
from tests.test_validation import problems_of, rejected

BACKUP = "prod-sessions-4k2j9x-final-1"
RDB_FILES = ["arn:aws:s3:::acme-cache-seeds/sessions/part-1.rdb", "arn:aws:s3:::acme-cache-seeds/sessions/part-2.rdb"]
SERVERLESS_SNAPSHOT = "arn:aws:elasticache:us-east-1:123456789012:serverlesscachesnapshot:prompts-2026-11-30"


def restored(config: StackConfig, cache: str, **restore: Any) -> StackConfig:
    return edit_cache(config, cache, restoreFrom=restore)


# -- what the cache is created with -----------------------------------------------------------------------------


def test_a_backup_restored_by_name_is_the_groups_snapshot_name(prod, run: Callable[..., Plan]) -> None:
    group = one(run(restored(prod, "sessions", snapshot=BACKUP)), REPLICATION_GROUP, "sessions")
    assert group.inputs["snapshotName"] == BACKUP
    assert "snapshotArns" not in group.inputs


def test_a_cache_created_empty_sends_no_restore_input(prod, run: Callable[..., Plan]) -> None:
    plan = run(prod)
    for cache in ("sessions", "retrieval"):
        group = one(plan, REPLICATION_GROUP, cache)
        assert {"snapshotName", "snapshotArns"} & set(group.inputs) == set()
        assert all("slots" not in shard for shard in group.inputs.get("nodeGroupConfigurations", []))


def test_a_sharded_cache_seeded_from_rdb_files_gives_every_shard_its_slots(prod, run: Callable[..., Plan]) -> None:
    # The API model: NodeGroupConfiguration "is required when seeding a [...] (cluster mode enabled) cluster from
    # a S3 rdb file [...] because you must specify the slots for each node group".
    group = one(run(restored(prod, "retrieval", rdbFiles=RDB_FILES)), REPLICATION_GROUP, "retrieval")
    assert group.inputs["snapshotArns"] == RDB_FILES
    shards = group.inputs["nodeGroupConfigurations"]
    assert len(shards) == group.inputs["numNodeGroups"] > 1
    assert [shard["slots"] for shard in shards] == list(aws_rules.even_slots(len(shards)))


def test_a_sharded_cache_restored_from_a_backup_takes_the_backups_slots(prod, run: Callable[..., Plan]) -> None:
    group = one(run(restored(prod, "retrieval", snapshot=BACKUP)), REPLICATION_GROUP, "retrieval")
    assert all("slots" not in shard for shard in group.inputs["nodeGroupConfigurations"])


def test_a_serverless_cache_restores_its_snapshot_arns(dev, run: Callable[..., Plan]) -> None:
    cache = one(run(restored(dev, "prompts", snapshotArns=[SERVERLESS_SNAPSHOT])), SERVERLESS_CACHE, "prompts")
    assert cache.inputs["snapshotArnsToRestores"] == [SERVERLESS_SNAPSHOT]


def test_restore_requests_are_ones_the_api_model_accepts(dev, prod, run: Callable[..., Plan]) -> None:
    plans = [
        run(restored(restored(prod, "retrieval", rdbFiles=RDB_FILES), "sessions", snapshot=BACKUP)),
        run(restored(dev, "prompts", snapshotArns=[SERVERLESS_SNAPSHOT])),
    ]
    resources = [resource for plan in plans for resource in plan.resources]
    assert refusals(resources) == {}
    sent = {
        request.params.get("ReplicationGroupId") or request.params.get("ServerlessCacheName"): request.params
        for _, request, _ in requests_for(resources)
        if request.operation in ("CreateReplicationGroup", "CreateServerlessCache")
    }
    by_cache = {name.rsplit("-", 1)[0]: params for name, params in sent.items()}  # `<stack>-<cache>-<suffix>`
    assert by_cache["prod-sessions"]["SnapshotName"] == BACKUP
    assert by_cache["prod-retrieval"]["SnapshotArns"] == RDB_FILES
    assert all(shard["Slots"] for shard in by_cache["prod-retrieval"]["NodeGroupConfiguration"])
    assert by_cache["dev-prompts"]["SnapshotArnsToRestore"] == [SERVERLESS_SNAPSHOT]


@given(st.integers(min_value=1, max_value=aws_rules.MAX_SHARDS))
def test_even_slots_cover_every_hash_slot_once_in_near_equal_shares(shards: int) -> None:
    ranges = [tuple(int(end) for end in text.split("-")) for text in aws_rules.even_slots(shards)]
    assert len(ranges) == shards
    assert ranges[0][0] == 0
    assert ranges[-1][1] == aws_rules.HASH_SLOTS - 1
    assert all(previous[1] + 1 == current[0] for previous, current in itertools.pairwise(ranges))
    sizes = {end - start + 1 for start, end in ranges}
    assert max(sizes) - min(sizes) <= 1


# -- what AWS would refuse, named before anything is registered ---------------------------------------------------


@pytest.mark.parametrize(
    ("restore", "path", "says"),
    [
        ({"snapshot": BACKUP, "rdbFiles": RDB_FILES}, "caches.sessions.restoreFrom", "exactly one of snapshot"),
        ({}, "caches.sessions.restoreFrom", "exactly one of snapshot"),
        (
            {"snapshot": "arn:aws:elasticache:us-east-1:123456789012:snapshot:nightly"},
            "caches.sessions.restoreFrom.snapshot",
            "not its ARN",
        ),
        ({"rdbFiles": ["s3://acme-cache-seeds/sessions.rdb"]}, "caches.sessions.restoreFrom.rdbFiles[0]", "S3 object"),
        (
            {"rdbFiles": ["arn:aws:s3:::acme-cache-seeds/a,b.rdb"]},
            "caches.sessions.restoreFrom.rdbFiles[0]",
            "comma",
        ),
        ({"rdbFiles": [RDB_FILES[0], RDB_FILES[0]]}, "caches.sessions.restoreFrom.rdbFiles", "twice"),
        ({"rdbFiles": []}, "caches.sessions.restoreFrom.rdbFiles", "at least 1"),
        ({"snapshotArns": [SERVERLESS_SNAPSHOT]}, "caches.sessions.restoreFrom.snapshotArns", "unknown key"),
    ],
)
def test_a_node_based_restore_aws_would_refuse_is_named(prod, restore: dict[str, Any], path: str, says: str) -> None:
    problem = rejected(restored(prod, "sessions", **restore), path)
    assert says in problem.message, str(problem)


@pytest.mark.parametrize(
    ("arns", "path", "says"),
    [
        (
            ["arn:aws:elasticache:eu-west-1:123456789012:serverlesscachesnapshot:prompts"],
            "caches.prompts.restoreFrom.snapshotArns[0]",
            "not in the cache's region us-east-1",
        ),
        (["prompts-2026-11-30"], "caches.prompts.restoreFrom.snapshotArns[0]", "not a snapshot ARN"),
        ([], "caches.prompts.restoreFrom.snapshotArns", "at least 1"),
    ],
)
def test_a_serverless_restore_aws_would_refuse_is_named(dev, arns: list[str], path: str, says: str) -> None:
    problem = rejected(restored(dev, "prompts", snapshotArns=arns), path)
    assert says in problem.message, str(problem)


def test_a_misspelt_source_is_one_problem_not_two(prod) -> None:
    found = problems_of(restored(prod, "sessions", snapshotName=BACKUP))
    assert [p.path for p in found] == ["caches.sessions.restoreFrom.snapshotName"]
    assert "did you mean 'snapshot'?" in found[0].message


def test_a_serverless_cache_takes_no_rdb_files_key(dev) -> None:
    found = {p.path: p.message for p in problems_of(restored(dev, "prompts", rdbFiles=RDB_FILES))}
    assert "unknown key" in found["caches.prompts.restoreFrom.rdbFiles"]
    assert "snapshotArns" in found["caches.prompts.restoreFrom.rdbFiles"]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:elasticache:us-east-1:123456789012:snapshot:sessions-nightly",
        "arn:aws:s3:::acme-cache-seeds/prompts.rdb",
    ],
)
def test_a_serverless_cache_accepts_the_other_snapshot_kinds_aws_may_take(dev, run, arn: str) -> None:
    # Which kinds CreateServerlessCache takes besides its own snapshots is not confirmed: AWS has the last word.
    cache = one(run(restored(dev, "prompts", snapshotArns=[arn])), SERVERLESS_CACHE, "prompts")
    assert cache.inputs["snapshotArnsToRestores"] == [arn]


@pytest.mark.parametrize(
    ("restore", "serverless", "expected"),
    [
        (RestoreFrom(), False, "restore_from = neither set: allowed: exactly one source"),
        (RestoreFrom(snapshot=BACKUP, arns=tuple(RDB_FILES)), False, "restore_from = both set: allowed: exactly one"),
        (RestoreFrom(arns=("s3://acme/x.rdb",)), False, "restore_from.arns[0] = 's3://acme/x.rdb': not an S3 object"),
        (RestoreFrom(snapshot=BACKUP), True, f"restore_from.snapshot = '{BACKUP}': a serverless cache restores from"),
        (RestoreFrom(), True, "restore_from.arns = []: at least one snapshot ARN"),
    ],
)
def test_hand_built_restore_args_aws_would_refuse_are_refused(
    component_mocks, restore: RestoreFrom, serverless: bool, expected: str
) -> None:
    limits = {"maxDataGb": 10, "maxEcpuPerSecond": 5000}
    base = valid(workload="cache", type="serverless", limits=limits) if serverless else valid()
    problems = refused(component_mocks, dataclasses.replace(base, restore_from=restore))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


# -- after the first deployment: AWS seeds a cache only when it creates it ----------------------------------------


def _restore_problems(before: StackConfig, after: StackConfig) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        run_program(after, previous_outputs=first_deploy(before).exports)
    return {p.path: p.message for p in raised.value.problems}


@pytest.mark.parametrize(
    ("before", "after", "says"),
    [
        ({}, {"snapshot": BACKUP}, "the cache was created empty"),
        ({"snapshot": BACKUP}, {}, f"was snapshot {BACKUP}"),
        ({"snapshot": BACKUP}, {"snapshot": "prod-sessions-nightly"}, f"was snapshot {BACKUP}"),
        ({"snapshot": BACKUP}, {"rdbFiles": RDB_FILES}, f"was snapshot {BACKUP}"),
    ],
)
def test_a_restore_added_changed_or_removed_on_a_deployed_cache_is_refused(
    prod, before: dict[str, Any], after: dict[str, Any], says: str
) -> None:
    deployed = restored(prod, "sessions", **before) if before else prod
    changed = restored(prod, "sessions", **after) if after else prod
    problems = _restore_problems(deployed, changed)
    assert list(problems) == ["caches.sessions.restoreFrom"], problems
    message = problems["caches.sessions.restoreFrom"]
    assert says in message
    assert "replacing the cache" in message
    assert "allowReplacement: true" in message


def test_allow_replacement_lets_a_new_restore_through_as_a_replacement(prod) -> None:
    changed = edit_cache(restored(prod, "sessions", snapshot=BACKUP), "sessions", allowReplacement=True)
    assert f"sessions-replication-group.snapshotName: None -> {BACKUP!r}" in redeploy(prod, changed)


def test_a_restored_cache_kept_as_deployed_updates_in_place(prod) -> None:
    seeded = restored(prod, "sessions", snapshot=BACKUP)
    assert redeploy(seeded, edit_cache(seeded, "sessions", replicas=3)) == []


def test_rdb_files_reordered_are_the_same_set_but_serverless_snapshots_are_a_list(dev, prod) -> None:
    # The provider keeps a replication group's `snapshot_arns` as a set and a serverless cache's
    # `snapshot_arns_to_restore` as a list that replaces the cache when it changes.
    seeded = restored(prod, "retrieval", rdbFiles=RDB_FILES)
    reordered = restored(prod, "retrieval", rdbFiles=RDB_FILES[::-1])
    assert run_program(reordered, previous_outputs=first_deploy(seeded).exports).resources
    other = SERVERLESS_SNAPSHOT.replace("prompts-2026-11-30", "prompts-2026-11-29")
    restored_twice = restored(dev, "prompts", snapshotArns=[SERVERLESS_SNAPSHOT, other])
    swapped = restored(dev, "prompts", snapshotArns=[other, SERVERLESS_SNAPSHOT])
    assert list(_restore_problems(restored_twice, swapped)) == ["caches.prompts.restoreFrom"]


def test_a_record_from_before_restores_were_recorded_means_created_empty(prod) -> None:
    deployed = first_deploy(prod).exports
    old = {
        **deployed,
        "deployedCaches": {
            name: {k: v for k, v in facts.items() if k != "restoredFrom"}
            for name, facts in deployed["deployedCaches"].items()
        },
    }
    assert run_program(prod, previous_outputs=old).resources
    with pytest.raises(ConfigError) as raised:
        run_program(restored(prod, "sessions", snapshot=BACKUP), previous_outputs=old)
    assert [p.path for p in raised.value.problems] == ["caches.sessions.restoreFrom"]


def test_the_preflight_tree_says_what_each_cache_is_seeded_from(dev, prod, run: Callable[..., Plan]) -> None:
    node = run(restored(restored(prod, "retrieval", rdbFiles=RDB_FILES), "sessions", snapshot=BACKUP))
    serverless = run(restored(dev, "prompts", snapshotArns=[SERVERLESS_SNAPSHOT]))

    def seeded(plan: Plan, cache: str) -> str | None:
        children = [r for r in plan.resources if r.parent and r.parent.endswith(f"::{cache}")]
        return cache_settings(children, {}).get("seeded")

    assert seeded(node, "sessions") == f"backup {BACKUP} (at creation only)"
    assert seeded(node, "retrieval") == ", ".join(RDB_FILES) + " (at creation only)"
    assert seeded(node, "ratelimit") is None
    assert seeded(serverless, "prompts") == f"{SERVERLESS_SNAPSHOT} (at creation only)"


def test_a_node_based_cache_exports_the_final_snapshot_a_restore_names(prod, run: Callable[..., Plan]) -> None:
    plan = run(prod)
    group = one(plan, REPLICATION_GROUP, "sessions")
    assert plan.exports["sessions"]["finalSnapshotName"] == group.inputs["finalSnapshotIdentifier"]
    assert run(restored(prod, "sessions", snapshot=plan.exports["sessions"]["finalSnapshotName"])).resources


def test_an_rdb_file_in_a_legacy_bucket_name_is_accepted(prod, run: Callable[..., Plan]) -> None:
    # us-east-1 buckets made before today's naming rules may hold capitals and underscores.
    legacy = "arn:aws:s3:::Acme_Cache_Seeds/sessions.rdb"
    assert one(run(restored(prod, "sessions", rdbFiles=[legacy])), REPLICATION_GROUP, "sessions").inputs[
        "snapshotArns"
    ] == [legacy]
