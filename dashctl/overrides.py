"""Change a shipped dashboard without forking it: replace, add or remove a panel by title,
move it to another folder, or drop it.

From Python, a dashboard module (yours, found by entry point or --module) defines
`overrides(settings) -> [Override, ...]`. From `dashctl.toml`:

    [[overrides]]
    uid = "plano-routing"
    replace_panel = "Router skips by reason"
    with = "mypkg.panels:better_skips"      # a factory taking the settings

    [[overrides]]
    uid = "plano-routing"
    add_panel = "mypkg.panels:queue_depth"
    row = "Decisions"                       # optional: default the last row

    [[overrides]]
    uid = "plano-process"
    remove_panel = "Threads"
    folder = "Gateway"                      # optional, for any entry
    drop = false                            # true: do not build this dashboard
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import attrs
import grafanalib.core as g

from llm_gateway_dashboards.dashctl.errors import BuildError, ConfigError


@attrs.frozen
class Override:
    """One change to the dashboard `uid`. `panel` is a grafanalib panel (or a settings -> panel factory)."""

    uid: str
    replace_panel: str = ""  # title of the panel to replace with `panel`
    add_panel: bool = False  # add `panel` to `row` (default: the last row)
    remove_panel: str = ""
    panel: Any = None
    row: str = ""
    folder: str = ""
    drop: bool = False
    origin: str = "python"

    def __attrs_post_init__(self):
        if (self.replace_panel or self.add_panel) and self.panel is None:
            raise ConfigError(f"override of {self.uid} ({self.origin}): needs a panel")


def replace_panel(uid: str, title: str, panel, origin: str = "python") -> Override:
    return Override(uid, replace_panel=title, panel=panel, origin=origin)


def add_panel(uid: str, panel, row: str = "", origin: str = "python") -> Override:
    return Override(uid, add_panel=True, panel=panel, row=row, origin=origin)


def remove_panel(uid: str, title: str, origin: str = "python") -> Override:
    return Override(uid, remove_panel=title, origin=origin)


def _resolve(ref: str, where: str) -> Callable:
    module, _, attr = ref.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr) if attr else None
    except Exception as exc:
        raise ConfigError(f"{where}: cannot import {ref!r}: {type(exc).__name__}: {exc}") from None
    if obj is None:
        raise ConfigError(f"{where}: {ref!r} must be 'package.module:factory'")
    return obj


OVERRIDE_KEYS = {"uid", "replace_panel", "with", "add_panel", "remove_panel", "row", "folder", "drop"}


def from_toml(entries: list, path: str) -> list[Override]:
    """`[[overrides]]` tables of dashctl.toml -> Overrides; errors name the file and entry."""
    out = []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: overrides must be an array of tables ([[overrides]])")
    for i, e in enumerate(entries, 1):
        where = f"{path} [[overrides]] entry {i}"
        if not isinstance(e, dict) or not isinstance(e.get("uid"), str):
            raise ConfigError(f"{where}: needs uid = \"<dashboard uid>\"")
        unknown = sorted(set(e) - OVERRIDE_KEYS)
        if unknown:
            known = ", ".join(sorted(OVERRIDE_KEYS))
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {known}")
        panel = None
        if "replace_panel" in e:
            if "with" not in e:
                raise ConfigError(f"{where}: replace_panel needs with = \"package.module:factory\"")
            panel = _resolve(e["with"], where)
        if "add_panel" in e:
            panel = _resolve(e["add_panel"], where)
        out.append(Override(e["uid"], replace_panel=e.get("replace_panel", ""), add_panel="add_panel" in e,
                            remove_panel=e.get("remove_panel", ""), panel=panel, row=e.get("row", ""),
                            folder=e.get("folder", ""), drop=bool(e.get("drop", False)), origin=where))
    return out


def _panel(o: Override, settings):
    p = o.panel
    if not isinstance(p, g.Panel) and callable(p):
        p = p(settings)
    if not isinstance(p, g.Panel):
        raise BuildError(f"override from {o.origin}: the panel is a {type(p).__name__}, not a panel", dashboard=o.uid)
    return p


def _rows(board) -> list:
    return [p for p in board.panels if isinstance(p, g.RowPanel)]


def apply(board, overrides: list[Override], settings):
    """A new board with the overrides for its uid applied, in order."""
    for o in overrides:
        if o.uid != board.uid:
            continue
        panels = list(board.panels)
        if o.replace_panel or o.remove_panel:
            title = o.replace_panel or o.remove_panel
            new = [] if o.remove_panel else [_panel(o, settings)]
            found = False
            for i, item in enumerate(panels):
                if isinstance(item, g.RowPanel):
                    kids = list(item.panels)
                    for j, kid in enumerate(kids):
                        if kid.title == title:
                            kids[j:j + 1], found = new, True
                            break
                    panels[i] = attrs.evolve(item, panels=kids)
                elif item.title == title:
                    panels[i:i + 1], found = new, True
                if found:
                    break
            if not found:
                raise BuildError(f"override from {o.origin}: no panel titled {title!r}", dashboard=board.uid)
        if o.add_panel:
            rows = _rows(board)
            target = next((r for r in rows if r.title == o.row), None) if o.row else (rows[-1] if rows else None)
            if o.row and target is None:
                raise BuildError(f"override from {o.origin}: no row titled {o.row!r}", dashboard=board.uid)
            if target is None:
                panels.append(_panel(o, settings))
            else:
                i = panels.index(target)
                panels[i] = attrs.evolve(target, panels=[*target.panels, _panel(o, settings)])
        board = attrs.evolve(board, panels=panels)
        if o.folder:
            board = attrs.evolve(board, folder=o.folder)
    return board
