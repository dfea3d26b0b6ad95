"""A package that waits in `sys.modules` for its first use before its real `__init__` runs.

What `lazy_aws` and `lazy_pulumi` both put in place, through `install()`: `stand_in()` registers one for a
package found on disk (without importing its parent, whose `__init__` would import it at once), and
`WholePackage` runs the real `__init__` into itself on the first access to any name, so every object is the one
the package binds either way; only when it is loaded changes. `lazy_aws` narrows that first access to a single
module of the package.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any


class WholePackage(types.ModuleType):
    """Runs the package's real `__init__` on the first access to any name (and on `dir()`)."""

    _complete = False

    def __getattr__(self, name: str) -> Any:
        self._load_everything()
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from None

    def __dir__(self) -> list[str]:
        self._load_everything()
        return list(self.__dict__)

    def _load_everything(self) -> None:
        if self._complete:
            return
        self._complete = True
        spec = self.__spec__
        assert spec is not None
        assert spec.loader is not None
        spec.loader.exec_module(self)


def stand_in(root: str, package: str, kind: type[WholePackage]) -> bool:
    """Put a `kind` stand-in for `<root>.<package>` in `sys.modules`, its real `__init__` not yet run.

    Found without importing `root` (its own `__init__` would import the package at once): from the directory
    `importlib.util.find_spec(root)` names. False when the package is already imported or is not there.
    """
    spec_root = importlib.util.find_spec(root)
    if spec_root is None or not spec_root.submodule_search_locations:
        return False
    name = f"{root}.{package}"
    directory = Path(next(iter(spec_root.submodule_search_locations))) / package
    init = directory / "__init__.py"
    if name in sys.modules or not init.is_file():
        return False
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(directory)])
    if spec is None:
        return False
    module = kind(name)
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__file__ = str(init)
    module.__cached__ = spec.cached  # type: ignore[attr-defined]
    module.__path__ = [str(directory)]
    module.__package__ = name
    sys.modules[name] = module
    return True


def install(root: str, packages: tuple[str, ...], kind: type[WholePackage]) -> bool:
    """A `kind` stand-in for each `<root>.<package>`; False (and nothing done) once `root` has been imported,
    since its `__init__` has then imported them already."""
    if root in sys.modules:
        return False
    for package in packages:
        stand_in(root, package, kind)
    return True
