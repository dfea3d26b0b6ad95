"""The Pulumi SDK's wire signatures: how secrets, unknowns, output values, resource references and assets look
in serialised properties (what a mock monitor receives and what the engine sends an analyzer).

Source: pulumi/pulumi `sdk/python/lib/pulumi/runtime/rpc.py` (`_special_sig_key`, `_special_secret_sig`, ...,
`UNKNOWN`) and `sdk/go/common/resource/sig/sig.go`; shared/reference/pulumi-offline.md. The SDK keeps most of
them private, so they are stated here once; tests/test_facts.py fails when the installed SDK disagrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SIG_KEY = "4dabf18193072939515e22adb298388d"
"""The key whose value says what a special map is."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""A value not known until apply."""


def secret(value: Any) -> dict[str, Any]:
    """`value` in the secret wire form `{sig: secret, value}`."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def revealed(value: Any) -> Any:
    """`value` with every wire-form secret replaced by its plain value: what a provider receives, decrypted."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return revealed(value.get("value"))
        return {key: revealed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revealed(item) for item in value]
    return value
