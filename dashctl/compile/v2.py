"""Our model -> the `dashboard.grafana.app/v2` resource (Grafana's dynamic dashboards schema).

The shapes are those of @grafana/schema's published v2 types (tests/schema pins 12.4 and 13.2,
`check_v2` type-checks this output) and grafana-api.md RES-6/RES-7: panels are `elements` keyed
`panel-<id>`, each with its queries as a `QueryGroup` of `PanelQuery` (a `DataQuery` of group
`prometheus` on the `datasource` variable) and its options and field config as `vizConfig`;
`layout` is a `RowsLayout` of rows, each a `GridLayout` whose items sit relative to the row
(Grafana's v2 -> v1 rule: absolute y = row y + 1 + relative y), or one `GridLayout` when the
dashboard has no rows. Panels before the first row go to a first row with a hidden header and no
title, as Grafana converts them. `metadata.name` is the uid; the folder is push's to set
(`grafana.app/folder` holds a folder uid).

Two API versions: `v2` (Grafana 13) and `v2beta1` (Grafana 12.x; 13 serves it too). They differ in
one shape we write: a transformation is `{kind: "Transformation", group: <id>, spec: {options}}`
in v2 and `{kind: <id>, spec: {id, options}}` in v2beta1.
"""

from __future__ import annotations

from llm_gateway_dashboards.dashctl.compile import model as m
from llm_gateway_dashboards.dashctl.errors import BuildError
from llm_gateway_dashboards.panels import imported

GROUP = "dashboard.grafana.app"
API_VERSION = "v2"
API_VERSIONS = ("v2beta1", "v2")
CURSOR_SYNC = {0: "Off", 1: "Crosshair", 2: "Tooltip"}  # v1 graphTooltip
# the refresh intervals Grafana's time picker offers by default (v1 leaves them implicit: `timepicker: {}`)
AUTO_REFRESH_INTERVALS = ("5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d")
_TRANSFORMATION_KEYS = ("disabled", "filter", "topic")


def emit(board: m.Board, api_version: str = API_VERSION) -> dict:
    """The resource of `board` at `dashboard.grafana.app/<api_version>`."""
    if api_version not in API_VERSIONS:
        raise ValueError(f"no v2 schema {api_version!r}; one of {', '.join(API_VERSIONS)}")
    _refuse_patches(board)
    spec = {
        "annotations": [_annotation(a) for a in board.annotations],
        "cursorSync": CURSOR_SYNC.get(board.graph_tooltip, "Off"),
        "description": _description(board.description),
        "editable": True,
        "elements": {_name(p): _element(p, api_version) for p in board.panels()},
        "layout": _layout(board.items),
        "links": list(board.links),
        "liveNow": False,
        "preload": False,
        "tags": list(board.tags),
        "timeSettings": {"timezone": board.timezone, "from": board.time_from, "to": board.time_to,
                         "autoRefresh": board.refresh, "autoRefreshIntervals": list(AUTO_REFRESH_INTERVALS),
                         "hideTimepicker": False, "fiscalYearStartMonth": 0},
        "title": board.title,
        "variables": [_variable(v) for v in board.variables],
    }
    return {"apiVersion": f"{GROUP}/{api_version}", "kind": "Dashboard", "metadata": {"name": board.uid},
            "spec": spec}


def _refuse_patches(board: m.Board) -> None:
    """An imported object's extra() is classic JSON: it has no v2 form we could write without guessing."""
    if board.patches:
        raise BuildError("carries imported.extra(...) (classic JSON): it has no v2 form; build it with --schema v1",
                         dashboard=board.uid, field="extra")
    for item in board.items:
        for obj in (item, *(item.panels if isinstance(item, m.Row) else ())):
            if obj.patches:
                raise BuildError("carries imported.extra(...) (classic JSON): it has no v2 form; build it with "
                                 "--schema v1", dashboard=board.uid, panel=obj.title, field="extra")


def _description(text: str | None) -> str:
    return "" if text is None or text == imported.NO_DESCRIPTION else text


def _name(p: m.Panel) -> str:
    return f"panel-{p.id}"


def _data_query(ds: m.Datasource, spec: dict) -> dict:
    return {"kind": "DataQuery", "group": ds.type, "version": "v0", "datasource": {"name": ds.uid}, "spec": spec}


def _element(p: m.Panel, api_version: str) -> dict:
    field = p.field_config or m.FieldConfig({}, ())
    return {"kind": "Panel", "spec": {
        "id": p.id, "title": p.title, "description": _description(p.description), "links": list(p.links),
        "data": {"kind": "QueryGroup", "spec": {
            "queries": [_query(q) for q in p.queries],
            "transformations": [_transformation(t, api_version) for t in p.transformations or ()],
            "queryOptions": {}}},
        "vizConfig": {"kind": "VizConfig", "group": p.type, "version": "", "spec": {
            "options": dict(p.options),
            "fieldConfig": {"defaults": field.defaults, "overrides": list(field.overrides)}}},
    }}


def _query(q: m.Query) -> dict:
    spec = {"editorMode": "code", "expr": q.expr, "instant": q.instant, "legendFormat": q.legend,
            "range": not q.instant}
    if q.table:
        spec["format"] = "table"
    return {"kind": "PanelQuery",
            "spec": {"refId": q.ref_id, "hidden": False, "query": _data_query(q.datasource, spec)}}


def _transformation(t: dict, api_version: str) -> dict:
    extra = {k: t[k] for k in _TRANSFORMATION_KEYS if k in t}
    if api_version == "v2beta1":
        return {"kind": t["id"], "spec": {"id": t["id"], "options": t.get("options", {}), **extra}}
    return {"kind": "Transformation", "group": t["id"], "spec": {"options": t.get("options", {}), **extra}}


# --- layout ----------------------------------------------------------------------------------
def _item(p: m.Panel, top: int) -> dict:
    return {"kind": "GridLayoutItem", "spec": {"x": p.grid.x, "y": p.grid.y - top, "width": p.grid.w,
                                               "height": p.grid.h,
                                               "element": {"kind": "ElementReference", "name": _name(p)}}}


def _grid(items: list[dict]) -> dict:
    return {"kind": "GridLayout", "spec": {"items": items}}


def _layout(items) -> dict:
    if not any(isinstance(i, m.Row) for i in items):
        return _grid([_item(p, 0) for p in items])
    rows: list[dict] = []
    top, current = 0, None  # the grid the next loose panel joins, and where its row's content starts
    for item in items:
        if isinstance(item, m.Row):
            top = item.grid.y + 1
            current = [_item(p, top) for p in item.panels]
            rows.append({"kind": "RowsLayoutRow", "spec": {"title": item.title, "collapse": item.collapsed,
                                                           "layout": _grid(current)}})
        else:
            if current is None:  # panels above the first row: a first row without a header
                current = []
                rows.append({"kind": "RowsLayoutRow", "spec": {"title": "", "collapse": False, "hideHeader": True,
                                                               "layout": _grid(current)}})
            current.append(_item(item, top))
    return {"kind": "RowsLayout", "spec": {"rows": rows}}


# --- variables and annotations -----------------------------------------------------------------
def _variable(v) -> dict:
    if isinstance(v, m.DatasourceVariable):
        return {"kind": "DatasourceVariable", "spec": {
            "name": v.name, "label": v.label, "pluginId": v.plugin, "refresh": "onDashboardLoad", "regex": "",
            "current": {"text": v.current_text, "value": v.current_value}, "options": [], "multi": False,
            "includeAll": False, "hide": "dontHide", "skipUrlSync": False, "allowCustomValue": True}}
    spec = {"name": v.name, "label": v.label, "current": {"text": "", "value": ""}, "hide": "dontHide",
            "refresh": "onTimeRangeChanged", "skipUrlSync": False, "definition": v.definition,
            "query": _data_query(v.datasource, {"qryType": 1, "query": v.definition,
                                                "refId": "PrometheusVariableQueryEditor-VariableQuery"}),
            "regex": "", "sort": "alphabeticalAsc", "options": [], "multi": v.multi, "includeAll": v.include_all,
            "allowCustomValue": True}
    if v.all_value is not None:
        spec["allValue"] = v.all_value
    return {"kind": "QueryVariable", "spec": spec}


def _annotation(a: m.Annotation) -> dict:
    query = {} if a.builtin else {"expr": a.expr, "interval": a.interval, "refId": a.ref_id}
    spec = {"query": _data_query(a.datasource, query), "enable": a.enable, "hide": bool(a.hide),
            "iconColor": a.icon_color, "name": a.name}
    if a.builtin:
        spec["builtIn"] = True
    # the Prometheus annotation editor's title/text templates: no v2 field of their own; Grafana keeps such
    # datasource-specific annotation keys in legacyOptions
    legacy = {k: v for k, v in (("titleFormat", a.title_format), ("textFormat", a.text_format)) if v is not None}
    if legacy:
        spec["legacyOptions"] = legacy
    return {"kind": "AnnotationQuery", "spec": spec}
