"""Another program's sound design, the way ports of public ElastiCache programs look, passes the production gate.

No app AZs anywhere in its config, placement left to AWS, TLS on without a mode, ingress from its VPC's CIDR,
a Memcached cluster next to the Valkey group: all sound, all judged by what AWS does, over gRPC.
"""

from __future__ import annotations

import json
from pathlib import Path

from preflight.analyzer import PolicyPack
from tests.policies.harness import DROP, Item, with_
from tests.policies.secure import PROMPTS_TAGS, SESSIONS_SG, SESSIONS_TAGS, planned, secure_items

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
PROD = json.loads((PACK_DIR / "config" / "prod.json").read_text())
THEIR_CONFIG = {"shop:environment": "prod", "aws:region": "us-east-1"}


def foreign_items() -> list[Item]:
    items = []
    for item in secure_items():
        properties = dict(item.properties)
        if item.name == "sessions-replication-group":
            properties = with_(properties, preferredCacheClusterAzs=DROP, transitEncryptionMode=DROP)
        elif item.name == "prompts-serverless":
            properties = with_(properties, tags=PROMPTS_TAGS)
        elif item.name == "sessions-ingress-0":
            properties = with_(properties, referencedSecurityGroupId=DROP, cidrIpv4="10.20.0.0/16")
        items.append(Item(item.type, item.name, properties, item.depends))
    memcached = Item(
        "aws:elasticache/cluster:Cluster",
        "fragments",
        {
            "clusterId": "fragments-prod",
            "engine": "memcached",
            "engineVersion": "1.6.22",
            "nodeType": "cache.t4g.small",
            "numCacheNodes": 2,
            "azMode": "cross-az",
            "transitEncryptionEnabled": True,
            "subnetGroupName": "sessions-prod",
            "securityGroupIds": [SESSIONS_SG],
            "tags": SESSIONS_TAGS,
        },
        {"securityGroupIds": ["sessions-sg"], "subnetGroupName": ["sessions-subnets"]},
    )
    return [*items, memcached]


def test_a_foreign_program_with_no_app_azs_passes_its_sound_resources() -> None:
    resources = planned(foreign_items())
    with PolicyPack(PACK_DIR, project="shop", stack="prod", stack_config=THEIR_CONFIG) as pack:
        pack.configure(PROD)
        found = [d for r in resources for d in pack.analyze(r)] + pack.analyze_stack(resources)
        assert [(d.policy_name, d.urn.rsplit("::", 1)[-1], d.message) for d in found if d.mandatory] == []
        group = next(r for r in resources if r.name == "sessions-replication-group")
        reasons = {n.policy_name: n.reason for n in pack.analyze_detailed(group).not_applicable}
        assert "no app AZs known" in reasons["elasticache-same-az-placement"]
        # The same design with its nodes all in one AZ is not sound: the spread check still holds.
        stacked = [
            r if r.name != "fragments" else r.__class__(**{**r.__dict__, "inputs": with_(r.inputs, azMode="single-az")})
            for r in resources
        ]
        [finding] = [d for r in stacked for d in pack.analyze(r) if d.mandatory]
        assert finding.policy_name == "elasticache-same-az-placement"
        assert "`azMode` is single-az: all 2 nodes sit in one AZ" in finding.message
