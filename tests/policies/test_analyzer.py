"""The driver's pure parts: engine marshalling and the CLI's config reconciliation."""

from __future__ import annotations

import pytest

from elasticache_facts.wire import ARCHIVE_SIG, OUTPUT_VALUE_SIG, RESOURCE_REFERENCE_SIG, SIG_KEY, UNKNOWN, secret
from preflight.analyzer import (
    AnalyzerInfo,
    PackConfigError,
    PolicyInfo,
    engine_properties,
    reconcile_config,
)
from preflight.analyzer.requests import _seconds
from preflight.analyzer.schema import validate_json_schema


def test_secrets_keep_their_wire_form_and_nested_secrets_flatten() -> None:
    assert engine_properties({"authTokenWo": secret("t")}) == {"authTokenWo": secret("t")}
    assert engine_properties({"a": secret(secret("t"))}) == {"a": secret("t")}
    assert engine_properties({"a": {"b": [secret({"c": 1})]}}) == {"a": {"b": [secret({"c": 1})]}}


def test_output_values_become_values_unknowns_or_secrets() -> None:
    known = {SIG_KEY: OUTPUT_VALUE_SIG, "value": "sg-1", "dependencies": ["urn:x"]}
    unknown = {SIG_KEY: OUTPUT_VALUE_SIG, "dependencies": ["urn:x"]}
    hidden = {SIG_KEY: OUTPUT_VALUE_SIG, "value": "p", "secret": True}
    assert engine_properties({"a": known, "b": unknown, "c": hidden}) == {"a": "sg-1", "b": UNKNOWN, "c": secret("p")}


def test_resource_references_become_ids_or_urns() -> None:
    with_id = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:a", "id": "sg-1"}
    unknown_id = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:a", "id": ""}
    component = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:c"}
    assert engine_properties({"a": with_id, "b": unknown_id, "c": component}) == {
        "a": "sg-1",
        "b": UNKNOWN,
        "c": "urn:c",
    }


def test_internal_keys_are_dropped_at_the_top_only_and_archives_kept() -> None:
    archive = {SIG_KEY: ARCHIVE_SIG, "path": "x.zip"}
    result = engine_properties({"__defaults": [], "a": {"__keep": 1}, "code": archive})
    assert result == {"a": {"__keep": 1}, "code": archive}


def test_unknown_signature_is_an_error() -> None:
    with pytest.raises(ValueError, match="unrecognized signature"):
        engine_properties({"a": {SIG_KEY: "nope"}})


def test_go_durations() -> None:
    assert _seconds("") == 0
    assert _seconds("10m") == 600
    assert _seconds("1h30m") == 5400
    assert _seconds("1.5s") == 1.5
    with pytest.raises(ValueError, match="not a duration"):
        _seconds("ten minutes")


def info() -> AnalyzerInfo:
    schema = {
        "properties": {
            "days": {"type": "integer", "minimum": 1, "default": 1},
            "zones": {"type": "array", "items": {"type": "string"}, "default": []},
        },
        "required": [],
    }
    return AnalyzerInfo(
        name="pack",
        version="1.0.0",
        description="",
        supports_config=True,
        policies=(
            PolicyInfo("backups", "d", "mandatory", "resource", schema),
            PolicyInfo("budget", "d", "advisory", "stack", {"properties": {"usd": {"type": "number"}}, "required": []}),
            PolicyInfo("plain", "d", "mandatory", "resource", None),
        ),
    )


def test_defaults_fill_in_without_a_document() -> None:
    assert reconcile_config(info(), {}) == {
        "backups": ("mandatory", {"days": 1, "zones": []}),
        "budget": ("advisory", {}),
        "plain": ("mandatory", {}),
    }


def test_all_then_per_policy_as_the_cli_applies_them() -> None:
    result = reconcile_config(
        info(),
        {"all": "advisory", "backups": {"days": 7}, "budget": {"enforcementLevel": "mandatory", "usd": 10}},
    )
    assert result["backups"] == ("advisory", {"days": 7, "zones": []})
    assert result["budget"] == ("mandatory", {"usd": 10})
    assert result["plain"] == ("advisory", {})
    assert result["all"] == ("advisory", {})  # passed on, as the CLI does
    assert reconcile_config(info(), {"plain": "disabled"})["plain"] == ("disabled", {})


def test_initial_config_sits_between_defaults_and_the_document() -> None:
    base = info()
    seeded = AnalyzerInfo(
        base.name, base.version, "", True, base.policies, {"backups": {"enforcementLevel": "advisory", "days": 3}}
    )
    assert reconcile_config(seeded, {})["backups"] == ("advisory", {"days": 3, "zones": []})
    assert reconcile_config(seeded, {"backups": {"days": 5}})["backups"] == ("advisory", {"days": 5, "zones": []})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"backups": {"days": 0}}, "backups: days: must be greater than or equal to 1"),
        ({"backups": {"days": "seven"}}, "backups: days: invalid type, expected integer, got string"),
        ({"backups": {"days": 1.5}}, "expected integer, got number"),
        ({"backups": {"zones": ["a", 1]}}, "backups: zones[1]: invalid type, expected string"),
        ({"backups": {"dayz": 7}}, "backups: dayz: not a setting of this policy"),
        ({"bakups": {"days": 7}}, "bakups: no such policy in pack 'pack'"),
        ({"backups": "strict"}, "'strict' is not a valid level"),
        ({"backups": 7}, "must be a string or object"),
        ({"backups": {"enforcementLevel": 1}}, "is not a string"),
        ({"environments": "prod"}, '"environments" must be an array of strings'),
    ],
)
def test_invalid_config_is_refused(document: dict, message: str) -> None:
    with pytest.raises(PackConfigError) as raised:
        reconcile_config(info(), document)
    assert message in str(raised.value)


def test_lenient_mode_passes_unknown_names_on_like_the_cli() -> None:
    result = reconcile_config(info(), {"backups": {"dayz": 7}, "bakups": "advisory"}, strict=False)
    assert result["backups"] == ("mandatory", {"days": 1, "zones": [], "dayz": 7})
    assert result["bakups"] == ("advisory", {})


def test_environments_are_left_to_the_backend() -> None:
    assert "environments" not in reconcile_config(info(), {"environments": ["org/env"]})


def test_schema_keywords_outside_the_subset_are_reported() -> None:
    assert validate_json_schema(1, {"oneOf": []}) == ["(root): schema uses unsupported keyword(s) ['oneOf']"]
    assert validate_json_schema({"a": {}}, {"type": "object", "additionalProperties": {"type": "string"}}) == [
        "a: invalid type, expected string, got object"
    ]
    assert validate_json_schema([1, 1], {"type": "array", "uniqueItems": True}) == ["(root): items must be unique"]
    assert validate_json_schema("ab", {"type": "string", "pattern": "^a$", "minLength": 3}) == [
        "(root): must be at least 3 characters",
        "(root): does not match '^a$'",
    ]


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_provider_in_analyze_stack_holds_its_inputs_and_no_id(dry_run: bool) -> None:
    # pulumi/pulumi pkg/resource/deploy/providers/registry.go Registry.Create: the provider's state is its
    # inputs (less __internal), with its id apart, in a preview as after an update.
    from preflight.analyzer.requests import analyze_stack_request
    from preflight.model import PlannedResource

    inputs = {"region": "us-east-1", "version": "7.51.1"}
    provider = PlannedResource("pulumi:providers:aws", "default_7_51_1", "urn:p", True, inputs, dict(inputs))
    consumer = PlannedResource("aws:sns/topic:Topic", "t", "urn:t", True, {}, {}, provider="urn:p::x")

    entries = analyze_stack_request([provider, consumer], dry_run=dry_run).resources

    assert dict(entries[0].properties) == inputs
    assert entries[1].provider.urn == "urn:p"
    assert dict(entries[1].provider.properties) == inputs
