"""Where each node of a replication group goes, relative to the application's availability zones.

The primary sits in the app's first AZ (reads and writes stay in-zone for most of the app, no cross-AZ
transfer charge). Replicas go to the other app AZs first, so a zone failure leaves a replica to promote, and
rotate across shards so that every app AZ holds a node with as few replicas as possible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ShardLayout:
    primary_az: str
    replica_azs: tuple[str, ...]

    @property
    def azs(self) -> tuple[str, ...]:
        return (self.primary_az, *self.replica_azs)


def shard_layouts(app_azs: Sequence[str], shards: int, replicas: int) -> tuple[ShardLayout, ...]:
    primary, others = app_azs[0], list(app_azs[1:])
    layouts = []
    for shard in range(shards):
        replica_azs = []
        for replica in range(replicas):
            if replica < len(others):
                replica_azs.append(others[(shard * replicas + replica) % len(others)])
            else:
                # Every other AZ already holds one of this shard's replicas: wrap over all app AZs.
                replica_azs.append(app_azs[(replica - len(others)) % len(app_azs)])
        layouts.append(ShardLayout(primary, tuple(replica_azs)))
    return tuple(layouts)


def uncovered_azs(app_azs: Sequence[str], layouts: Sequence[ShardLayout]) -> list[str]:
    """App AZs that would hold no node at all."""
    used = {az for layout in layouts for az in layout.azs}
    return [az for az in app_azs if az not in used]
