"""What every estimate is made of: the expected `Load`, serverless `ServerlessLimits`, priced `Line`s, the `Estimate`.

Conventions, shared by every function:

- A month is the table's `hoursPerMonth` (730 h). Node memory is in GiB as AWS lists it; data, snapshots and
  transfer are in GB (1 GiB = 1.073741824 GB), as AWS bills them.
- An estimate is a list of `Line`s. A line whose price or quantity is not known has `usd=None` and says why;
  `Estimate.monthly_usd` adds up the known lines only, and `Estimate.unknown` lists the rest. Nothing is
  guessed: no region stands in for another, no price for a node type it does not belong to.
- A line marked `at_most` is a ceiling, not an expectation: a serverless cache priced at its usage limits, or
  backups of a node-based cache whose data size is not given (a snapshot is never larger than the memory of
  one node per shard).
- `Load.requests_per_second` is the average over the month, not the peak: serverless bills what is used,
  node-based caches bill the capacity they were sized for. A spiky load has a low average for its peak, which
  is why it lands below the break-even rate (serverless) and a steady one above it (node-based, then reserved).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pricing.table import ENGINE_NAMES, Price, normalise_engine

GB_PER_GIB = 1.073741824


def money(usd: float) -> str:
    return f"${usd:,.2f}"


def num(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def cited(price: Price) -> str:
    derived = f"; derived: {price.derived}" if price.derived else ""
    return f"[{price.cite()}{derived}]"


def finite(name: str, value: float | None, *, positive: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'zero or more'}, not {value!r}")


def whole_number(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value != int(value) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Load:
    """The expected load of one cache; any part may be unknown (None)."""

    data_gb: float | None = None
    """Average data stored, GB."""
    requests_per_second: float | None = None
    """Average requests per second over the month (reads and writes)."""
    item_kb: float = 1.0
    """Average item size moved per request, KB."""
    snapshot_gb: float | None = None
    """Size of one snapshot, GB; defaults to `data_gb`."""

    def __post_init__(self) -> None:
        finite("data_gb", self.data_gb)
        finite("requests_per_second", self.requests_per_second)
        finite("item_kb", self.item_kb, positive=True)
        finite("snapshot_gb", self.snapshot_gb)

    @property
    def backup_gb(self) -> float | None:
        return self.snapshot_gb if self.snapshot_gb is not None else self.data_gb

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataGb": self.data_gb,
            "requestsPerSecond": self.requests_per_second,
            "itemKb": self.item_kb,
            "snapshotGb": self.snapshot_gb,
        }


NO_LOAD = Load()


@dataclass(frozen=True)
class ServerlessLimits:
    """A serverless cache's `cacheUsageLimits`: AWS never stores or serves more than the maxima, and bills at
    least the minima when they are set."""

    max_data_gb: float | None = None
    max_ecpu_per_second: float | None = None
    min_data_gb: float | None = None
    min_ecpu_per_second: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_data_gb", "max_ecpu_per_second", "min_data_gb", "min_ecpu_per_second"):
            finite(name, getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "maxDataGb": self.max_data_gb,
            "maxEcpuPerSecond": self.max_ecpu_per_second,
            "minDataGb": self.min_data_gb,
            "minEcpuPerSecond": self.min_ecpu_per_second,
        }


@dataclass(frozen=True)
class ServerlessTerms:
    """How a message names the inputs a serverless estimate lacks, in the words of whoever sets them.

    The model prices a stack config of this repository (`expectedLoad.averageDataGb`, `limits.maxDataGb`) and any
    program's resources (an `expectedDataGb` tag, `cacheUsageLimits.dataStorage.maximum`), so each caller says
    which; each field is the phrase shown, e.g. "tag `expectedDataGb`". Unnamed (None), a message names only what
    is missing, which is true for every audience.
    """

    data_gb: str | None = None
    """The expected data size."""
    requests_per_second: str | None = None
    """The expected request rate."""
    snapshot_gb: str | None = None
    """The expected size of one snapshot."""
    max_data_gb: str | None = None
    """The data storage limit."""
    max_ecpu_per_second: str | None = None
    """The ECPU per second limit."""


NO_TERMS = ServerlessTerms()


def lacking(what: str, *names: str | None) -> str:
    """`no <what>`, naming the inputs that would give it when the caller named them."""
    named = [name for name in names if name]
    if not named:
        return f"no {what}"
    return f"no {what} ({', '.join(named[:-1]) + ' or ' if len(named) > 1 else ''}{named[-1]})"


@dataclass(frozen=True)
class Line:
    """One part of a monthly estimate."""

    label: str
    usd: float | None
    """Monthly USD; None when it could not be priced (`detail` says why)."""
    detail: str
    """The arithmetic with its short source citation, or why there is no figure."""
    sources: tuple[Price, ...] = ()
    at_most: bool = False
    """A ceiling (usage limits, node memory), not an expectation."""

    @property
    def uncertain(self) -> bool:
        return any(price.uncertain for price in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "usd": None if self.usd is None else round(self.usd, 2),
            "atMost": self.at_most,
            "uncertain": self.uncertain,
            "detail": self.detail,
            "sources": [price.to_dict() for price in self.sources],
        }


@dataclass(frozen=True)
class Estimate:
    """A monthly estimate for one cache."""

    subject: str
    """What was priced, e.g. `3 x cache.r7g.large (Valkey, node-based, us-east-1)`."""
    mode: str
    """`node-based` or `serverless`."""
    region: str
    engine: str
    lines: tuple[Line, ...]

    @property
    def monthly_usd(self) -> float:
        """The sum of the lines that could be priced."""
        return sum(line.usd for line in self.lines if line.usd is not None)

    @property
    def unknown(self) -> tuple[str, ...]:
        """What could not be priced, each with why."""
        return tuple(f"{line.label}: {line.detail}" for line in self.lines if line.usd is None)

    @property
    def complete(self) -> bool:
        return not self.unknown

    @property
    def at_most(self) -> bool:
        return any(line.at_most and line.usd is not None for line in self.lines)

    @property
    def uncertain(self) -> bool:
        return any(line.uncertain for line in self.lines)

    def line(self, label: str) -> Line:
        for line in self.lines:
            if line.label == label:
                return line
        raise KeyError(label)

    def summary(self) -> str:
        """One line for a report: `about $383.69/month` (or `at most`), plus what is missing."""
        bound = "at most" if self.at_most else "about"
        text = f"{self.subject}: {bound} {money(self.monthly_usd)}/month"
        if self.unknown:
            text += f", not priced: {'; '.join(self.unknown)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "mode": self.mode,
            "region": self.region,
            "engine": self.engine,
            "monthlyUsd": round(self.monthly_usd, 2),
            "atMost": self.at_most,
            "complete": self.complete,
            "uncertain": self.uncertain,
            "unknown": list(self.unknown),
            "lines": [line.to_dict() for line in self.lines],
        }


def engine_key(engine: str) -> str:
    return normalise_engine(engine) or engine.strip().lower()


def engine_name(engine: str) -> str:
    return ENGINE_NAMES.get(engine_key(engine), engine)
