"""What every resolver of a cache needs to know, in one place instead of long parameter lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.spec import KmsKey, Network
from components.stack_config.problems import Problems
from components.stack_config.schema import (
    CacheBaseConfig,
    CacheSecretsConfig,
    NodeCacheConfig,
    ObservabilityConfig,
    ServerlessCacheConfig,
)


@dataclass(frozen=True)
class StackContext:
    """The stack-wide settings, resolved before any cache is."""

    problems: Problems
    region: str
    production: bool
    name_prefix: str
    network: Network | None
    """None when the network block has problems: the checks that need it are skipped, the rest still run."""
    kms_key: KmsKey
    common_tags: Mapping[str, str]
    observability: ObservabilityConfig
    account_id: str | None


@dataclass(frozen=True)
class CacheContext:
    """One cache being resolved."""

    stack: StackContext
    name: str
    config: CacheBaseConfig
    secrets: CacheSecretsConfig | None

    @property
    def path(self) -> str:
        return f"caches.{self.name}"

    @property
    def cache_id(self) -> str:
        return f"{self.stack.name_prefix}-{self.name}"

    @property
    def serverless(self) -> bool:
        return isinstance(self.config, ServerlessCacheConfig)

    @property
    def node_config(self) -> NodeCacheConfig | None:
        return self.config if isinstance(self.config, NodeCacheConfig) else None

    @property
    def serverless_config(self) -> ServerlessCacheConfig | None:
        return self.config if isinstance(self.config, ServerlessCacheConfig) else None

    def problem(self, key: str, value: Any, message: str, *, secret: bool = False) -> None:
        """A problem at a key of this cache (`key` relative to `caches.<name>`, or "" for the cache itself)."""
        self.stack.problems.add(f"{self.path}.{key}" if key else self.path, value, message, secret=secret)
