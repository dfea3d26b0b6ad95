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

for warning in spec.warnings:
    pulumi.log.warn(warning)

prices = load_table()
costs = {}
deployed = {}
for cache_args in spec.caches:
    cache = Cache(cache_args.name, cache_args)
    costs[cache_args.name] = cache_cost(prices, cache_args, spec.production)
    pulumi.export(cache_args.name, {**cache.exports, "monthlyCost": costs[cache_args.name].export})
    # The id AWS knows, suffix included: the next run compares its readable part (see components.naming).
    deployed[cache_args.name] = {**cache_args.deployed().to_export(), "cacheId": cache.cache_id}

pulumi.export("monthlyCost", stack_cost(costs))
pulumi.export(DEPLOYED_CACHES_OUTPUT, deployed)
