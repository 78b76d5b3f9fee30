"""Where dashboards come from, each module with its origin (`dashctl list` shows it):

- shipped: our own `llm_gateway_dashboards.dashboards` package;
- entry point: installed distributions that declare the group `dashctl.dashboards`;
- configured: packages named in dashctl.toml `[discover] packages = ["dashboards"]`, imported
  from the settings file's directory (a consumer repo's own `dashboards/` package);
- --module: modules named on the command line.

A dashboard module defines `dashboard(settings) -> Board` (or `dashboards(settings) -> [Board]`).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback
from typing import Callable

import attrs

from llm_gateway_dashboards.dashctl.errors import BuildError

ENTRY_POINT_GROUP = "dashctl.dashboards"
SHIPPED_PACKAGE = "llm_gateway_dashboards.dashboards"


@attrs.frozen
class DashboardModule:
    """An importable module that declares dashboards; `origin` says where it was found."""

    name: str
    origin: str = "shipped"  # shipped | entry point <name> of <dist> | package <name> (<file>) | --module

    def where(self) -> str:
        return self.name if self.origin == "shipped" else f"{self.name} ({self.origin})"


def _public_modules(pkg, origin: str) -> list[DashboardModule]:
    """The modules of an imported package whose names do not start with `_`, sorted by name."""
    return [DashboardModule(f"{pkg.__name__}.{m.name}", origin)
            for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name)
            if not m.name.startswith("_")]


def shipped() -> list[DashboardModule]:
    return _public_modules(importlib.import_module(SHIPPED_PACKAGE), "shipped")


def _group_declared() -> bool:
    """Whether any distribution on sys.path mentions the entry-point group: a quick look into their
    entry_points.txt, so importlib.metadata (slow to import) is loaded only when one does."""
    for entry in sys.path:
        if os.path.isfile(entry):  # a zip archive: ask importlib.metadata
            return True
        try:
            with os.scandir(entry or ".") as it:
                infos = [os.path.join(e.path, "EGG-INFO") if e.name.endswith(".egg") else e.path
                         for e in it if e.name.endswith((".dist-info", ".egg-info", ".egg"))]
        except OSError:
            continue
        for info in infos:
            try:
                with open(os.path.join(info, "entry_points.txt"), encoding="utf-8", errors="replace") as fh:
                    if ENTRY_POINT_GROUP in fh.read():
                        return True
            except OSError:
                continue
    return False


def from_entry_points() -> list[DashboardModule]:
    if not _group_declared():
        return []
    import importlib.metadata

    out = []
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else "?"
        out.append(DashboardModule(ep.value.split(":")[0], f"entry point {ep.name} of {dist}"))
    return out


def from_packages(packages: tuple[str, ...], base: str | None, config: str) -> list[DashboardModule]:
    """The public modules of each configured package, imported with `base` (the directory of the
    settings file) first on sys.path, so the consumer's own `dashboards` package is the one found."""
    if base is not None and base not in sys.path:
        sys.path.insert(0, base)
    out = []
    for name in packages:
        origin = f"package {name} ({config})"
        try:
            pkg = importlib.import_module(name)
        except Exception as exc:  # user code
            raise BuildError(f"configured package cannot be imported: {describe(exc)}", dashboard=name) from exc
        out += _public_modules(pkg, origin) if hasattr(pkg, "__path__") else [DashboardModule(name, origin)]
    return out


def all_modules(extra: tuple[str, ...] = (), entry_points: bool = True,
                configured: list[DashboardModule] = ()) -> list[DashboardModule]:
    mods = shipped() + (from_entry_points() if entry_points else []) + list(configured)
    mods += [DashboardModule(m, "--module") for m in extra]
    seen, out = set(), []
    for m in mods:
        if m.name not in seen:
            seen.add(m.name)
            out.append(m)
    return out


def load_hooks(module: DashboardModule, reload: bool = False) -> tuple[Callable | None, Callable | None]:
    """Import a module: (its dashboard builder, its `overrides(settings)`), either may be None."""
    try:
        if reload and module.name in sys.modules:
            mod = importlib.reload(sys.modules[module.name])
        else:
            mod = importlib.import_module(module.name)
    except SyntaxError as exc:
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else module.name
        raise BuildError(f"syntax error at {where}: {exc.msg}", dashboard=module.name) from exc
    except ModuleNotFoundError as exc:
        raise BuildError(f"cannot import: {exc}", dashboard=module.name) from exc
    except Exception as exc:  # any error while importing user code
        raise BuildError(f"import failed: {describe(exc)}", dashboard=module.name) from exc
    fn = getattr(mod, "dashboards", None) or getattr(mod, "dashboard", None)
    ov = getattr(mod, "overrides", None)
    if not callable(fn) and not callable(ov):
        raise BuildError("defines none of dashboard(settings), dashboards(settings), overrides(settings)",
                         dashboard=module.name)
    return (fn if callable(fn) else None), (ov if callable(ov) else None)


def describe(exc: BaseException) -> str:
    """`ValueError: text (file.py:12)`: the innermost frame of user code, unless the error names
    its place itself (`where`: the kit's KitUsageError names its caller's line)."""
    tb = traceback.extract_tb(exc.__traceback__)
    frame = next((f for f in reversed(tb) if "site-packages" not in f.filename and "importlib" not in f.filename),
                 None)
    where = "" if getattr(exc, "where", "") or not frame else f" ({frame.filename}:{frame.lineno})"
    return f"{type(exc).__name__}: {exc}{where}"
