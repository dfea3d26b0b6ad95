"""Facts about ElastiCache, the pulumi-aws schema and the Pulumi SDK's wire format: one home for each.

The program (`components/`), the policy pack (`policies/`), the cost model (`pricing/`), the preflight and the
tests all read these modules, and nothing here imports any of them. The pack reaches this package through the
`policies/elasticache_facts` symlink, so a pack published on its own (`pulumi policy publish` archives the pack
folder and follows symlinks) carries it.

- `access`      the RBAC access strings of app users and the disabled `default` user
- `commands`    the commands and subcommands the engines have, which access strings may name
- `engines`     engines, the versions this project provisions, parameter-group families
- `node_types`  the catalog of real node types (family, size, memory, generation, burstable, data tiering)
- `workloads`   workload profiles: eviction policy (default and allowed), backup retention, serverless fit
- `metrics`     the CloudWatch namespace and dimensions of ElastiCache metrics
- `ports`       the ports caches listen on
- `tokens`      pulumi-aws resource type tokens and this project's component token
- `tags`        the tag names of the contract between a program and the pack
- `wire`        the Pulumi SDK's wire signatures (secrets, unknowns, output values, references)

Only the standard library is used, so the pack's virtualenv needs nothing more.
"""
