"""The escape hatch of imported dashboards: what the kit has no argument for, carried explicitly.

`dashctl import` writes modules that read like ours (kit calls, catalog queries) and puts
whatever a kit factory cannot say (overrides, mappings, links, repeat, a legacy interval,
a layout compile would not compute, ...) in `extra(panel_or_board, {...})`: JSON merged
into that object's compiled JSON, last. In an extra:

- a dict merges key by key; `None` removes the key (Grafana treats a missing key and a
  null one alike);
- `each({...}, {...})` merges into a list element by element (same length);
- any other value (a list, a string, a number) replaces what compile wrote.

Also here: `promql("...")`, a target for a query whose metrics are not in the catalog,
`panel("type", ...)`, a panel of a type the kit has no factory for, `library_panel(uid, name)`,
a reference to a library panel, and `NO_DESCRIPTION`,
which passes the build's description check but writes no description, so the gap stays
visible in the code.
"""

from __future__ import annotations

import copy

import attr
import grafanalib.core as g

NO_DESCRIPTION = "(imported without a description)"
ATTR = "dashctl_extra"  # where extra() keeps an object's patches (compile reads it)


class Each(tuple):
    """Patches for a list, one per element, applied element by element."""


def each(*patches) -> Each:
    return Each(patches)


def extra(obj, patch: dict):
    """`obj` (a kit panel, row or board) with `patch` merged into its compiled JSON (after any earlier one)."""
    setattr(obj, ATTR, (*getattr(obj, ATTR, ()), patch))
    return obj


def merge(base, patch):
    """`base` with `patch` applied (see the module docstring); `base` is not changed."""
    if isinstance(patch, Each):
        if not isinstance(base, list) or len(base) != len(patch):
            size = len(base) if isinstance(base, list) else 0
            raise ValueError(f"each() has {len(patch)} patches for a list of {size}")
        return [merge(b, p) for b, p in zip(base, patch, strict=True)]
    if isinstance(patch, dict) and isinstance(base, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value)
            else:
                out[key] = merge({}, value) if isinstance(value, dict) else copy.deepcopy(value)
        return out
    if isinstance(patch, dict):
        return {k: merge({}, v) if isinstance(v, dict) else copy.deepcopy(v) for k, v in patch.items() if v is not None}
    return copy.deepcopy(patch)


def apply(data: dict, obj) -> dict:
    """Compile's last step for a panel, row or board: the object's extra, and NO_DESCRIPTION dropped."""
    return patched(data, getattr(obj, ATTR, ()))


def patched(data: dict, patches) -> dict:
    """`data` with each extra() patch merged in order, and NO_DESCRIPTION dropped."""
    out = data
    for patch in patches:
        out = merge(out, patch)
    if out.get("description") == NO_DESCRIPTION:
        del out["description"]
    return out


@attr.s
class RawTarget(g.Target):
    """A PromQL string compile passes through as it is (lint still parses it)."""


def promql(expr: str, legend: str = "", instant: bool = False, table: bool = False) -> RawTarget:
    """A query kept as PromQL: its metrics are not in the catalog, or it does not read as a catalog expression."""
    return RawTarget(expr=expr, legendFormat=legend, instant=instant, format="table" if table else "time_series")


@attr.s
class Panel(g.Panel):
    """A panel of any type, e.g. a plugin the kit has no factory for."""

    type = attr.ib(default="")

    def to_json_data(self):
        return self.panel_json({"type": self.type})


def library_panel(uid: str, name: str, title: str = "", w: int = 12, h: int = 8) -> Panel:
    """A reference to a library panel: Grafana fills in the panel from its library by uid."""
    p = panel("", title, desc=NO_DESCRIPTION, w=w, h=h)
    return extra(p, {"libraryPanel": {"uid": uid, "name": name}, "type": None, "fieldConfig": None,
                     "options": None, "links": None})


def panel(type: str, title: str, *targets, desc: str, w: int = 12, h: int = 8) -> Panel:
    """A panel of `type` with its queries; everything else comes through extra()."""
    if not 1 <= w <= 24:
        raise ValueError(f"panel width {w} is outside 1..24")
    return Panel(type=type, title=title, description=desc, targets=list(targets), gridPos=g.GridPos(h=h, w=w, x=0, y=0))
