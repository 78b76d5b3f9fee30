"""The LLM Observability dashboards and the two trace/cost Plano dashboards, as Grafana gets them."""

import json
import re

import attrs
import pytest

from conftest import FIXTURES, iter_panels, run_dashctl
from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.panels.catalog import spanmetrics_source
from llm_gateway_dashboards.panels.settings import Settings
from promql import selectors

FOUNDATION = {"brightstaff", "plano-http-red", "plano-llm-upstream", "plano-routing", "plano-process"}
LLM_FOLDER = {
    "llm-latency-ttft-dashboard": ("LLM Latency & TTFT", [
        "End-to-end latency p50 / p95 / p99 by model", "Time to first token p50 / p95 / p99 by model (streaming)",
        "Average latency vs average TTFT by model (selected range)", "Request rate by model",
        "Tokens per second by model (prompt / completion)", "Time per output token by model (streaming)"]),
    "llm-cost-dashboard": ("LLM Cost", [
        "Cumulative cost over the selected range by service / model", "Cost distribution by model (selected range)",
        "Cost by service (selected range)", "Cost rate by service / model (USD/hour)",
        "Top spenders (selected range)", "Total cost (selected range)"]),
    "llm-error-retry-dashboard": ("LLM Error & Retry", [
        "Success vs error rate", "Error ratio", "Finish reason distribution (selected range)",
        "Retry rate (selected range)", "Errors by provider / model", "Error ratio by provider / model"]),
    "llm-security-safety-dashboard": ("LLM Security & Safety", [
        "PII detections per second by service", "Injection attempts per second by service",
        "Security violations (selected range)", "PII detections per call by service",
        "Injection attempts per call by service"]),
}
PLANO_NEW = {
    "plano-requests-overview": ("Plano - Requests Overview", [
        "LLM requests / sec by model", "Agent requests / sec by agent", "Total requests / sec by service",
        "Rate-limited requests / sec", "LLM request latency p50 / p95 / p99 by model",
        "Cumulative request count by model (selected range)", "Error ratio by service"]),
    "plano-llm-cost": ("Plano - LLM Cost", [
        "Spend (selected range)", "Spend rate now (USD/hour)", "Spend rate by provider / model (USD/hour)",
        "Spend by provider / model (selected range)", "Prompt vs completion spend (selected range)",
        "Tokens without a price"]),
}


def _panels(model):
    return {p["title"]: p for p in iter_panels(model)}


def _exprs(model):
    return [t["expr"] for p in iter_panels(model) for t in p.get("targets", [])]


def test_all_dashboards_build_into_their_folders(report, models):
    assert FOUNDATION | set(LLM_FOLDER) | set(PLANO_NEW) <= set(models)
    folders = {d.uid: d.folder for d in report.dashboards}
    assert {folders[uid] for uid in LLM_FOLDER} == {"LLM Observability"}
    assert {folders[uid] for uid in set(PLANO_NEW) | FOUNDATION} == {"Plano"}
    for uid, (title, wanted) in {**LLM_FOLDER, **PLANO_NEW}.items():
        m = models[uid]
        assert m["title"] == title, uid
        missing = set(wanted) - set(_panels(m))
        assert not missing, (uid, missing)


def test_cli_writes_each_dashboard_to_its_folder(tmp_path):
    r = run_dashctl("build", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    files = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json") if ".dashctl" not in p.parts}
    assert {f"LLM Observability/{uid}.json" for uid in LLM_FOLDER} <= files
    assert {f"Plano/{uid}.json" for uid in set(PLANO_NEW) | FOUNDATION} <= files


def test_llm_dashboards_filter_service_provider_model(models):
    for uid in LLM_FOLDER:
        variables = models[uid]["templating"]["list"]
        assert [v["name"] for v in variables] == ["datasource", "service_name", "provider", "model"], uid
        assert all(v["multi"] and v["includeAll"] for v in variables[1:]), uid
        # each query filters the labels its metric has, and only those
        for p in iter_panels(models[uid]):
            for t in p.get("targets", []):
                for vs in selectors(t["expr"]):
                    names = {m.name for m in vs.matchers.matchers}
                    assert "service_name" in names, (uid, p["title"])
                    if vs.name.startswith(("llm_pii", "llm_injection")):
                        assert names == {"service_name"}, (uid, p["title"])


def test_security_shares_do_not_filter_calls_by_a_label_the_detections_lack(models):
    panels = _panels(models["llm-security-safety-dashboard"])
    for title in ("PII detections per call by service", "Injection attempts per call by service"):
        expr = panels[title]["targets"][0]["expr"]
        assert "llm_spans_total" in expr and "$model" not in expr and "$provider" not in expr, title


def test_cost_from_micro_usd_and_top_spenders(models):
    panels = _panels(models["llm-cost-dashboard"])
    for p in panels.values():
        if p["type"] != "row":
            assert p["fieldConfig"]["defaults"]["unit"] == "currencyUSD", p["title"]
            assert all(t["expr"].endswith("/ 1000000") or "/ 1000000)" in t["expr"] for t in p["targets"]), p["title"]
    top = panels["Top spenders (selected range)"]["targets"][0]
    assert top["instant"] and top["format"] == "table" and top["expr"].startswith("topk (10, sum by (")
    assert panels["Cost distribution by model (selected range)"]["options"]["pieType"] == "donut"
    assert panels["Cost by service (selected range)"]["options"]["orientation"] == "horizontal"


def test_retry_gauge_and_finish_reasons(models):
    panels = _panels(models["llm-error-retry-dashboard"])
    gauge = panels["Retry rate (selected range)"]
    assert gauge["type"] == "gauge" and gauge["fieldConfig"]["defaults"]["unit"] == "percentunit"
    assert 'has_retries="true"' in gauge["targets"][0]["expr"]
    assert "by (finish_reason)" in panels["Finish reason distribution (selected range)"]["targets"][0]["expr"]
    assert panels["Success vs error rate"]["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal"


def test_latency_vs_ttft_bars_share_one_row_per_model(models):
    bar = _panels(models["llm-latency-ttft-dashboard"])["Average latency vs average TTFT by model (selected range)"]
    assert bar["type"] == "barchart" and bar["options"]["xField"] == "model"
    assert [t["id"] for t in bar["transformations"]] == ["merge", "organize"]
    assert all(t["instant"] and t["format"] == "table" for t in bar["targets"])


# --- Plano - Requests Overview --------------------------------------------------------------------
UPSTREAM_COUNTERPARTS = {
    "LLM Requests / sec by Model": "LLM requests / sec by model",
    "Agent Requests / sec by Agent": "Agent requests / sec by agent",
    "Total LLM Requests / sec": "Total requests / sec by service",
    "Rate-Limited Requests / sec": "Rate-limited requests / sec",
    "LLM Request Latency p50 / p95 / p99 by Model": "LLM request latency p50 / p95 / p99 by model",
    "Cumulative Request Count by Model": "Cumulative request count by model (selected range)",
}


def test_requests_overview_has_each_upstream_panel_and_error_ratio(models):
    upstream = json.loads((FIXTURES / "plano" / "plano-requests.json").read_text())
    assert {p["title"] for p in upstream["panels"]} == set(UPSTREAM_COUNTERPARTS)
    ours = _panels(models["plano-requests-overview"])
    for p in upstream["panels"]:
        mine = ours[UPSTREAM_COUNTERPARTS[p["title"]]]
        assert mine["type"] == p["type"], p["title"]
        unit = p["fieldConfig"]["defaults"]["unit"]
        assert mine["fieldConfig"]["defaults"]["unit"] == ("suffix: requests" if unit == "short" else unit), p["title"]
    count = ours["Cumulative request count by model (selected range)"]["targets"][0]["expr"]
    assert count.startswith("sum by (llm_model) (increase(calls_total{") and "[$__range]" in count
    errors = ours["Error ratio by service"]["targets"][0]["expr"]
    assert 'status_code="STATUS_CODE_ERROR"' in errors


def _ratelimit_expr(settings):
    rep = build(settings, only=["plano-requests-overview"])
    assert rep.ok, [e.one_line() for e in rep.errors]
    return _panels(json.loads(rep.dashboards[0].data))["Rate-limited requests / sec"]["targets"][0]["expr"]


def test_rate_limit_panel_accepts_todays_and_older_envoy_names(models):
    expr = _panels(models["plano-requests-overview"])["Rate-limited requests / sec"]["targets"][0]["expr"]
    assert expr == 'sum (rate(ratelimited_rq{job="envoy"}[$__rate_interval]))'  # Envoy >= 1.20, the default
    assert _ratelimit_expr(Settings(ratelimit_metrics=("ratelimited_rq", "envoy_ratelimited_rq"))) == (
        'sum (rate(ratelimited_rq{job="envoy"}[$__rate_interval]) or '
        'rate(envoy_ratelimited_rq{job="envoy"}[$__rate_interval]))')
    assert _ratelimit_expr(Settings(ratelimit_metrics="envoy_wasmcustom_ratelimited_rq")) == (
        'sum (rate(envoy_wasmcustom_ratelimited_rq{job="envoy"}[$__rate_interval]))')


# --- the spanmetrics namespace setting ------------------------------------------------------------
SPAN_SERIES = re.compile(r"\b(calls_total|duration_milliseconds_(?:bucket|sum|count))\b")


def _targets(report):
    out = {}
    for d in report.dashboards:
        model = json.loads(d.data)
        for p in iter_panels(model):
            for i, t in enumerate(p.get("targets", [])):
                out[(d.uid, p["id"], i)] = t["expr"]
                t["expr"] = "<expr>"
        out[d.uid] = model  # everything but the queries
    return out


@pytest.mark.parametrize("namespace", ["traces_span_metrics", "otel"])
def test_namespace_setting_renames_every_spanmetrics_query_and_nothing_else(report, namespace):
    other = build(attrs.evolve(Settings(), spanmetrics_namespace=namespace))
    assert other.ok, [e.one_line() for e in other.errors]
    before, after = _targets(report), _targets(other)
    assert before.keys() == after.keys()
    span_names = {s for m in spanmetrics_source("").metrics for s in m.series}
    renamed = 0
    for key, old in before.items():
        new = after[key]
        if isinstance(old, dict):
            assert new == old, f"{key}: the dashboard changed beyond its queries"
        elif SPAN_SERIES.search(old):
            renamed += 1
            assert new == SPAN_SERIES.sub(lambda m: f"{namespace}_{m.group(1)}", old), key
            assert {vs.name for vs in selectors(new)} <= {f"{namespace}_{s}" for s in span_names} | {
                vs.name for vs in selectors(old) if vs.name not in span_names}, key
        else:
            assert new == old, f"{key}: a query without spanmetrics changed"
    assert renamed >= 8  # every query of Plano - Requests Overview but the Envoy rate-limit one


# --- the panels an on-call engineer opens first ----------------------------------------------------
def _rows(model):
    return [p["title"] for p in model["panels"] if p["type"] == "row"]


def _row_panels(model, row):
    out, inside = [], False
    for p in model["panels"]:
        if p["type"] == "row":
            inside = p["title"] == row
        elif inside:
            out.append(p)
    return out


@pytest.mark.parametrize("uid, words", [("brightstaff", ("Traffic", "Errors", "Latency", "Saturation")),
                                        ("plano-requests-overview", ("Traffic", "Errors", "Latency", "Saturation"))])
def test_golden_signals_row_is_first(models, uid, words):
    assert _rows(models[uid])[0] == "Golden signals"
    panels = _row_panels(models[uid], "Golden signals")
    assert [p["title"].split(":")[0] for p in panels] == list(words)
    assert all(p["type"] == "stat" and p["targets"] for p in panels)


def test_slo_row_follows_the_settings(models):
    panels = {p["title"]: p for p in _row_panels(models["brightstaff"], "LLM upstream SLO")}
    assert set(panels) == {"Availability (30d)", "Error budget left (30d)", "Requests within 10 s (30d)",
                           "Error budget burn rate"}
    assert "[30d]" in panels["Error budget left (30d)"]["targets"][0]["expr"]
    assert panels["Availability (30d)"]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] == 0.99
    assert 'le=~"10(\\\\.0*)?"' in panels["Requests within 10 s (30d)"]["targets"][0]["expr"]
    other = build(Settings(slo_availability=0.995, slo_window="7d", slo_latency_seconds=30), only=["brightstaff"])
    assert other.ok, [e.one_line() for e in other.errors]
    titles = {p["title"]: p for p in iter_panels(json.loads(other.dashboards[0].data))}
    assert "[7d]" in titles["Error budget left (7d)"]["targets"][0]["expr"] and "Requests within 30 s (7d)" in titles
    assert titles["Availability (7d)"]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] == 0.995
    assert "/ 0.005" in titles["Error budget burn rate"]["targets"][0]["expr"]


@pytest.mark.parametrize("uid", ["brightstaff", "plano-llm-upstream"])
def test_scorecard_has_a_unit_and_thresholds_per_cell_and_drills_down(models, uid):
    table = _panels(models[uid])["Provider / model scorecard (now)"]
    assert table["type"] == "table" and len(table["targets"]) == 8
    assert all(t["instant"] and t["format"] == "table" for t in table["targets"])
    cells = {o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
             for o in table["fieldConfig"]["overrides"]}
    units = {name: props.get("unit") for name, props in cells.items() if "unit" in props}
    assert units == {"requests/s": "reqps", "error %": "percentunit", "p50 latency": "s", "p95 latency": "s",
                     "p95 first byte": "s", "tokens/s": "suffix: tok/s", "USD/h": "currencyUSD",
                     "cache-read share": "percentunit"}
    for name in ("error %", "p50 latency", "p95 latency", "p95 first byte", "cache-read share"):
        assert len(cells[name]["thresholds"]["steps"]) == 3, name
    for label in ("provider", "model"):
        link = cells[label]["links"][0]
        assert link["url"] == ("/d/plano-llm-upstream?var-provider=${__data.fields.provider}"
                               "&var-model=${__data.fields.model}&${__url_time_range}")
    assert table["options"]["sortBy"][0]["displayName"] == "requests/s"


def test_envoy_llm_filter_row_says_token_counts_are_estimates(models):
    panels = _row_panels(models["plano-llm-upstream"], "Envoy LLM filter (all models; token counts are estimates)")
    names = {vs.name.rsplit("_bucket", 1)[0] for p in panels for t in p["targets"] for vs in selectors(t["expr"])}
    assert names == {"time_to_first_token", "time_per_output_token", "request_latency", "tokens_per_second",
                     "input_sequence_length", "output_sequence_length"}
    for p in panels:
        if any(w in p["title"] for w in ("token", "length")) and "first token" not in p["title"]:
            assert "estimates" in p["description"], p["title"]


def test_new_cost_security_and_forecast_panels(models):
    cost = _panels(models["plano-llm-cost"])
    for title in ("Prompt cache savings by provider / model (selected range)",
                  "Cost per request by provider / model (selected range)",
                  "Cost per 1,000 tokens by provider / model (selected range)",
                  "SDK-reported spend by service (selected range)"):
        assert cost[title]["fieldConfig"]["defaults"]["unit"] == "currencyUSD", title
    assert "Never add" in cost["SDK-reported spend by service (selected range)"]["description"]
    band = _panels(models["llm-cost-dashboard"])["Cost forecast band (p10 / mean / p90)"]
    assert [t["legendFormat"] for t in band["targets"]] == ["p10", "mean", "p90"]
    assert all("_usd_micro" in t["expr"] and t["expr"].endswith("/ 1000000") for t in band["targets"])
    security = _panels(models["llm-security-safety-dashboard"])
    assert "llm_toxicity_detected_total" in security["Toxicity detections per second by service"]["targets"][0]["expr"]
    score = security["Mean toxicity score by model"]["targets"][0]["expr"]
    assert "llm_toxicity_score_sum" in score and "_bucket" not in score


def test_annotations_mark_restarts_and_price_versions(models):
    def marks(uid):  # the event marks, after the built-in annotations and the alert overlay
        return [m for m in models[uid]["annotations"]["list"][1:] if m["name"] != "Alerts firing"]

    for uid in ("brightstaff", "plano-llm-upstream", "plano-routing", "plano-http-red", "plano-process"):
        assert [m["name"] for m in marks(uid)] == ["brightstaff restarts"], uid
        assert marks(uid)[0]["target"]["expr"].startswith(
            'sum (resets(brightstaff_http_requests_total{job="brightstaff"')
    for uid in LLM_FOLDER:
        assert "resets(llm_spans_total" in marks(uid)[0]["target"]["expr"], uid
    prices = marks("plano-llm-cost")
    assert prices and prices[0]["name"] == "price file 2025-10-01"
    assert prices[0]["target"]["expr"] == "abs(vector(time()) - 1759276800) < 60"


def test_bar_gauges_are_sorted_largest_first(models):
    seen = 0
    for uid, model in models.items():
        for p in iter_panels(model):
            if p["type"] == "bargauge":
                seen += 1
                steps = [t["id"] for t in p["transformations"]]
                assert steps == ["reduce", "sortBy"], (uid, p["title"])
                assert p["transformations"][1]["options"]["sort"][0]["desc"] is True
    assert seen >= 6


def test_units_are_real_and_ratios_and_latencies_have_thresholds(models):
    for uid, model in models.items():
        for p in iter_panels(model):
            if p["type"] in ("row", "text"):
                continue
            defaults = p["fieldConfig"]["defaults"]
            assert defaults["unit"] != "short", (uid, p["title"])
            if defaults["unit"] in ("percentunit", "s", "ms") and p["type"] != "table":
                assert len(defaults["thresholds"]["steps"]) >= 2, (uid, p["title"])


def test_the_plano_llm_dashboards_link_to_the_otel_genai_ones(models):
    """Where the same LLM request shows in both (upstream calls, their cost, the overview), a
    dropdown leads to the OTel GenAI dashboards, and they lead back to Plano's."""
    for uid in ("plano-llm-upstream", "plano-llm-cost", "plano-requests-overview"):
        assert ["otel-genai"] in [link["tags"] for link in models[uid]["links"]], uid
    genai = {uid for uid, m in models.items() if "otel-genai" in m["tags"]}
    assert len(genai) == 3
    for uid in genai:
        assert ["plano"] in [link["tags"] for link in models[uid]["links"]], uid
