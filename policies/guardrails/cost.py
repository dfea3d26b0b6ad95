"""Cost: the stack's ElastiCache spend stays within the environment's monthly budget.

Every cache is priced from its own properties with the repository's cost model (`pricing/`), the same one the
program and the preflight use, so a preview shows the figure the program reports:

- replication groups: `nodeType` x nodes (`numCacheClusters`, or per shard `replicasPerNodeGroup` /
  `nodeGroupConfigurations[].replicaCount` + 1), plus backups from `snapshotRetentionLimit`;
- serverless caches: `engine`, `cacheUsageLimits`, `snapshotRetentionLimit`;
- standalone clusters (Memcached, or one Redis OSS/Valkey node): `nodeType` x `numCacheNodes`; a cluster that
  belongs to a replication group is priced with its group, never twice;
- a Redis OSS `engineVersion` in AWS Extended Support adds its premium on the node price (or says "surcharge
  unknown"), and one whose standard support ends later says when.

Expected load comes from optional tags on the cache (`expectedDataGb`, `expectedRequestsPerSecond`,
`expectedItemKb`). Without them a serverless cache is priced at its usage limits and a node-based cache's
backups at its nodes' memory: "at most" figures, never guesses.

The region is the stack's own, as the program prices it: the resource's `region`, else its provider's, else
the stack config's `aws:region` (the CLI hands the pack the stack's config as `PULUMI_CONFIG`, read through
`guardrails.stack_config`, which cites where the CLI sets it; only under the engine's default provider, the one
that reads it), else the policy's optional `region` setting.
Without any of them, or when the cache's or its provider's `region` is not known until apply, the cache is not
priced and says why; no region's prices ever stand in for another's. A
cache or part the model cannot price (a region or node type without data, a value not known until apply) is
named in the result, not counted as zero in silence.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from elasticache_facts.tags import EXPECTED_LOAD
from elasticache_facts.tokens import CACHE_TYPES, CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails import program_terms, stack_config
from guardrails.availability import nodes_per_shard
from guardrails.common import engine, is_group_member, planned, settings
from guardrails.props import MISSING, NotKnownAtPreview, Props, Unknown, is_unknown

if TYPE_CHECKING:
    from pricing import Estimate, Load, PriceTable

LOAD_TAGS = EXPECTED_LOAD
_TAG_OF = {field: tag for tag, field in LOAD_TAGS.items()}

PROVIDER_INPUTS = {
    "data_gb": f"tag `{_TAG_OF['data_gb']}`",
    "requests_per_second": f"tag `{_TAG_OF['requests_per_second']}`",
    "snapshot_gb": f"tag `{_TAG_OF['snapshot_gb']}`",
    "max_data_gb": "`cacheUsageLimits.dataStorage.maximum`",
    "max_ecpu_per_second": "`cacheUsageLimits.ecpuPerSeconds[].maximum`",
}
"""What a serverless estimate calls the inputs it lacks on any program's cache (`pricing.ServerlessTerms`): the
expected-load tags and the provider's usage limits. A cache of this repository's program (`stackConfigKey`) is
told its stack config keys instead (`program_terms.serverless_pricing_inputs`)."""

SCHEMA = PolicyConfigSchema(
    properties={
        "monthlyBudgetUsd": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "Monthly ElastiCache budget of the stack in USD (on demand); 0: no budget set.",
        },
        "region": {
            "type": "string",
            "default": "",
            "description": (
                "Region to price a cache in when neither the cache's `region`, its provider's nor the stack "
                "config's `aws:region` says; empty (the default): such a cache is reported as not priced."
            ),
        },
    }
)


def cost_model() -> ModuleType:
    """The repository's `pricing` package, which the pack carries (`policies/pricing` links to it, and
    `pulumi policy publish` archives what a link points to), so a published pack prices a stack with the same
    model and price table the program and the preflight use. Raises ImportError when a copy of the pack lost it.
    """
    return importlib.import_module("pricing")


@dataclass(frozen=True)
class CachePrice:
    """One cache of the stack, priced (`estimate`) or not (`problem` says why)."""

    name: str
    region: str
    region_source: str
    estimate: Estimate | None = None
    problem: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def monthly_usd(self) -> float:
        return self.estimate.monthly_usd if self.estimate is not None else 0.0

    @property
    def unpriced(self) -> tuple[str, ...]:
        """What of this cache could not be priced, each with why."""
        if self.estimate is None:
            return (f"{self.name}: {self.problem}",)
        return tuple(f"{self.name}: {part}" for part in self.estimate.unknown)

    def describe(self) -> str:
        if self.estimate is None:
            return f"{self.name}: not priced ({self.problem})"
        bound = "at most" if self.estimate.at_most else "about"
        parts = "; ".join(
            f"{line.label} {'not priced' if line.usd is None else f'${line.usd:,.2f}'} = {line.detail}"
            for line in self.estimate.lines
        )
        notes = f" Note: {'; '.join(self.notes)}." if self.notes else ""
        return f"{self.name} {bound} ${self.monthly_usd:,.2f} ({self.estimate.subject}: {parts}).{notes}"


# -- reading a cache ------------------------------------------------------------------------------------------


STACK_REGION = "the stack config's `aws:region`"
NO_REGION = (
    "no region to price it in: the cache has no `region`, its provider none, the stack config no `aws:region` "
    "and the policy no `region` setting"
)
EXPLICIT_PROVIDER_NO_REGION = (
    "no region to price it in: its provider is an explicit one with no `region`, which does not read the stack's "
    "`aws:region` (it runs where AWS_REGION or the AWS profile says), and the policy has no `region` setting; "
    "set `region` on the provider"
)


def _is_default_provider(provider: Any) -> bool:
    """pulumi/pulumi `sdk/go/common/providers/reference.go` IsDefaultProvider: the engine names the providers
    it registers itself `default...`."""
    return str(getattr(provider, "name", "")).startswith("default")


def stack_region() -> str | None:
    """The stack config's `aws:region`, which the CLI hands every policy pack (None outside a stack)."""
    region = stack_config.lookup("aws:region")
    return region.strip() if isinstance(region, str) and region.strip() else None


def _region(props: Props, resource: PolicyResource, stack: str | None, configured: str | None) -> tuple[Any, str]:
    own = props.text("region")
    if is_unknown(own):
        return own, "the cache's `region`"
    if isinstance(own, str) and own.strip():
        return own.strip(), "the cache's `region`"
    provider = getattr(resource, "provider", None)
    if provider is not None:
        region = Props(provider.props).text("region")
        if is_unknown(region):
            # Set from another resource's output: the cache runs in that region, not in the stack's.
            props.cannot_check("its provider's `region` is not known until apply; checked again at `pulumi up`")
            return region, "its provider's `region`"
        if isinstance(region, str) and region.strip():
            return region.strip(), "its provider's `region`"
    # Only a default provider takes the stack's `aws:*` config as its inputs (pulumi/pulumi
    # `pkg/resource/deploy/default_providers.go` newRegisterDefaultProviderEvent, GetPackageConfig); an explicit
    # one without `region` runs where AWS_REGION or the profile says, which the pack cannot see.
    explicit = provider is not None and not _is_default_provider(provider)
    if stack and not explicit:
        return stack, STACK_REGION
    if configured:
        return configured, "the policy's `region` setting"
    return None, EXPLICIT_PROVIDER_NO_REGION if explicit else NO_REGION


def _tags(props: Props) -> dict[str, Any]:
    """The cache's tags as far as they are known (peeked: an unknown map prices the cache without them)."""
    tags: dict[str, Any] = {}
    for key in ("tagsAll", "tags"):
        value = props.peek(key)
        if isinstance(value, dict):
            tags.update(value)
    return tags


def _expected_load(props: Props, pricing: ModuleType) -> tuple[Load, tuple[str, ...]]:
    """The `expected*` tags as a `Load`; a tag that is not a usable number is ignored and named in a note."""
    tags = _tags(props)
    values: dict[str, float] = {}
    notes = []
    for tag, field in LOAD_TAGS.items():
        if tag not in tags:
            continue
        raw = tags[tag]
        if isinstance(raw, Unknown):
            notes.append(f"tag `{tag}` is not known until apply: ignored")
            continue
        try:
            number = float(str(raw).strip())
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0 or (field == "item_kb" and number == 0):
            notes.append(f"tag `{tag}` = {raw!r} is not a usable number: ignored")
            continue
        values[field] = number
    return pricing.Load(**values), tuple(notes)


def _whole(props: Props, value: Any, what: str, default: int | None = None) -> int | None:
    """A non-negative whole number, `default` when unset; None (with the reason recorded) otherwise."""
    if value is MISSING and default is not None:
        return default
    if is_unknown(value):
        return None
    if isinstance(value, float) and math.isfinite(value) and value >= 0 and value.is_integer():
        return int(value)
    props.cannot_check(f"{what} is {'unset' if value is MISSING else repr(value)}, not a whole number of 0 or more")
    return None


def _text(props: Props, key: str, why_needed: str) -> str | None:
    value = props.text(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if value is MISSING or isinstance(value, str):
        props.cannot_check(f"no `{key}` ({why_needed})")
    return None


def _version(props: Props) -> str | None:
    """`engineVersion`, for Redis OSS Extended Support; None when unset or not known until apply."""
    value = props.text("engineVersion")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _price_replication_group(
    props: Props, pricing: ModuleType, table: PriceTable, region: str, load: Load
) -> Estimate | None:
    kind = engine(props, REPLICATION_GROUP)
    node_type = _text(props, "nodeType", "a global datastore secondary takes its primary's; price the primary")
    counts = nodes_per_shard(props)
    per_shard = [_whole(props, count, "a shard's node count") for count in counts]
    retention = _whole(props, props.number("snapshotRetentionLimit"), "`snapshotRetentionLimit`", default=0)
    if not isinstance(kind, str) or node_type is None or retention is None or None in per_shard:
        return None
    nodes = sum(count for count in per_shard if count is not None)
    return pricing.estimate_node_based(
        table,
        region,
        kind,
        node_type,
        nodes,
        retention,
        load,
        shards=max(1, len(per_shard)),
        engine_version=_version(props),
    )


def _price_cluster(props: Props, pricing: ModuleType, table: PriceTable, region: str, load: Load) -> Estimate | None:
    kind = engine(props, CLUSTER)
    if kind is MISSING:
        props.cannot_check("no `engine`")
    node_type = _text(props, "nodeType", "nothing to price the nodes by")
    nodes = _whole(props, props.number("numCacheNodes"), "`numCacheNodes`", default=1)
    retention = 0
    if kind != "memcached":
        retention = _whole(props, props.number("snapshotRetentionLimit"), "`snapshotRetentionLimit`", default=0)
    if not isinstance(kind, str) or node_type is None or nodes is None or retention is None:
        return None
    return pricing.estimate_node_based(
        table, region, kind, node_type, nodes, retention, load, engine_version=_version(props)
    )


def _limit(props: Props, *path: str | int) -> float | None:
    value = props.number(*path)
    if value is MISSING or is_unknown(value):
        return None
    if isinstance(value, float) and math.isfinite(value) and value >= 0:
        return value
    props.cannot_check(f"`{'.'.join(str(p) for p in path)}` = {value!r} is not a number of 0 or more")
    return None


def _price_serverless(props: Props, pricing: ModuleType, table: PriceTable, region: str, load: Load) -> Estimate | None:
    kind = _text(props, "engine", "nothing to price it by")
    unit = props.text("cacheUsageLimits", "dataStorage", "unit")
    if isinstance(unit, str) and unit.strip().upper() != "GB":
        props.cannot_check(f"`cacheUsageLimits.dataStorage.unit` is {unit!r}; only GB is priced")
    limits = pricing.ServerlessLimits(
        max_data_gb=_limit(props, "cacheUsageLimits", "dataStorage", "maximum"),
        min_data_gb=_limit(props, "cacheUsageLimits", "dataStorage", "minimum"),
        max_ecpu_per_second=_limit(props, "cacheUsageLimits", "ecpuPerSeconds", 0, "maximum"),
        min_ecpu_per_second=_limit(props, "cacheUsageLimits", "ecpuPerSeconds", 0, "minimum"),
    )
    retention = _whole(props, props.number("snapshotRetentionLimit"), "`snapshotRetentionLimit`", default=0)
    if kind is None or retention is None:
        return None
    key = program_terms.config_key(_tags(props))
    inputs = PROVIDER_INPUTS if key is None else program_terms.serverless_pricing_inputs(key)
    return pricing.estimate_serverless(table, region, kind, load, retention, limits, pricing.ServerlessTerms(**inputs))


_PRICERS = {
    REPLICATION_GROUP: _price_replication_group,
    SERVERLESS_CACHE: _price_serverless,
    CLUSTER: _price_cluster,
}


def price_cache(
    resource: PolicyResource,
    pricing: ModuleType,
    table: PriceTable,
    stack: str | None,
    configured_region: str | None = None,
) -> CachePrice:
    """Price one cache resource in its own region (see the module's docstring); never raises for its properties.

    What the program left unset is priced at AWS's default even where a preview shows it unknown (`planned`): a
    replication group without `engine` is Redis OSS, without `numCacheClusters` one node.
    """
    props = planned(resource, subject=resource.name)
    region, region_source = _region(props, resource, stack, configured_region)
    if region is None:
        return CachePrice(resource.name, "?", "nothing", None, region_source)
    load, notes = _expected_load(props, pricing)
    estimate: Estimate | None = None
    if isinstance(region, str):
        try:
            estimate = _PRICERS[resource.resource_type](props, pricing, table, region, load)
        except ValueError as error:
            props.cannot_check(str(error))
    problem = props.undecided()
    if estimate is None or problem:
        # Strip the subject prefix `undecided()` adds: the cache's name leads the line already.
        reason = (problem or "could not be priced").replace(f"{resource.name}: ", "")
        return CachePrice(resource.name, str(region) if isinstance(region, str) else "?", region_source, None, reason)
    return CachePrice(resource.name, region, region_source, estimate, None, notes)


def price_stack(
    resources: list[PolicyResource], pricing: ModuleType, configured_region: str | None = None
) -> list[CachePrice]:
    """Every cache of the stack, priced; clusters that belong to a replication group are left to the group."""
    table = pricing.load_table()
    stack = stack_region()
    priced = []
    for resource in resources:
        if resource.resource_type not in CACHE_TYPES:
            continue
        if resource.resource_type == CLUSTER and is_group_member(planned(resource)):
            continue
        priced.append(price_cache(resource, pricing, table, stack, configured_region))
    return priced


# -- the policy -----------------------------------------------------------------------------------------------


def _regions(caches: list[CachePrice]) -> str:
    seen = dict.fromkeys(f"{cache.region} ({cache.region_source})" for cache in caches)
    return ", ".join(seen)


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    config = settings(args, SCHEMA)
    budget = float(config["monthlyBudgetUsd"])
    caches = [resource for resource in args.resources if resource.resource_type in CACHE_TYPES]
    if not caches:
        args.not_applicable("the stack has no ElastiCache caches")
    if budget <= 0:
        args.not_applicable("no `monthlyBudgetUsd` configured for this environment")
    try:
        pricing = cost_model()
        priced = price_stack(list(args.resources), pricing, str(config["region"]).strip() or None)
    except (ImportError, OSError, ValueError, KeyError) as error:
        args.not_applicable(
            f"cannot price ElastiCache: the cost model (the pack's `pricing/`) is unavailable ({error}), so "
            f"the ${budget:,.2f}/month budget is not checked"
        )
    total = sum(cache.monthly_usd for cache in priced)
    unpriced = [part for cache in priced for part in cache.unpriced]
    ceilings = any(cache.estimate is not None and cache.estimate.at_most for cache in priced)
    if total > budget:
        lines = " ".join(cache.describe() for cache in sorted(priced, key=lambda cache: -cache.monthly_usd))
        bound = (
            " (an upper bound: caches without `expectedDataGb`/`expectedRequestsPerSecond` tags are priced at their "
            "usage limits and node memory, marked 'at most')"
            if ceilings
            else ""
        )
        report(
            f"ElastiCache in this stack costs about ${total:,.2f}/month on demand{bound}, over the ${budget:,.2f} "
            f"budget. Priced in {_regions(priced)}. {lines}"
            + (f" Not priced: {'; '.join(unpriced)}." if unpriced else "")
        )
    elif unpriced:
        raise NotKnownAtPreview(
            f"priced ${total:,.2f}/month of a ${budget:,.2f} budget, but could not price: " + "; ".join(unpriced)
        )


monthly_budget = StackValidationPolicy(
    name="elasticache-monthly-budget",
    description="The stack's ElastiCache resources fit the environment's monthly budget.",
    validate=_validate,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=SCHEMA,
    severity=Severity.LOW,
    tags=["cost", "budget"],
    remediation_steps=(
        "Use smaller or fewer nodes (or reserved nodes for steady load), lower serverless usage limits, tag caches "
        "with `expectedDataGb`/`expectedRequestsPerSecond` so they are priced at their expected load rather than "
        "their limits, or raise `monthlyBudgetUsd` for this environment."
    ),
    url="https://aws.amazon.com/elasticache/pricing/",
)

POLICIES = [monthly_budget]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    monthly_budget.name: (
        "the stack's ElastiCache spend, priced per cache in the stack's own region (the cache's, its provider's or "
        "the stack config's `aws:region`; `region` only when none is set) with the repository's cost model (see "
        "[Cost](#cost-the-monthly-budget)), within the budget: a violation lists every cache's estimate and "
        "the total; what cannot be priced is an advisory line, never a zero"
    ),
}
