"""ElastiCache (Valkey / Redis OSS) component: validated stack config in, secure caches out."""

from components.cache import Cache
from components.spec import CacheArgs, StackSpec
from components.stack_config import ConfigError, load_stack, read_pulumi_config

__all__ = ["Cache", "CacheArgs", "ConfigError", "StackSpec", "load_stack", "read_pulumi_config"]
