"""A readable, semantic diff of two dashboard models: what a reviewer wants to know before a push.

Panels are matched by title (rows' collapsed children included); an unmatched pair with the
same queries, or else the same id and type, is a rename. For each panel: title, type, unit,
description, queries (by refId: expression, legend, instant) and, summarised, layout and
other settings. At dashboard level: title, tags, variables and other settings.
"""

from __future__ import annotations

from collections import Counter

import attrs

IGNORED = {"id", "version", "dashctl"}  # set by Grafana, or push's own stamp
MAX_PATHS = 4


@attrs.frozen
class Change:
    kind: str  # "added", "removed", "changed"
    subject: str  # e.g. "panel 'Request rate'", "variable $instance", "dashboard"
    field: str = ""  # e.g. "unit", "query A", "title"
    old: object = None
    new: object = None

    def __str__(self) -> str:
        if self.kind != "changed":
            return f"{self.kind} {self.subject}" + (f" ({self.field})" if self.field else "")
        if self.old is None and self.new is None:
            return f"changed {self.subject}: {self.field}"
        return f"changed {self.subject} {self.field}: {_show(self.old)} -> {_show(self.new)}"

    def lines(self) -> list[str]:
        """Text form: long values (queries) on their own - / + lines."""
        if self.kind == "changed" and self.field.startswith("query") and (self.old or self.new):
            return [f"~ {self.subject} {self.field}:", f"    - {_show(self.old)}", f"    + {_show(self.new)}"]
        mark = {"added": "+", "removed": "-"}.get(self.kind, "~")
        text = str(self)
        return [f"{mark} {text.split(' ', 1)[1]}"]


def diff(old: dict, new: dict) -> list[Change]:
    """Changes that turn dashboard model `old` into `new` (empty when they mean the same)."""
    out: list[Change] = []
    for key in ("title", "description"):
        if old.get(key) != new.get(key):
            out.append(Change("changed", "dashboard", key, old.get(key), new.get(key)))
    if sorted(map(str, old.get("tags") or [])) != sorted(map(str, new.get("tags") or [])):
        out.append(Change("changed", "dashboard", "tags", sorted(old.get("tags") or []),
                          sorted(new.get("tags") or [])))
    out += _variables(old, new)
    out += _panels(old, new)
    skip = IGNORED | {"title", "description", "tags", "panels", "templating"}
    paths = _paths({k: v for k, v in old.items() if k not in skip}, {k: v for k, v in new.items() if k not in skip})
    if paths:
        out.append(Change("changed", "dashboard", "settings " + _list(paths)))
    return out


def summary(changes: list[Change]) -> str:
    """One line: '2 panels added, 1 removed, 3 changed'."""
    if not changes:
        return "no change"
    kinds = Counter((c.kind, c.subject.startswith("panel")) for c in changes)
    panels = [f"{kinds[(k, True)]} {k}" for k in ("added", "removed", "changed") if kinds[(k, True)]]
    other = sum(n for (k, is_panel), n in kinds.items() if not is_panel)
    parts = [("panels: " + ", ".join(panels))] if panels else []
    if other:
        parts.append(f"{other} dashboard-level change(s)")
    return "; ".join(parts)


def lines(changes: list[Change], limit: int) -> list[str]:
    """The text form of `changes`, at most `limit` lines (then `... N more`)."""
    out = [line for c in changes for line in c.lines()]
    return out[:limit] + ([f"... {len(out) - limit} more"] if len(out) > limit else [])


def change_lines(old: dict, new: dict, limit: int) -> list[str]:
    """What turns dashboard model `old` into `new`, at most `limit` lines (build --check, push)."""
    return lines(diff(old, new), limit)


# ---------------------------------------------------------------------- panels
def count_panels(model: dict) -> int:
    """Panels of a dashboard model, rows not counted (rows' collapsed children are): what
    `dashctl list` shows and what push says a pruned dashboard loses."""
    return sum(1 for p in flatten(model) if p.get("type") != "row")


def flatten(model: dict) -> list[dict]:
    out = []
    for p in model.get("panels") or []:
        if isinstance(p, dict):
            out.append(p)
            out.extend(c for c in p.get("panels") or [] if isinstance(c, dict))
    return out


def _keyed(panels: list[dict]) -> dict[str, dict]:
    seen: Counter = Counter()
    out = {}
    for p in panels:
        title = str(p.get("title") or "")
        seen[title] += 1
        out[title if seen[title] == 1 else f"{title} #{seen[title]}"] = p
    return out


def _name(key: str, panel: dict) -> str:
    return f"{'row' if panel.get('type') == 'row' else 'panel'} {key!r}"


def _queries(panel: dict) -> dict[str, dict]:
    out = {}
    for i, t in enumerate(panel.get("targets") or []):
        if isinstance(t, dict):
            out[str(t.get("refId") or chr(ord("A") + i % 26))] = t
    return out


def _exprs(panel: dict) -> tuple:
    return tuple(sorted(str(_expr(t)) for t in _queries(panel).values()))


def _expr(target: dict):
    for key in ("expr", "query", "rawSql", "expression"):
        if key in target:
            return target[key]
    return None


def _unit(panel: dict):
    return ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit")


def _panels(old: dict, new: dict) -> list[Change]:
    a, b = _keyed(flatten(old)), _keyed(flatten(new))
    pairs = [(k, a[k], k, b[k]) for k in a if k in b]
    gone = {k: a[k] for k in a if k not in b}
    born = {k: b[k] for k in b if k not in a}
    for match in (lambda p: _exprs(p) or None, lambda p: (p.get("id"), p.get("type")) if "id" in p else None):
        for ko, po in list(gone.items()):
            sig = match(po)
            if sig is None:
                continue
            kn = next((k for k, pn in born.items() if match(pn) == sig), None)
            if kn is not None:
                pairs.append((ko, po, kn, born.pop(kn)))
                del gone[ko]
    out: list[Change] = []
    for ko, po, kn, pn in pairs:
        out += _panel(ko, po, kn, pn)
    out += [Change("removed", _name(k, p), str(p.get("type") or "")) for k, p in gone.items()]
    out += [Change("added", _name(k, p), str(p.get("type") or "")) for k, p in born.items()]
    return out


def _panel(ko: str, po: dict, kn: str, pn: dict) -> list[Change]:
    name = _name(kn, pn)
    out = []
    if po.get("title") != pn.get("title"):
        out.append(Change("changed", _name(ko, po), "title", po.get("title"), pn.get("title")))
    for key, get in (("type", lambda p: p.get("type")), ("unit", _unit),
                     ("description", lambda p: p.get("description"))):
        if get(po) != get(pn):
            out.append(Change("changed", name, key, get(po), get(pn)))
    qa, qb = _queries(po), _queries(pn)
    for ref in sorted(set(qa) | set(qb)):
        ta, tb = qa.get(ref), qb.get(ref)
        if ta is None:
            out.append(Change("changed", name, f"query {ref} added", None, _expr(tb)))
        elif tb is None:
            out.append(Change("changed", name, f"query {ref} removed", _expr(ta), None))
        else:
            if _expr(ta) != _expr(tb):
                out.append(Change("changed", name, f"query {ref}", _expr(ta), _expr(tb)))
            for key in ("legendFormat", "instant", "format"):
                if ta.get(key) != tb.get(key):
                    out.append(Change("changed", name, f"query {ref} {key}", ta.get(key), tb.get(key)))
    if po.get("gridPos") != pn.get("gridPos"):
        out.append(Change("changed", name, "position/size", _pos(po), _pos(pn)))
    skip = {"title", "type", "description", "targets", "gridPos", "panels", "id"}
    fa = {k: v for k, v in po.items() if k not in skip}
    fb = {k: v for k, v in pn.items() if k not in skip}
    paths = [p for p in _paths(fa, fb) if p != "fieldConfig.defaults.unit"]
    if paths:
        out.append(Change("changed", name, "settings " + _list(paths)))
    return out


def _pos(p: dict) -> str | None:
    g = p.get("gridPos")
    if not isinstance(g, dict):
        return None
    return f"x={g.get('x')} y={g.get('y')} w={g.get('w')} h={g.get('h')}"


# ---------------------------------------------------------------------- variables
def _variables(old: dict, new: dict) -> list[Change]:
    def by_name(m):
        return {str(v.get("name")): v for v in (m.get("templating") or {}).get("list") or [] if isinstance(v, dict)}

    a, b = by_name(old), by_name(new)
    out = [Change("removed", f"variable ${n}") for n in a if n not in b]
    out += [Change("added", f"variable ${n}") for n in b if n not in a]
    for n in a:
        if n in b:
            volatile = {"current", "options"}  # what a viewer selected, not what the code says
            paths = _paths({k: v for k, v in a[n].items() if k not in volatile},
                           {k: v for k, v in b[n].items() if k not in volatile})
            if paths:
                out.append(Change("changed", f"variable ${n}", _list(paths)))
    return out


# ---------------------------------------------------------------------- generic
def _paths(a, b, prefix: str = "", depth: int = 3) -> list[str]:
    """Dotted paths (at most `depth` deep) where a and b differ."""
    if a == b:
        return []
    if depth == 0 or not (isinstance(a, dict) and isinstance(b, dict)):
        return [prefix or "(value)"]
    out = []
    for k in sorted(set(a) | set(b), key=str):
        out += _paths(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else str(k), depth - 1)
    return out


def _list(paths: list[str]) -> str:
    shown = ", ".join(paths[:MAX_PATHS])
    return shown + (f" (+{len(paths) - MAX_PATHS} more)" if len(paths) > MAX_PATHS else "")


def _show(value) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 300 else text[:297] + "..."
