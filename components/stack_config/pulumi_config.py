"""The one adapter to what the Python SDK keeps of the stack config beyond its public getters.

`pulumi.Config` reads one key at a time and cannot list them, but a misspelt top-level key (`encyption`) must be
refused rather than silently dropped. The language host's exec script (pulumi/pulumi
`sdk/python/cmd/pulumi-language-python-exec`) hands every key to `pulumi.runtime.set_all_config` from
`PULUMI_CONFIG` and `PULUMI_CONFIG_SECRET_KEYS`; the SDK keeps them in `pulumi.runtime.config.CONFIG`.
tests/test_pulumi_config.py fails if the SDK stops keeping them there.
"""

from __future__ import annotations

import pulumi
import pulumi.runtime
from pulumi.runtime import config as runtime_config


def project_keys() -> list[str]:
    """The keys (without the `<project>:` namespace) set for this project, in no particular order."""
    prefix = f"{pulumi.get_project()}:"
    known = set(runtime_config.CONFIG.get()) | set(pulumi.runtime.get_config_env())
    return sorted(key[len(prefix) :] for key in known if key.startswith(prefix))


def is_secret(key: str) -> bool:
    """Whether the project key holds a `secure:` value (for an object: at least one of its leaves)."""
    return pulumi.runtime.is_config_secret(f"{pulumi.get_project()}:{key}")
