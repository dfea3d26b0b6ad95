"""The AWS calls the provider would make for a plan, judged by AWS's API models."""

from __future__ import annotations

from collections.abc import Iterable

from preflight.model import PlannedResource
from tests.aws_api.model import problems
from tests.aws_api.provider_requests import requests_for


def refusals(resources: Iterable[PlannedResource]) -> dict[str, list[str]]:
    """Per `<resource>: <service> <operation>`, what the model refuses in the call, and the resource's inputs
    that reach no call and are not the provider's own; empty when AWS would take every call."""
    found: dict[str, list[str]] = {}
    for resource, request, left_over in requests_for(resources):
        lines = problems(request.service, request.operation, request.params)
        if left_over:
            lines.append(f"inputs that reach no request: {sorted(left_over)}")
        if lines:
            found[f"{resource.name}: {request.service} {request.operation}"] = lines
    return found
