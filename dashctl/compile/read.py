"""grafanalib objects -> our model (model.py): layout, ids, refIds, queries rendered and checked.

The dashboards declare grafanalib objects: our kit's panels and any grafanalib panel a user
brings. What every panel has is read from its attributes (title, description, size, targets,
links, transformations); its visualisation (type, options, field config) by viz.py. Rows are
full width, panels flow left to right and wrap at 24 columns; ids follow screen order. Every
error is a BuildError naming the dashboard, panel and field.
"""

from __future__ import annotations

import re
import string

import attrs
import grafanalib.core as g

from llm_gateway_dashboards.dashctl.compile import model as m
from llm_gateway_dashboards.dashctl.compile import viz
from llm_gateway_dashboards.dashctl.errors import BuildError
from llm_gateway_dashboards.panels import imported
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Catalog
from llm_gateway_dashboards.panels.kit import Board, QueryTarget
from llm_gateway_dashboards.panels.rules.annotations import alert_annotations
from llm_gateway_dashboards.panels.rules.recorded import read_recorded

GRID_COLUMNS = m.GRID_COLUMNS
DATASOURCE = m.Datasource("prometheus", "${datasource}")  # every query: the `datasource` variable
BUILTIN_ANNOTATION = m.Annotation(name="Annotations & Alerts", datasource=m.Datasource("grafana", "-- Grafana --"),
                                  enable=True, hide=True, icon_color="rgba(0, 211, 255, 1)", builtin=True)
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # grafana-api.md: POST /api/dashboards/db checks 2 and 3

class Reader:
    def __init__(self, board: Board, settings, catalog: Catalog):
        self.board, self.settings, self.catalog = board, settings, catalog
        self.next_id = 1
        self.panel_count = 0
        self.variables = tuple(getattr(board, "variables", ()))
        self.ctx = q.Context(jobs=settings.jobs, bindings=tuple(v.binding for v in self.variables))

    def fail(self, message: str, panel: str = "", field: str = "") -> BuildError:
        return BuildError(message, dashboard=self.board.uid or self.board.title, panel=panel, field=field)

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    # --- layout: rows full width, panels flow left to right and wrap at 24 columns ---------
    def layout(self, items) -> tuple:
        out, y, loose = [], 0, []
        for item in items:
            if isinstance(item, g.RowPanel):
                if loose:
                    y = self._flow(loose, y, out)
                    loose = []
                row_id, row_grid = self._id(), m.Grid(0, y, GRID_COLUMNS, 1)
                children: list = []
                end = self._flow(item.panels, y + 1, children)
                y = y + 1 if item.collapsed else end
                out.append(m.Row(row_id, item.title, bool(item.collapsed), row_grid, tuple(children),
                                 _patches(item)))
            else:
                loose.append(item)
        if loose:
            self._flow(loose, y, out)
        return tuple(out)

    def _flow(self, panels, y: int, out: list) -> int:
        x, shelf = 0, 0
        for p in panels:
            w, h = (p.gridPos.w, p.gridPos.h) if isinstance(p.gridPos, g.GridPos) else (12, 8)
            if not 1 <= w <= GRID_COLUMNS or h < 1:
                raise self.fail(f"size w={w} h={h} outside the 24-column grid", p.title, "gridPos")
            if x + w > GRID_COLUMNS:
                y, x, shelf = y + shelf, 0, 0
            out.append(self.panel(p, m.Grid(x, y, w, h)))
            x += w
            shelf = max(shelf, h)
        return y + shelf

    # --- one panel -------------------------------------------------------------------------
    def panel(self, obj, grid: m.Grid) -> m.Panel:
        self.panel_count += 1
        if not (obj.description or "").strip():
            raise self.fail("has no description: say what it shows and how to read it", obj.title, "description")
        look = viz.read(obj)
        queries = tuple(self.target(t, i, obj.title) for i, t in enumerate(obj.targets or ()))
        top = look.encoding if look.encoding is not None else {
            "title": obj.title, "description": obj.description, "links": obj.links,
            "transformations": obj.transformations, "datasource": obj.dataSource}
        return m.Panel(
            id=self._id(), type=look.type, title=top.get("title"), description=top.get("description"),
            grid=grid, queries=queries, datasource=DATASOURCE if queries else top.get("datasource"),
            options=look.options, links=tuple(viz.plain(top.get("links") or [])),
            field_config=None if look.defaults is None else m.FieldConfig(look.defaults, tuple(look.overrides)),
            transformations=None if top.get("transformations") is None else tuple(viz.plain(top["transformations"])),
            patches=_patches(obj),
        )

    def target(self, t, index: int, panel: str) -> m.Query:
        ref = _ref_id(index)
        if isinstance(t, QueryTarget) and t.query is not None:
            self.check(t.query, panel, ref)
            expr = read_recorded(self.settings, t.query).render(self.ctx)
        elif isinstance(t, g.Target) and t.expr:
            expr = t.expr  # a raw string from a non-kit panel: lint checks it
        else:
            raise self.fail("target has no query", panel, f"targets[{ref}]")
        return m.Query(ref, expr, t.legendFormat or "__auto", bool(t.instant), DATASOURCE, t.format == "table")

    def check(self, query: q.Expr, panel: str, ref: str) -> None:
        """Every metric and label of the query must be in the catalog (the metric contract)."""
        for metric, labels in query.refs():
            if not self.catalog.knows(metric):
                raise self.fail(f"unknown metric {metric.name}: not in the metric catalog", panel,
                                f"targets[{ref}].expr")
            for label in labels:
                if label not in metric.all_labels:
                    raise self.fail(f"{metric.name} has no label {label!r} "
                                    f"(its labels: {', '.join(metric.all_labels)})", panel, f"targets[{ref}].expr")

    # --- variables -------------------------------------------------------------------------
    def templating(self) -> tuple:
        s = self.settings
        items: list = [m.DatasourceVariable("datasource", "Data source", "prometheus", s.datasource_name,
                                            s.datasource_uid)]
        seen = {"datasource"}
        for i, v in enumerate(self.variables):
            if v.name in seen:
                raise self.fail(f"variable {v.name} declared twice", field="templating")
            seen.add(v.name)
            if not self.catalog.knows(v.metric):
                raise self.fail(f"variable {v.name}: unknown metric {v.metric.name}", field="templating")
            ctx = attrs.evolve(self.ctx, bindings=tuple(b.binding for b in self.variables[:i]))
            selector = q.Sel(v.metric, "_count" if v.metric.kind == "histogram" else "").render(ctx)
            items.append(m.QueryVariable(v.name, v.title or v.name, f"label_values({selector}, {v.label})", DATASOURCE,
                                         v.multi, v.include_all, ".*" if v.include_all else None))
        return tuple(items)

    def annotations(self) -> tuple:
        """Grafana's built-in annotation, the alerts linked to this dashboard, then the board's Prometheus
        marks (kit.annotation), checked and rendered like panel queries."""
        out = [BUILTIN_ANNOTATION]
        for a in alert_annotations(self.settings, self.board.uid):
            t = a["target"]
            out.append(m.Annotation(a["name"], m.Datasource(**a["datasource"]), a["enable"], a["iconColor"],
                                    hide=a.get("hide"), expr=t["expr"], interval=t["interval"], ref_id=t["refId"]))
        for mark in getattr(self.board, "marks", ()):
            self.check(mark.query, f"annotation {mark.name}", "A")
            out.append(m.Annotation(mark.name, DATASOURCE, True, mark.color, expr=mark.query.render(self.ctx),
                                    interval="60s", title_format=mark.title, text_format=mark.text))
        return tuple(out)

    def board_model(self, folder: str) -> m.Board:
        b = self.board
        if not (b.title or "").strip():
            raise self.fail("has no title", field="title")
        if not isinstance(b.uid, str) or not UID.match(b.uid):
            raise self.fail(f"uid {b.uid!r} must be 1 to 40 characters of [A-Za-z0-9_-]", field="uid")
        items = self.layout(b.panels)
        return m.Board(
            uid=b.uid, title=b.title, folder=folder, description=b.description or "", tags=tuple(b.tags),
            links=tuple(viz.plain(list(b.links))), refresh=b.refresh or "", time_from=b.time.start, time_to=b.time.end,
            timezone=b.timezone, graph_tooltip=b.graphTooltip, schema_version=self.settings.schema_version,
            items=items, variables=self.templating(), annotations=self.annotations(), patches=_patches(b),
        )


def _patches(obj) -> tuple:
    return tuple(getattr(obj, imported.ATTR, ()))


def _ref_id(index: int) -> str:
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]
