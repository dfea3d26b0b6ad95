"""The facts everything reads: each agrees with its source and with the other parts that depend on it."""

from __future__ import annotations

import dataclasses
import json

import pytest
from pulumi_policy import deserialize

import sdk_internals
from components.spec import ExpectedLoad
from components.stack_config.defaults import DEFAULT_NODE_TYPE
from elasticache_facts import (
    access,
    build_node_types,
    build_parameters,
    engines,
    node_types,
    parameters,
    tags,
    wire,
    workloads,
)
from pricing import Load, load_table


def test_the_wire_signatures_are_the_installed_sdks() -> None:
    assert sdk_internals.wire_signatures() == {name: getattr(wire, name) for name in sdk_internals.wire_signatures()}
    assert wire.SIG_KEY == deserialize.SPECIAL_SIG_KEY
    assert wire.SECRET_SIG == deserialize.SPECIAL_SECRET_SIG
    assert wire.ASSET_SIG == deserialize.SPECIAL_ASSET_SIG
    assert wire.ARCHIVE_SIG == deserialize.SPECIAL_ARCHIVE_SIG


@pytest.mark.skipif(
    not build_node_types.DEFAULT_CSV.exists(),
    reason=f"the reference node-type CSV is not on this machine ({build_node_types.DEFAULT_CSV})",
)
def test_the_catalog_is_what_the_script_builds_from_the_reference_csv() -> None:
    assert node_types.CATALOG_PATH.read_text() == build_node_types.build_text(build_node_types.DEFAULT_CSV)


def test_every_priced_node_type_is_in_the_catalog_with_its_memory() -> None:
    catalog = node_types.catalog()
    table = load_table()
    for name in table.data["nodeTypes"]:
        spec = table.node_spec(name)
        assert spec is not None
        assert name in catalog, f"{name} is priced but not in the catalog"
        assert catalog[name].memory_gib == spec.memory_gib, name


def test_the_catalog_reads_names_as_aws_writes_them() -> None:
    assert node_types.parse_node_type("cache.r6gd.xlarge") == ("r6gd", "xlarge")
    for bad in ("cache.r7g", "r7g.large", "cache.R7G.large", "cache.r7g.large.x", "cache..large"):
        assert node_types.parse_node_type(bad) is None, bad
    for name, entry in node_types.catalog().items():
        assert node_types.parse_node_type(name) == (entry.family, entry.size)


def test_refused_families_cover_every_previous_generation() -> None:
    assert node_types.previous_generation_families() == {"t1", "t2", "m1", "m2", "m3", "c1", "r3"}
    assert node_types.previous_generation_families() <= set(node_types.REFUSED_FAMILIES)
    assert node_types.data_tiering_families() == {"r6gd"}
    assert {"t3", "t4g"} <= node_types.burstable_families()


def test_the_families_refused_for_cost_are_current_and_dearer_than_their_successors_of_the_same_size() -> None:
    """AWS lists m4 and r4 as current generation; the claim the messages make about their price must hold."""
    catalog = node_types.catalog()
    assert set(node_types.REFUSED_FAMILIES) == node_types.previous_generation_families() | set(node_types.COSTLIER_THAN)
    table = load_table()
    for old, successor in node_types.COSTLIER_THAN.items():
        assert all(t.current for t in catalog.values() if t.family == old), old
        assert "previous" not in (node_types.refused_because(old) or "")
        compared = 0
        for region in table.regions():
            for engine in ("redis", "valkey"):
                for name in table.node_types(region, engine):
                    size = name.split(".")[2]
                    if node_types.node_family(name) != old or f"cache.{successor}.{size}" not in catalog:
                        continue
                    newer = f"cache.{successor}.{size}"
                    old_price, new_price = (
                        table.node_hourly(region, engine, name),
                        table.node_hourly(region, engine, newer),
                    )
                    if old_price is None or new_price is None:
                        continue
                    assert table.node_spec(name).vcpu == table.node_spec(newer).vcpu, name
                    assert old_price.value > new_price.value, (region, engine, name, newer)
                    compared += 1
        assert compared > 10, old


def test_the_programs_default_node_types_are_real_current_ones() -> None:
    for name in DEFAULT_NODE_TYPE.values():
        entry = node_types.catalog()[name]
        assert entry.current
        assert entry.family not in node_types.REFUSED_FAMILIES


def test_valkey_only_families_are_the_ones_the_price_table_never_takes_a_redis_price_for() -> None:
    valkey_only = {t.family for t in node_types.catalog().values() if t.current and "redis" not in t.engines}
    assert valkey_only == set(load_table().valkey_only_families)
    assert node_types.data_tiering_families() == set(load_table().data_tiering_families)


def test_every_provisioned_version_maps_to_a_parameter_group_family() -> None:
    for engine, versions in engines.NODE_VERSIONS.items():
        assert engines.DEFAULT_VERSION[engine] in versions
        assert engines.DEFAULT_SERVERLESS_MAJOR[engine] in engines.SERVERLESS_MAJORS[engine]
        for version in versions:
            assert engines.parameter_group_family(engine, version) == f"{engine.value}{version.split('.')[0]}"
    assert engines.MINIMUM_VERSIONS == {"valkey": "7.2", "redis": "7.0"}


def test_every_workload_default_is_among_its_allowed_policies() -> None:
    assert set(workloads.PROFILES) == set(workloads.Workload)
    for profile in workloads.PROFILES.values():
        assert profile.eviction_policy in profile.allowed_eviction
    assert {workloads.Workload.CACHE, workloads.Workload.AGENT_MEMORY} == workloads.SERVERLESS_WORKLOADS


def test_every_workload_allows_a_policy_data_tiering_takes() -> None:
    """So an r6gd cache of any workload has a policy to be told to set (components/stack_config/node.py)."""
    for workload, profile in workloads.PROFILES.items():
        assert set(profile.allowed_eviction) & set(workloads.DATA_TIERING_EVICTION), workload


def test_each_expected_load_tag_is_written_by_the_program_and_read_by_the_cost_model() -> None:
    load_fields = {field.name for field in dataclasses.fields(Load)}
    for tag, field in tags.EXPECTED_LOAD.items():
        assert field in load_fields, f"{tag}: the cost model has no {field}"
        assert ExpectedLoad(**{field: 1.5}).as_tags() == {tag: "1.5"}
    assert "expectedSnapshotGb" in tags.EXPECTED_LOAD


@pytest.mark.skipif(
    not build_parameters.DEFAULT_SOURCE.exists(),
    reason=f"the reference parameter tables are not on this machine ({build_parameters.DEFAULT_SOURCE})",
)
def test_parameter_reference_is_what_the_script_builds_from_the_reference() -> None:
    assert parameters.REFERENCE_PATH.read_text() == build_parameters.build_text(build_parameters.DEFAULT_SOURCE)


def test_every_family_the_program_provisions_has_a_parameter_list() -> None:
    for engine, versions in engines.NODE_VERSIONS.items():
        for version in versions:
            assert parameters.family_parameters(engines.parameter_group_family(engine.value, version)), version


@pytest.mark.skipif(
    not build_parameters.DEFAULT_SOURCE.exists(),
    reason=f"the reference parameter tables are not on this machine ({build_parameters.DEFAULT_SOURCE})",
)
def test_the_pubsub_default_is_every_family_s_default_in_the_reference() -> None:
    families = json.loads(build_parameters.DEFAULT_SOURCE.read_text())["families"]
    defaults = {family: entries[access.PUBSUB_DEFAULT_PARAMETER]["default"] for family, entries in families.items()}
    assert set(defaults.values()) == {access.ELASTICACHE_PUBSUB_DEFAULT}, defaults
    for family in families:
        assert access.PUBSUB_DEFAULT_PARAMETER in (parameters.family_parameters(family) or {}), family
