"""Short-lived agent memory for an `agent-memory` cache (`volatile-*`): a bounded, expiring log per conversation.

Each conversation is one list (its messages, newest last, trimmed to `max_messages`) and one hash (named facts),
in one hash slot: the conversation id is both keys' hash tag (`agent:{<id>}:messages`), so an id that would leave
the tag empty (`""`, or one starting with `}`) is refused, as is a prefix with a brace of its own; with an empty
tag a cluster hashes each whole key and the script's two keys land in different slots (`CROSSSLOT`).
Every write runs in one script that appends, trims and resets both keys' TTL, so no key ever
lacks a TTL: under `volatile-lru` a full cache evicts the least recently used conversations instead of failing
writes, and an abandoned conversation expires on its own.
"""

from __future__ import annotations

import redis

REMEMBER = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return redis.call('LLEN', KEYS[1])
"""

PUT_FACT = """
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
"""


class AgentMemory:
    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        ttl_seconds: int,
        max_messages: int = 100,
        prefix: str = "agent:",
    ) -> None:
        if ttl_seconds <= 0 or max_messages <= 0:
            raise ValueError("ttl_seconds and max_messages must be positive")
        if "{" in prefix or "}" in prefix:
            raise ValueError(f"prefix {prefix!r} has a brace: the conversation id is the keys' hash tag")
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.max_messages = max_messages
        self.prefix = prefix
        self._remember = client.register_script(REMEMBER)
        self._put_fact = client.register_script(PUT_FACT)

    def _keys(self, conversation: str) -> list[str]:
        if not conversation or conversation.startswith("}"):
            raise ValueError(
                f"conversation id {conversation!r} would leave the keys' hash tag empty: on a cluster its two keys "
                "would hash to different slots; give a non-empty id that does not start with '}'"
            )
        return [f"{self.prefix}{{{conversation}}}:messages", f"{self.prefix}{{{conversation}}}:facts"]

    def remember(self, conversation: str, message: str) -> int:
        """Append a message; returns how many the conversation now keeps."""
        return int(self._remember(keys=self._keys(conversation), args=[message, self.max_messages, self.ttl_seconds]))

    def recall(self, conversation: str) -> list[bytes]:
        return self.client.lrange(self._keys(conversation)[0], 0, -1)

    def put_fact(self, conversation: str, name: str, value: str) -> None:
        self._put_fact(keys=self._keys(conversation), args=[name, value, self.ttl_seconds])

    def facts(self, conversation: str) -> dict[bytes, bytes]:
        return self.client.hgetall(self._keys(conversation)[1])

    def forget(self, conversation: str) -> None:
        self.client.delete(*self._keys(conversation))
