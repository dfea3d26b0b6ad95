"""Serverless caches: bounded usage, so that a runaway client cannot run up an unbounded bill.

The other serverless gaps are judged by the concern's own policy, so every environment configures them once:
snapshot retention (elasticache-backup-retention), user group (elasticache-authentication), security groups
(elasticache-security-group-ingress), customer-managed key (elasticache-encryption-at-rest), subnets
(elasticache-subnet-group).
"""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.tokens import SERVERLESS_CACHE
from guardrails.common import DOCS, settings
from guardrails.props import MISSING, Props, Unknown, is_unknown

SCHEMA = PolicyConfigSchema(
    properties={
        "maximumDataStorageGb": {
            "type": "number",
            "minimum": 1,
            "maximum": 5000,
            "default": 5000,
            "description": "Highest `cacheUsageLimits.dataStorage.maximum` allowed (GB; AWS's own cap is 5000).",
        },
        "maximumEcpuPerSecond": {
            "type": "number",
            "minimum": 1000,
            "maximum": 15000000,
            "default": 15000000,
            "description": "Highest `cacheUsageLimits.ecpuPerSeconds[].maximum` allowed (AWS's own cap: 15M).",
        },
    }
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SERVERLESS_CACHE:
        return
    config = settings(args, SCHEMA)
    props = Props(args.props)
    limits = props.mapping("cacheUsageLimits")
    if limits is MISSING:
        report(
            "`cacheUsageLimits` is unset: the cache scales (and bills) without bound. Set "
            "`dataStorage.maximum` (GB) and `ecpuPerSeconds[].maximum`."
        )
        props.finish()
        return
    if is_unknown(limits):
        props.finish()

    storage = props.number("cacheUsageLimits", "dataStorage", "maximum")
    cap = float(config["maximumDataStorageGb"])
    if storage is MISSING:
        report("`cacheUsageLimits.dataStorage.maximum` is unset: stored data (billed per GB-hour) has no ceiling.")
    elif isinstance(storage, float) and storage > cap:
        report(f"`cacheUsageLimits.dataStorage.maximum` is {storage:g} GB; this environment allows {cap:g} GB.")

    ecpus = props.items("cacheUsageLimits", "ecpuPerSeconds")
    ceiling = float(config["maximumEcpuPerSecond"])
    if ecpus is MISSING or ecpus == []:
        report("`cacheUsageLimits.ecpuPerSeconds` is unset: request throughput (billed per ECPU) has no ceiling.")
    elif isinstance(ecpus, list):
        for index, entry in enumerate(ecpus):
            if isinstance(entry, Unknown):
                props.note(entry)
                continue
            maximum = props.number("cacheUsageLimits", "ecpuPerSeconds", index, "maximum")
            if maximum is MISSING:
                report(f"`cacheUsageLimits.ecpuPerSeconds[{index}].maximum` is unset: ECPUs have no ceiling.")
            elif isinstance(maximum, float) and maximum > ceiling:
                report(
                    f"`cacheUsageLimits.ecpuPerSeconds[{index}].maximum` is {maximum:g}; this environment allows "
                    f"{ceiling:g} ECPU/s."
                )
    props.finish()


usage_limits = ResourceValidationPolicy(
    name="elasticache-serverless-usage-limits",
    description="Serverless caches cap their data storage and ECPU rate (the cost guardrail).",
    validate=_validate,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
    tags=["serverless", "cost"],
    remediation_steps=(
        "Set `cacheUsageLimits: {dataStorage: {maximum, unit: GB}, ecpuPerSeconds: [{maximum}]}` within this "
        "environment's caps (changes in place)."
    ),
    url=f"{DOCS}/Scaling.html",
)

POLICIES = [usage_limits]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    usage_limits.name: (
        "serverless caches set `cacheUsageLimits.dataStorage.maximum` and `ecpuPerSeconds[].maximum`, within the caps"
    ),
}
