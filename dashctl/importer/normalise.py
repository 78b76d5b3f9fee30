"""The round-trip contract: two dashboard models are the same when their canonical forms are equal.

canonical = modernised (legacy upgrades, datasource placeholders, see migrate.py), then:
ids, `version`, `iteration` and the editor's `pluginVersion` dropped; keys whose value is
null, "", [] or {} dropped (Grafana reads a missing key the same); each PromQL query in its
canonical text (promql.canon); key order irrelevant. Everything else must be equal.

`patch(base, target)` is the escape hatch an imported module carries: what turns the JSON
compile writes for the kit calls into the target (see panels/imported.py for its rules).
"""

from __future__ import annotations

import copy

from llm_gateway_dashboards.dashctl.importer.migrate import modernise
from llm_gateway_dashboards.dashctl.importer.promql import canon
from llm_gateway_dashboards.panels import imported

DROPPED = {"id", "version", "iteration", "pluginVersion"}
UNCHANGED = object()


def _empty(v) -> bool:
    return v is None or v == "" or v == [] or v == {}


# Grafana's own defaults: a query's editor mode (UI only), range on, instant off; an annotation shown, a
# variable in the URL; the time series
# panel's custom field defaults (public/app/plugins/panel/timeseries, panelcfg defaults).
TARGET_DEFAULTS = {"range": True, "instant": False, "exemplar": False, "hide": False, "format": "time_series",
                   "intervalFactor": 1}
TIMESERIES_CUSTOM = {"axisPlacement": "auto", "axisLabel": "", "axisCenteredZero": False, "axisColorMode": "text",
                     "axisBorderShow": False, "barAlignment": 0, "barWidthFactor": 0.6, "drawStyle": "line",
                     "fillOpacity": 0, "gradientMode": "none", "insertNulls": False, "lineInterpolation": "linear",
                     "lineWidth": 1, "pointSize": 5, "showPoints": "auto", "spanNulls": False,
                     "hideFrom": {"legend": False, "tooltip": False, "viz": False},
                     "scaleDistribution": {"type": "linear"}, "thresholdsStyle": {"mode": "off"},
                     "stacking": {"group": "A", "mode": "none"}, "lineStyle": {"fill": "solid"}}


def _without_defaults(d: dict) -> dict:
    if "refId" in d or "expr" in d:
        d.pop("editorMode", None)
        for k, v in TARGET_DEFAULTS.items():
            if d.get(k) == v:
                d.pop(k)
    if "drawStyle" in d or "lineInterpolation" in d or "axisPlacement" in d:
        for k, v in TIMESERIES_CUSTOM.items():
            if d.get(k) == v:
                d.pop(k)
        if (d.get("stacking") or {}).get("mode") == "none":  # the group of an unstacked series is moot
            d.pop("stacking")
        if (d.get("scaleDistribution") or {}).get("type") == "linear":  # so is the log base of a linear axis
            d.pop("scaleDistribution")
    if "iconColor" in d and "enable" in d and d.get("hide") is False:  # an annotation shows by default
        d.pop("hide")
    if "name" in d and "type" in d and d.get("skipUrlSync") is False:  # a variable syncs to the URL by default
        d.pop("skipUrlSync")
    if "displayMode" in d and "placement" in d and d.get("showLegend") is True:  # a legend shows by default
        d.pop("showLegend")
    return d


def _dropped(k: str, d: dict, top: bool) -> bool:
    """Ids of the dashboard and its panels (not a matcher's or a transformation's id), versions."""
    return k in DROPPED and (top or k != "id" or "gridPos" in d or "type" in d)


def clean(value, key: str = "", top: bool = True):
    """The canonical form of an already modern value."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if _dropped(k, value, top):
                continue
            c = clean(v, k, False)
            if not _empty(c):
                out[k] = c
        return _without_defaults(out)
    if isinstance(value, list):
        return [clean(v, key, False) for v in value]
    if key == "expr" and isinstance(value, str):
        return canon(value)
    return value


def canonical(model: dict, datasource_variable: dict) -> dict:
    return clean(modernise(model, datasource_variable)[0])


def same(a, b, key: str = "") -> bool:
    return clean(a, key, top=False) == clean(b, key, top=False)


def patch(base, target, top: bool = True, key: str = ""):
    """What turns `base` into `target` (canonically), or UNCHANGED."""
    if same(base, target, key):
        return UNCHANGED
    if isinstance(base, dict) and isinstance(target, dict):
        out = {}
        kept_base, kept_target = clean(base, key, top).keys(), clean(target, key, top).keys()
        for k, v in target.items():
            if _dropped(k, target, top) or (k not in kept_target and k in base and k not in kept_base):
                continue
            if k in base:
                d = patch(base[k], v, False, k)
                if d is not UNCHANGED:
                    out[k] = d
            elif not _empty(clean(v, k, False)):
                out[k] = copy.deepcopy(v)
        for k in base:
            if k not in target and k in kept_base:
                out[k] = None
        return out if out else UNCHANGED
    if (isinstance(base, list) and isinstance(target, list) and len(base) == len(target) and base
            and all(isinstance(x, dict) for x in base + target)):
        parts = [patch(b, t, False) for b, t in zip(base, target, strict=True)]
        if all(p is UNCHANGED for p in parts):
            return UNCHANGED
        return imported.each(*({} if p is UNCHANGED else p for p in parts))
    return copy.deepcopy(target)


def leaves(value, path: str = "") -> dict[str, object]:
    """Every scalar of a canonical model by its JSON path."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(leaves(v, f"{path}.{k}" if path else k))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(leaves(v, f"{path}[{i}]"))
        return out
    return {path: value}
