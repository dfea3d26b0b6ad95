"""The CLI loads pulumi_aws service packages lazily: the program must plan exactly what it plans without that."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from preflight.program import run_program
from preflight.stack_files import read_stack_config
from tests.preflight.conftest import REPO, preflight_reporting

pytestmark = pytest.mark.usefixtures("sdk_state")

# Run in a fresh interpreter: the stand-ins only go in before pulumi_aws is first imported.
PROBE = """
import json, sys
from sdk_internals import lazy_aws
assert lazy_aws.install()
from preflight.program import run_program
from preflight.stack_files import read_stack_config
plan = run_program(read_stack_config("prod"))
import pulumi_aws as aws
lazily = sorted(m for m in sys.modules if m.startswith("pulumi_aws.ec2."))
handed_out = {"get_subnet": aws.ec2.get_subnet, "SecurityGroup": aws.ec2.SecurityGroup}
names = dir(aws.ec2)  # loads the whole package the way its own __init__ does
same = all(getattr(aws.ec2, name) is value for name, value in handed_out.items())
print(json.dumps({
    "resources": [[r.type, r.name, r.inputs] for r in plan.resources],
    "exports": plan.exports,
    "lazily": lazily,
    "same_objects": same,
    "complete": len(names),
}))
"""


def test_lazy_service_packages_change_nothing_but_what_is_imported() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )
    lazy = json.loads(probe.stdout)

    eager = run_program(read_stack_config("prod"))

    # Registration order varies from run to run (the SDK registers concurrently): compare as sets.
    expected = json.loads(json.dumps([[r.type, r.name, r.inputs] for r in eager.resources]))
    assert sorted(lazy["resources"], key=str) == sorted(expected, key=str)
    assert lazy["exports"] == json.loads(json.dumps(eager.exports))
    assert lazy["same_objects"], "the stand-in handed out other objects than the package's own __init__ binds"
    assert len(lazy["lazily"]) < 20, lazy["lazily"]  # of the ~180 modules pulumi_aws.ec2 would import
    assert lazy["complete"] > 1000


def test_the_preflight_itself_loads_service_packages_lazily() -> None:
    """The stand-ins go in before anything the preflight imports pulls in pulumi_aws."""
    watched = ("pulumi_aws.ec2.", "pulumi.automation.", "pulumi.dynamic.")
    loaded = preflight_reporting("", f"sorted(m for m in sys.modules if m.startswith({watched!r}))", "dev", "--json")
    ec2 = [name for name in loaded if name.startswith("pulumi_aws.ec2.")]
    assert "pulumi_aws.ec2.security_group" in ec2
    assert len(ec2) < 20, ec2  # of the ~180 modules pulumi_aws.ec2 would import
    assert [name for name in loaded if not name.startswith("pulumi_aws.")] == [], "the Automation API was loaded"


LAZY_PULUMI = """
import json, sys
from sdk_internals import lazy_pulumi
assert lazy_pulumi.install()
import pulumi
untouched = not any(m.startswith(("pulumi.automation.", "pulumi.dynamic.")) for m in sys.modules)
from pulumi.automation import LocalWorkspace
from pulumi.automation.events import EngineEvent
print(json.dumps({
    "untouched": untouched,
    "same": LocalWorkspace is pulumi.automation.LocalWorkspace and EngineEvent is pulumi.automation.EngineEvent,
    "automation": sorted(dir(pulumi.automation)),
    "dynamic": sorted(dir(pulumi.dynamic)),
    "where": LocalWorkspace.__module__,
}))
"""

EAGER_PULUMI = """
import json, pulumi
print(json.dumps({"automation": sorted(dir(pulumi.automation)), "dynamic": sorted(dir(pulumi.dynamic))}))
"""


def test_the_automation_api_and_dynamic_providers_load_on_first_use_as_the_same_packages() -> None:
    def probe(code: str) -> dict[str, object]:
        run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads(run.stdout)

    lazy, eager = probe(LAZY_PULUMI), probe(EAGER_PULUMI)
    assert lazy["untouched"], "importing pulumi loaded them"
    assert lazy["same"]
    assert lazy["where"] == "pulumi.automation._local_workspace"
    # dir() of a stand-in also lists the stand-in's own bookkeeping; every name of the real package is there.
    for package in ("automation", "dynamic"):
        assert set(eager[package]) <= set(lazy[package]), package
