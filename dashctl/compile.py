"""grafanalib objects -> modern Grafana JSON. All JSON plumbing lives here.

grafanalib 0.7 emits a legacy model (schemaVersion 12, `gridPos: null`, null ids,
`intervalFactor: 2`, `"steps": ""`, old bargauge/gauge `fieldOptions`). `compile_board`
fixes all of it in one pass: pinned schemaVersion, 24-column layout, stable ids and
refIds, datasource objects bound to the `datasource` variable, queries rendered against
the dashboard's variables and checked against the catalog, legacy keys dropped. Output
is sorted, indented JSON: the same sources give byte-identical bytes.
"""

from __future__ import annotations

import re
import string

import attrs
import grafanalib.core as g
import orjson

from llm_gateway_dashboards.dashctl.errors import BuildError
from llm_gateway_dashboards.panels import imported
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Catalog, default_catalog
from llm_gateway_dashboards.panels.kit import Board, QueryTarget
from llm_gateway_dashboards.panels.rules.annotations import alert_annotations
from llm_gateway_dashboards.panels.rules.recorded import read_recorded

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_COLUMNS = 24
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # grafana-api.md: POST /api/dashboards/db checks 2 and 3
JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS

PANEL_KEYS = {"collapsed", "datasource", "description", "fieldConfig", "gridPos", "id", "links", "options",
              "panels", "targets", "title", "transformations", "type"}
DEFAULTS_KEYS = {"color", "custom", "decimals", "links", "mappings", "max", "min", "noValue", "thresholds", "unit"}
ANNOTATIONS = {"list": [{
    "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
    "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
}]}


@attrs.frozen
class Compiled:
    """One dashboard ready to write: its model and the exact bytes of its file."""

    uid: str
    title: str
    folder: str
    model: dict = attrs.field(eq=False, hash=False, repr=False)
    data: bytes = attrs.field(repr=False)
    panel_count: int
    source: str = ""  # the module that declared it
    origin: str = "shipped"  # where that module was found (dashctl/discover.py)
    lint_exceptions: tuple = ()  # ((panel title, rule, reason), ...) from the Board, for `dashctl lint`

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.uid}.json"


def dumps(model: dict) -> bytes:
    return orjson.dumps(model, option=JSON_OPTIONS) + b"\n"


_LEAVES = frozenset({str, int, float, bool, type(None)})


def plain(obj):
    """grafanalib object tree -> plain dicts and lists (what its encoder does, without encoding).

    Hot path of compile: scalar leaves are returned without a call.
    """
    t = type(obj)
    if t is dict:
        return {k: v if type(v) in _LEAVES else plain(v) for k, v in obj.items()}
    if t is list or t is tuple:
        return [v if type(v) in _LEAVES else plain(v) for v in obj]
    if t in _LEAVES:
        return obj
    to_json = getattr(obj, "to_json_data", None)
    return plain(to_json()) if to_json is not None else obj


class _Compiler:
    def __init__(self, board: Board, settings, catalog: Catalog):
        self.board, self.settings, self.catalog = board, settings, catalog
        self.next_id = 1
        self.panel_count = 0
        self.variables = tuple(getattr(board, "variables", ()))
        self.ctx = q.Context(jobs=settings.jobs, bindings=tuple(v.binding for v in self.variables))

    def fail(self, message: str, panel: str = "", field: str = "") -> BuildError:
        return BuildError(message, dashboard=self.board.uid or self.board.title, panel=panel, field=field)

    # --- layout: rows full width, panels flow left to right and wrap at 24 columns ---------
    def layout(self, items) -> list[dict]:
        out, y, loose = [], 0, []
        for item in items:
            if isinstance(item, g.RowPanel):
                if loose:
                    y = self._flow(loose, y, out)
                    loose = []
                row = self.panel(item, {"h": 1, "w": GRID_COLUMNS, "x": 0, "y": y})
                y += 1
                children = []
                end = self._flow(item.panels, y, children)
                if item.collapsed:
                    row["panels"] = children
                else:
                    row["panels"] = []
                    y = end
                    out.append(row)
                    out.extend(children)
                    continue
                out.append(row)
            else:
                loose.append(item)
        if loose:
            self._flow(loose, y, out)
        return out

    def _flow(self, panels, y: int, out: list) -> int:
        x, shelf = 0, 0
        for p in panels:
            w, h = (p.gridPos.w, p.gridPos.h) if isinstance(p.gridPos, g.GridPos) else (12, 8)
            if not 1 <= w <= GRID_COLUMNS or h < 1:
                raise self.fail(f"size w={w} h={h} outside the 24-column grid", p.title, "gridPos")
            if x + w > GRID_COLUMNS:
                y, x, shelf = y + shelf, 0, 0
            out.append(self.panel(p, {"h": h, "w": w, "x": x, "y": y}))
            x += w
            shelf = max(shelf, h)
        return y + shelf

    # --- one panel -------------------------------------------------------------------------
    def panel(self, obj, grid: dict) -> dict:
        if isinstance(obj, g.RowPanel):
            data = {"collapsed": bool(obj.collapsed), "title": obj.title, "type": "row", "panels": []}
        else:
            raw = obj.to_json_data()
            raw.pop("targets", None)  # rendered below, against this dashboard's variables
            data = self._clean(plain(raw))
            self.panel_count += 1
            if not (obj.description or "").strip():
                raise self.fail("has no description: say what it shows and how to read it", obj.title,
                                "description")
            if obj.targets:
                data["datasource"] = dict(DATASOURCE)
                data["targets"] = [self.target(t, i, obj.title) for i, t in enumerate(obj.targets)]
        data["id"] = self.next_id
        self.next_id += 1
        data["gridPos"] = grid
        return imported.apply(data, obj)  # an imported panel's escape hatch, merged last

    def _clean(self, data: dict) -> dict:
        out = {k: v for k, v in data.items() if k in PANEL_KEYS and v is not None}
        field = out.get("fieldConfig") or {}
        defaults = {k: v for k, v in (field.get("defaults") or {}).items() if k in DEFAULTS_KEYS and v is not None}
        if defaults.get("noValue") == "none":  # grafanalib's Stat default would print "none"
            del defaults["noValue"]
        if "custom" in defaults:
            defaults["custom"] = {k: v for k, v in defaults["custom"].items() if v is not None}
        defaults["thresholds"] = _thresholds(defaults.get("thresholds"))
        out["fieldConfig"] = {"defaults": defaults, "overrides": field.get("overrides") or []}
        options = dict(out.get("options") or {})
        options.pop("fieldOptions", None)  # legacy bargauge/gauge layout
        if out.get("type") in ("stat", "gauge", "bargauge", "piechart"):
            reduce = options.setdefault("reduceOptions", {"calcs": ["lastNotNull"], "fields": "", "values": False})
            reduce["fields"] = reduce.get("fields") or ""
        if out.get("type") == "text":
            out.pop("fieldConfig")
        out["options"] = options
        out.setdefault("links", [])
        return out

    def target(self, t, index: int, panel: str) -> dict:
        ref = _ref_id(index)
        if isinstance(t, QueryTarget) and t.query is not None:
            self.check(t.query, panel, ref)
            expr = read_recorded(self.settings, t.query).render(self.ctx)
        elif isinstance(t, g.Target) and t.expr:
            expr = t.expr  # a raw string from a non-kit panel: lint checks it
        else:
            raise self.fail("target has no query", panel, f"targets[{ref}]")
        out = {"datasource": dict(DATASOURCE), "editorMode": "code", "expr": expr,
               "legendFormat": t.legendFormat or "__auto", "range": not t.instant, "instant": bool(t.instant),
               "refId": ref}
        if t.format == "table":
            out["format"] = "table"
        return out

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
    def templating(self) -> dict:
        s = self.settings
        items = [{
            "current": {"selected": False, "text": s.datasource_name, "value": s.datasource_uid},
            "hide": 0, "includeAll": False, "label": "Data source", "multi": False, "name": "datasource",
            "options": [], "query": "prometheus", "refresh": 1, "regex": "", "type": "datasource",
        }]
        seen = {"datasource"}
        for i, v in enumerate(self.variables):
            if v.name in seen:
                raise self.fail(f"variable {v.name} declared twice", field="templating")
            seen.add(v.name)
            if not self.catalog.knows(v.metric):
                raise self.fail(f"variable {v.name}: unknown metric {v.metric.name}", field="templating")
            ctx = attrs.evolve(self.ctx, bindings=tuple(b.binding for b in self.variables[:i]))
            selector = q.Sel(v.metric, "_count" if v.metric.kind == "histogram" else "").render(ctx)
            definition = f"label_values({selector}, {v.label})"
            items.append({
                "current": {}, "datasource": dict(DATASOURCE), "definition": definition, "hide": 0,
                "includeAll": v.include_all, "allValue": ".*" if v.include_all else None,
                "label": v.title or v.name, "multi": v.multi, "name": v.name, "options": [],
                "query": {"qryType": 1, "query": definition, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
                "refresh": 2, "regex": "", "skipUrlSync": False, "sort": 1, "type": "query",
            })
        return {"list": [{k: v for k, v in item.items() if v is not None} for item in items]}

    def annotations(self) -> dict:
        """Grafana's built-in annotation, then the board's Prometheus marks (kit.annotation), checked and
        rendered like panel queries."""
        out = [dict(a) for a in ANNOTATIONS["list"]] + alert_annotations(self.settings, self.board.uid)
        for mark in getattr(self.board, "marks", ()):
            self.check(mark.query, f"annotation {mark.name}", "A")
            # the query in `target` (the form Grafana's Prometheus datasource migrates annotations to);
            # titleFormat/textFormat stay beside it, where that datasource reads them
            out.append({"datasource": dict(DATASOURCE), "enable": True, "iconColor": mark.color, "name": mark.name,
                        "target": {"expr": mark.query.render(self.ctx), "interval": "60s", "refId": "Anno"},
                        "titleFormat": mark.title, "textFormat": mark.text})
        return {"list": out}

    def model(self) -> dict:
        b = self.board
        if not (b.title or "").strip():
            raise self.fail("has no title", field="title")
        if not isinstance(b.uid, str) or not UID.match(b.uid):
            raise self.fail(f"uid {b.uid!r} must be 1 to 40 characters of [A-Za-z0-9_-]", field="uid")
        panels = self.layout(b.panels)
        return imported.apply({
            "annotations": self.annotations(), "description": b.description or "", "editable": True,
            "fiscalYearStartMonth": 0, "graphTooltip": b.graphTooltip, "links": list(b.links), "panels": panels,
            "refresh": b.refresh or "", "schemaVersion": self.settings.schema_version, "tags": list(b.tags),
            "templating": self.templating(), "time": {"from": b.time.start, "to": b.time.end},
            "timepicker": {}, "timezone": b.timezone, "title": b.title, "uid": b.uid, "weekStart": "",
        }, b)


def _ref_id(index: int) -> str:
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def _thresholds(value) -> dict:
    """Modern thresholds; grafanalib's legacy "" or op/index/yaxis steps become {color, value}."""
    steps = (value or {}).get("steps") if isinstance(value, dict) else None
    if not isinstance(steps, list) or not steps:
        return {"mode": "absolute", "steps": [{"color": "green", "value": None}]}
    clean = []
    for i, st in enumerate(steps):
        v = st.get("value") if isinstance(st, dict) else None
        clean.append({"color": st.get("color", "green"), "value": None if i == 0 or v == "null" else v})
    return {"mode": value.get("mode", "absolute"), "steps": clean}


def compile_board(board: Board, settings, catalog: Catalog | None = None, source: str = "",
                  origin: str = "shipped") -> Compiled:
    """One dashboard -> Compiled (model + bytes). Raises BuildError naming dashboard, panel, field."""
    if not isinstance(board, g.Dashboard):
        raise BuildError(f"expected a Dashboard, got {type(board).__name__}", dashboard=source)
    catalog = catalog or default_catalog(settings.spanmetrics_namespace)
    c = _Compiler(board, settings, catalog)
    model = c.model()
    folder = getattr(board, "folder", "General") or "General"
    return Compiled(board.uid, board.title, folder, model, dumps(model), c.panel_count, source, origin,
                    tuple(tuple(e) for e in getattr(board, "lint_exceptions", ())))
