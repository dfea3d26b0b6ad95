"""Build `elasticache_facts/node_types.json` from the reference node-type CSV.

    venv/bin/python -m elasticache_facts.build_node_types [--csv PATH] [--check]

The CSV (default `../shared/reference/elasticache-node-types.csv` from the repository root) is AWS's
"Supported node types" tables and the node-type `maxmemory` tables, one row per type with its source. The
output is deterministic (sorted, the CSV's SHA-256 recorded), so a test can rebuild it and compare.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from elasticache_facts.node_types import CATALOG_PATH, parse_node_type

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_CSV = REPOSITORY.parent / "shared" / "reference" / "elasticache-node-types.csv"
# The CSV says `redis-oss`; Pulumi programs (and the AWS API) call the engine `redis`.
_ENGINES = {"redis-oss": "redis", "valkey": "valkey", "memcached": "memcached"}


class CatalogError(Exception):
    """A row the catalog cannot be built from."""


def build(text: str) -> dict[str, Any]:
    types: dict[str, Any] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        name = row["node_type"].strip()
        parsed = parse_node_type(name)
        if parsed is None or parsed[0] != row["family"].strip():
            raise CatalogError(f"line {line}: {name!r} is not cache.<family>.<size> of family {row['family']!r}")
        if name in types:
            raise CatalogError(f"line {line}: {name} listed twice")
        generation = row["generation"].strip()
        memory = row["memory_gib"].strip()
        vcpus = row["vcpu"].strip()
        engines = row["engines"].split("(")[0].strip()
        types[name] = {
            "family": parsed[0],
            "size": parsed[1],
            "memoryGib": float(memory) if memory else None,
            "vcpus": int(vcpus) if vcpus else None,
            "vcpusUncertain": "UNCERTAIN" in row["vcpu_confidence"],
            "current": generation == "current",
            "generation": generation,
            "burstable": row["burstable"].strip() == "yes",
            "dataTiering": row["data_tiering"].strip().startswith("yes"),
            "engines": sorted(_ENGINES[engine.strip()] for engine in engines.split(";")),
            "source": row["source"].strip(),
        }
    return {
        "generatedBy": "elasticache_facts/build_node_types.py from elasticache-node-types.csv; do not edit",
        "csvSha256": hashlib.sha256(text.encode()).hexdigest(),
        "nodeTypes": dict(sorted(types.items())),
    }


def build_text(csv_path: Path = DEFAULT_CSV) -> str:
    return json.dumps(build(csv_path.read_text(encoding="utf-8")), indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elasticache_facts.build_node_types")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help=f"node-type CSV (default: {DEFAULT_CSV})")
    parser.add_argument("--check", action="store_true", help="only check that node_types.json is up to date")
    args = parser.parse_args(argv)
    try:
        text = build_text(args.csv)
    except (OSError, CatalogError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        if not CATALOG_PATH.exists() or CATALOG_PATH.read_text() != text:
            print(
                f"{CATALOG_PATH.name} is out of date: run python -m elasticache_facts.build_node_types", file=sys.stderr
            )
            return 1
        return 0
    CATALOG_PATH.write_text(text)
    print(f"wrote {CATALOG_PATH.relative_to(REPOSITORY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
