"""A grafanalib panel's visualisation -> (type, options, field config) in the form Grafana 10.4+ reads.

The panel classes the kit uses are read from their attributes, one reader per class, mapping each
attribute to the option or field setting Grafana names it (grafanalib 0.7 writes some of them in
legacy places: a bar gauge's or gauge's `fieldOptions`, a stat's `noValue: "none"`, `""`
threshold steps). What a kit panel sets that its class has no attribute for comes in its
`extras` (panels.kit.Extras: field defaults and options in Grafana's names) and is merged
over what the attributes give. Any other panel (another grafanalib class, a plugin panel, a
panel carrying grafanalib's `extraJson`) is read from its own encoding (`to_json_data`), cleaned
the same way: legacy keys dropped, thresholds made modern.
"""

from __future__ import annotations

import attrs
import grafanalib.core as g

DEFAULTS_KEYS = {"color", "custom", "decimals", "links", "mappings", "max", "min", "noValue", "thresholds", "unit"}
REDUCING = ("stat", "gauge", "bargauge", "piechart")  # types with reduceOptions
_LEAVES = frozenset({str, int, float, bool, type(None)})


@attrs.frozen
class Viz:
    type: str
    options: dict
    defaults: dict | None  # None: the type has no field config (text)
    overrides: list = attrs.field(factory=list)
    encoding: dict | None = None  # read from its own encoding: its panel-level keys (title, links, ...) too


def read(panel) -> Viz:
    """The visualisation of a grafanalib panel (see the module docstring)."""
    reader = None if getattr(panel, "extraJson", None) else _READERS.get(_grafanalib_class(panel))
    if reader is None:
        return _encoded(panel)
    viz = reader(panel)
    extras = getattr(panel, "extras", None)
    options, defaults = viz.options, viz.defaults
    if extras is not None:
        options = _merged(options, extras.options)
        defaults = _merged(defaults, extras.defaults)
    if defaults is not None:
        defaults = _clean_defaults(plain(defaults), {"mode": panel.thresholdType, "steps": panel.thresholds})
    # plain() copies: the model owns its JSON, whatever the panel object holds later
    return Viz(viz.type, _reduce_default(viz.type, plain(options)), defaults, plain(viz.overrides))


def _grafanalib_class(panel):
    """The grafanalib class a panel is (the kit's subclasses add only `extras`)."""
    return next((c for c in type(panel).__mro__ if c.__module__ == g.__name__), None)


def _merged(base: dict | None, extra: dict) -> dict | None:
    """`base` with `extra` merged in, dicts key by key (neither is changed)."""
    if base is None:
        return None
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _clean_defaults(defaults: dict, thresholds) -> dict:
    out = {k: v for k, v in defaults.items() if k in DEFAULTS_KEYS and v is not None}
    if out.get("noValue") == "none":  # grafanalib's Stat default would print "none"
        del out["noValue"]
    if "custom" in out:
        out["custom"] = {k: v for k, v in out["custom"].items() if v is not None}
    out["thresholds"] = modern_thresholds(out.get("thresholds", thresholds))
    return out


def _reduce_default(type_: str, options: dict) -> dict:
    options = dict(options)
    if type_ in REDUCING:
        reduce = options["reduceOptions"] = dict(options.get("reduceOptions")
                                                 or {"calcs": ["lastNotNull"], "fields": "", "values": False})
        reduce["fields"] = reduce.get("fields") or ""
    return options


def modern_thresholds(value) -> dict:
    """Modern thresholds; grafanalib's legacy "" or op/index/yaxis steps become {color, value}."""
    steps = (value or {}).get("steps") if isinstance(value, dict) else None
    if not isinstance(steps, list) or not steps:
        return {"mode": "absolute", "steps": [{"color": "green", "value": None}]}
    clean = []
    for i, st in enumerate(steps):
        if not isinstance(st, dict):  # a grafanalib Threshold (a gauge's default steps)
            st = {"color": getattr(st, "color", "green"), "value": getattr(st, "value", None)}
        v = st.get("value")
        clean.append({"color": st.get("color", "green"), "value": None if i == 0 or v == "null" else v})
    return {"mode": value.get("mode", "absolute"), "steps": clean}


# --- one reader per grafanalib class -------------------------------------------------------------
def _timeseries(p: g.TimeSeries) -> Viz:
    custom = {"axisPlacement": p.axisPlacement, "axisLabel": p.axisLabel, "drawStyle": p.drawStyle,
              "lineInterpolation": p.lineInterpolation, "barAlignment": p.barAlignment, "lineWidth": p.lineWidth,
              "fillOpacity": p.fillOpacity, "gradientMode": p.gradientMode, "spanNulls": p.spanNulls,
              "showPoints": p.showPoints, "pointSize": p.pointSize, "stacking": p.stacking,
              "scaleDistribution": {"type": p.scaleDistributionType, "log": p.scaleDistributionLog},
              "hideFrom": {"tooltip": False, "viz": False, "legend": False},
              "thresholdsStyle": {"mode": p.thresholdsStyleMode},
              "axisSoftMin": p.axisSoftMin, "axisSoftMax": p.axisSoftMax}
    defaults = {"color": {"mode": p.colorMode}, "custom": custom, "mappings": p.mappings, "min": p.valueMin,
                "max": p.valueMax, "decimals": p.valueDecimals, "unit": p.unit}
    options = {"legend": {"displayMode": p.legendDisplayMode, "placement": p.legendPlacement, "calcs": p.legendCalcs},
               "tooltip": {"mode": p.tooltipMode, "sort": p.tooltipSort}}
    return Viz("timeseries", options, defaults, p.overrides)


def _stat(p: g.Stat) -> Viz:
    defaults = {"color": p.color, "custom": {}, "decimals": p.decimals, "mappings": p.mappings, "unit": p.format,
                "noValue": p.noValue}
    options = {"textMode": p.textMode, "colorMode": p.colorMode, "graphMode": p.graphMode, "justifyMode": p.alignment,
               "orientation": p.orientation,
               "reduceOptions": {"calcs": [p.reduceCalc], "fields": p.fields, "values": False}}
    return Viz("stat", options, defaults, p.overrides)


def _gauge(p: g.GaugePanel) -> Viz:
    defaults = {"decimals": p.decimals, "max": p.max, "min": p.min, "unit": p.format, "links": p.dataLinks,
                "mappings": p.valueMaps}
    options = {"reduceOptions": {"calcs": [p.calc], "fields": "", "values": p.allValues},
               "showThresholdLabels": p.thresholdLabels, "showThresholdMarkers": p.thresholdMarkers}
    return Viz("gauge", options, defaults)


def _bargauge(p: g.BarGauge) -> Viz:
    """grafanalib writes these in the legacy `options.fieldOptions`; the gauge-only threshold switches
    (thresholdLabels/thresholdMarkers) have no bar gauge option and are not written."""
    defaults = {"decimals": p.decimals, "max": p.max, "min": p.min, "unit": p.format,
                "links": p.dataLinks or None, "mappings": p.valueMaps or None}
    options = {"displayMode": p.displayMode, "orientation": p.orientation,
               "reduceOptions": {"calcs": [p.calc], "fields": "", "values": p.allValues}}
    return Viz("bargauge", options, defaults)


def _piechart(p: g.PieChartv2) -> Viz:
    defaults = {"color": {"mode": p.colorMode}, "custom": p.custom, "mappings": p.mappings, "unit": p.unit}
    options = {"reduceOptions": {"values": p.reduceOptionsValues, "calcs": p.reduceOptionsCalcs,
                                 "fields": p.reduceOptionsFields},
               "pieType": p.pieType, "tooltip": {"mode": p.tooltipMode},
               "legend": {"displayMode": p.legendDisplayMode, "placement": p.legendPlacement,
                          "values": p.legendValues}}
    return Viz("piechart", options, defaults, p.overrides)


def _barchart(p: g.BarChart) -> Viz:
    custom = {"lineWidth": p.lineWidth, "fillOpacity": p.fillOpacity, "gradientMode": p.gradientMode,
              "axisPlacement": p.axisPlacement, "axisLabel": p.axisLabel, "axisColorMode": p.axisColorMode,
              "scaleDistribution": {"type": p.scaleDistributionType}, "axisCenteredZero": p.axisCenteredZero,
              "hideFrom": {"tooltip": p.hideFromTooltip, "viz": p.hideFromViz, "legend": p.hideFromLegend}}
    defaults = {"custom": custom, "mappings": p.mappings,
                "color": {"mode": p.colorMode, "fixedColor": p.fixedColor if p.colorMode == "fixed" else "none"},
                "thresholds": {"mode": p.thresholdsMode, "steps": p.thresholdSteps}}
    options = {"orientation": p.orientation, "xTickLabelRotation": p.xTickLabelRotation,
               "xTickLabelSpacing": p.xTickLabelSpacing, "showValue": p.showValue, "stacking": p.stacking,
               "groupWidth": p.groupWidth, "barWidth": p.barWidth, "barRadius": p.barRadius,
               "tooltip": {"mode": p.tooltipMode, "sort": p.tooltipSort},
               "legend": {"showLegend": p.showLegend, "displayMode": p.legendDisplayMode,
                          "placement": p.legendPlacement, "calcs": p.legendCalcs}}
    return Viz("barchart", options, defaults, p.overrides)


def _table(p: g.Table) -> Viz:
    defaults = {"custom": {"align": p.align, "displayMode": p.displayMode, "filterable": p.filterable},
                "unit": p.unit}
    options = {"showHeader": p.showHeader,
               "sortBy": [{"displayName": s.displayName, "desc": s.desc} for s in p.sortBy]}
    return Viz("table", options, defaults, p.overrides)


def _text(p: g.Text) -> Viz:
    return Viz("text", {"content": p.content, "mode": p.mode}, None)


_READERS = {g.TimeSeries: _timeseries, g.Stat: _stat, g.GaugePanel: _gauge, g.BarGauge: _bargauge,
            g.PieChartv2: _piechart, g.BarChart: _barchart, g.Table: _table, g.Text: _text}


# --- any other panel: its own encoding, cleaned ----------------------------------------------------
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


def encoded(panel) -> dict:
    """A panel's own encoding (targets left out: compile renders them), its None values dropped."""
    raw = panel.to_json_data()
    raw.pop("targets", None)
    return {k: v for k, v in plain(raw).items() if v is not None}


def _encoded(panel) -> Viz:
    data = encoded(panel)
    field = data.get("fieldConfig") or {}
    options = dict(data.get("options") or {})
    options.pop("fieldOptions", None)  # legacy bargauge/gauge layout
    type_ = data.get("type")
    defaults = None if type_ == "text" else _clean_defaults(field.get("defaults") or {}, None)
    return Viz(type_, _reduce_default(type_, options), defaults, field.get("overrides") or [], data)
