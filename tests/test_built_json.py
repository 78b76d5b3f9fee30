"""What Grafana would load: checks on the JSON of every built dashboard."""

import json

import promql_parser as pp
import pytest

from conftest import FIXTURES, iter_panels
from llm_gateway_dashboards.panels.catalog import default_catalog
from promql import parse, range_windows, selectors

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _queries(model):
    for p in iter_panels(model):
        for t in p.get("targets", []):
            yield p, t


@pytest.fixture(scope="module")
def all_models(models):
    assert len(models) >= 5
    return models


def test_schema_version_is_pinned(all_models):
    for uid, m in all_models.items():
        assert m["schemaVersion"] == 39, uid
        assert "rows" not in m and "style" not in m and "sharedCrosshair" not in m, uid


def test_gridpos_present_within_24_columns_and_not_overlapping(all_models):
    for uid, m in all_models.items():
        taken = {}
        for p in m["panels"]:  # top level: expanded rows and their panels
            g = p["gridPos"]
            assert 1 <= g["w"] and g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] >= 1, (uid, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    assert (x, y) not in taken, f"{uid}: {p['title']!r} overlaps {taken[(x, y)]!r}"
                    taken[(x, y)] = p["title"]


def test_ids_and_refids_are_unique(all_models):
    for uid, m in all_models.items():
        ids = [p["id"] for p in iter_panels(m)]
        assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids), uid
        for p in iter_panels(m):
            refs = [t["refId"] for t in p.get("targets", [])]
            assert len(refs) == len(set(refs)), (uid, p["title"])


def test_datasource_objects_bound_to_the_variable(all_models):
    for uid, m in all_models.items():
        names = [v["name"] for v in m["templating"]["list"]]
        assert names[0] == "datasource" and m["templating"]["list"][0]["type"] == "datasource", uid
        for v in m["templating"]["list"][1:]:
            assert v["datasource"] == DATASOURCE, (uid, v["name"])
        for p, t in _queries(m):
            assert p["datasource"] == DATASOURCE and t["datasource"] == DATASOURCE, (uid, p["title"])


def test_every_rate_range_is_rate_interval(all_models, settings):
    count = 0
    slo = f"[{settings.slo_window}]"  # the SLO panels count over the objective's window, a setting
    for uid, m in all_models.items():
        for p, t in _queries(m):
            for fn, window in range_windows(t["expr"]):
                count += 1
                if fn in ("rate", "irate"):
                    assert window == "$__rate_interval", (uid, p["title"], t["expr"])
                elif window.endswith(":$__interval"):  # a subquery stepping with the panel
                    assert window.split(":")[0] in ("$__range", "$__interval"), (uid, p["title"], t["expr"])
                elif slo in t["expr"]:
                    assert window in ("$__range", "$__rate_interval", settings.slo_window), (uid, p["title"])
                else:  # totals over the selected range
                    assert window in ("$__range", "$__rate_interval"), (uid, p["title"], t["expr"])
            assert "clamp_min" not in t["expr"], (uid, p["title"])
    assert count > 50


def test_every_panel_has_unit_and_description(all_models):
    for uid, m in all_models.items():
        for p in iter_panels(m):
            if p["type"] in ("row", "text"):
                continue
            assert p["fieldConfig"]["defaults"].get("unit"), (uid, p["title"], "unit")
            assert len(p.get("description", "")) > 20, (uid, p["title"], "description")


def test_every_query_parses_and_names_catalog_metrics_and_labels(all_models, settings):
    cat = default_catalog(settings.spanmetrics_namespace)
    for uid, m in all_models.items():
        for p, t in _queries(m):
            parse(t["expr"])  # syntax
            for vs in selectors(t["expr"]):
                metric = cat.by_series(vs.name)
                assert metric, f"{uid} / {p['title']}: {vs.name} is not in the catalog"
                for matcher in vs.matchers.matchers:
                    assert matcher.name in metric.all_labels, (uid, p["title"], vs.name, matcher.name)


def _walk(node) -> list:
    out = []
    pp.walk(node, out.append)
    return out


def test_grouping_labels_exist_on_the_grouped_metrics(all_models, settings):
    cat = default_catalog(settings.spanmetrics_namespace)
    for uid, m in all_models.items():
        for p, t in _queries(m):
            for agg in (n for n in _walk(parse(t["expr"])) if isinstance(n, pp.AggregateExpr) and n.modifier):
                for vs in (n for n in _walk(agg.expr) if isinstance(n, pp.VectorSelector)):
                    for label in agg.modifier.labels:
                        assert label in cat.by_series(vs.name).all_labels, (uid, p["title"], label)


def test_bytes_are_sorted_indented_and_deterministic(report, settings):
    from llm_gateway_dashboards.dashctl.builder import build

    again = build(settings).by_uid()
    for d in report.dashboards:
        assert again[d.uid].data == d.data
        assert d.data == (json.dumps(json.loads(d.data), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


# The 15 panels of the upstream brightstaff dashboard and their improved counterparts.
UPSTREAM_COUNTERPARTS = {
    "Rate — brightstaff RPS by handler": "Request rate by handler",
    "Errors — brightstaff 5xx rate": "5xx error ratio",
    "Duration — p50 / p95 / p99 by handler": "Time to response headers p50 / p95 / p99 by handler",
    "In-flight requests by handler": "In-flight requests by handler (until response headers)",
    "LLM upstream p95 by provider/model": "LLM upstream p95 by provider / model",
    "LLM upstream errors by provider / class": "Upstream errors by provider / status / error class",
    "Time-to-first-token p95 (streaming)": "Time to first byte p95 (every response with a body)",
    "Token throughput by provider / model / kind": "Token throughput by provider / model / kind",
    "Model selection distribution (last 15m)": "Model selection distribution (selected range)",
    "Fallback rate by route": "Fallback and router-error ratio (routing decisions)",
    "Router decision p95 latency": "Router decision latency p50 / p95 / p99",
    "Session cache hit rate": "Session cache hit ratio",
    "/routing/* outcomes": "/routing/* outcomes",
    "Envoy → brightstaff link health": "Envoy → brightstaff link health",
    "Brightstaff process RSS / CPU": "Brightstaff process RSS / CPU",
}


def test_brightstaff_has_a_counterpart_for_each_upstream_panel(models):
    upstream = json.loads((FIXTURES / "plano" / "brightstaff_dashboard.json").read_text())
    ours = {p["title"]: p for p in iter_panels(models["brightstaff"])}
    up_panels = [p for p in upstream["panels"] if p["type"] != "row"]
    assert len(up_panels) == 15 and set(UPSTREAM_COUNTERPARTS) == {p["title"] for p in up_panels}
    for p in up_panels:
        mine = ours[UPSTREAM_COUNTERPARTS[p["title"]]]
        assert mine["type"] == p["type"] or {mine["type"], p["type"]} <= {"timeseries", "stat"}, p["title"]
    up_rows = [p["title"] for p in upstream["panels"] if p["type"] == "row"]
    ours = [p["title"] for p in models["brightstaff"]["panels"] if p["type"] == "row"]
    assert ours[:3] == ["Golden signals", "LLM upstream SLO", "Providers and models"]  # on-call first
    assert up_rows == ours[3:]


def test_brightstaff_fixes_the_upstream_flaws(models):
    by_title = {p["title"]: p for p in iter_panels(models["brightstaff"])}
    errors = by_title["Upstream errors by provider / status / error class"]["targets"][0]["expr"]
    assert 'status_class=~"4xx|5xx|error"' in errors and 'error_class!="none"' in errors
    hit = by_title["Session cache hit ratio"]["targets"][0]["expr"]
    assert 'outcome=~"hit|miss|error"' in hit
    exprs = " ".join(t["expr"] for p in by_title.values() for t in p.get("targets", []))
    assert "[1m]" not in exprs and "[5m]" not in exprs and "[15m]" not in exprs
    for metric in ("brightstaff_prompt_cache_requests_total", "brightstaff_session_switch_decisions_total",
                   "brightstaff_router_skips_total", "brightstaff_llm_tokens_usage_missing_total",
                   "brightstaff_build_info"):
        assert metric in exprs, metric


def test_no_holes_in_the_grid(all_models):
    """Each shelf of panels (one y) fills the 24 columns with panels of one height."""
    holes = []
    for uid, m in all_models.items():
        shelves: dict[int, list[dict]] = {}
        for p in m["panels"]:
            if p["type"] != "row":
                shelves.setdefault(p["gridPos"]["y"], []).append(p)
        for y, panels in shelves.items():
            sizes = [(p["title"], p["gridPos"]["w"], p["gridPos"]["h"]) for p in panels]
            holes.extend([(uid, y, sizes)] if sum(w for _, w, _ in sizes) != 24 or len({h for *_, h in sizes}) != 1
                         else [])
    assert not holes, "\n".join(map(str, holes))
