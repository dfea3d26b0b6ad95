"""Every cache of this stack, from `Pulumi.<stack>.yaml`; see README.md for the config reference."""

import pulumi

from components import Cache, load_stack, read_pulumi_config
from components.aws_lookups import lookup_account_id, lookup_subnets
from components.costs import cache_cost, stack_cost
from components.deployed_state import DEPLOYED_CACHES_OUTPUT, read_deployed_caches
from pricing import load_table

spec = load_stack(
    read_pulumi_config(),
    lookup_subnets,
    account_id=lookup_account_id(),
    deployed=read_deployed_caches(),
)

prices = load_table()
costs = {}
for cache_args in spec.caches:
    cache = Cache(cache_args.name, cache_args)
    costs[cache_args.name] = cache_cost(prices, cache_args, spec.production)
    pulumi.export(cache_args.name, {**cache.exports, "monthlyCost": costs[cache_args.name].export})

pulumi.export("monthlyCost", stack_cost(costs))
pulumi.export(DEPLOYED_CACHES_OUTPUT, {args.name: args.deployed().to_export() for args in spec.caches})
