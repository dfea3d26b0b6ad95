"""Show that `python -m preflight <stack> --json` prints the same document at two revisions (timings aside).

    venv/bin/python scripts/same_preflight_documents.py BASE [--head REV] [--stacks dev prod]

Each revision is extracted with `git archive` into a temporary directory and run there with this virtualenv's
Python; the documents are compared after dropping `timings` (wall-clock, never equal) and writing the checkout's
path as `<repository>` (the document names the policy config file by its absolute path). Without `--head` the
working tree is compared, uncommitted changes included. Exit 0: the same documents; 1: they differ (a unified diff
of each is printed); 2: a revision could not be run.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent


def extract(revision: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", revision], cwd=REPOSITORY, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="tar")
    return into


def document(checkout: Path, stack: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-m", "preflight", stack, "--json"], cwd=checkout, capture_output=True, text=True
    )
    if not run.stdout.strip():
        raise RuntimeError(
            f"{checkout}: preflight {stack} printed nothing (exit {run.returncode}): {run.stderr[-2000:]}"
        )
    found = json.loads(run.stdout.replace(str(checkout), "<repository>"))
    found.pop("timings", None)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/same_preflight_documents.py", description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the revision to compare against, e.g. main or a commit")
    parser.add_argument("--head", help="the revision to compare (default: the working tree)")
    parser.add_argument("--stacks", nargs="+", default=["dev", "prod"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            base = extract(args.base, Path(scratch) / "base")
            head = extract(args.head, Path(scratch) / "head") if args.head else REPOSITORY
            differ = False
            for stack in args.stacks:
                before, after = document(base, stack), document(head, stack)
                if before == after:
                    print(f"{stack}: same document ({len(json.dumps(after))} characters, timings aside)")
                    continue
                differ = True
                lines = [json.dumps(d, indent=2, sort_keys=True).splitlines() for d in (before, after)]
                print(f"{stack}: the documents differ")
                sys.stdout.writelines(
                    line + "\n"
                    for line in difflib.unified_diff(*lines, args.base, args.head or "working tree", lineterm="")
                )
        except (subprocess.CalledProcessError, RuntimeError, json.JSONDecodeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
