"""Import chromadb without its import-time signature checks: ~0.25 s of every start-up.

chromadb marks ~200 methods with the `overrides` package's `@override`, which, as each
class is built, disassembles the calling frame to find the base classes and compares
the method's signature with the base's. That checks chromadb's own code (its CI does)
and costs every newsbot process ~0.25 s of CPU while chromadb is imported and its
client opened (measured against a cold `newsbot ask` of ~2 s). Only chromadb uses
`overrides` here.

`unchecked_override` keeps what chromadb relies on at run time (the `__override__`
mark that `EnforceOverrides` reads) and drops the check. Installed by `index/__init__.py`
before anything imports chromadb; a process that imported chromadb first keeps the
checks, which only costs time.
"""

from __future__ import annotations

from typing import Any, Callable


def unchecked_override(method: Callable | None = None, **_options: Any) -> Any:
    """`@override` and `@override(...)` without the signature check."""
    if method is None:
        return unchecked_override
    method.__override__ = True  # type: ignore[attr-defined]
    return method


def install() -> None:
    import sys

    if "chromadb" in sys.modules:
        return
    try:
        import overrides
        import overrides.overrides as module
    except ImportError:  # a chromadb without `overrides`: nothing to skip
        return
    overrides.override = overrides.overrides = unchecked_override
    module.override = module.overrides = unchecked_override


install()
