"""Reading resource properties without tripping over values that are unknown at preview.

The policy SDK hands a policy its properties wrapped in a proxy that raises
`pulumi_policy.proxy.UnknownValueError` whenever an unknown value is read; in Python even `props.get(k)` and
`k in props` raise. Left uncaught, the SDK turns that into one generic "can't run policy" line and the rest of
the policy never runs. So every policy reads through `Props`:

- `Props.get(...)` returns the value, `MISSING` (unset or null: the AWS default applies), or an `Unknown`
  marker that remembers its path.
- A policy reports what it can decide, and at the end calls `Props.finish()`, which raises
  `NotKnownAtPreview` naming exactly the properties it could not check. The SDK reports that as an advisory
  line (never a pass, never a blocking violation), and `pulumi up` runs the policy again with real values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

# The engine's unknown sentinels (pulumi/pulumi pkg/resource/plugin/rpc.go). The proxy raises for them, but a
# plain dict (a test, a remediation's output) can still carry them.
_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)


class _Missing:
    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""An unset (or null) property: AWS applies its default."""


@dataclass(frozen=True)
class Unknown:
    """A value that is not known until apply (it depends on another resource's output)."""

    path: str

    def __bool__(self) -> bool:
        raise TypeError(f"{self.path} is unknown at preview; test it with is_unknown() first")


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def _join(path: str, segment: str | int) -> str:
    if isinstance(segment, int):
        return f"{path}[{segment}]"
    return f"{path}.{segment}" if path else segment


def plain(value: Any, path: str = "") -> Any:
    """A plain copy of (proxied) properties, with every unknown replaced by an `Unknown` marker.

    Walks the proxies the SDK builds (`Mapping` / `Sequence` whose item access raises for unknowns) as well as
    plain dicts and lists.
    """
    if isinstance(value, str):
        return Unknown(path) if value in _SENTINELS else value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in list(iter(value)):
            child = _join(path, key)
            try:
                item = value[key]
            except UnknownValueError:
                result[key] = Unknown(child)
                continue
            result[key] = plain(item, child)
        return result
    if isinstance(value, Sequence):
        items: list[Any] = []
        for index in range(len(value)):
            child = _join(path, index)
            try:
                item = value[index]
            except UnknownValueError:
                items.append(Unknown(child))
                continue
            items.append(plain(item, child))
        return items
    return value


class NotKnownAtPreview(UnknownValueError):
    """Raised at the end of a policy that could not decide everything: the SDK reports it as advisory.

    Subclassing `UnknownValueError` is what routes it through the SDK's own handler, which emits an ADVISORY
    diagnostic (whatever the policy's enforcement level) with this exception's `message`.
    """

    def __init__(self, message: str, paths: Sequence[str] = ()) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, list(paths[:1]) or ["?"])
        self.paths = tuple(paths)
        self.message = message


class Props:
    """Safe, typed access to one resource's properties."""

    def __init__(self, props: Mapping[str, Any], subject: str = "") -> None:
        tree = plain(props)
        self._tree: dict[str, Any] = tree if isinstance(tree, dict) else {}
        self.subject = subject
        """How messages name the resource (stack policies judge many resources at once)."""
        self.unknown: list[str] = []
        """Paths that were read and turned out unknown, in reading order."""
        self.unresolved: list[str] = []
        """Other things a policy could not check (with why), reported with the unknowns."""

    def keys(self) -> list[str]:
        return list(self._tree)

    def unset(self, keys: Iterable[str]) -> None:
        """Read these top-level properties as unset (`MISSING`) from now on: the program set none of them."""
        for key in list(keys):
            self._tree.pop(key, None)

    def get(self, *path: str | int) -> Any:
        """The value at `path`, `MISSING` if unset/null anywhere along it, or an (noted) `Unknown`."""
        value = self.peek(*path)
        if isinstance(value, Unknown):
            self.note(value)
        return value

    def peek(self, *path: str | int) -> Any:
        """Like `get`, without noting an unknown: for values that only matter depending on others."""
        node: Any = self._tree
        for segment in path:
            if isinstance(node, Unknown):
                break
            if isinstance(segment, int):
                if not isinstance(node, list) or not -len(node) <= segment < len(node):
                    return MISSING
            elif not isinstance(node, dict) or segment not in node:
                return MISSING
            node = node[segment]
            if node is None:
                return MISSING
        return node

    def note(self, value: Unknown) -> Unknown:
        """Record an unknown met inside a list or map the policy walks itself."""
        if value.path not in self.unknown:
            self.unknown.append(value.path)
        return value

    def cannot_check(self, why: str) -> None:
        """Record something that cannot be decided from these properties (reported like an unknown)."""
        if why not in self.unresolved:
            self.unresolved.append(why)

    # -- typed readers: MISSING / Unknown pass through, anything else is coerced or rejected ------------------

    def boolean(self, *path: str | int) -> Any:
        return as_bool(self.get(*path))

    def number(self, *path: str | int) -> Any:
        return as_number(self.get(*path))

    def text(self, *path: str | int) -> Any:
        value = self.get(*path)
        if value is MISSING or isinstance(value, Unknown):
            return value
        return value if isinstance(value, str) else str(value)

    def items(self, *path: str | int) -> Any:
        """A list property: MISSING, Unknown (the whole list), or a list whose elements may be Unknown."""
        value = self.get(*path)
        if value is MISSING or isinstance(value, Unknown):
            return value
        return value if isinstance(value, list) else [value]

    def mapping(self, *path: str | int) -> Any:
        value = self.get(*path)
        if value is MISSING or isinstance(value, Unknown):
            return value
        return value if isinstance(value, dict) else MISSING

    def present(self, *path: str | int) -> bool | Unknown:
        """Whether a property is set to something (an unknown value counts as set: a value will come)."""
        value = self.get(*path)
        if isinstance(value, Unknown):
            return True
        if value is MISSING:
            return False
        return not (isinstance(value, str | list | dict) and len(value) == 0)

    # -- the end of a policy --------------------------------------------------------------------------------

    def undecided(self) -> str | None:
        parts = []
        if self.unknown:
            names = ", ".join(f"`{path}`" for path in self.unknown)
            verb = "is" if len(self.unknown) == 1 else "are"
            prefix = f"{self.subject}: " if self.subject else ""
            parts.append(f"{prefix}{names} {verb} not known until apply; checked again at `pulumi up`")
        parts.extend(f"{self.subject}: {why}" if self.subject else why for why in self.unresolved)
        return "; ".join(parts) if parts else None

    def finish(self) -> None:
        """Raise `NotKnownAtPreview` if anything the policy needed could not be decided."""
        message = self.undecided()
        if message:
            raise NotKnownAtPreview(message, self.unknown)


def finish_all(readers: Iterable[Props]) -> None:
    """`finish()` for a stack policy that read many resources: one advisory line naming all of them."""
    messages = [m for m in (r.undecided() for r in readers) if m]
    if messages:
        raise NotKnownAtPreview("; ".join(messages))


def off(value: Any) -> bool:
    """A security flag that is not on: unset (AWS's default is off), false, or not a boolean at all."""
    return value is not True and not isinstance(value, Unknown)


def state(value: Any, unset: str = "unset (AWS default: off)") -> str:
    """How a message names a flag's or setting's value."""
    if value is MISSING:
        return unset
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value!r}"


def as_bool(value: Any) -> Any:
    """True/False for booleans and their string forms (Cluster.autoMinorVersionUpgrade is a string)."""
    if value is MISSING or isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0", ""):
            return False
    if isinstance(value, int | float):
        return value != 0
    return value


def as_number(value: Any) -> Any:
    """A float for numbers and numeric strings (numbers cross gRPC as doubles)."""
    if value is MISSING or isinstance(value, Unknown | bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value
