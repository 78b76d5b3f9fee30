"""Our model -> the classic (v1) dashboard JSON: what /api/dashboards/db, file provisioning and a
`dashboard.grafana.app` v0alpha1/v1beta1/v1 resource's spec hold.

A pure function of the model: pinned schemaVersion, gridPos, stable ids and refIds, datasource
objects bound to the `datasource` variable. An imported object's `extra()` patches are merged
last (they are classic JSON by definition).
"""

from __future__ import annotations

from llm_gateway_dashboards.dashctl.compile import model as m
from llm_gateway_dashboards.panels import imported


def emit(board: m.Board) -> dict:
    """The v1 dashboard model of `board`."""
    return imported.patched({
        "annotations": {"list": [_annotation(a) for a in board.annotations]}, "description": board.description,
        "editable": True, "fiscalYearStartMonth": 0, "graphTooltip": board.graph_tooltip,
        "links": list(board.links), "panels": _items(board.items), "refresh": board.refresh,
        "schemaVersion": board.schema_version, "tags": list(board.tags),
        "templating": {"list": [_variable(v) for v in board.variables]},
        "time": {"from": board.time_from, "to": board.time_to}, "timepicker": {}, "timezone": board.timezone,
        "title": board.title, "uid": board.uid, "weekStart": "",
    }, board.patches)


def _items(items) -> list[dict]:
    out = []
    for item in items:
        if isinstance(item, m.Row):
            children = [_panel(p) for p in item.panels]
            row = imported.patched({"collapsed": item.collapsed, "title": item.title, "type": "row",
                                    "panels": children if item.collapsed else [], "id": item.id,
                                    "gridPos": _grid(item.grid)}, item.patches)
            out.append(row)
            if not item.collapsed:
                out.extend(children)
        else:
            out.append(_panel(item))
    return out


def _grid(g: m.Grid) -> dict:
    return {"h": g.h, "w": g.w, "x": g.x, "y": g.y}


def datasource(ds: m.Datasource) -> dict:
    return {"type": ds.type, "uid": ds.uid}


def _panel(p: m.Panel) -> dict:
    data: dict = {"type": p.type, "title": p.title, "options": dict(p.options), "links": list(p.links)}
    for key, value in (("description", p.description), ("transformations", p.transformations)):
        if value is not None:
            data[key] = list(value) if isinstance(value, tuple) else value
    if p.field_config is not None:
        data["fieldConfig"] = {"defaults": p.field_config.defaults, "overrides": list(p.field_config.overrides)}
    if isinstance(p.datasource, m.Datasource):
        data["datasource"] = datasource(p.datasource)
    elif p.datasource is not None:
        data["datasource"] = p.datasource
    if p.queries:
        data["targets"] = [_target(t) for t in p.queries]
    data["id"] = p.id
    data["gridPos"] = _grid(p.grid)
    return imported.patched(data, p.patches)


def _target(t: m.Query) -> dict:
    out = {"datasource": datasource(t.datasource), "editorMode": "code", "expr": t.expr, "legendFormat": t.legend,
           "range": not t.instant, "instant": t.instant, "refId": t.ref_id}
    if t.table:
        out["format"] = "table"
    return out


def _variable(v) -> dict:
    if isinstance(v, m.DatasourceVariable):
        return {"current": {"selected": False, "text": v.current_text, "value": v.current_value}, "hide": 0,
                "includeAll": False, "label": v.label, "multi": False, "name": v.name, "options": [],
                "query": v.plugin, "refresh": 1, "regex": "", "type": "datasource"}
    out = {"current": {}, "datasource": datasource(v.datasource), "definition": v.definition, "hide": 0,
           "includeAll": v.include_all, "label": v.label, "multi": v.multi, "name": v.name, "options": [],
           "query": {"qryType": 1, "query": v.definition, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
           "refresh": 2, "regex": "", "skipUrlSync": False, "sort": 1, "type": "query"}
    if v.all_value is not None:
        out["allValue"] = v.all_value
    return out


def _annotation(a: m.Annotation) -> dict:
    if a.builtin:
        return {"builtIn": 1, "datasource": datasource(a.datasource), "enable": a.enable, "hide": a.hide,
                "iconColor": a.icon_color, "name": a.name, "type": "dashboard"}
    # the query in `target` (the form Grafana's Prometheus datasource migrates annotations to);
    # titleFormat/textFormat stay beside it, where that datasource reads them
    out = {"datasource": datasource(a.datasource), "enable": a.enable, "iconColor": a.icon_color, "name": a.name,
           "target": {"expr": a.expr, "interval": a.interval, "refId": a.ref_id}}
    for key, value in (("hide", a.hide), ("titleFormat", a.title_format), ("textFormat", a.text_format)):
        if value is not None:
            out[key] = value
    return out
