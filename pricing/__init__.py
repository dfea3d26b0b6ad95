"""ElastiCache cost model: one price table (`prices.json`) and the arithmetic every consumer shares.

The program, the offline preflight and the policy pack all import this package, so it uses the standard
library only (the pack's own virtualenv has nothing but pulumi and pulumi-policy).
"""

from pricing.table import NodeSpec, Price, PriceTable, load_table, node_family, normalise_engine

__all__ = ["NodeSpec", "Price", "PriceTable", "load_table", "node_family", "normalise_engine"]
