"""Build every dashboard: discover modules, call them with the settings, apply overrides, compile.

One broken module never stops the others: its error is collected, the rest build.
"""

from __future__ import annotations

from typing import Iterable

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
          reload: bool = False, transforms: Iterable = (), overrides: Iterable[ov.Override] = ()) -> BuildReport:
    """Compile the dashboards of `modules` (default: all discovered); `only` keeps those uids.

    `overrides` (e.g. from dashctl.toml) are applied with those the modules declare in
    `overrides(settings)`; `transforms` are further callables board -> board.
    """
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
    changes.extend(overrides)
    errors.extend(BuildError(f"override from {o.origin}: no dashboard has this uid", dashboard=o.uid)
                  for o in changes if o.uid not in owner and not (only and o.uid not in only))
    dropped = {o.uid for o in changes if o.drop}
    catalog = default_catalog(settings.spanmetrics_namespace)  # after the imports: they may register sources
    compiled: list[Compiled] = []
    for board, module in boards:
        uid, source = board.uid, module.name
        if (only and uid not in only) or uid in dropped:
            continue
        try:
            board = ov.apply(board, changes, settings)
            for t in transforms:
                board = t(board)
            compiled.append(compile_board(board, settings, catalog, source=source, origin=module.origin))
        except BuildError as exc:
            errors.append(exc)
        except CatalogError as exc:
            errors.append(BuildError(str(exc), dashboard=uid or source))
        except Exception as exc:  # user code in overrides or transforms
            errors.append(BuildError(f"building failed: {discover.describe(exc)}", dashboard=uid or source))
    missing = sorted(only - set(owner) - {e.dashboard for e in errors})
    if missing and not errors:
        raise UnknownUidError(missing, sorted(owner))
    errors.extend(BuildError(f"no dashboard with uid {uid} (or its module failed to build); known: "
                             f"{', '.join(sorted(owner))}") for uid in missing)
    return BuildReport(tuple(sorted(compiled, key=lambda c: c.path)), tuple(errors))
