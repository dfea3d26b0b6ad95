"""The deployed values behind the mocks' stand-ins, so that an input built from another resource's output compares
with what the deployed resource holds.

Under the mocks, a computed output is a stand-in (a security group id, a random suffix, an ARN's account). An
input that mixes one with config-derived text (`<prefix>-<cache>-<suffix>`, an alarm's metric queries naming the
nodes) changes exactly when its config part changes, as long as the resource it flows from stays: the engine
reads that resource's outputs from state (pulumi/pulumi `step_generator.go`: a resource whose diff is empty keeps
its old outputs; an update keeps what the provider does not recompute). So each stand-in of a resource that stays
is swapped for the deployed value of the same output, and the input is compared as the engine would see it.

Stand-ins are matched as whole values, or piece by piece between non-alphanumeric characters (`<name>-<hex>`,
ARNs, endpoints, text naming them) where the deployed value has the same separators: AWS's ids differ from the
mocks' only in their generated parts. Pieces shorter than `MIN_PIECE` are never swapped: the mocks' generated
parts are longer, and a short word may be anyone's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from preflight.model import PlannedResource

MIN_PIECE = 6
_SEPARATORS = re.compile(r"([^A-Za-z0-9]+)")


def computed_outputs(resource: PlannedResource) -> dict[str, Any]:
    """The outputs the mocks computed for `resource`: not an echoed input (config, or a value that flows from
    elsewhere), not an output the SDK keeps secret."""
    secret = set(resource.options.additional_secret_outputs)
    return {
        key: value
        for key, value in resource.outputs.items()
        if key not in secret and not (key in resource.inputs and resource.inputs[key] == value)
    }


class DeployedValues:
    """Stand-in -> deployed value, from the resources that stay."""

    def __init__(self) -> None:
        self._whole: dict[str, str] = {}
        self._pieces: dict[str, str] = {}

    def learn(self, resource: PlannedResource, deployed_id: str | None, deployed: Mapping[str, Any]) -> None:
        """Records what the mocks computed for `resource` against what its deployed state holds."""
        pairs = [(resource.id, deployed_id)]
        pairs += [(value, deployed.get(key)) for key, value in computed_outputs(resource).items()]
        for stand_in, value in pairs:
            if isinstance(stand_in, str) and isinstance(value, str) and stand_in != value:
                self._learn_pair(stand_in, value)

    def _learn_pair(self, stand_in: str, value: str) -> None:
        if len(stand_in) >= MIN_PIECE:
            self._whole[stand_in] = value
        ours, theirs = _SEPARATORS.split(stand_in), _SEPARATORS.split(value)
        if len(ours) != len(theirs) or ours[1::2] != theirs[1::2]:
            return
        for piece, deployed in zip(ours[::2], theirs[::2], strict=True):
            if piece != deployed and len(piece) >= MIN_PIECE:
                self._pieces[piece] = deployed

    def deployed(self, value: Any) -> Any:
        """`value` with every stand-in learnt so far replaced by its deployed value."""
        if isinstance(value, str):
            if value in self._whole:
                return self._whole[value]
            if not self._pieces:
                return value
            parts = _SEPARATORS.split(value)
            return "".join(self._pieces.get(part, part) if index % 2 == 0 else part for index, part in enumerate(parts))
        if isinstance(value, Mapping):
            return {key: self.deployed(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.deployed(item) for item in value]
        return value
