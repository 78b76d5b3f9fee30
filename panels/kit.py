"""Panel factories on top of grafanalib's classes: a dashboard module reads like the dashboard.

Every factory returns a new object, takes the unit and a description (what the panel
shows and how to read it) and a size on the 24-column grid; compile places panels,
numbers them and turns them into modern Grafana JSON. Queries are `panels.queries`
expressions wrapped by `target()`.
"""

from __future__ import annotations

import sys
from typing import Iterable, Sequence

import attr
import grafanalib.core as g

from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Metric
from llm_gateway_dashboards.panels.variables import Var

GREEN, YELLOW, ORANGE, RED, BLUE = "green", "yellow", "orange", "red", "blue"

# colours by meaning, applied with overrides where a series has one
STATUS_COLORS = {"2xx": GREEN, "3xx": BLUE, "4xx": ORANGE, "5xx": RED, "error": "dark-red",
                 "success": GREEN, "hit": GREEN, "miss": ORANGE}


@attr.s
class QueryTarget(g.Target):
    """A grafanalib Target whose expression is a queries.Expr, rendered by compile."""

    query = attr.ib(default=None)

    def to_json_data(self):  # grafanalib's own encoder path (used by the benchmark baseline)
        data = super().to_json_data()
        data["expr"] = self.query.render(q.Context()) if self.query is not None else self.expr
        return data


@attr.s
class Board(g.Dashboard):
    """A grafanalib Dashboard plus what we need to place it: folder, variables, lint exceptions."""

    folder = attr.ib(default="General")
    variables = attr.ib(default=())  # tuple[Var, ...], after `datasource`
    lint_exceptions = attr.ib(default=())  # ((panel title, rule, reason), ...)
    marks = attr.ib(default=())  # tuple[Annotation, ...]: Prometheus annotations after Grafana's built-in one


@attr.s(frozen=True)
class Annotation:
    """An annotation drawn on every time series: a moment where `query` has a series (restarts,
    price changes), rendered and job-bound by compile like a panel's query."""

    name = attr.ib()
    query = attr.ib()  # queries.Expr
    title = attr.ib(default="")
    text = attr.ib(default="")
    color = attr.ib(default="orange")


def annotation(name: str, expr: q.Expr, title: str, text: str = "", color: str = "orange") -> Annotation:
    """A Prometheus annotation: a mark wherever `expr` returns a series (step: 1 minute)."""
    if not isinstance(expr, q.Expr):
        raise TypeError(f"annotation {name!r} needs a queries expression, not {type(expr).__name__}")
    return Annotation(name, expr, title, text, color)


@attr.s(frozen=True)
class Extras:
    """What a kit panel sets that its grafanalib class has no attribute for, in Grafana's own names:
    field-config defaults (e.g. noValue, min, max, color) and panel options. compile reads the
    panel's attributes and merges these over them (dashctl/compile/viz.py)."""

    defaults = attr.ib(factory=dict)
    options = attr.ib(factory=dict)


def _with_extras(cls):
    """`cls` (a grafanalib panel class) with an `extras` field: the kit's panels are still grafanalib panels."""
    return attr.s(type(cls.__name__, (cls,), {"__doc__": cls.__doc__, "__module__": __name__,
                                               "extras": attr.ib(default=None, kw_only=True)}))


TimeSeries, Stat, GaugePanel, BarGauge, PieChart, BarChart, Table = map(_with_extras, (
    g.TimeSeries, g.Stat, g.GaugePanel, g.BarGauge, g.PieChartv2, g.BarChart, g.Table))


class KitUsageError(TypeError):
    """A kit function given the wrong kind of argument; names the caller's file:line (`where`)."""

    def __init__(self, message: str):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:  # first frame outside the kit
            frame = frame.f_back
        self.where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
        super().__init__(f"{message} ({self.where})" if self.where else message)


def target(expr: q.Expr, legend: str = "", instant: bool = False, table: bool = False) -> QueryTarget:
    """One query of a panel; legend names the series (`{{model}}`)."""
    if not isinstance(expr, q.Expr):
        shown = f" {expr!r}"[:60] if isinstance(expr, str) else ""
        raise KitUsageError(f"kit.target needs a queries expression, not {type(expr).__name__}{shown}: "
                            "build it from the catalog with panels.queries (e.g. q.sum_rate(metric, by))")
    return QueryTarget(query=expr, legendFormat=legend, instant=instant, format="table" if table else "time_series")


def quantile_targets(metric: Metric, by: Sequence[str] = (), qs: Iterable[float] = (0.5, 0.95, 0.99),
                     legend: str = "", **matchers) -> list[QueryTarget]:
    """p50/p95/p99 (or any) of a histogram, one target each, legends `p95 {{model}}`."""
    legend = legend or " ".join(f"{{{{{b}}}}}" for b in by)
    return [target(q.histogram_quantile(x, metric, by, **matchers), f"{q.quantile_label(x)} {legend}".strip())
            for x in qs]


def top_bucket(metric: Metric) -> str:
    """The top finite bucket bound as a person reads it: 10000 ms -> "10 s"."""
    top = metric.buckets[-1]
    if metric.unit == "ms" and top >= 1000:
        return f"{top / 1000:g} s"
    return f"{top:g} {metric.unit}"


ABOVE = "above "  # legend prefix of the share-above-top-bucket series (kit.ABOVE_RIGHT puts them right)
ABOVE_RIGHT = {f"/^{ABOVE}/": "percentunit"}


def above_top_target(metric: Metric, by: Sequence[str] = (), legend: str = "", **matchers) -> QueryTarget:
    """The share of observations above the histogram's top finite bucket: where a quantile cannot
    be read (it clamps at that bound). 0 when none is above."""
    if metric.kind != "histogram":
        raise TypeError(f"above_top_target needs a histogram, {metric.name} is a {metric.kind}")
    share = q.share_above(metric, metric.buckets[-1], by, **matchers)
    legend = legend or " ".join(f"{{{{{b}}}}}" for b in by)
    return target(share, f"{ABOVE}{top_bucket(metric)} {legend}".strip())  # rate-interval window


def _flat(targets) -> list[QueryTarget]:
    out = []
    for t in targets:
        out.extend(_flat(t) if isinstance(t, (list, tuple)) else [t])
    return out


def _grid(w: int, h: int) -> g.GridPos:
    if not 1 <= w <= 24:
        raise ValueError(f"panel width {w} is outside 1..24")
    return g.GridPos(h=h, w=w, x=0, y=0)


def _thresholds(steps) -> dict:
    """((None, "green"), (0.05, "red")) -> Grafana's thresholds object."""
    steps = steps or ((None, GREEN),)
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in steps]}


def _steps(steps) -> list[dict]:
    """The steps of _thresholds (grafanalib's `thresholds` attribute of a panel)."""
    return _thresholds(steps)["steps"]


NO_TRAFFIC = "no traffic"


def _matcher(name: str) -> dict:
    """A series name, or `/regex/` for every series whose name matches."""
    if len(name) > 1 and name.startswith("/") and name.endswith("/"):
        return {"id": "byRegexp", "options": name}
    return {"id": "byName", "options": name}


def _overrides(colors: dict | None, right: dict | None = None) -> list:
    """Fixed colours by series name; `right` puts named series (or `/regex/`) on a right axis with their own unit."""
    out = [{"matcher": _matcher(name),
            "properties": [{"id": "color", "value": {"fixedColor": c, "mode": "fixed"}}]}
           for name, c in sorted((colors or {}).items())]
    out += [{"matcher": _matcher(name),
             "properties": [{"id": "unit", "value": unit}, {"id": "custom.axisPlacement", "value": "right"},
                            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}
            for name, unit in sorted((right or {}).items())]
    return out


def timeseries(title: str, *targets, unit: str, desc: str, w: int = 12, h: int = 8,
               stack: bool = False, bars: bool = False, min=None, max=None, thresholds=None,
               colors: dict | None = None, legend_calcs: Sequence[str] = ("mean", "max", "lastNotNull"),
               decimals=None, right: dict | None = None, no_value: str | None = None) -> g.TimeSeries:
    """A time series; `stack` stacks series (shares of a whole), `bars` draws bars,
    `right` maps series names to a unit drawn on a right-hand axis; `thresholds` are drawn
    as dashed lines; `no_value` is shown when no series comes back ("no traffic")."""
    return TimeSeries(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h), unit=unit,
        fillOpacity=60 if stack else 10, stacking={"mode": "normal", "group": "A"} if stack else {"mode": "none"},
        drawStyle="bars" if bars else "line", lineWidth=1, showPoints="never", spanNulls=False,
        legendDisplayMode="table" if legend_calcs else "list", legendPlacement="bottom",
        legendCalcs=list(legend_calcs), tooltipMode="multi", tooltipSort="desc",
        thresholds=_steps(thresholds), thresholdsStyleMode=_threshold_style(thresholds), valueMin=min, valueMax=max,
        valueDecimals=decimals, overrides=_overrides(colors, right), extras=Extras(defaults=_no_value(no_value)),
    )


def _threshold_style(thresholds) -> str:
    """Thresholds drawn on the graph as dashed lines (only when the panel has any)."""
    return "dashed" if thresholds else "off"


def _no_value(no_value: str | None) -> dict:
    return {"noValue": no_value} if no_value else {}


def _min_max(min, max) -> dict:
    return {k: v for k, v in (("min", min), ("max", max)) if v is not None}


def stat(title: str, *targets, unit: str, desc: str, w: int = 6, h: int = 4, thresholds=None,
         calc: str = "lastNotNull", graph: bool = True, color_mode: str = "value", decimals=None,
         min=None, max=None, text_mode: str = "auto", no_value: str | None = None,
         units: dict | None = None) -> g.Stat:
    """A single number (per series): `calc` reduces the range (lastNotNull, mean, max, ...); `units`
    gives named series their own unit."""
    return Stat(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h), format=unit,
        reduceCalc=calc, graphMode="area" if graph else "none", colorMode=color_mode, textMode=text_mode,
        thresholds=_steps(thresholds), color={"mode": "thresholds"} if thresholds else None, decimals=decimals,
        noValue=no_value or "none",  # grafanalib's "no noValue"
        overrides=[{"matcher": _matcher(name), "properties": [{"id": "unit", "value": u}]}
                   for name, u in sorted((units or {}).items())],
        extras=Extras(defaults=_min_max(min, max)),
    )


def gauge(title: str, *targets, unit: str, desc: str, w: int = 6, h: int = 6, min=0, max=1,
          thresholds=None, calc: str = "lastNotNull") -> g.GaugePanel:
    """A gauge between min and max, coloured by thresholds."""
    return GaugePanel(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h), format=unit, min=min, max=max,
        calc=calc, thresholds=_steps(thresholds), thresholdLabels=False, thresholdMarkers=True,
        extras=Extras(defaults={"color": {"mode": "thresholds"}}, options={"orientation": "auto"}),
    )


def bargauge(title: str, *targets, unit: str, desc: str, w: int = 12, h: int = 8, horizontal: bool = True,
             calc: str = "lastNotNull", thresholds=None, min=0, max=None) -> g.BarGauge:
    """Bars per series (a ranking or a distribution), reduced over the range by `calc`, largest first:
    the series become rows (reduce), sorted by value, one bar per row."""
    reducer = {"lastNotNull": "Last *", "last": "Last", "mean": "Mean", "max": "Max", "sum": "Total"}.get(calc, calc)
    return BarGauge(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h), format=unit,
        orientation="horizontal" if horizontal else "vertical", displayMode="gradient", calc=calc, allValues=True,
        min=min, max=max, thresholds=_steps(thresholds),
        transformations=[
            {"id": "reduce", "options": {"reducers": [calc], "mode": "seriesToRows", "includeTimeField": False}},
            {"id": "sortBy", "options": {"fields": {}, "sort": [{"field": reducer, "desc": True}]}}],
        extras=Extras(defaults={"color": {"mode": "thresholds" if thresholds else "palette-classic"}},
                      options={"reduceOptions": {"fields": "/^" + reducer.replace("*", "\\*") + "$/"},
                               "showUnfilled": True, "valueMode": "color", "namePlacement": "auto",
                               "sizing": "auto", "minVizHeight": 16, "minVizWidth": 8, "maxVizHeight": 300}),
    )


def piechart(title: str, *targets, unit: str, desc: str, w: int = 8, h: int = 8, donut: bool = True,
             calc: str = "lastNotNull") -> g.PieChartv2:
    """Shares of a whole; `donut` draws a ring."""
    return PieChart(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h), unit=unit,
        pieType="donut" if donut else "pie", reduceOptionsCalcs=[calc], legendDisplayMode="table",
        legendPlacement="right", legendValues=["value", "percent"], tooltipMode="single", colorMode="palette-classic",
    )


def barchart(title: str, *targets, unit: str, desc: str, w: int = 12, h: int = 8,
             horizontal: bool = False, by: str | None = None, columns: dict | None = None,
             thresholds=None) -> g.BarChart:
    """Bars for instant values by a label: one group per label value (use instant, table targets).

    `by` names that label: the targets' tables are merged into one row per value of it (the
    x axis), and `columns` names their value fields ({"Value #A": "avg latency"}).
    """
    if by:
        transformations = [{"id": "merge", "options": {}},
                           {"id": "organize", "options": {"excludeByName": {"Time": True},
                                                          "renameByName": dict(columns or {})}}]
        options = {"xField": by}
    else:
        transformations, options = [{"id": "joinByField", "options": {"mode": "outer"}}], {}
    style = {"custom": {"thresholdsStyle": {"mode": "dashed"}}} if thresholds else {}
    return BarChart(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h),
        orientation="horizontal" if horizontal else "auto", showValue="auto", xTickLabelRotation=0,
        colorMode="palette-classic", thresholdsMode="absolute", thresholdSteps=_steps(thresholds),
        transformations=transformations, extras=Extras(defaults={"unit": unit, **style}, options=options),
    )


@attr.s(frozen=True)
class Column:
    """One value column of a table: its unit, thresholds (the cell is coloured by them) and decimals."""

    field = attr.ib()  # the field name after merge: "Value #A", ...
    title = attr.ib()
    unit = attr.ib()
    thresholds = attr.ib(default=None)
    decimals = attr.ib(default=None)


def column(field: str, title: str, unit: str, thresholds=None, decimals=None) -> Column:
    return Column(field, title, unit, thresholds, decimals)


def drill_down(title: str, uid: str, variables: Sequence[str]) -> dict:
    """A data link to another dashboard with the clicked row's labels as its variables and the time range kept."""
    params = "&".join(f"var-{v}=${{__data.fields.{v}}}" for v in variables)
    return {"title": title, "url": f"/d/{uid}?{params}&${{__url_time_range}}", "targetBlank": False}


def table(title: str, *targets, unit: str, desc: str, w: int = 24, h: int = 8,
          columns: dict | None = None, sort_by: str | None = None, hide: Sequence[str] = ("Time",),
          cells: Sequence[Column] = (), links: dict | None = None) -> g.Table:
    """A table of instant values; targets should be instant table queries.

    `columns` renames fields ({"Value": "USD"}); `hide` drops fields; `sort_by` sorts descending;
    `cells` give value columns their own unit and thresholds (coloured cells); `links` maps a
    label column to a data link (drill_down) on its cells.
    """
    renames = dict(columns or {})
    renames.update({c.field: c.title for c in cells})
    organize = {"id": "organize", "options": {"excludeByName": {k: True for k in hide},
                                              "renameByName": renames}}
    overrides = []
    for c in cells:
        props = [{"id": "unit", "value": c.unit}]
        if c.decimals is not None:
            props.append({"id": "decimals", "value": c.decimals})
        if c.thresholds:
            props += [{"id": "thresholds", "value": _thresholds(c.thresholds)},
                      {"id": "custom.cellOptions", "value": {"type": "color-text"}}]
        overrides.append({"matcher": {"id": "byName", "options": c.title}, "properties": props})
    for name, link in sorted((links or {}).items()):
        overrides.append({"matcher": {"id": "byName", "options": name},
                          "properties": [{"id": "links", "value": [link]}]})
    return Table(
        title=title, description=desc, targets=_flat(targets), gridPos=_grid(w, h), unit=unit,
        showHeader=True, filterable=False,
        sortBy=[g.TableSortByField(displayName=sort_by, desc=True)] if sort_by else [],
        overrides=overrides, transformations=[{"id": "merge", "options": {}}, organize],
        extras=Extras(options={"cellHeight": "sm"}),  # no footer: hidden by default, gone from Grafana 12's type
    )


def text(title: str, content: str, w: int = 24, h: int = 3, desc: str = "") -> g.Text:
    """Markdown text (a note, a version label)."""
    return g.Text(title=title, content=content, mode="markdown", gridPos=_grid(w, h), description=desc or title)


def row(title: str, *panels, collapsed: bool = False) -> g.RowPanel:
    """A row header; its panels follow it on the grid (inside it when collapsed)."""
    return g.RowPanel(title=title, panels=list(panels), collapsed=collapsed, gridPos=_grid(24, 1))


def board(settings, *, uid: str, title: str, folder: str, desc: str, rows: Sequence[g.RowPanel],
          variables: Sequence[Var] = (), tags: Sequence[str] = (), links: Sequence[dict] = (),
          lint_exceptions: Sequence[tuple[str, str, str]] = (), marks: Sequence[Annotation] = ()) -> Board:
    """A dashboard: rows in screen order; `variables` after the implicit `datasource` variable."""
    return Board(
        uid=uid, title=f"{settings.title_prefix}{title}", description=desc, folder=folder,
        variables=tuple(variables), panels=list(rows), tags=sorted({*settings.tags, *tags}),
        links=list(links), refresh=settings.refresh, time=g.Time(settings.time_from, "now"),
        graphTooltip=1, timezone="browser", lint_exceptions=tuple(lint_exceptions), marks=tuple(marks),
    )


def dashboard_link(title: str, tags: Sequence[str]) -> dict:
    """A dropdown of the dashboards that carry these tags, keeping time range and variables."""
    return {"asDropdown": True, "includeVars": True, "keepTime": True, "tags": list(tags),
            "title": title, "type": "dashboards", "icon": "external link", "targetBlank": False,
            "tooltip": "", "url": ""}
