"""Load the Pulumi SDK's Automation API and dynamic providers when first used, not with `pulumi` itself.

`pulumi/__init__.py` ends with `from . import runtime, dynamic, policy, automation`, so every program pays for
`pulumi.automation` (its workspaces, events and server: about 30 ms) and `pulumi.dynamic` (`dill`, about 10 ms)
at start-up, which a program run by the CLI or by the preflight never touches. `install()` puts a stand-in for
each in `sys.modules` before `pulumi` is first imported (its `from . import` then binds the stand-in). The first
access to any name of the stand-in runs the package's real `__init__` into it, so `pulumi.automation.LocalWorkspace`
is the same object either way; a submodule (`pulumi.automation.events`) imports as it always does.
"""

from __future__ import annotations

from sdk_internals import stand_ins

PACKAGES = ("automation", "dynamic")


def install(packages: tuple[str, ...] = PACKAGES) -> bool:
    """Put the stand-ins in place; False (and nothing done) once pulumi has been imported."""
    return stand_ins.install("pulumi", packages, stand_ins.WholePackage)
