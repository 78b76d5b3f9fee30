"""Build every dashboard: discover modules, call them with the settings, apply overrides, compile.

One broken module never stops the others: its error is collected, the rest build.
"""

from __future__ import annotations

import collections
import contextlib
import gc
from typing import Callable, Iterable

import attrs

from llm_gateway_dashboards.dashctl import discover
from llm_gateway_dashboards.dashctl import overrides as ov
from llm_gateway_dashboards.dashctl.compile import Compiled, compile_board
from llm_gateway_dashboards.dashctl.errors import BuildError, DashctlError, DuplicateUidError, UnknownUidError
from llm_gateway_dashboards.panels.catalog import CatalogError, default_catalog


@attrs.frozen
class BuildReport:
    dashboards: tuple[Compiled, ...]
    errors: tuple[BuildError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_uid(self) -> dict[str, Compiled]:
        return {d.uid: d for d in self.dashboards}

    def files(self) -> dict[str, bytes]:
        """{<folder>/<uid>.json: bytes}: what `dashctl build` writes."""
        return {d.path: d.data for d in self.dashboards}


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection inside the block; the collector's state is restored after it,
    also when the block raises. A build allocates millions of small objects and frees them by
    reference counting; without this the collector scans every live object tree again and again
    (43% of a 1,000-dashboard build in the profile of issue 16). Nested use is a no-op."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _call(fn, module: discover.DashboardModule, settings):
    """Run user code; any failure becomes a BuildError naming the module."""
    try:
        return fn(settings)
    except DashctlError as exc:
        if isinstance(exc, BuildError) and not exc.dashboard:
            exc.dashboard = module.name
            exc.args = (exc._text(),)
        raise
    except CatalogError as exc:
        raise BuildError(str(exc), dashboard=module.name) from exc
    except Exception as exc:  # user code
        raise BuildError(f"building failed: {discover.describe(exc)}", dashboard=module.name) from exc


def build(settings, modules: Iterable[discover.DashboardModule] | None = None, only: Iterable[str] = (),
          reload: bool = False, transforms: Iterable = (), overrides: Iterable[ov.Override] = (),
          keep_models: bool = True, fast: bool = True, sink: Callable[[Compiled], Compiled] | None = None
          ) -> BuildReport:
    """Compile the dashboards of `modules` (default: all discovered); `only` keeps those uids.

    `overrides` (e.g. from dashctl.toml) are applied with those the modules declare in
    `overrides(settings)`; `transforms` are further callables board -> board.
    `keep_models=False` drops each compiled model once its bytes exist (`Compiled.model` and
    `Compiled.board` are then None): for callers that only write files, so thousands of dashboards never hold
    every model at once. `fast=False` builds without the speed measures (garbage collection
    paused, each board object dropped once compiled): the bytes are the same. `sink` receives
    each Compiled as soon as it exists and returns what the report keeps (`dashctl build`
    writes the file ahead there and keeps the Compiled without its bytes).
    """
    with gc_paused() if fast else contextlib.nullcontext():
        return _build(settings, modules, only, reload, transforms, overrides, keep_models, fast, sink)


def _drain(queue: collections.deque):
    while queue:
        yield queue.popleft()


def _build(settings, modules, only, reload, transforms, overrides, keep_models, fast, sink) -> BuildReport:
    modules = list(modules) if modules is not None else discover.all_modules()
    only = set(only)
    errors: list[BuildError] = []
    boards: list[tuple[object, discover.DashboardModule]] = []
    changes: list[ov.Override] = []
    owner: dict[str, discover.DashboardModule] = {}
    for module in modules:
        try:
            fn, hook = discover.load_hooks(module, reload=reload)
            result = _call(fn, module, settings) if fn else []
            if hook:
                changes.extend(_call(hook, module, settings))
        except BuildError as exc:
            errors.append(exc)
            continue
        for board in (list(result) if isinstance(result, (list, tuple)) else [result]):
            uid = getattr(board, "uid", None)
            if uid in owner:
                errors.append(DuplicateUidError(
                    f"uid {uid} is defined twice: in {owner[uid].where()} and in {module.where()}", dashboard=uid))
                continue
            owner[uid] = module
            boards.append((board, module))
        result = None  # the module's list: its boards are referenced from `boards` alone
    changes.extend(overrides)
    errors.extend(BuildError(f"override from {o.origin}: no dashboard has this uid", dashboard=o.uid)
                  for o in changes if o.uid not in owner and not (only and o.uid not in only))
    dropped = {o.uid for o in changes if o.drop}
    catalog = default_catalog(settings.spanmetrics_namespace)  # after the imports: they may register sources
    compiled: list[Compiled] = []
    # fast: each board object is dropped once compiled (the module's list is no longer referenced)
    queue = collections.deque(boards) if fast else boards
    del boards
    for board, module in (_drain(queue) if fast else queue):
        uid, source = board.uid, module.name
        if (only and uid not in only) or uid in dropped:
            continue
        try:
            board = ov.apply(board, changes, settings)
            for t in transforms:
                board = t(board)
            c = compile_board(board, settings, catalog, source=source, origin=module.origin)
        except BuildError as exc:
            errors.append(exc)
            continue
        except CatalogError as exc:
            errors.append(BuildError(str(exc), dashboard=uid or source))
            continue
        except Exception as exc:  # user code in overrides or transforms
            errors.append(BuildError(f"building failed: {discover.describe(exc)}", dashboard=uid or source))
            continue
        if sink:
            c = sink(c)
        if not keep_models:
            c = attrs.evolve(c, model=None, board=None)
        compiled.append(c)
    missing = sorted(only - set(owner) - {e.dashboard for e in errors})
    if missing and not errors:
        raise UnknownUidError(missing, sorted(owner))
    errors.extend(BuildError(f"no dashboard with uid {uid} (or its module failed to build); known: "
                             f"{', '.join(sorted(owner))}") for uid in missing)
    return BuildReport(tuple(sorted(compiled, key=lambda c: c.path)), tuple(errors))
