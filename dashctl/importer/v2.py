"""A v2 dashboard (`dashboard.grafana.app/v2`, `v2beta1`, `v2alpha1`, or a bare v2 spec) -> the classic
v1 model the rest of the importer reads: the inverse of dashctl/compile/v2.py, and no more lossy.

`elements` become panels (`vizConfig` -> type, options, fieldConfig, `pluginVersion`; each `PanelQuery`
-> a target with its datasource; `queryOptions` -> the panel's query options), a `RowsLayout` of
`GridLayout`s becomes row panels and gridPos by Grafana's v2 -> v1 rule (absolute y = row y + 1 +
relative y; a first row with a hidden header and no title holds the panels above the first row),
`variables`, `annotations`, `timeSettings`, `cursorSync`, `links` and `tags` their v1 fields. A
transformation is read in both shapes (v2: `{kind: Transformation, group: id}`, v2beta1/v2alpha1:
`{kind: id, spec: {id}}`).

What v1 has no place for is not dropped silently: each such value is a `loss` note with its JSON path
(a `TabsLayout` or `AutoGridLayout` is placed as rows/a grid, as Grafana's own v1 view does, and
noted; conditional rendering, nested rows, unknown keys and unplaced elements are noted).
"""

from __future__ import annotations

import copy

from llm_gateway_dashboards.dashctl.importer.migrate import Note

VERSIONS = ("v2alpha1", "v2beta1", "v2")
CURSOR_SYNC = {"Off": 0, "Crosshair": 1, "Tooltip": 2}
HIDE = {"dontHide": 0, "hideLabel": 1, "hideVariable": 2}
REFRESH = {"never": 0, "onDashboardLoad": 1, "onTimeRangeChanged": 2}
SORT = {"disabled": 0, "alphabeticalAsc": 1, "alphabeticalDesc": 2, "numericalAsc": 3, "numericalDesc": 4,
        "alphabeticalCaseInsensitiveAsc": 5, "alphabeticalCaseInsensitiveDesc": 6, "naturalAsc": 7,
        "naturalDesc": 8}
# the time picker's refresh intervals when v1 leaves them implicit (compile/v2.py AUTO_REFRESH_INTERVALS)
DEFAULT_INTERVALS = ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]
# v2 variable kinds whose v1 type is not the kind without "Variable", lower case
VARIABLE_TYPES = {"TextVariable": "textbox", "AdhocVariable": "adhoc", "GroupByVariable": "groupby"}
QUERY_OPTIONS = ("maxDataPoints", "interval", "timeFrom", "timeShift", "hideTimeOverride", "cacheTimeout",
                 "queryCachingTTL")
AUTO_GRID_COLUMNS, AUTO_GRID_HEIGHT = 3, 9  # AutoGridLayout defaults: 3 columns, "standard" rows


def is_v2(doc) -> bool:
    """A v2 resource (by apiVersion or shape) or a bare v2 spec (elements + layout)."""
    if not isinstance(doc, dict):
        return False
    if isinstance(doc.get("spec"), dict) and "apiVersion" in doc:
        return str(doc["apiVersion"]).rsplit("/", 1)[-1] in VERSIONS or "elements" in doc["spec"]
    return isinstance(doc.get("elements"), dict) and isinstance(doc.get("layout"), dict)


class _Converter:
    def __init__(self, spec: dict, root: str):
        self.spec, self.root = spec, root
        self.notes: list[Note] = []
        self.placed: set[str] = set()
        elements = spec.get("elements") if isinstance(spec.get("elements"), dict) else {}
        self.elements = elements
        ids = [(e.get("spec") or {}).get("id") for e in elements.values() if isinstance(e, dict)]
        self._next_id = 1 + max([i for i in ids if isinstance(i, int)] + [0])

    def at(self, key: str) -> str:
        return f"{self.root}.{key}" if self.root else key

    def loss(self, path: str, text: str) -> None:
        self.notes.append(Note("loss", path, text))

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def unknown(self, obj: dict, path: str, known) -> None:
        """Each key of `obj` this converter does not read is a loss (nothing is dropped unsaid)."""
        for k in sorted(set(obj) - set(known)):
            if obj[k] not in (None, False, "", [], {}):
                self.loss(f"{path}.{k}" if path else k, f"no v1 equivalent read by the importer ({_short(obj[k])})")

    # --- the dashboard ---------------------------------------------------------------------
    def dashboard(self, uid) -> dict:
        s = self.spec
        self.unknown(s, self.root, ("uid", "annotations", "cursorSync", "description", "editable", "elements",
                                           "layout", "links", "liveNow", "preload", "tags", "timeSettings", "title",
                                           "variables", "id", "revision"))
        model = {"uid": uid, "title": s.get("title"), "description": s.get("description") or "",
                 "tags": list(s.get("tags") or []), "editable": s.get("editable", True),
                 "graphTooltip": CURSOR_SYNC.get(s.get("cursorSync"), 0), "links": copy.deepcopy(s.get("links") or [])}
        if s.get("cursorSync") not in (None, *CURSOR_SYNC):
            self.loss(self.at("cursorSync"), f"unknown value {s['cursorSync']!r}: read as Off")
        for key in ("liveNow", "preload"):
            if s.get(key):
                model[key] = True
        model.update(self.time(s.get("timeSettings") or {}, self.at("timeSettings")))
        model["templating"] = {"list": [self.variable(v, self.at(f"variables[{i}]"))
                                        for i, v in enumerate(s.get("variables") or [])]}
        model["annotations"] = {"list": [self.annotation(a, self.at(f"annotations[{i}]"))
                                         for i, a in enumerate(s.get("annotations") or [])]}
        model["panels"] = self.layout(s.get("layout") or {}, self.at("layout"))
        for name in sorted(set(self.elements) - self.placed):
            self.loss(self.at(f"elements.{name}"), "an element the layout does not place: Grafana does not show it")
        return model

    def time(self, t: dict, path: str) -> dict:
        self.unknown(t, path, ("timezone", "from", "to", "autoRefresh", "autoRefreshIntervals", "hideTimepicker",
                               "fiscalYearStartMonth", "weekStart", "nowDelay", "quickRanges"))
        out = {"time": {"from": t.get("from", "now-6h"), "to": t.get("to", "now")},
               "timezone": t.get("timezone", "browser"), "refresh": t.get("autoRefresh", ""),
               "fiscalYearStartMonth": t.get("fiscalYearStartMonth", 0)}
        if t.get("weekStart"):
            out["weekStart"] = t["weekStart"]
        picker = {}
        if t.get("hideTimepicker"):
            picker["hidden"] = True
        if t.get("autoRefreshIntervals") not in (None, DEFAULT_INTERVALS):
            picker["refresh_intervals"] = list(t["autoRefreshIntervals"])
        if t.get("nowDelay"):
            picker["nowDelay"] = t["nowDelay"]
        if t.get("quickRanges"):
            picker["quick_ranges"] = copy.deepcopy(t["quickRanges"])
        out["timepicker"] = picker
        return out

    # --- variables and annotations ---------------------------------------------------------------
    def variable(self, v: dict, path: str) -> dict:
        kind, spec = str(v.get("kind", "")), dict(v.get("spec") or {})
        out = {"type": VARIABLE_TYPES.get(kind, kind.removesuffix("Variable").lower())}
        if kind == "DatasourceVariable":
            out["query"] = spec.pop("pluginId", "")
        query, ref = spec.pop("query", None), spec.pop("datasource", None)
        if _is_data_query(query):
            out["datasource"] = _datasource(query, ref)
            out["query"] = copy.deepcopy(query.get("spec") or {})
        elif query is not None:
            out["query"] = copy.deepcopy(query)
        if ref is not None and "datasource" not in out:  # adhoc and group-by variables name a datasource ref
            out["datasource"] = copy.deepcopy(ref)
        for key, table in (("hide", HIDE), ("refresh", REFRESH), ("sort", SORT)):
            if key in spec:
                value = spec.pop(key)
                if value not in table:
                    self.loss(f"{path}.spec.{key}", f"unknown value {value!r}: left out")
                else:
                    out[key] = table[value]
        if spec.get("allowCustomValue") is True:  # the default, which v1 leaves implicit
            spec.pop("allowCustomValue")
        current = spec.pop("current", None)
        if isinstance(current, dict):
            current = {k: c for k, c in current.items() if c not in ("", None)}
            out["current"] = current if not current else {"selected": False, **current}
        out.update(copy.deepcopy(spec))
        return out

    def annotation(self, a: dict, path: str) -> dict:
        spec = dict(a.get("spec") or {})
        query, ref = spec.pop("query", None) or {}, spec.pop("datasource", None)
        out = {}
        if query or ref:
            out["datasource"] = _datasource(query, ref)
        legacy = spec.pop("legacyOptions", None) or {}
        if spec.pop("builtIn", False):
            out.update(builtIn=1, type="dashboard")
        elif query.get("spec"):
            out["target"] = copy.deepcopy(query["spec"])
        out.update(copy.deepcopy(spec))
        for k, v in legacy.items():
            if k in out:
                self.loss(f"{path}.spec.legacyOptions.{k}", "the annotation has this key already: left out")
            else:
                out[k] = copy.deepcopy(v)
        return out

    # --- panels ------------------------------------------------------------------------------------
    def panel(self, name: str, item: dict, gridpos: dict, path: str) -> dict:
        element = self.elements.get(name)
        if not isinstance(element, dict):
            self.loss(f"{path}.element", f"names {name!r}, which is no element: an empty panel in its place")
            return {"type": "text", "title": "", "id": self.new_id(), "gridPos": gridpos}
        self.placed.add(name)
        epath = self.at(f"elements.{name}")
        spec, kind = element.get("spec") or {}, element.get("kind")
        out = {"id": spec.get("id") if isinstance(spec.get("id"), int) else self.new_id(),
               "title": spec.get("title", ""), "gridPos": gridpos}
        if kind not in ("Panel", "LibraryPanel"):
            self.loss(f"{epath}.kind", f"element kind {kind!r} is unknown: read as a panel")
        if kind == "LibraryPanel":
            self.unknown(spec, f"{epath}.spec", ("id", "title", "libraryPanel"))
            out["libraryPanel"] = copy.deepcopy(spec.get("libraryPanel") or {})
        else:
            self.unknown(spec, f"{epath}.spec", ("id", "title", "description", "links", "data", "vizConfig",
                                                 "transparent"))
            out.update(self.viz(spec.get("vizConfig") or {}, f"{epath}.spec.vizConfig"))
            out["description"] = spec.get("description", "")
            out["links"] = copy.deepcopy(spec.get("links") or [])
            if spec.get("transparent"):
                out["transparent"] = True
            out.update(self.data(spec.get("data") or {}, f"{epath}.spec.data"))
        out.update(self.repeat(item.get("repeat"), path))
        return out

    def viz(self, viz: dict, path: str) -> dict:
        spec = viz.get("spec") or {}
        self.unknown(spec, f"{path}.spec", ("options", "fieldConfig", "pluginVersion"))
        # v2/v2beta1: {kind: VizConfig, group: <plugin>, version}; v2alpha1: {kind: <plugin>, spec: {pluginVersion}}
        out = {"type": viz.get("group") or viz.get("kind", ""), "options": copy.deepcopy(spec.get("options") or {}),
               "fieldConfig": copy.deepcopy(spec.get("fieldConfig") or {"defaults": {}, "overrides": []})}
        if viz.get("version") or spec.get("pluginVersion"):
            out["pluginVersion"] = viz.get("version") or spec["pluginVersion"]
        return out

    def data(self, data: dict, path: str) -> dict:
        spec = data.get("spec") or {}
        self.unknown(spec, f"{path}.spec", ("queries", "transformations", "queryOptions"))
        targets = [self.target(q, f"{path}.spec.queries[{i}]") for i, q in enumerate(spec.get("queries") or [])]
        out: dict = {"targets": targets}
        sources = {(t["datasource"].get("type"), t["datasource"].get("uid")) for t in targets if "datasource" in t}
        if len(sources) == 1:
            out["datasource"] = dict(targets[0]["datasource"])
        elif len(sources) > 1:
            out["datasource"] = {"type": "datasource", "uid": "-- Mixed --"}
        transformations = [self.transformation(t, f"{path}.spec.transformations[{i}]")
                           for i, t in enumerate(spec.get("transformations") or [])]
        if transformations:
            out["transformations"] = transformations
        options = spec.get("queryOptions") or {}
        self.unknown(options, f"{path}.spec.queryOptions", QUERY_OPTIONS)
        out.update({k: copy.deepcopy(options[k]) for k in QUERY_OPTIONS if k in options})
        return out

    def target(self, q: dict, path: str) -> dict:
        spec = q.get("spec") or {}
        self.unknown(spec, f"{path}.spec", ("refId", "hidden", "query", "datasource"))
        query = spec.get("query") or {}
        out = {"refId": spec.get("refId", "")}
        if query.get("datasource") or query.get("group") or spec.get("datasource"):
            out["datasource"] = _datasource(query, spec.get("datasource"))
        if spec.get("hidden"):
            out["hide"] = True
        out.update(copy.deepcopy(query.get("spec") or {}))
        return out

    def transformation(self, t: dict, path: str) -> dict:
        spec = dict(t.get("spec") or {})
        if t.get("kind") == "Transformation":  # v2
            tid = t.get("group", "")
        else:  # v2beta1, v2alpha1
            tid = spec.pop("id", None) or t.get("kind", "")
        self.unknown(spec, f"{path}.spec", ("id", "options", "disabled", "filter", "topic"))
        return {"id": tid, **{k: copy.deepcopy(v) for k, v in spec.items()
                              if k in ("options", "disabled", "filter", "topic")}}

    def repeat(self, repeat, path: str) -> dict:
        if not isinstance(repeat, dict) or not repeat.get("value"):
            return {}
        out = {"repeat": repeat["value"]}
        if repeat.get("direction"):
            out["repeatDirection"] = {"h": "h", "v": "v"}.get(repeat["direction"][:1], "h")
        if repeat.get("maxPerRow"):
            out["maxPerRow"] = repeat["maxPerRow"]
        self.unknown(repeat, f"{path}.repeat", ("mode", "value", "direction", "maxPerRow"))
        return out

    # --- layout ------------------------------------------------------------------------------------
    def layout(self, layout: dict, path: str, top: int = 0, nested: bool = False) -> list[dict]:
        kind, spec = layout.get("kind"), layout.get("spec") or {}
        if kind == "GridLayout":
            return self.grid(spec, path, top)
        if kind == "AutoGridLayout":
            return self.auto_grid(spec, path, top)
        if kind in ("RowsLayout", "TabsLayout"):
            if kind == "TabsLayout":
                self.loss(path, "a TabsLayout: each tab is placed as a row (the tabs are lost)")
            if nested:
                self.loss(path, f"a {kind} inside a row: v1 rows do not nest, its rows are flattened")
            return self.rows(spec.get("rows" if kind == "RowsLayout" else "tabs") or [],
                             f"{path}.spec.{'rows' if kind == 'RowsLayout' else 'tabs'}", top, nested)
        if layout:
            self.loss(path, f"layout kind {kind!r} is unknown: its panels are not placed")
        return []

    def grid(self, spec: dict, path: str, top: int) -> list[dict]:
        self.unknown(spec, f"{path}.spec", ("items",))
        out = []
        for i, it in enumerate(spec.get("items") or []):
            s, ipath = it.get("spec") or {}, f"{path}.spec.items[{i}].spec"
            self.unknown(s, ipath, ("x", "y", "width", "height", "element", "repeat"))
            pos = {"h": s.get("height", 8), "w": s.get("width", 12), "x": s.get("x", 0), "y": top + s.get("y", 0)}
            out.append(self.panel((s.get("element") or {}).get("name", ""), s, pos, ipath))
        return out

    def auto_grid(self, spec: dict, path: str, top: int) -> list[dict]:
        self.unknown(spec, f"{path}.spec", ("items", "maxColumnCount", "columnWidthMode", "rowHeightMode",
                                            "columnWidth", "rowHeight", "fillScreen"))
        columns = spec.get("maxColumnCount") if isinstance(spec.get("maxColumnCount"), int) else AUTO_GRID_COLUMNS
        columns = min(max(columns, 1), 24)
        width = 24 // columns
        self.loss(path, f"an AutoGridLayout (sized by the browser): placed as a grid of {columns} columns, "
                  f"{AUTO_GRID_HEIGHT} units high")
        out = []
        for i, it in enumerate(spec.get("items") or []):
            s, ipath = it.get("spec") or {}, f"{path}.spec.items[{i}].spec"
            self.unknown(s, ipath, ("element", "repeat"))
            pos = {"h": AUTO_GRID_HEIGHT, "w": width, "x": width * (i % columns),
                   "y": top + AUTO_GRID_HEIGHT * (i // columns)}
            out.append(self.panel((s.get("element") or {}).get("name", ""), s, pos, ipath))
        return out

    def rows(self, rows: list, path: str, top: int, nested: bool) -> list[dict]:
        out, y = [], top
        for i, r in enumerate(rows):
            rs, rpath = r.get("spec") or {}, f"{path}[{i}].spec"
            self.unknown(rs, rpath, ("title", "collapse", "hideHeader", "layout", "repeat"))
            if i == 0 and rs.get("hideHeader") and not rs.get("title") and not nested:
                inner = self.layout(rs.get("layout") or {}, f"{rpath}.layout", y, True)
                out += inner
                y = _bottom(inner, y)
                continue
            if rs.get("hideHeader"):
                self.loss(f"{rpath}.hideHeader", "a row whose header is hidden: placed as a row with its header")
            inner = [p for p in self.layout(rs.get("layout") or {}, f"{rpath}.layout", y + 1, True)
                     if p.get("type") != "row"]
            collapsed = bool(rs.get("collapse"))
            row = {"type": "row", "id": self.new_id(), "title": rs.get("title", ""), "collapsed": collapsed,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": inner if collapsed else []}
            row.update(self.repeat(rs.get("repeat"), rpath))
            out.append(row)
            if collapsed:
                out_y = y + 1
            else:
                out += inner
                out_y = _bottom(inner, y + 1)
            y = out_y
        return out


def _bottom(panels: list[dict], top: int) -> int:
    return max([p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels], default=top)


def _is_data_query(query) -> bool:
    """v2/v2beta1 `{kind: DataQuery, group: <type>, spec}`, v2alpha1 `{kind: <type>, spec}`."""
    return isinstance(query, dict) and isinstance(query.get("kind"), str) and isinstance(query.get("spec"), dict)


def _datasource(query: dict, ref=None) -> dict:
    """A query's datasource as a v1 reference: v2alpha1 names it beside the query (`ref`, already
    {type, uid}); v2/v2beta1 in its DataQuery (`group` = its type, `datasource.name` = its uid)."""
    if isinstance(ref, dict):
        return copy.deepcopy(ref)
    kind = query.get("kind")
    out = {"type": query.get("group") or (kind if kind not in (None, "DataQuery") else "")}
    name = (query.get("datasource") or {}).get("name")
    if name is not None:
        out["uid"] = name
    return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_v1(doc: dict) -> tuple[dict, list[Note]]:
    """(the v1 model, the loss notes) of a v2 resource or a bare v2 spec."""
    if isinstance(doc.get("spec"), dict) and "apiVersion" in doc:
        spec, root, uid = doc["spec"], "spec", (doc.get("metadata") or {}).get("name")
    else:
        spec, root, uid = doc, "", doc.get("uid")
    conv = _Converter(spec, root)  # a bare spec: paths start at its own keys
    model = conv.dashboard(uid)
    return model, conv.notes
