"""Load a pulumi_aws service package one module at a time instead of all at once.

Each service package of pulumi_aws (`pulumi_aws.ec2`, ...) star-imports every module of the service in its
`__init__`: the program's `aws.ec2.get_subnet` and `aws.ec2.SecurityGroup` execute all 183 modules of
`pulumi_aws.ec2` (about 0.15 s), `aws.cloudwatch.MetricAlarm` all 48 of `pulumi_aws.cloudwatch` (0.06 s): most
of the preflight's start-up after the SDK itself. `install()` puts a stand-in for
such a package in `sys.modules` before pulumi_aws is first imported (pulumi_aws's own lazy import then hands the
stand-in out). On first access to a name the stand-in imports the module that defines it, binds that module's
`__all__` as `from .module import *` would, and returns it. A name it cannot place, and anything that wants the
whole package (`dir()`, `__all__`), runs the package's real `__init__`. The objects are the same either way;
only when they are loaded changes.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from sdk_internals import stand_ins

SERVICES = ("ec2", "cloudwatch", "elasticache", "vpc", "kms", "sns")
"""The services the program uses; ec2 and cloudwatch are most of the cost. Any other loads as usual."""

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_AFFIXES = re.compile(r"^(Awaitable)?(?P<stem>.+?)(ArgsDict|Args|State|Result)?$")
_TYPE_MODULES = ("_inputs", "_enums", "outputs")


class _ServicePackage(stand_ins.WholePackage):
    """A pulumi_aws service package that loads the one module defining a name on its first access."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or self._complete:
            return super().__getattr__(name)
        for module_name in _candidates(name):
            if not (Path(self.__path__[0]) / f"{module_name}.py").is_file():
                continue
            module = importlib.import_module(f"{self.__name__}.{module_name}")
            exported = getattr(module, "__all__", None)
            if exported is not None:
                for exported_name in exported:
                    setattr(self, exported_name, getattr(module, exported_name))
            if name in self.__dict__ and (exported is None or name in exported or name == module_name):
                return self.__dict__[name]
            if module_name == name:
                return module
        return super().__getattr__(name)


def _candidates(name: str) -> list[str]:
    """Modules that may define `name`, in the generated SDK's layout: `get_subnet`/`get_subnet_output` in
    `get_subnet.py`, `SecurityGroup`/`SecurityGroupArgs` in `security_group.py`, `GetSubnetResult` in
    `get_subnet.py`, input/output types and enums in `_inputs`, `outputs`, `_enums`."""
    if name[:1].islower():
        stem = name[: -len("_output")] if name.endswith("_output") else name
        return [stem, *_TYPE_MODULES]
    match = _AFFIXES.match(name)
    stem = match.group("stem") if match else name
    return [_CAMEL.sub("_", stem).lower(), _CAMEL.sub("_", name).lower(), *_TYPE_MODULES]


def install(services: tuple[str, ...] = SERVICES) -> bool:
    """Put the stand-ins in place; False (and nothing done) once pulumi_aws has been imported."""
    return stand_ins.install("pulumi_aws", services, _ServicePackage)
