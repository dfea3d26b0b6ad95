"""The price table (`prices.json`) and its lookups.

Every lookup returns a `Price` that carries its source and date, or None; `why_not_*` says why in words an
estimate can show. The derivation rules live here and nowhere else:

- a Valkey node price is the table's row, read or derived: the reference CSV derives Valkey rows as 0.8 x the
  Redis OSS row of the same region and node type only for the families where a Valkey price was read somewhere,
  and `build_table` checks that arithmetic; no other Valkey price is made up here, and the families without
  Redis OSS (Valkey and Memcached only) never take a Redis OSS price;
- Memcached is priced as Redis OSS (same region and node type, or same region for serverless), marked derived;
- a reserved-node price is the published effective price when the table has one, else the on-demand price
  less the generic discount for that term and payment option, marked derived;
- nothing falls back from one region to another: a region without a figure gives None.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticache_facts.node_types import catalog, data_tiering_families
from elasticache_facts.node_types import node_family as parse_node_family

TABLE_PATH = Path(__file__).resolve().with_name("prices.json")
ENGINES = ("valkey", "redis", "memcached")
TERMS = ("1yr", "3yr")
PAYMENTS = ("no-upfront", "partial-upfront", "all-upfront")
ENGINE_NAMES = {"valkey": "Valkey", "redis": "Redis OSS", "memcached": "Memcached"}

_ALIASES = {"valkey": "valkey", "redis": "redis", "redis-oss": "redis", "redis oss": "redis", "memcached": "memcached"}
_REPOSITORY_REFERENCE = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+@[0-9a-f]{7,40}:[^\s;,()]+")
"""A public repository at a pinned commit and a path in it, as the reference CSV cites them."""


def normalise_engine(engine: str) -> str | None:
    """`valkey`, `redis` (also `redis-oss`) or `memcached`; None for anything else."""
    return _ALIASES.get(engine.strip().lower())


def node_family(node_type: str) -> str | None:
    """`cache.r7g.large` -> `r7g` (any case, spaces around); None when it is not a `cache.<family>.<size>` name."""
    return parse_node_family(node_type.strip().lower())


@dataclass(frozen=True)
class Price:
    """One figure of the table, with where it came from."""

    value: float
    unit: str
    source: str
    date: str
    uncertain: bool = False
    derived: str = ""
    """Empty when published as is; otherwise how it was derived from other figures (shown to the reader)."""
    url: str = ""
    """Where the source can be read (a pinned commit or a page); empty for facts cited by document only."""

    @property
    def trust(self) -> str:
        """`read` (taken as published), `derived` (computed from other figures), or either with `uncertain`."""
        base = "derived" if self.derived else "read"
        return f"{base}, uncertain" if self.uncertain else base

    @property
    def references(self) -> tuple[str, ...]:
        """Where each figure this price rests on can be checked: `owner/repo@commit:path`, a page, or a document."""
        urls = [url for url in self.url.split(" | ") if url]
        found = []
        for index, part in enumerate(self.source.split(" | ")):
            repository = _REPOSITORY_REFERENCE.search(part)
            if repository:
                found.append(repository.group(0))
            elif index < len(urls) and urls[index].startswith("http"):
                found.append(urls[index])
            else:
                found.append(re.split(r";|: '| \(", part, maxsplit=1)[0].strip())
        return tuple(dict.fromkeys(found))

    def cite(self) -> str:
        """A citation for one line of an estimate: where to check it, its date and its trust."""
        return f"{' + '.join(self.references)}, {self.date.split(' | ')[0]}, {self.trust}"

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "date": self.date,
            "uncertain": self.uncertain,
        }
        if self.url:
            result["url"] = self.url
        if self.derived:
            result["derived"] = self.derived
        return result


def _price(
    node: Mapping[str, Any], *, derived: str = "", value: float | None = None, also: Price | None = None
) -> Price:
    """A `Price` from a table figure; `also` is a second figure the value was derived with (its flags carry over)."""
    source = str(node["source"])
    date = str(node["date"])
    uncertain = bool(node.get("uncertain", False))
    url = str(node.get("url", ""))
    if not derived and node.get("derived"):
        derived = str(node["derived"])
    if also is not None:
        source = f"{source} | {also.source}"
        date = f"{date} | {also.date}"
        uncertain = uncertain or also.uncertain
        url = " | ".join(part for part in (url, also.url) if part)
    return Price(
        value=float(node["value"]) if value is None else value,
        unit=str(node["unit"]),
        source=source,
        date=date,
        uncertain=uncertain,
        derived=derived,
        url=url,
    )


@dataclass(frozen=True)
class NodeSpec:
    node_type: str
    vcpu: int
    memory_gib: float
    source: str
    date: str


@dataclass(frozen=True, eq=False)
class PriceTable:
    """The loaded `prices.json`. Build one with `load_table()` (or from a dict in tests)."""

    data: Mapping[str, Any]
    _node_prices: dict[tuple[str, str, str], Price | str] = field(default_factory=dict, init=False, repr=False)
    """Answers of `_node_hourly` so far: every cache's sizing advice asks for the same few dozen node types."""

    # -- facts ------------------------------------------------------------------------------------------------

    def _fact(self, *path: str) -> Mapping[str, Any] | None:
        node: Any = self.data.get("facts", {})
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return node if isinstance(node, Mapping) and "value" in node else None

    def fact(self, *path: str) -> Price:
        """A fact every estimate needs (hours per month, ...): a broken table is an error, not an unknown."""
        node = self._fact(*path)
        if node is None:
            raise KeyError(f"prices.json has no fact {'.'.join(path)}: rebuild it with python -m pricing.build_table")
        return _price(node)

    @property
    def hours_per_month(self) -> Price:
        return self.fact("hoursPerMonth")

    @property
    def valkey_only_families(self) -> tuple[str, ...]:
        """Families with no Redis OSS node type (m8g, r8g, c8gn: Valkey and Memcached only), from the node-type
        catalog."""
        return _families_without_redis()

    @property
    def data_tiering_families(self) -> tuple[str, ...]:
        return tuple(sorted(data_tiering_families()))

    @property
    def free_snapshots(self) -> Price:
        return self.fact("freeSnapshotsPerNodeBasedCache")

    @property
    def ecpu_per_kb(self) -> Price:
        return self.fact("ecpuPerKb")

    @property
    def cross_az_per_gb_each_way(self) -> Price:
        return self.fact("crossAzUsdPerGbEachWay")

    @property
    def cross_region_per_gb(self) -> Price:
        return self.fact("crossRegionUsdPerGb")

    def extended_support_premium(self, year: int) -> Price | None:
        """The share of the on-demand node price Extended Support adds in its `year` (1..3), or None."""
        node = self._fact("extendedSupportPremium", f"yr{year}")
        return _price(node) if node else None

    def reserved_discount(self, term: str, payment: str) -> Price | None:
        node = self._fact("reservedDiscounts", term, payment)
        return _price(node) if node else None

    def serverless_minimum_gb(self, engine: str) -> Price | None:
        name = normalise_engine(engine)
        node = self._fact("serverlessMinimumGb", name) if name else None
        return _price(node) if node else None

    def backup_per_gb_month(self, region: str) -> Price | None:
        node = self._fact("backupUsdPerGbMonth", region)
        return _price(node) if node else None

    def why_no_backup_price(self, region: str) -> str:
        known = ", ".join(sorted(self.data.get("facts", {}).get("backupUsdPerGbMonth", {})))
        return f"no backup storage price for {region} in the table (known: {known or 'none'})"

    # -- node types and node prices ---------------------------------------------------------------------------

    def node_spec(self, node_type: str) -> NodeSpec | None:
        node = self.data.get("nodeTypes", {}).get(node_type.strip().lower())
        if not isinstance(node, Mapping):
            return None
        return NodeSpec(
            node_type.strip().lower(),
            int(node["vcpu"]),
            float(node["memoryGib"]),
            str(node["source"]),
            str(node["date"]),
        )

    def node_types(self, region: str, engine: str) -> tuple[str, ...]:
        """Node types with an on-demand price (published or derived) for this region and engine."""
        candidates = set(self.data.get("nodeTypes", {}))
        return tuple(sorted(t for t in candidates if self.node_hourly(region, engine, t) is not None))

    def regions(self) -> tuple[str, ...]:
        found = set(self.data.get("onDemand", {})) | set(self.data.get("serverless", {}))
        return tuple(sorted(found))

    def node_hourly(self, region: str, engine: str, node_type: str) -> Price | None:
        """On-demand USD per node-hour, or None (`why_no_node_price` says why)."""
        found = self._node_hourly(region, engine, node_type)
        return found if isinstance(found, Price) else None

    def why_no_node_price(self, region: str, engine: str, node_type: str) -> str:
        found = self._node_hourly(region, engine, node_type)
        return found if isinstance(found, str) else ""

    def _published(self, section: str, *path: str) -> Mapping[str, Any] | None:
        node: Any = self.data.get(section, {})
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return node if isinstance(node, Mapping) else None

    def _node_hourly(self, region: str, engine: str, node_type: str) -> Price | str:
        key = (region, engine, node_type)
        found = self._node_prices.get(key)
        if found is None:
            found = self._node_prices[key] = self._node_hourly_uncached(region, engine, node_type)
        return found

    def _node_hourly_uncached(self, region: str, engine: str, node_type: str) -> Price | str:
        name = normalise_engine(engine)
        node_type = node_type.strip().lower()
        if name is None:
            return f"no prices for engine {engine!r} (the table prices valkey, redis and memcached)"
        family = node_family(node_type)
        if family is None:
            return f"{node_type!r} is not a node type (cache.<family>.<size>)"
        valkey_only = family in self.valkey_only_families
        if valkey_only and name == "redis":
            return f"{node_type} is {_offered_for(node_type)}: no Redis OSS price exists"
        row = self._published("onDemand", region, name, node_type)
        if row is not None and "value" in row:
            return _price(row)
        if name == "memcached":
            redis = self._published("onDemand", region, "redis", node_type)
            if redis is not None and "value" in redis:
                return self._as_memcached(redis, f"the Redis OSS price of {node_type} in {region}")
        return self._why_missing("onDemand", region, name, node_type, valkey_only)

    def _as_memcached(self, redis: Mapping[str, Any], what: str) -> Price:
        factor = self.fact("memcachedPriceFactor")
        value = round(factor.value * float(redis["value"]), 6)
        return _price(redis, value=value, derived=f"{factor.value:g} x {what} (Memcached = Redis OSS)", also=factor)

    def _why_missing(self, section: str, region: str, engine: str, node_type: str, valkey_only: bool) -> str:
        regions = self.data.get(section, {})
        if region not in regions:
            known = ", ".join(sorted(regions))
            return f"no node prices for region {region} in the table (regions with node prices: {known})"
        if node_type not in self.data.get("nodeTypes", {}) and not valkey_only:
            return f"unknown node type {node_type}: no price for it in any region"
        extra = f" ({_offered_for(node_type)}: no Redis OSS price can stand in)" if valkey_only else ""
        if engine == "valkey" and self._published(section, region, "redis", node_type):
            extra = (
                " (the table has its Redis OSS price, but derives Valkey prices only for the families where a "
                "Valkey price was read)"
            )
        return f"no {ENGINE_NAMES[engine]} price for {node_type} in {region}{extra}"

    def reserved_hourly(self, region: str, engine: str, node_type: str, term: str, payment: str) -> Price | None:
        """Effective USD per node-hour of a reserved node (upfront spread over the term), or None."""
        name = normalise_engine(engine)
        if name is None or term not in TERMS or payment not in PAYMENTS:
            return None
        node_type = node_type.strip().lower()
        row = self._published("reservedEffective", region, name, node_type, term, payment)
        if row is not None and "value" in row:
            return _price(row)
        if name == "memcached":
            redis = self._published("reservedEffective", region, "redis", node_type, term, payment)
            if redis is not None and "value" in redis:
                return self._as_memcached(redis, f"the Redis OSS reserved price of {node_type} in {region}")
        on_demand = self.node_hourly(region, name, node_type)
        discount = self.reserved_discount(term, payment)
        if on_demand is None or discount is None:
            return None
        value = round(on_demand.value * (1 - discount.value), 6)
        how = f"on-demand {on_demand.value:g} $/h less the generic {term} {payment} discount of {discount.value:.0%}"
        if on_demand.derived:
            how += f"; on-demand: {on_demand.derived}"
        return Price(
            value=value,
            unit=on_demand.unit,
            source=f"{on_demand.source} | {discount.source}",
            date=f"{on_demand.date} | {discount.date}",
            uncertain=on_demand.uncertain or discount.uncertain,
            derived=how,
            url=on_demand.url,
        )

    # -- serverless ---------------------------------------------------------------------------------------------

    def serverless_storage(self, region: str, engine: str) -> Price | None:
        """USD per GB-hour of data stored, or None."""
        found = self._serverless(region, engine, "storage")
        return found if isinstance(found, Price) else None

    def serverless_ecpu(self, region: str, engine: str) -> Price | None:
        """USD per million ECPUs, or None."""
        found = self._serverless(region, engine, "ecpu")
        return found if isinstance(found, Price) else None

    def why_no_serverless_price(self, region: str, engine: str) -> str:
        found = self._serverless(region, engine, "storage")
        return found if isinstance(found, str) else ""

    def _serverless(self, region: str, engine: str, part: str) -> Price | str:
        name = normalise_engine(engine)
        if name is None:
            return f"no prices for engine {engine!r} (the table prices valkey, redis and memcached)"
        row = self._published("serverless", region, name, part)
        if row is not None and "value" in row:
            return _price(row)
        if name == "memcached":
            redis = self._published("serverless", region, "redis", part)
            if redis is not None and "value" in redis:
                return self._as_memcached(redis, f"the Redis OSS serverless price in {region}")
        known = ", ".join(sorted(r for r, engines in self.data.get("serverless", {}).items() if name in engines))
        # Serverless Valkey is not a fixed fraction of Redis OSS (0.084 vs 0.125 $/GB-hour in us-east-1), so no
        # Valkey figure is derived from a Redis OSS one.
        return f"no {ENGINE_NAMES[name]} serverless price for {region} in the table (known: {known or 'none'})"


def _offered_for(node_type: str) -> str:
    """`offered for Memcached and Valkey only` for a family without Redis OSS, from the node-type catalog (AWS
    runs m8g, r8g and c8gn for Memcached too: shared/reference/engine-versions.md, node-type restrictions)."""
    node = catalog().get(node_type)
    engines = sorted(node.engines) if node is not None else ["valkey"]
    return f"offered for {' and '.join(ENGINE_NAMES.get(engine, engine) for engine in engines)} only"


@functools.cache
def _families_without_redis() -> tuple[str, ...]:
    families: dict[str, bool] = {}
    for node in catalog().values():
        families[node.family] = families.get(node.family, False) or "redis" in node.engines
    return tuple(sorted(family for family, has_redis in families.items() if not has_redis))


@functools.cache
def load_table(path: Path = TABLE_PATH) -> PriceTable:
    """The price table, read once per process."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != 1:
        raise ValueError(f"{path}: unsupported price table format {data.get('format')!r}")
    return PriceTable(data)
