"""Tag names of the contract between a program and the pack: what this program writes, what the pack reads.

Any program may set them; the pack never reads a program's config, only these tags.
"""

from __future__ import annotations

WORKLOAD = "workload"
"""What a cache holds (`elasticache_facts.workloads.Workload`): decides the eviction policies that fit it."""

EXPECTED_LOAD = {
    "expectedDataGb": "data_gb",
    "expectedRequestsPerSecond": "requests_per_second",
    "expectedItemKb": "item_kb",
    "expectedSnapshotGb": "snapshot_gb",
}
"""Expected-load tag -> the field of the cost model's `Load` (and of the program's `ExpectedLoad`) it carries.
Values are decimal numbers as text (tag values are strings)."""

SUBNET_ZONES = "subnetAvailabilityZones"
"""On a serverless cache: the AZs of its subnets, space-separated. AWS puts the endpoints there, and only the
program that looked its subnets up knows them (the pack judges placement by it)."""

CONFIG_KEY = "stackConfigKey"
"""On every resource a program makes from one entry of its stack config: that entry's key (`caches.sessions`).
The pack then names the fix in the config the user writes (`caches.sessions.protect: true`) instead of in
provider inputs; a program whose config is not this repository's schema does not set it."""

REQUIRED = ("environment", "team", "costCentre")
"""Tags every resource carries: where it runs, who owns it, who pays for it. The pack requires them by default
(`elasticache-required-tags`); this repository's program sets `environment` itself and refuses a stack config
that leaves out the others, so its defaults pass the gate."""
