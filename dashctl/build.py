"""Build every dashboard: discover modules, call them with the settings, compile.

One broken module never stops the others: its error is collected, the rest build.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from dashctl import discover
from dashctl.compile import Compiled, compile_board
from dashctl.errors import BuildError, DashctlError, DuplicateUidError
from panels.catalog import CatalogError, default_catalog


@attrs.frozen
class BuildReport:
    dashboards: tuple[Compiled, ...]
    errors: tuple[BuildError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_uid(self) -> dict[str, Compiled]:
        return {d.uid: d for d in self.dashboards}


def boards_of(module: discover.DashboardModule, settings, reload: bool = False) -> list:
    fn = discover.load(module, reload=reload)
    try:
        result = fn(settings)
    except DashctlError as exc:
        if isinstance(exc, BuildError) and not exc.dashboard:
            exc.dashboard = module.name
            exc.args = (exc._text(),)
        raise
    except CatalogError as exc:
        raise BuildError(str(exc), dashboard=module.name) from exc
    except Exception as exc:  # user code
        raise BuildError(f"building failed: {discover.describe(exc)}", dashboard=module.name) from exc
    return list(result) if isinstance(result, (list, tuple)) else [result]


def build(settings, modules: Iterable[discover.DashboardModule] | None = None, only: Iterable[str] = (),
          reload: bool = False, transforms: Iterable = ()) -> BuildReport:
    """Compile the dashboards of `modules` (default: all discovered); `only` keeps those uids.

    `transforms` are callables board -> board applied before compile (overrides).
    """
    modules = list(modules) if modules is not None else discover.all_modules()
    catalog = default_catalog(settings.spanmetrics_namespace)
    only = set(only)
    compiled: list[Compiled] = []
    errors: list[BuildError] = []
    owner: dict[str, str] = {}
    for module in modules:
        try:
            boards = boards_of(module, settings, reload=reload)
        except BuildError as exc:
            errors.append(exc)
            continue
        for board in boards:
            uid = getattr(board, "uid", None)
            if only and uid not in only:
                continue
            if uid in owner:
                errors.append(DuplicateUidError(
                    f"uid {uid} is defined twice: in {owner[uid]} and in {module.name}", dashboard=uid))
                continue
            try:
                for t in transforms:
                    board = t(board)
                compiled.append(compile_board(board, settings, catalog, source=module.name))
                owner[uid] = module.name
            except BuildError as exc:
                errors.append(exc)
            except CatalogError as exc:
                errors.append(BuildError(str(exc), dashboard=uid or module.name))
    missing = sorted(only - set(owner) - {e.dashboard for e in errors})
    for uid in missing:
        errors.append(BuildError("no dashboard has this uid", dashboard=uid))
    return BuildReport(tuple(sorted(compiled, key=lambda c: c.path)), tuple(errors))
