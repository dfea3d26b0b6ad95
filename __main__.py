"""Every cache of this stack, from `Pulumi.<stack>.yaml`; see README.md for the config reference."""

import pulumi

from components import Cache, load_stack, read_pulumi_config
from components.aws_lookups import lookup_account_id, lookup_subnets
from components.deployed_state import DEPLOYED_CACHES_OUTPUT, read_deployed_caches

spec = load_stack(
    read_pulumi_config(),
    lookup_subnets,
    account_id=lookup_account_id(),
    deployed=read_deployed_caches(),
)

for cache_args in spec.caches:
    cache = Cache(cache_args.name, cache_args)
    pulumi.export(cache_args.name, cache.exports)

pulumi.export(DEPLOYED_CACHES_OUTPUT, {args.name: args.deployed().to_export() for args in spec.caches})
