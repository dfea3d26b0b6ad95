"""`tags` of the stack and of each cache: what AWS accepts as resource tags."""

from __future__ import annotations

from typing import Any

from components import aws_rules
from components.stack_config.problems import Problems
from components.stack_config.schema import cli_scalar_as_text


def resolve_tags(value: Any, path: str, problems: Problems) -> dict[str, str] | None:
    if not isinstance(value, dict):
        problems.add(path, value, "a map of tag keys to string values")
        return None
    ok = True
    value = {key: cli_scalar_as_text(item, booleans=True) for key, item in value.items()}
    for key, tag_value in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            problems.add(f"{path}.{key}", key, "tag keys are 1..128 characters and may not start with aws:")
            ok = False
        elif (why := aws_rules.check_tag_characters(key)) is not None:
            problems.add(f"{path}.{key}", key, f"the tag key {why}")
            ok = False
        if not isinstance(tag_value, str) or len(tag_value) > 256:
            problems.add(f"{path}.{key}", tag_value, "tag values are strings of at most 256 characters")
            ok = False
        elif (why := aws_rules.check_tag_characters(tag_value)) is not None:
            problems.add(f"{path}.{key}", tag_value, f"the tag value {why}")
            ok = False
    return dict(value) if ok else None
