"""Keys whose values must be secrets: refused when the stack file holds them in plain text.

The CLI hands the program every config value decrypted, and tells it which top-level keys hold `secure:` values
(`PULUMI_CONFIG_SECRET_KEYS`, from `config.Map.SecureKeys()` in pulumi/pulumi sdk/go/common/resource/config/
map.go: an object key counts when any of its leaves is secure). So the program refuses a plain `cacheSecrets`
outright; a plain leaf beside secure ones is seen only by a reader of the stack file (the preflight).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from components.stack_config.problems import Problem
from components.stack_config.schema import SECRETS_KEY

MUST_BE_SECRET = (SECRETS_KEY,)
"""Top-level keys every leaf of which is a credential."""
SET_SECRET = "pulumi config set --secret --path"


def plain_text_secrets(values: Mapping[str, Any], is_secure: Callable[[str], bool]) -> list[Problem]:
    """One problem per leaf of a must-be-secret key that `is_secure(path)` says is stored in plain text."""
    return [
        Problem(
            path,
            "[secret]",
            "stored in plain text in the stack file, where anyone who can read the repository sees it; allowed: "
            f"a secret only. Encrypt it: {SET_SECRET} '{path}' (it prompts for the value and replaces the plain "
            "one), then rotate the credential, since the plain one is in the history",
            secret=True,
        )
        for key in MUST_BE_SECRET
        if key in values
        for path, leaf in _leaves(values[key], key)
        # A leaf written with no value holds no credential to leak; the schema reports it as having no value.
        if leaf is not None and not is_secure(path)
    ]


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value
