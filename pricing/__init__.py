"""ElastiCache cost model: one price table (`prices.json`) and the arithmetic every consumer shares.

Modules, by what they price: `table` (the price table and its lookups), `estimate` (loads, lines, estimates),
`nodes` (node-based caches), `serverless`, `backups` (snapshot storage of both), `transfer` (cross-AZ traffic),
`support` (Redis OSS Extended Support), `capacity` (expected load against usable memory and serverless limits)
and `advice` (serverless against node-based, the node type that fits, reserved savings).

The program, the offline preflight and the policy pack all import this package, so it uses the standard
library and `elasticache_facts` only (the pack's own virtualenv has nothing but pulumi and pulumi-policy, and the
pack carries both packages).

```python
from pricing import Load, estimate_node_based, estimate_serverless, load_table

table = load_table()
estimate_node_based(table, "us-east-1", "valkey", "cache.r7g.large", nodes=3, retention_days=7).monthly_usd
estimate_serverless(table, "us-east-1", "valkey", Load(data_gb=2, requests_per_second=500)).to_dict()
```
"""

from pricing.advice import DEFAULT_HEADROOM, Advice, ReservedOption, advise, smallest_node_type
from pricing.estimate import GB_PER_GIB, Estimate, Line, Load, ServerlessLimits, ServerlessTerms
from pricing.nodes import estimate_node_based
from pricing.serverless import ecpus_per_request, estimate_serverless
from pricing.table import NodeSpec, Price, PriceTable, load_table, node_family, normalise_engine
from pricing.transfer import CROSS_AZ_ASSUMPTIONS, DEFAULT_READ_FRACTION, CrossAz, cross_az

__all__ = [
    "CROSS_AZ_ASSUMPTIONS",
    "DEFAULT_HEADROOM",
    "DEFAULT_READ_FRACTION",
    "GB_PER_GIB",
    "Advice",
    "CrossAz",
    "Estimate",
    "Line",
    "Load",
    "NodeSpec",
    "Price",
    "PriceTable",
    "ReservedOption",
    "ServerlessLimits",
    "ServerlessTerms",
    "advise",
    "cross_az",
    "ecpus_per_request",
    "estimate_node_based",
    "estimate_serverless",
    "load_table",
    "node_family",
    "normalise_engine",
    "smallest_node_type",
]
