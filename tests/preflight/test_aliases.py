"""Alias specs resolved to URNs as the engine's `collapseAliasToUrn` resolves them
(pulumi/pulumi `pkg/resource/deploy/step_generator.go`, `sdk/go/common/resource/alias.go` `CreateURN`)."""

from __future__ import annotations

from pulumi.runtime.proto import alias_pb2

from preflight.aliases import alias_urns, deployed_urn

STACK_URN = "urn:pulumi:prod::elasticache::pulumi:pulumi:Stack::elasticache-prod"
CACHE_URN = "urn:pulumi:prod::elasticache::elasticache:index:Cache::sessions"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def resolved(*aliases: alias_pb2.Alias, parent: str = CACHE_URN) -> tuple[str, ...]:
    return alias_urns(
        aliases, name="sessions-ingress-sg-1", type_=RULE, parent=parent, project="elasticache", stack="prod"
    )


def spec(**fields: object) -> alias_pb2.Alias:
    return alias_pb2.Alias(spec=alias_pb2.Alias.Spec(**fields))  # type: ignore[arg-type]


def test_a_renamed_child_keeps_its_parents_qualified_type() -> None:
    assert resolved(spec(name="sessions-ingress-0")) == (
        f"urn:pulumi:prod::elasticache::elasticache:index:Cache${RULE}::sessions-ingress-0",
    )


def test_the_python_sdks_empty_parent_urn_means_the_resources_own_parent() -> None:
    assert resolved(spec(name="old", parentUrn="")) == resolved(spec(name="old"))


def test_no_parent_or_the_root_stack_as_parent_is_a_top_level_urn() -> None:
    top_level = f"urn:pulumi:prod::elasticache::{RULE}::old"
    assert resolved(spec(name="old", noParent=True)) == (top_level,)
    assert resolved(spec(name="old", parentUrn=STACK_URN)) == (top_level,)
    assert resolved(spec(name="old"), parent=STACK_URN) == (top_level,)


def test_under_a_parent_the_parents_stack_and_project_count_and_the_specs_without_one() -> None:
    assert resolved(spec(type="aws:ec2/securityGroupRule:SecurityGroupRule", project="other", stack="dev")) == (
        "urn:pulumi:prod::elasticache::elasticache:index:Cache$aws:ec2/securityGroupRule:SecurityGroupRule"
        "::sessions-ingress-sg-1",
    )
    assert resolved(spec(name="old", stack="dev", noParent=True)) == (f"urn:pulumi:dev::elasticache::{RULE}::old",)


def test_an_alias_given_as_a_urn_is_taken_as_it_is_and_each_urn_once() -> None:
    urn = f"urn:pulumi:prod::elasticache::{RULE}::legacy"
    assert resolved(alias_pb2.Alias(urn=urn), spec(name="legacy", noParent=True)) == (urn,)


def test_the_deployed_resource_is_found_by_its_own_urn_before_any_alias() -> None:
    deployed = {"urn:a", "urn:b"}
    assert deployed_urn("urn:a", ("urn:b",), deployed) == "urn:a"
    assert deployed_urn("urn:new", ("urn:missing", "urn:b"), deployed) == "urn:b"
    assert deployed_urn("urn:new", ("urn:missing",), deployed) is None
