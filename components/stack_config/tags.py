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
        for checked, why in ((key, aws_rules.check_tag_key(key)), (tag_value, aws_rules.check_tag_value(tag_value))):
            if why is not None:
                problems.add(f"{path}.{key}", checked, why)
                ok = False
    return dict(value) if ok else None
