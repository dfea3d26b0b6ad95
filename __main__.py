"""Every cache of this stack, from `Pulumi.<stack>.yaml`; see README.md for the config reference."""

import pulumi

from components import Cache, load_stack, read_pulumi_config
from components.aws_lookups import lookup_subnets

spec = load_stack(read_pulumi_config(), lookup_subnets)

for cache_args in spec.caches:
    cache = Cache(cache_args.name, cache_args)
    pulumi.export(cache_args.name, cache.exports)
