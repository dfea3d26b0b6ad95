"""The ElastiCache guardrails policy pack: every policy of `guardrails.registry`, served.

`PolicyPack(...)` starts the Analyzer gRPC server and serves until killed, so nothing imports this module;
tests and tools import `guardrails.*` and drive this file the way the Pulumi CLI does.
"""

from guardrails import policy_sdk, stack_config
from guardrails.registry import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

stack_config.load_once()
policy_sdk.share_conversions()

PolicyPack(
    name="elasticache-guardrails",
    description="Guardrails for AWS ElastiCache (Valkey, Redis OSS, Memcached) in any Pulumi program.",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(POLICIES),
)
