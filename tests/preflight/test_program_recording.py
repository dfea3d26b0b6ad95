"""How the preflight keeps a plan: every resource's inputs and outputs, the outputs sharing what they echo."""

from __future__ import annotations

import pytest

from elasticache_facts.tokens import REPLICATION_GROUP
from preflight.program import run_program
from preflight.stack_files import read_stack_config

pytestmark = pytest.mark.usefixtures("sdk_state")


def test_an_output_equal_to_its_input_is_kept_once_and_computed_outputs_are_kept_too() -> None:
    plan = run_program(read_stack_config("prod"))
    echoed = 0
    for resource in plan.resources:
        for key, value in resource.outputs.items():
            if key in resource.inputs and resource.inputs[key] == value:
                assert value is resource.inputs[key], (resource.name, key)
                echoed += 1
    assert echoed > len(plan.resources)
    group = next(r for r in plan.resources if r.type == REPLICATION_GROUP)
    assert group.outputs["tags"] is group.inputs["tags"]
    # What the mocks compute, as AWS would, is there beside the echo.
    assert group.outputs["arn"].startswith("arn:aws:elasticache:")
    assert "arn" not in group.inputs
    assert group.outputs["memberClusters"]
