"""Build `pricing/prices.json` from the reference price CSV and the hand-written `pricing/facts.json`.

    venv/bin/python -m pricing.build_table [--csv PATH] [--check]

The CSV (default `../shared/reference/elasticache-prices.csv` from the repository root) holds one figure per
row with its source, date and link (`source_url`); rows whose source says UNCERTAIN are flagged `uncertain`, and
rows whose source starts `DERIVED (not read)` (Valkey node prices computed from a Redis OSS row, as
`price-sources.md` beside the CSV explains) are flagged `derived` after checking that the arithmetic they state
holds against the base row and the Valkey factor of `facts.json`. `facts.json` holds what
`pricing.md` states in prose (hours per month, the Valkey factor, reserved discounts, serverless minimums,
backup and transfer prices). Nothing is priced in Python: the table is data, and this script only reshapes it.

The output is deterministic (sorted keys, the CSV's SHA-256 recorded), so a test can rebuild it and compare.
An unknown row kind, a duplicate figure or node types whose vCPU/memory disagree stop the build: a silently
dropped or overwritten row would be a wrong price later.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_CSV = REPOSITORY.parent / "shared" / "reference" / "elasticache-prices.csv"
FACTS = Path(__file__).resolve().with_name("facts.json")
OUTPUT = Path(__file__).resolve().with_name("prices.json")
FORMAT = 1

# The CSV says `redis-oss`; Pulumi programs (and the AWS API) call the engine `redis`.
ENGINES = {"redis-oss": "redis", "valkey": "valkey", "memcached": "memcached"}
COLUMNS = (
    "region",
    "engine",
    "kind",
    "node_type",
    "vcpu",
    "memory_gib",
    "usd_per_hour",
    "usd_per_gb_hour",
    "usd_per_million_ecpu",
    "source",
    "source_date",
    "source_url",
)
_RESERVED = re.compile(r"^node-reserved-(1yr|3yr)-(no|partial|all)-upfront-effective$")
# Kinds kept in the table but not used by the estimates: Valkey's synchronous-durability add-on and Redis OSS
# extended support apply to caches that opt in (or run old engine versions), which the estimates do not model.
_SURCHARGE = re.compile(r"^node-(sync-durability-addon|extended-support-[a-z0-9-]+-surcharge)$")
# How the CSV writes a derived row: "DERIVED (not read): 0.8 x redis-oss 0.034 from <base row's source>; rule: ...".
_DERIVED = re.compile(r"^DERIVED \(not read\): (?P<factor>[0-9.]+) x (?P<engine>[a-z-]+) (?P<base>[0-9.]+) from ")


class TableError(Exception):
    """The CSV or the facts file is not what the table can be built from."""


def figure(value: Any, unit: str, row: Mapping[str, str]) -> dict[str, Any]:
    source = row["source"].strip()
    result = {
        "value": value,
        "unit": unit,
        "source": source,
        "date": row["source_date"].strip(),
        "url": row["source_url"].strip(),
        "uncertain": "UNCERTAIN" in source,
    }
    if source.startswith("DERIVED"):
        result["derived"] = "?"  # `check_derived` writes how, once it has checked the arithmetic
    return result


def check_derived(on_demand: Mapping[str, Any], factor: float, lines: Mapping[tuple[str, ...], int]) -> None:
    """Every derived node price is `factor` x the Redis OSS row of the same region and node type it names."""
    for region, engines in on_demand.items():
        for engine, prices in engines.items():
            for node_type, price in prices.items():
                if not price.get("derived"):
                    continue
                line = lines[(region, engine, node_type)]
                stated = _DERIVED.match(price["source"])
                if stated is None or ENGINES.get(stated["engine"]) != "redis" or engine != "valkey":
                    raise TableError(f"line {line}: a derived row must say `DERIVED (not read): F x redis-oss P from`")
                base = on_demand.get(region, {}).get("redis", {}).get(node_type)
                if base is None or base.get("derived") or base["value"] != float(stated["base"]):
                    raise TableError(
                        f"line {line}: derived from Redis OSS {stated['base']} $/h, but the table's Redis OSS "
                        f"{node_type} in {region} is {None if base is None else base['value']}"
                    )
                if float(stated["factor"]) != factor or not math.isclose(
                    price["value"], factor * base["value"], abs_tol=5e-7
                ):
                    raise TableError(
                        f"line {line}: {price['value']} is not the Valkey factor {factor} x {base['value']}"
                    )
                price["derived"] = (
                    f"{factor:g} x the Redis OSS price {base['value']:g} $/h of {node_type} in {region} "
                    f"(Valkey nodes cost {factor:g}x Redis OSS)"
                )


def _number(row: Mapping[str, str], column: str, line: int) -> float:
    text = (row.get(column) or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise TableError(f"line {line}: `{column}` is {text!r}, not a number") from None
    if value < 0:
        raise TableError(f"line {line}: `{column}` is negative")
    return value


def _put(tree: dict[str, Any], keys: tuple[str, ...], value: Any, line: int) -> None:
    node = tree
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    if keys[-1] in node:
        raise TableError(f"line {line}: a second figure for {' / '.join(keys)}")
    node[keys[-1]] = value


def read_rows(csv_text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(csv_text.splitlines())
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise TableError(f"the CSV lacks column(s) {', '.join(missing)}")
    return [(index + 2, row) for index, row in enumerate(reader)]


def build(csv_text: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The price table as a JSON-ready dict."""
    node_types: dict[str, Any] = {}
    on_demand: dict[str, Any] = {}
    reserved: dict[str, Any] = {}
    surcharges: dict[str, Any] = {}
    serverless: dict[str, Any] = {}
    on_demand_lines: dict[tuple[str, ...], int] = {}
    for line, row in read_rows(csv_text):
        region = row["region"].strip()
        engine = ENGINES.get(row["engine"].strip().lower())
        kind = row["kind"].strip()
        node_type = row["node_type"].strip()
        if not region or engine is None:
            raise TableError(f"line {line}: region {region!r} / engine {row['engine']!r} not understood")
        if not row["source"].strip() or not row["source_date"].strip() or not row["source_url"].strip():
            raise TableError(f"line {line}: every figure needs a source, a date and a link")
        if kind == "serverless":
            prices = {
                "storage": figure(_number(row, "usd_per_gb_hour", line), "USD/GB-hour", row),
                "ecpu": figure(_number(row, "usd_per_million_ecpu", line), "USD/million ECPU", row),
            }
            _put(serverless, (region, engine), prices, line)
            continue
        if not node_type.startswith("cache."):
            raise TableError(f"line {line}: kind {kind!r} needs a node type")
        spec = {
            "vcpu": int(_number(row, "vcpu", line)),
            "memoryGib": _number(row, "memory_gib", line),
        }
        known = node_types.get(node_type)
        if known is None:
            node_types[node_type] = {**spec, "source": row["source"].strip(), "date": row["source_date"].strip()}
        elif {key: known[key] for key in spec} != spec:
            raise TableError(f"line {line}: {node_type} has {spec}, an earlier row {known}")
        hourly = figure(_number(row, "usd_per_hour", line), "USD/node-hour", row)
        reserved_kind = _RESERVED.match(kind)
        surcharge_kind = _SURCHARGE.match(kind)
        if kind == "node-ondemand":
            _put(on_demand, (region, engine, node_type), hourly, line)
            on_demand_lines[(region, engine, node_type)] = line
        elif reserved_kind:
            term, payment = reserved_kind.group(1), f"{reserved_kind.group(2)}-upfront"
            _put(reserved, (region, engine, node_type, term, payment), hourly, line)
        elif surcharge_kind:
            _put(surcharges, (region, engine, node_type, surcharge_kind.group(1)), hourly, line)
        else:
            raise TableError(f"line {line}: unknown kind {kind!r}")
        if hourly.get("derived") and kind != "node-ondemand":
            raise TableError(f"line {line}: only on-demand node prices may be derived, not {kind!r}")
    checked = checked_facts(facts)
    if "valkeyNodePriceFactor" not in checked:
        raise TableError("facts.json needs `valkeyNodePriceFactor` to check the derived Valkey rows")
    check_derived(on_demand, float(checked["valkeyNodePriceFactor"]["value"]), on_demand_lines)
    return {
        "format": FORMAT,
        "generatedBy": "pricing/build_table.py from elasticache-prices.csv and pricing/facts.json; do not edit",
        "csvSha256": hashlib.sha256(csv_text.encode()).hexdigest(),
        "nodeTypes": node_types,
        "onDemand": on_demand,
        "reservedEffective": reserved,
        "nodeSurcharges": surcharges,
        "serverless": serverless,
        "facts": checked,
    }


def checked_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """`facts.json` without its `about`, after checking that every figure carries its provenance."""
    result = {key: value for key, value in facts.items() if key != "about"}

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, Mapping):
            raise TableError(f"facts.json: {path} is not an object")
        if "value" in node:
            for key, kind in (("unit", str), ("source", str), ("date", str), ("url", str), ("uncertain", bool)):
                if not isinstance(node.get(key), kind) or (kind is str and not node[key]):
                    raise TableError(f"facts.json: {path} needs `{key}`")
            if not node["url"].startswith("https://"):
                raise TableError(f"facts.json: {path}: `url` must be a page a reader can open (https://...)")
            return
        if not node:
            raise TableError(f"facts.json: {path} is empty")
        for key, child in node.items():
            walk(child, f"{path}.{key}")

    for key, node in result.items():
        walk(node, key)
    return result


def render(table: Mapping[str, Any]) -> str:
    return json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def build_text(csv_path: Path = DEFAULT_CSV, facts_path: Path = FACTS) -> str:
    """`prices.json` as this script writes it."""
    facts = json.loads(facts_path.read_text())
    return render(build(csv_path.read_text(encoding="utf-8"), facts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pricing.build_table", description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help=f"price CSV (default: {DEFAULT_CSV})")
    parser.add_argument("--check", action="store_true", help="only check that prices.json is up to date")
    args = parser.parse_args(argv)
    try:
        text = build_text(args.csv)
    except (OSError, TableError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.name} is out of date: run python -m pricing.build_table", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(REPOSITORY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
