"""Build `elasticache_facts/parameters.json` from the reference parameter tables.

    venv/bin/python -m elasticache_facts.build_parameters [--source PATH] [--check]

The source (default `../shared/reference/elasticache-parameters.json` from the repository root) is AWS's "Engine
specific parameters" page (ParameterGroups.Engine.html, read 2026-12-01) applied per family, with the change
types of the real `describe-engine-default-parameters` output. Each parameter is reduced to what a value check
needs: its kind (`yes-no`, `choice`, `integer`, `text`), the allowed values or integer ranges, whether a
custom parameter group may set it, and the Valkey version it first appears in. Deterministic (sorted, the
source's SHA-256 recorded) so a test can compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from elasticache_facts.parameters import REFERENCE_PATH

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPOSITORY.parent / "shared" / "reference" / "elasticache-parameters.json"
_RANGE = re.compile(r"^(?P<low>-?\d+)(?P<dash>-(?P<high>-?\d+)?)?$")


def _ranges(allowed: str) -> list[list[int | None]] | None:
    """`1-75` -> [[1, 75]]; `0,20-` -> [[0, 0], [20, None]]; None when the page states no usable range.

    Where the page and the API disagree (`10485760-104857600 (docs) / 1048576- (API redis5.0)`) every stated
    range is kept, so a value either source allows passes.
    """
    found: list[list[int | None]] = []
    for variant in allowed.split(" / "):
        text = re.sub(r"\(.*?\)", "", variant).strip()
        pieces = [piece.strip() for piece in text.split(",") if piece.strip()]
        parsed = []
        for piece in pieces:
            match = _RANGE.match(piece)
            if match is None:
                return None
            low = int(match["low"])
            if not match["dash"]:
                parsed.append([low, low])
            else:
                parsed.append([low, int(match["high"]) if match["high"] else None])
        found.extend(parsed)
    return found or None


def _entry(spec: dict[str, Any]) -> dict[str, Any]:
    kind_text = str(spec["type"])
    allowed = str(spec["allowed"])
    entry: dict[str, Any] = {"modifiable": spec["modifiable"] is True}
    # A family spans minor versions whose parameters differ ("8.1 changes don't apply to 8.0"): the version a
    # parameter first appears in, where it is a Valkey version one family spans.
    if (since := re.fullmatch(r"valkey (\d+\.\d+)", str(spec.get("since", "")))) is not None:
        entry["since"] = since[1]
    if kind_text.startswith("integer"):
        entry["kind"] = "integer"
        ranges = _ranges(allowed)
        if ranges is not None:
            entry["ranges"] = ranges
    elif allowed.replace(" ", "") in ("yes,no", "no,yes"):
        entry["kind"] = "yes-no"
    elif re.fullmatch(r"[a-z0-9-]+(,[a-z0-9-]+)+", allowed):
        entry["kind"] = "choice"
        entry["values"] = allowed.split(",")
    else:
        entry["kind"] = "text"
    return entry


def build(source: dict[str, Any], digest: str) -> dict[str, Any]:
    families = {
        family: {name: _entry(spec) for name, spec in sorted(parameters.items())}
        for family, parameters in sorted(source["families"].items())
    }
    return {
        "source": "shared/reference/elasticache-parameters.json: "
        + str(source["_meta"].get("method", ""))
        + "; AWS https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html",
        "sourceSha256": digest,
        "families": families,
    }


def build_text(path: Path) -> str:
    raw = path.read_bytes()
    return json.dumps(build(json.loads(raw), hashlib.sha256(raw).hexdigest()), indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is not what it builds")
    args = parser.parse_args(argv)
    text = build_text(args.source)
    if args.check:
        return 0 if REFERENCE_PATH.read_text() == text else 1
    REFERENCE_PATH.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
