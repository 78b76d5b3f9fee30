"""Legacy Grafana JSON -> the modern model, as Grafana's own migrations do it (the parts that matter
for how a panel renders), each upgrade and each dropped legacy field noted with its JSON path.

Covered: the pre-schema-16 `rows` layout (DashboardMigrator.upgradeToGridLayout: a span of 12
is 24 columns, heights of 30+8 px a grid unit), `graph` -> `timeseries` (graphToTimeseriesOptions),
`singlestat` -> `stat` or `gauge` (sharedSingleStatPanelChangedHandler), the old `table`
(with `styles`) / `table-old` -> `table` (tableMigrationHandler), `grafana-piechart-panel` ->
`piechart` (PieChartPanelChangedHandler), datasource names -> references (schema 33), and
`__inputs` placeholders (`${DS_PROMETHEUS}`) and the `datasource` variable -> our datasource.
"""

from __future__ import annotations

import copy
import json
import math
import re

import attrs

OURS = {"type": "prometheus", "uid": "${datasource}"}
GRID_CELL = 30 + 8
PANEL_KEYS = {"collapsed", "datasource", "description", "fieldConfig", "gridPos", "id", "links", "options",
              "panels", "targets", "title", "transformations", "type", "transparent", "repeat",
              "repeatDirection", "maxPerRow", "interval", "maxDataPoints", "timeFrom", "timeShift",
              "hideTimeOverride", "cacheTimeout", "pluginVersion", "libraryPanel", "queryCachingTTL"}
BUILT_IN = {"-- Grafana --": {"type": "grafana", "uid": "-- Grafana --"},
            "-- Mixed --": {"type": "datasource", "uid": "-- Mixed --"},
            "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"}}
CALCS = {"avg": "mean", "current": "lastNotNull", "total": "sum", "min": "min", "max": "max", "first": "first",
         "last": "last", "delta": "delta", "diff": "diff", "range": "range", "count": "count", "name": "lastNotNull",
         "last_time": "lastNotNull", "first_time": "first"}


@attrs.frozen
class Note:
    kind: str  # "upgrade" | "loss" | "derived" (decided by the importer) | "kept" (through the escape hatch)
    path: str
    text: str

    def line(self) -> str:
        return f"{self.kind:8} {self.path}: {self.text}"


class _Migration:
    def __init__(self, model: dict, datasource_variable: dict):
        self.model = model
        self.notes: list[Note] = []
        self.mapped: dict[str, list[str]] = {}
        self._used: set[str] = set()  # legacy keys the running panel upgrade reads
        self.datasource_variable = datasource_variable
        inputs = model.get("__inputs") or []
        self.placeholders = {f"${{{i.get('name')}}}" for i in inputs if i.get("type") == "datasource"}
        self.placeholders |= {f"${i.get('name')}" for i in inputs if i.get("type") == "datasource"}

    def summarise_datasources(self):
        """One note per placeholder mapped (they are many: every panel and query names one)."""
        for name, paths in sorted(self.mapped.items()):
            more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
            self.note("upgrade", f"{paths[0]}{more}", f"{name} -> ${{datasource}}")

    def note(self, kind, path, text):
        self.notes.append(Note(kind, path, text))

    # --- datasources ---------------------------------------------------------------------
    def is_ours(self, ref) -> bool:
        uid = ref.get("uid") if isinstance(ref, dict) else ref
        if not isinstance(uid, str):
            return False
        if isinstance(ref, dict) and ref.get("type") not in (None, "prometheus", "datasource"):
            return False
        return uid in self.placeholders or uid in ("$datasource", "${datasource}") or bool(
            re.fullmatch(r"\$\{?DS_[A-Za-z0-9_]+\}?", uid))

    def datasource(self, ref, path: str, default_to_ours: bool):
        if ref is None:
            if default_to_ours:
                self.mapped.setdefault("the default datasource", []).append(path)
                return dict(OURS)
            return None
        if self.is_ours(ref):
            if ref != OURS:
                self.mapped.setdefault(_short(ref), []).append(path)
            return dict(OURS)
        if isinstance(ref, str):
            self.note("upgrade", path, f"datasource name {ref!r} -> a reference (schema 33)")
            return dict(BUILT_IN.get(ref) or {"uid": ref})
        return ref

    # --- the whole dashboard -------------------------------------------------------------
    def run(self) -> dict:
        d = self.model
        for key in ("__inputs", "__requires", "__elements"):
            if key in d:
                d.pop(key)
                self.note("upgrade", key, "export metadata dropped (placeholders are mapped to our datasource)")
        uses_placeholder = bool(self.placeholders) or "${DS_" in _text(d)
        if d.get("rows") and not d.get("panels"):
            d["panels"] = self.rows(d.pop("rows"))
        d.pop("rows", None)
        d["panels"] = self.panels(d.get("panels") or [], "panels")
        templating = d.setdefault("templating", {}).setdefault("list", [])
        for i, var in enumerate(templating):
            if "datasource" in var:
                var["datasource"] = self.datasource(var["datasource"], f"templating.list[{i}].datasource", False)
        for i, var in reversed(list(enumerate(templating))):  # a DS_* datasource variable is the placeholder
            if var.get("type") == "datasource" and self.is_ours(f"${{{var.get('name')}}}") \
                    and var.get("name") != "datasource":
                del templating[i]
                self.note("upgrade", f"templating.list[{i}]", f"datasource variable {var.get('name')} -> "
                          "the `datasource` variable")
        names = {v.get("name") for v in templating}
        if uses_placeholder and "datasource" not in names:
            templating.insert(0, copy.deepcopy(self.datasource_variable))
            self.note("upgrade", "templating", "a `datasource` variable added for the ${DS_...} placeholders")
        self.summarise_datasources()
        for i, a in enumerate((d.get("annotations") or {}).get("list") or []):
            if "datasource" in a:
                a["datasource"] = self.datasource(a["datasource"], f"annotations.list[{i}].datasource", False)
        return d

    def rows(self, rows: list) -> list:
        out, y = [], 0
        show = len(rows) > 1 or any(r.get("showTitle") or r.get("collapse") for r in rows)
        for ri, row in enumerate(rows):
            height = _grid_height(row.get("height", 250))
            row_panel = {"type": "row", "title": row.get("title", ""), "collapsed": bool(row.get("collapse")),
                         "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []}
            if row.get("repeat"):
                row_panel["repeat"] = row["repeat"]
            if show:
                out.append(row_panel)
                y += 1
            x, shelf = 0, 0
            for p in row.get("panels") or []:
                w = max(1, min(24, int(round(float(p.pop("span", 12)) * 2))))
                h = _grid_height(p.pop("height")) if p.get("height") else height
                if x + w > 24:
                    y, x, shelf = y + shelf, 0, 0
                p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
                x, shelf = x + w, max(shelf, h)
                (row_panel["panels"] if show and row_panel["collapsed"] else out).append(p)
            y += shelf
            self.note("upgrade", f"rows[{ri}]", "legacy row layout -> gridPos panels (schema 16)")
        return out

    def panels(self, panels: list, path: str) -> list:
        out = []
        for i, p in enumerate(panels):
            where = f"{path}[{i}]"
            if p.get("repeatPanelId") or p.get("repeatIteration") or p.get("repeatedByRow"):
                self.note("upgrade", where, "a repeated copy Grafana generates dropped (the repeat is kept)")
                continue
            out.append(self.panel(p, where))
        return out

    def panel(self, p: dict, path: str) -> dict:
        kind = p.get("type")
        if kind == "row":
            p["panels"] = self.panels(p.get("panels") or [], f"{path}.panels")
            if p.get("datasource") is not None:
                p["datasource"] = self.datasource(p["datasource"], f"{path}.datasource", False)
            return p
        upgrade = {"graph": self.graph, "singlestat": self.singlestat, "table-old": self.table_old,
                   "grafana-singlestat-panel": self.singlestat, "grafana-piechart-panel": self.piechart}.get(kind)
        if kind == "table" and "styles" in p:
            upgrade = self.table_old
        if upgrade:
            legacy = copy.deepcopy(p)
            try:
                p = upgrade(p, path)
            except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
                self.note("loss", path, f"{kind} kept as it is: its legacy fields do not read ({exc})")
                self._used = set()
                return self.panel_datasources(legacy, path)
            self.note("upgrade", path, f"{kind} -> {p['type']} ({p.get('title', '')!r})")
            for key in sorted(set(legacy) - PANEL_KEYS - self._used):
                if legacy[key] not in (None, "", [], {}, False):
                    self.note("loss", f"{path}.{key}", f"legacy {kind} field with no {p['type']} equivalent")
            self._used = set()
            p = {k: v for k, v in p.items() if k in PANEL_KEYS}
        return self.panel_datasources(p, path)

    def panel_datasources(self, p: dict, path: str) -> dict:
        targets = p.get("targets") or []
        p["datasource"] = self.datasource(p.get("datasource"), f"{path}.datasource", bool(targets))
        for j, t in enumerate(targets):
            if t.get("datasource") is None:
                if p["datasource"] is not None:
                    t["datasource"] = copy.deepcopy(p["datasource"])
            else:
                t["datasource"] = self.datasource(t["datasource"], f"{path}.targets[{j}].datasource", False)
        return p

    def use(self, *keys):
        self._used |= set(keys)

    # --- panel upgrades ------------------------------------------------------------------
    def graph(self, p: dict, path: str) -> dict:
        self.use("bars", "lines", "points", "linewidth", "fill", "steppedLine", "pointradius", "nullPointMode",
                 "stack", "percentage", "yaxes", "legend", "tooltip", "seriesOverrides", "aliasColors",
                 "thresholds", "decimals", "fillGradient", "dashes")
        custom = {"drawStyle": "bars" if p.get("bars") else ("points" if p.get("points") and not p.get("lines", True)
                                                             else "line"),
                  "lineWidth": p.get("linewidth", 1) if p.get("lines", True) else 0,
                  "fillOpacity": (p.get("fill", 1) or 0) * 10,
                  "gradientMode": "opacity" if p.get("fillGradient") else "none",
                  "lineInterpolation": "stepAfter" if p.get("steppedLine") else "linear",
                  "showPoints": "always" if p.get("points") else "never",
                  "pointSize": (p.get("pointradius") or 2.5) * 2,
                  "spanNulls": p.get("nullPointMode") == "connected",
                  "stacking": {"mode": ("percent" if p.get("percentage") else "normal") if p.get("stack") else "none",
                               "group": "A"},
                  "axisPlacement": "auto", "axisLabel": "", "scaleDistribution": {"type": "linear"}}
        if p.get("dashes"):
            custom["lineStyle"] = {"fill": "dash", "dash": [p.get("dashLength", 10), p.get("spaceLength", 10)]}
        defaults: dict = {"custom": custom}
        yaxes = p.get("yaxes") or [{}, {}]
        left = yaxes[0] if yaxes else {}
        if left.get("format"):
            defaults["unit"] = left["format"]
        for key in ("min", "max"):
            v = _number(left.get(key))
            if v is not None:
                defaults[key] = v
        decimals = left.get("decimals") if left.get("decimals") is not None else p.get("decimals")
        if decimals is not None:
            defaults["decimals"] = decimals
        if left.get("label"):
            custom["axisLabel"] = left["label"]
        if left.get("show") is False:
            custom["axisPlacement"] = "hidden"
        if left.get("logBase") not in (None, 1):
            custom["scaleDistribution"] = {"type": "log", "log": left["logBase"]}
        overrides = []
        for name, color in sorted((p.get("aliasColors") or {}).items()):
            overrides.append({"matcher": {"id": "byName", "options": name},
                              "properties": [{"id": "color", "value": {"fixedColor": color, "mode": "fixed"}}]})
        right_unit = (yaxes[1] if len(yaxes) > 1 else {}).get("format")
        for so in p.get("seriesOverrides") or []:
            if not isinstance(so, dict):
                continue
            props = []
            if so.get("yaxis") == 2:
                props.append({"id": "custom.axisPlacement", "value": "right"})
                if right_unit and right_unit != defaults.get("unit"):
                    props.append({"id": "unit", "value": right_unit})
            if so.get("color"):
                props.append({"id": "color", "value": {"fixedColor": so["color"], "mode": "fixed"}})
            if "fill" in so:
                props.append({"id": "custom.fillOpacity", "value": so["fill"] * 10})
            if "linewidth" in so:
                props.append({"id": "custom.lineWidth", "value": so["linewidth"]})
            if so.get("bars"):
                props.append({"id": "custom.drawStyle", "value": "bars"})
            if so.get("lines") is False:
                props.append({"id": "custom.lineWidth", "value": 0})
            if so.get("transform") == "negative-Y":
                props.append({"id": "custom.transform", "value": "negative-Y"})
            if so.get("stack") is False:
                props.append({"id": "custom.stacking", "value": {"group": "A", "mode": "none"}})
            alias = str(so.get("alias", ""))
            if props and alias:
                regex = alias.startswith("/") and alias.endswith("/") and len(alias) > 1
                overrides.append({"matcher": {"id": "byRegexp" if regex else "byName",
                                              "options": alias[1:-1] if regex else alias}, "properties": props})
        thresholds = [t for t in p.get("thresholds") or []
                      if isinstance(t, dict) and _number(t.get("value")) is not None]
        if thresholds:
            steps = [{"color": "transparent", "value": None}]
            for t in sorted(thresholds, key=lambda t: _number(t["value"])):
                steps.append({"color": t.get("lineColor") or {"critical": "red", "warning": "orange",
                                                               "ok": "green"}.get(t.get("colorMode"), "red"),
                              "value": _number(t["value"])})
            defaults["thresholds"] = {"mode": "absolute", "steps": steps}
            custom["thresholdsStyle"] = {"mode": "line+area" if thresholds[0].get("fill") else "line"}
        legend = p.get("legend") or {}
        calcs = [CALCS[k] for k in ("min", "max", "avg", "current", "total") if legend.get(k)]
        tooltip = p.get("tooltip") or {}
        p["type"] = "timeseries"
        p["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
        p["options"] = {"legend": {"showLegend": legend.get("show", True) is not False,
                                   "displayMode": "table" if legend.get("alignAsTable") else "list",
                                   "placement": "right" if legend.get("rightSide") else "bottom", "calcs": calcs},
                        "tooltip": {"mode": "multi" if tooltip.get("shared", True) else "single",
                                    "sort": {1: "asc", 2: "desc"}.get(tooltip.get("sort"), "none")}}
        return p

    def singlestat(self, p: dict, path: str) -> dict:
        self.use("valueName", "format", "decimals", "thresholds", "colors", "colorBackground", "colorValue",
                 "sparkline", "valueMaps", "rangeMaps", "mappingType", "mappingTypes", "gauge", "tableColumn",
                 "nullText", "maxValue", "minValue")
        gauge = (p.get("gauge") or {}).get("show")
        defaults: dict = {"unit": p.get("format") or "none"}
        if p.get("decimals") is not None:
            defaults["decimals"] = p["decimals"]
        colors = p.get("colors") or ["rgba(50, 172, 45, 0.97)", "rgba(237, 129, 40, 0.89)", "rgba(245, 54, 54, 0.9)"]
        steps = [{"color": colors[0], "value": None}]
        values = [v for v in str(p.get("thresholds") or "").split(",") if v.strip()]
        for i, v in enumerate(values[:2]):
            num = _number(v.strip())
            if num is not None:
                steps.append({"color": colors[min(i + 1, len(colors) - 1)], "value": num})
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
        mappings = []
        for m in p.get("valueMaps") or []:
            if m.get("value") not in (None, "") and str(m.get("op", "=")) == "=":
                mappings.append({"type": "value", "options": {str(m["value"]): {"text": m.get("text", ""),
                                                                               "index": len(mappings)}}})
        for m in p.get("rangeMaps") or []:
            mappings.append({"type": "range", "options": {"from": _number(m.get("from")), "to": _number(m.get("to")),
                                                          "result": {"text": m.get("text", ""),
                                                                     "index": len(mappings)}}})
        if p.get("nullText"):
            defaults["noValue"] = p["nullText"]
        if mappings:
            defaults["mappings"] = mappings
        reduce = {"calcs": [CALCS.get(p.get("valueName") or "avg", "mean")], "fields": "", "values": False}
        if p.get("tableColumn"):
            reduce["fields"] = f"/^{re.escape(p['tableColumn'])}$/"
        if gauge:
            g = p.get("gauge") or {}
            defaults["min"], defaults["max"] = g.get("minValue", 0), g.get("maxValue", 100)
            options = {"reduceOptions": reduce, "orientation": "horizontal",
                       "showThresholdLabels": bool(g.get("thresholdLabels")),
                       "showThresholdMarkers": g.get("thresholdMarkers", True) is not False}
            p["type"] = "gauge"
        else:
            mode = "background" if p.get("colorBackground") else ("value" if p.get("colorValue") else "none")
            options = {"reduceOptions": reduce, "orientation": "horizontal", "textMode": "auto",
                       "colorMode": mode, "justifyMode": "auto",
                       "graphMode": "area" if (p.get("sparkline") or {}).get("show") else "none"}
            p["type"] = "stat"
        p["fieldConfig"] = {"defaults": defaults, "overrides": []}
        p["options"] = options
        return p

    def table_old(self, p: dict, path: str) -> dict:
        self.use("styles", "transform", "columns", "showHeader", "fontSize", "sort", "scroll", "pageSize")
        defaults: dict = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}}}
        overrides = []
        for style in p.get("styles") or []:
            props = _style_properties(style)
            pattern = str(style.get("pattern", ""))
            if pattern in ("/.*/", ".*", ""):
                for prop in props:
                    _set_path(defaults, prop["id"], prop["value"])
            elif props:
                regex = pattern.startswith("/") and pattern.endswith("/") and len(pattern) > 1
                overrides.append({"matcher": {"id": "byRegexp" if regex else "byName",
                                              "options": pattern[1:-1] if regex else pattern}, "properties": props})
        transformations = list(p.get("transformations") or [])
        transform = p.get("transform")
        if transform == "timeseries_aggregations":
            calcs = [CALCS.get(c.get("value"), c.get("value")) for c in p.get("columns") or []]
            transformations.append({"id": "reduce",
                                    "options": {"reducers": calcs or ["mean"], "includeTimeField": False}})
        elif transform == "timeseries_to_columns":
            transformations.append({"id": "seriesToColumns", "options": {"byField": "Time"}})
        elif transform == "table":
            transformations.append({"id": "merge", "options": {}})
        elif transform not in (None, "timeseries_to_rows"):
            self.note("loss", f"{path}.transform", f"table transform {transform!r} has no modern equivalent")
        p["type"] = "table"
        p["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
        p["transformations"] = transformations
        options = {"showHeader": p.get("showHeader", True) is not False, "cellHeight": "sm"}
        sort = p.get("sort") or {}
        if sort.get("col") is not None and sort.get("col") >= 0:
            self.note("loss", f"{path}.sort", "sorting by column index (the modern table sorts by field name)")
        p["options"] = options
        return p

    def piechart(self, p: dict, path: str) -> dict:
        self.use("pieType", "valueName", "format", "decimals", "legend", "legendType", "aliasColors")
        legend = p.get("legend") or {}
        values = [v for k, v in (("percentage", "percent"), ("values", "value")) if legend.get(k)]
        defaults: dict = {"unit": p.get("format") or "short", "color": {"mode": "palette-classic"}}
        if p.get("decimals") is not None:
            defaults["decimals"] = p["decimals"]
        overrides = [{"matcher": {"id": "byName", "options": name},
                      "properties": [{"id": "color", "value": {"fixedColor": color, "mode": "fixed"}}]}
                     for name, color in sorted((p.get("aliasColors") or {}).items())]
        p["type"] = "piechart"
        p["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
        p["options"] = {"pieType": "donut" if p.get("pieType") == "donut" else "pie",
                        "reduceOptions": {"calcs": [CALCS.get(p.get("valueName") or "current", "lastNotNull")],
                                          "fields": "", "values": False},
                        "legend": {"showLegend": legend.get("show", True) is not False
                                   and p.get("legendType") != "On graph",
                                   "displayMode": "table" if p.get("legendType") == "Right side" else "list",
                                   "placement": "right" if p.get("legendType") == "Right side" else "bottom",
                                   "values": values},
                        "tooltip": {"mode": "single", "sort": "none"}}
        return p


def _style_properties(style: dict) -> list[dict]:
    props = []
    if style.get("alias"):
        props.append({"id": "displayName", "value": style["alias"]})
    kind = style.get("type")
    if kind == "hidden":
        props.append({"id": "custom.hidden", "value": True})
    elif kind == "date":
        props.append({"id": "unit", "value": f"time: {style.get('dateFormat') or 'YYYY-MM-DD HH:mm:ss'}"})
    elif kind == "number" and style.get("unit"):
        props.append({"id": "unit", "value": style["unit"]})
    if style.get("decimals") is not None:
        props.append({"id": "decimals", "value": style["decimals"]})
    if style.get("align") and style["align"] != "auto":
        props.append({"id": "custom.align", "value": style["align"]})
    mode = {"cell": "color-background", "value": "color-text", "row": "color-background"}.get(style.get("colorMode"))
    if mode:
        props.append({"id": "custom.cellOptions", "value": {"type": mode}})
        colors = style.get("colors") or []
        values = [_number(v) for v in style.get("thresholds") or []]
        steps = [{"color": colors[0] if colors else "green", "value": None}]
        steps += [{"color": colors[min(i + 1, len(colors) - 1)] if colors else "red", "value": v}
                  for i, v in enumerate(values) if v is not None]
        props.append({"id": "thresholds", "value": {"mode": "absolute", "steps": steps}})
    if style.get("link") and style.get("linkUrl"):
        props.append({"id": "links", "value": [{"title": style.get("linkTooltip", ""), "url": style["linkUrl"],
                                                 "targetBlank": bool(style.get("linkTargetBlank"))}]})
    return props


def _set_path(d: dict, dotted: str, value) -> None:
    keys = dotted.split(".")
    for k in keys[:-1]:
        d = d.setdefault(k, {})
    d[keys[-1]] = value


def _grid_height(height) -> int:
    if isinstance(height, str):
        height = int(re.sub(r"[^0-9]", "", height) or 250)
    return math.ceil(max(float(height or 250), 90) / GRID_CELL)


def _number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        f = float(str(v))
    except ValueError:
        return None
    return int(f) if f.is_integer() else f


def _short(ref) -> str:
    return ref.get("uid", "?") if isinstance(ref, dict) else str(ref)


def _text(d) -> str:
    return json.dumps(d)


def modernise(model: dict, datasource_variable: dict) -> tuple[dict, list[Note]]:
    """A deep copy of `model` in the modern form, and what was upgraded or lost on the way."""
    m = _Migration(copy.deepcopy(model), datasource_variable)
    return m.run(), m.notes
