"""Cross-AZ data transfer an application pays for its cache traffic, as placed and with placement left to AWS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pricing.estimate import Line, Load, cited, finite, num
from pricing.table import PriceTable

DEFAULT_READ_FRACTION = 0.8
"""Caches are read-mostly; four reads per write is a common planning figure when nothing better is known."""


@dataclass(frozen=True)
class CrossAz:
    """What an application pays for cache traffic that crosses AZs, as placed and with placement left to AWS."""

    app_azs: tuple[str, ...]
    node_azs: tuple[str, ...]
    read_fraction: float
    monthly_gb: float | None
    """Payload moved per month (requests x item size), GB; None without a request rate."""
    placed: Line
    left_to_aws: Line
    assumptions: tuple[str, ...] = field(default=())

    @property
    def saving_usd(self) -> float | None:
        """What the given placement saves against placement left to AWS (negative: it costs more)."""
        if self.placed.usd is None or self.left_to_aws.usd is None:
            return None
        return self.left_to_aws.usd - self.placed.usd

    def to_dict(self) -> dict[str, Any]:
        saving = self.saving_usd
        return {
            "appAzs": list(self.app_azs),
            "nodeAzs": list(self.node_azs),
            "readFraction": self.read_fraction,
            "monthlyGb": None if self.monthly_gb is None else round(self.monthly_gb, 3),
            "placed": self.placed.to_dict(),
            "leftToAws": self.left_to_aws.to_dict(),
            "savingUsd": None if saving is None else round(saving, 2),
            "assumptions": list(self.assumptions),
        }


CROSS_AZ_ASSUMPTIONS = (
    "the application's requests come evenly from each of its AZs",
    "writes go to the primary, the first of the node AZs",
    "readers are AZ-aware: a read goes to a node in the reader's own AZ when there is one, else across AZs",
    "left to AWS, nothing ties a request to its AZ: each lands in the reader's own AZ with probability 1/n",
    "each request moves its item once (item KB, decimal GB); protocol overhead is ignored",
    "a byte crossing AZs is billed when it leaves one AZ and again when it enters the other",
)


def cross_az(
    table: PriceTable,
    app_azs: Sequence[str],
    node_azs: Sequence[str],
    load: Load,
    read_fraction: float = DEFAULT_READ_FRACTION,
) -> CrossAz:
    """Monthly cross-AZ transfer for the given node placement and for placement left to AWS.

    `node_azs` lists the AZ of each node, primary first (for a sharded cache: every shard's primary is in the
    first AZ, as this repository places them). See `CROSS_AZ_ASSUMPTIONS`.
    """
    apps = tuple(dict.fromkeys(az.strip() for az in app_azs if az.strip()))
    placed_azs = tuple(az.strip() for az in node_azs if az.strip())
    if not apps or not placed_azs:
        raise ValueError("cross_az needs at least one application AZ and one node AZ")
    finite("read_fraction", read_fraction)
    if read_fraction > 1:
        raise ValueError(f"read_fraction must be between 0 and 1, not {read_fraction!r}")
    price = table.cross_az_per_gb_each_way
    count = len(apps)
    primary = placed_azs[0]
    writes_crossing = sum(1 for az in apps if az != primary) / count
    reads_crossing = sum(1 for az in apps if az not in placed_azs) / count
    placed_share = read_fraction * reads_crossing + (1 - read_fraction) * writes_crossing
    unplaced_share = (count - 1) / count

    if load.requests_per_second is None:
        why = "no expected request rate"
        return CrossAz(
            apps,
            placed_azs,
            read_fraction,
            None,
            Line("cross-AZ transfer as placed", None, why),
            Line("cross-AZ transfer, placement left to AWS", None, why),
            CROSS_AZ_ASSUMPTIONS,
        )
    monthly_gb = load.requests_per_second * load.item_kb * 3600 * table.hours_per_month.value / 1e6

    def line(label: str, share: float, how: str) -> Line:
        crossing = monthly_gb * share
        return Line(
            label,
            crossing * 2 * price.value,
            f"{num(monthly_gb)} GB/month x {share:.0%} crossing AZs ({how}) x 2 x {num(price.value)} $/GB "
            f"{cited(price)}",
            (price, table.hours_per_month),
        )

    placed = line(
        "cross-AZ transfer as placed",
        placed_share,
        f"{read_fraction:.0%} reads, {reads_crossing:.0%} of them from an AZ without a node; "
        f"writes: {writes_crossing:.0%} from outside the primary's AZ",
    )
    unplaced = line("cross-AZ transfer, placement left to AWS", unplaced_share, f"{count - 1} of {count} AZs")
    return CrossAz(apps, placed_azs, read_fraction, monthly_gb, placed, unplaced, CROSS_AZ_ASSUMPTIONS)
