"""Rules over a dashboard model itself: variables, datasource, units, grid, titles, uid."""

from __future__ import annotations

from typing import Iterator

import promql_parser as pp

from llm_gateway_dashboards.dashctl.compile import UID, Compiled
from llm_gateway_dashboards.dashctl.lint.model import LABEL_VALUES, Finding, iter_panels, variables
from llm_gateway_dashboards.dashctl.lint.tree import parse, series_labels, series_names, strip
from llm_gateway_dashboards.panels.catalog import Catalog

DATASOURCE_VARS = ("${datasource}", "$datasource")
GRID_COLUMNS = 24


def rule_variable_queries(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    for var in variables(c.model).values():
        if var.get("type") != "query":
            continue
        query = var.get("query")
        definition = query.get("query", "") if isinstance(query, dict) else (query or var.get("definition", ""))
        m = LABEL_VALUES.match(definition or "")
        if not m or not m.group(2):
            continue
        where = f"variable {var.get('name')}"
        try:
            vs = strip(parse(m.group(1)))
        except ValueError as exc:
            yield Finding(c.uid, "", "variable-query", f"{where}: {exc}: {definition}")
            continue
        names = series_names(vs) if isinstance(vs, pp.VectorSelector) else []
        for name in names:
            labels = series_labels(catalog, name)
            if labels is None:
                yield Finding(c.uid, "", "variable-query", f"{where}: unknown metric {name}: the variable has "
                                                           f"no values")
            elif m.group(2) not in labels:
                yield Finding(c.uid, "", "variable-query", f"{where}: {name} has no label {m.group(2)!r}: the "
                                                           f"variable has no values")


def rule_datasource(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    vars_ = variables(c.model)
    ds = vars_.get("datasource")
    if ds is None or ds.get("type") != "datasource":
        yield Finding(c.uid, "", "datasource", "no `datasource` variable of type datasource: the dashboard "
                                               "cannot be pointed at another Prometheus")

    def bound(obj) -> bool:
        d = obj.get("datasource")
        uid = d.get("uid") if isinstance(d, dict) else d
        return uid in DATASOURCE_VARS

    for p in iter_panels(c.model):
        targets = p.get("targets") or []
        if not targets:
            continue
        if not bound(p):
            yield Finding(c.uid, p.get("title", ""), "datasource",
                          f"panel datasource {p.get('datasource')!r} is not the ${{datasource}} variable")
        for t in targets:
            if "datasource" in t and not bound(t):
                yield Finding(c.uid, p.get("title", ""), "datasource",
                              f"{t.get('refId', '?')}: datasource {t.get('datasource')!r} is not the "
                              f"${{datasource}} variable")
    for name, var in vars_.items():
        if var.get("type") == "query" and not bound(var):
            yield Finding(c.uid, "", "datasource", f"variable {name}: datasource {var.get('datasource')!r} is "
                                                   f"not the ${{datasource}} variable")


def rule_unit(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    for p in iter_panels(c.model):
        if p.get("type") in ("row", "text") or not p.get("targets"):
            continue
        unit = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        if not unit:
            yield Finding(c.uid, p.get("title", ""), "unit", "no unit: set fieldConfig.defaults.unit (s, reqps, "
                                                             "percentunit, ...)")


def _overlaps(c: Compiled, panels: list[dict]) -> Iterator[Finding]:
    placed: list[tuple[int, int, int, int, str]] = []  # (x, y, w, h, title) of the panels inside the grid
    for p in panels:
        g = p.get("gridPos") or {}
        x, y, w, h = (int(g.get(k, 0) or 0) for k in ("x", "y", "w", "h"))
        title = p.get("title", "")
        if w < 1 or h < 1 or x < 0 or x + w > GRID_COLUMNS:
            yield Finding(c.uid, title, "overlap", f"gridPos x={x} w={w} h={h} is outside the 24-column grid")
            continue
        # the first cell of this panel (row by row) that an earlier panel covers, and the first panel covering it
        hits = [rect for rect in placed if rect[0] < x + w and x < rect[0] + rect[2] and rect[1] < y + h
                and y < rect[1] + rect[3]]
        if hits:
            j, i = min((max(y, ry), max(x, rx)) for rx, ry, _, _, _ in hits)
            hit = next(t for rx, ry, rw, rh, t in hits if rx <= i < rx + rw and ry <= j < ry + rh)
            yield Finding(c.uid, title, "overlap", f"gridPos x={x} y={y} w={w} h={h} overlaps panel {hit!r}")
        placed.append((x, y, w, h, title))


def rule_overlap(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    top = c.model.get("panels", [])
    yield from _overlaps(c, top)
    for row in top:
        if row.get("type") == "row" and row.get("panels"):
            yield from _overlaps(c, row["panels"])


def rule_panel_titles(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    seen: set[str] = set()
    for p in iter_panels(c.model):
        if p.get("type") == "row":
            continue
        title = (p.get("title") or "").strip()
        if not title:
            yield Finding(c.uid, "", "panel-title", f"panel id {p.get('id')} has no title")
        elif title in seen:
            yield Finding(c.uid, title, "panel-title", "another panel of this dashboard has the same title")
        seen.add(title)


def rule_uid(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    uid = c.model.get("uid")
    if not isinstance(uid, str) or not UID.match(uid):
        yield Finding(c.uid or str(uid), "", "uid", f"uid {uid!r} must be 1 to 40 characters of [A-Za-z0-9_-] "
                                                    f"(Grafana refuses others)")

