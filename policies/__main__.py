"""The ElastiCache guardrails policy pack: assembled here from the rule modules in `guardrails/`.

`PolicyPack(...)` starts the Analyzer gRPC server and serves until killed, so nothing imports this module;
tests and tools import `guardrails.*` and drive this file the way the Pulumi CLI does.
"""

from guardrails import (
    access,
    availability,
    backups,
    cost,
    encryption,
    maintenance,
    network,
    nodes,
    operations,
    parameters,
    placement,
    serverless,
    tags,
)
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="elasticache-guardrails",
    description="Guardrails for AWS ElastiCache (Valkey, Redis OSS, Memcached) in any Pulumi program.",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        *encryption.POLICIES,
        *availability.POLICIES,
        *placement.POLICIES,
        *access.POLICIES,
        *network.POLICIES,
        *backups.POLICIES,
        *maintenance.POLICIES,
        *parameters.POLICIES,
        *nodes.POLICIES,
        *serverless.POLICIES,
        *tags.POLICIES,
        *operations.POLICIES,
        *cost.POLICIES,
    ],
)
