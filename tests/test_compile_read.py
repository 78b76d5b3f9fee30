"""compile reads grafanalib panels from their attributes (dashctl/compile/viz.py): a panel a user brings
(not made by our kit) compiles to what grafanalib itself says about it, in the form Grafana 10.4+ reads,
and our kit uses no grafanalib `extraJson`."""

from __future__ import annotations

import ast
from pathlib import Path

import grafanalib.core as g
import pytest

from conftest import ROOT
from llm_gateway_dashboards.dashctl.compile import compile_board, to_v2, viz
from llm_gateway_dashboards.panels import kit

SAME_AS_ENCODED = [
    g.TimeSeries(title="t", unit="s", legendCalcs=["max"], stacking={"mode": "normal"}, valueMin=0, valueDecimals=2,
                 thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 3}],
                 thresholdsStyleMode="line",
                 overrides=[{"matcher": {"id": "byName", "options": "a"}, "properties": []}]),
    g.Stat(title="s", format="percentunit", reduceCalc="max", decimals=1, noValue="-", color={"mode": "fixed"},
           alignment="center", orientation="vertical", textMode="value", graphMode="none", colorMode="background"),
    g.Stat(title="s2"),
    g.PieChartv2(title="p", unit="short", pieType="donut", legendValues=["percent"]),
    g.BarChart(title="b", orientation="horizontal", colorMode="fixed", fixedColor="red", showValue="never"),
    g.Table(title="tb", unit="bytes", sortBy=[g.TableSortByField(displayName="x", desc=True)], filterable=True),
    g.Text(title="x", content="*hi*", mode="markdown"),
]


@pytest.mark.parametrize("panel", SAME_AS_ENCODED, ids=lambda p: type(p).__name__)
def test_a_foreign_panel_reads_as_grafanalib_encodes_it(panel):
    """The attribute reader of each class the kit uses says what grafanalib's own encoding says."""
    read, encoded = viz.read(panel), viz._encoded(panel)
    assert read.encoding is None and encoded.encoding is not None
    assert (read.type, read.options, read.defaults, read.overrides) == \
        (encoded.type, encoded.options, encoded.defaults, encoded.overrides)


def test_gauges_read_their_attributes_where_grafanalib_writes_legacy_field_options():
    """grafanalib 0.7 puts a bar gauge's unit, min, max and calculation under the legacy
    `options.fieldOptions` (Grafana < 7); compile reads them into the modern places."""
    bar = viz.read(g.BarGauge(title="b", format="ms", min=1, max=9, calc="max", thresholdLabels=True))
    assert bar.defaults == {"unit": "ms", "min": 1, "max": 9, "thresholds": {  # grafanalib's default steps
        "mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80.0}]}}
    assert bar.options == {"displayMode": "lcd", "orientation": "horizontal",
                           "reduceOptions": {"calcs": ["max"], "fields": "", "values": False}}  # no gauge-only switch
    gauge = viz.read(g.GaugePanel(title="g", format="percent", calc="last", thresholdMarkers=False))
    assert gauge.options["reduceOptions"]["calcs"] == ["last"] and gauge.options["showThresholdMarkers"] is False
    assert (gauge.defaults["unit"], gauge.defaults["min"], gauge.defaults["max"]) == ("percent", 0, 100)


def test_a_panel_carrying_extra_json_keeps_it(settings):
    """grafanalib's extraJson is JSON: such a panel is read from its own encoding, extraJson included."""
    panel = g.TimeSeries(title="custom", description="d", unit="s", gridPos=g.GridPos(h=8, w=12, x=0, y=0),
                         targets=[g.Target(expr="up", legendFormat="{{job}}")],
                         extraJson={"options": {"legend": {"showLegend": False}}, "fieldConfig": {
                             "defaults": {"custom": {"lineWidth": 3}}}})
    board = kit.board(settings, uid="x", title="x", folder="F", desc="d", rows=[kit.row("R", panel)])
    got = compile_board(board, settings).model["panels"][1]
    assert got["options"]["legend"]["showLegend"] is False
    assert got["fieldConfig"]["defaults"]["custom"]["lineWidth"] == 3
    assert got["targets"][0]["expr"] == "up" and got["fieldConfig"]["defaults"]["unit"] == "s"
    element = to_v2(compile_board(board, settings))["spec"]["elements"]["panel-2"]["spec"]
    assert element["vizConfig"]["spec"]["options"] == got["options"]


def test_the_kit_writes_no_extra_json():
    """The kit states Grafana options as grafanalib attributes and kit.Extras, never as extraJson."""
    source = (ROOT / "panels" / "kit.py").read_text()
    names = {n.arg for n in ast.walk(ast.parse(source)) if isinstance(n, ast.keyword)}
    assert "extraJson" not in names
    for panel in (kit.timeseries("t", unit="s", desc="d", thresholds=((None, "green"), (1, "red"))),
                  kit.stat("s", unit="s", desc="d", min=0), kit.gauge("g", unit="s", desc="d"),
                  kit.bargauge("b", unit="s", desc="d"), kit.piechart("p", unit="s", desc="d"),
                  kit.barchart("c", unit="s", desc="d", by="model"), kit.table("t", unit="s", desc="d"),
                  kit.text("x", "y")):
        assert panel.extraJson is None and viz.read(panel).encoding is None, panel.title
    assert Path(viz.__file__).parent.name == "compile"
