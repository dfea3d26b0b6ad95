"""Tags: every ElastiCache resource says whose it is, where it runs, and who pays for it."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.tags import REQUIRED
from elasticache_facts.tokens import ELASTICACHE_PREFIX, GLOBAL_REPLICATION_GROUP, USER_GROUP_ASSOCIATION
from guardrails.common import settings, tags_of
from guardrails.props import Props, Unknown, is_unknown

SCHEMA = PolicyConfigSchema(
    properties={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string"},
            "default": list(REQUIRED),
            "description": "Tag keys every ElastiCache resource carries, with a non-empty value.",
        },
    }
)

UNTAGGABLE = {
    GLOBAL_REPLICATION_GROUP: "global datastores take no tags",
    USER_GROUP_ASSOCIATION: "user group associations take no tags",
}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.resource_type.startswith(ELASTICACHE_PREFIX):
        return
    if args.resource_type in UNTAGGABLE:
        args.not_applicable(UNTAGGABLE[args.resource_type])
    required = [str(key) for key in settings(args, SCHEMA)["requiredTags"]]
    if not required:
        args.not_applicable("no `requiredTags` configured")
    props = Props(args.props)
    # Provider `defaultTags` count: AWS puts them on the resource too.
    tags = tags_of(props, args.provider.props if args.provider else None)
    if is_unknown(tags):
        props.note(tags)
        props.finish()
    missing = [
        key
        for key in required
        if not isinstance(tags.get(key), Unknown) and not (isinstance(tags.get(key), str) and tags[key].strip())
    ]
    defaults = Props(args.provider.props).mapping("defaultTags", "tags") if args.provider else None
    if missing and is_unknown(defaults):
        # The provider's default tags are not known until apply (computed from another resource): they may
        # carry the missing keys.
        props.note(Unknown(f"{args.provider.name}.defaultTags.tags"))
    elif missing:
        report(
            f"missing tag(s) {', '.join(missing)} (required: {', '.join(required)}). Add them to `tags` or to "
            "the provider's `defaultTags`."
        )
    props.finish()


required_tags = ResourceValidationPolicy(
    name="elasticache-required-tags",
    description="Every ElastiCache resource carries the required tags.",
    validate=_validate,
    config_schema=SCHEMA,
    severity=Severity.LOW,
    tags=["tags", "cost"],
    remediation_steps="Add the required tags to `tags` (or the provider's `defaultTags`); tags change in place.",
    url="https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Tagging-Resources.html",
)

POLICIES = [required_tags]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    required_tags.name: (
        "every taggable `aws:elasticache/*` resource carries the keys with non-empty values; the provider's "
        "`defaultTags` count"
    ),
}
