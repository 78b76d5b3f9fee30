"""Every wrong number of issue 14, one named test each: the built query has the shape that gives
the right number (the Prometheus values themselves are proved against a simulator's ground truth
elsewhere). Each test failed on the code before its fix."""

from __future__ import annotations

import json

import attrs
import promql_parser as pp
import pytest

from conftest import iter_panels
from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.panels.catalog import default_catalog
from llm_gateway_dashboards.panels.settings import Settings
from promql import parse, selectors


def _panel(models, uid, title):
    panels = {p["title"]: p for p in iter_panels(models[uid])}
    assert title in panels, f"{uid} has no panel {title!r}: {sorted(panels)}"
    return panels[title]


def _exprs(models, uid, title):
    return [t["expr"] for t in _panel(models, uid, title).get("targets", [])]


def _built(settings, uid):
    rep = build(settings, only=[uid])
    assert rep.ok, [e.one_line() for e in rep.errors]
    return {uid: json.loads(rep.dashboards[0].data)}


def _nodes(expr):
    out = []
    pp.walk(parse(expr), out.append)
    return out


def _aggregates_joined_by_or(expr) -> bool:
    """`sum(...) or sum(...)`: a set operator between two aggregates (keeps only the left where both exist)."""
    for n in _nodes(expr):
        if isinstance(n, pp.BinaryExpr) and str(n.op).lower().endswith("or"):
            sides = [n.lhs, n.rhs]
            while any(isinstance(x, pp.ParenExpr) for x in sides):
                sides = [x.expr if isinstance(x, pp.ParenExpr) else x for x in sides]
            if all(isinstance(x, pp.AggregateExpr) for x in sides):
                return True
    return False


# --- "Upstream error ratio by provider": `or` of two overlapping aggregates lost stream/connect errors
@pytest.mark.parametrize("uid, title", [("plano-llm-upstream", "Upstream error ratio by provider"),
                                        ("plano-llm-upstream", "Upstream errors by provider / status / error class"),
                                        ("brightstaff", "Upstream errors by provider / status / error class"),
                                        ("brightstaff", "Errors: failed LLM requests")])
def test_upstream_errors_count_each_failed_request_once(models, uid, title):
    expr = _exprs(models, uid, title)[0]
    assert not _aggregates_joined_by_or(expr), expr
    # two disjoint selections inside one sum: failed status without the stream copy, and every non-"none"
    # error class of a status that is not a failure
    assert 'status_class=~"4xx|5xx|error", error_class!="stream"' in expr
    assert 'status_class!~"4xx|5xx|error", error_class!="none"' in expr


# --- stream failures are counted twice (error_class="stream" and again "none"): out of totals and ratios
@pytest.mark.parametrize("uid, title", [("plano-llm-upstream", "Upstream request rate by provider / model"),
                                        ("plano-llm-upstream", "Upstream error ratio by provider"),
                                        ("brightstaff", "Traffic: LLM requests / s")])
def test_stream_double_count_is_out_of_totals_and_ratios(models, uid, title):
    expr = _exprs(models, uid, title)[0]
    totals = [vs for vs in selectors(expr) if vs.name == "brightstaff_llm_upstream_requests_total"
              and not any(m.name == "status_class" for m in vs.matchers.matchers)]
    assert totals, expr
    for vs in totals:  # every total: error_class!="stream"
        assert any(m.name == "error_class" and str(m.op) == "MatchOp.NotEqual" and m.value == "stream"
                   for m in vs.matchers.matchers), expr


# --- plano-llm-cost billed the cached tokens twice for OpenAI-convention providers
def test_cost_bills_cached_tokens_once_per_provider_convention(models):
    spend = _exprs(models, "plano-llm-cost", "Spend (selected range)")[0]
    # the cache_read inside an OpenAI-convention prompt, relabelled kind="prompt", at minus the input price
    correction = ('label_replace(label_replace(increase(brightstaff_llm_tokens_total{job="brightstaff", '
                  'provider=~"$provider", model=~"$model", kind="cache_read", provider!~"anthropic"}[$__range])')
    assert correction in spend and spend.count(correction) == 1
    assert '"kind", "prompt", "", ""), "counted_in", "prompt", "", "") * on (model, kind) group_left ()' in spend
    assert spend.endswith(") * -1)) / 1000000")
    rate = _exprs(models, "plano-llm-cost", "Spend rate by provider / model (USD/hour)")[0]
    assert 'kind="cache_read", provider!~"anthropic"}[$__rate_interval]' in rate and ") * -1))" in rate
    other = _built(Settings(prompt_excludes_cache=("anthropic", "openai")), "plano-llm-cost")
    assert 'provider!~"anthropic|openai"' in _exprs(other, "plano-llm-cost", "Spend (selected range)")[0]


@pytest.mark.parametrize("uid, title", [
    ("plano-llm-upstream", "Tokens per second by kind"),
    ("brightstaff", "Prompt cache read share by provider / model"),
    ("plano-llm-cost", "Cost per 1,000 tokens by provider / model (selected range)")])
def test_token_panels_apply_the_convention(models, uid, title):
    expr = _exprs(models, uid, title)[0]
    assert "anthropic" in expr, expr  # the setting's providers are treated apart
    assert "kind=~\"prompt|cache_read\"" not in expr  # never prompt + cache_read as input tokens


# --- increase() lost the first value of series born inside the range; raw counters fell at restarts
@pytest.mark.parametrize("uid, title", [
    ("plano-routing", "Model selection distribution (selected range)"),
    ("plano-requests-overview", "Cumulative request count by model (selected range)"),
    ("llm-cost-dashboard", "Total cost (selected range)"),
    ("llm-cost-dashboard", "Cost by service (selected range)"),
    ("llm-error-retry-dashboard", "Finish reason distribution (selected range)"),
    ("plano-llm-cost", "Spend (selected range)")])
def test_range_counts_include_series_born_inside_the_range(models, uid, title):
    expr = _exprs(models, uid, title)[0]
    assert "increase(" in expr and "offset $__range" in expr and '"born_in_range"' in expr, expr


def test_cumulative_cost_survives_restarts(models):
    expr = _exprs(models, "llm-cost-dashboard", "Cumulative cost over the selected range by service / model")[0]
    assert "rate(llm_cost_usd_micro_total" in expr and "avg_over_time(" in expr
    name = "llm_cost_usd_micro_total"
    raw = [n for n in _nodes(expr) if isinstance(n, pp.VectorSelector) and n.name == name]
    ranged = [n for n in _nodes(expr) if isinstance(n, pp.MatrixSelector) and n.vector_selector.name == name]
    assert raw and len(raw) == len(ranged), "a raw counter (outside rate) falls at every restart"


# --- fallback 100% on a gateway without routing preferences (selected_model="none" is not a fallback)
def test_fallback_only_over_real_routing_decisions_and_router_errors_apart(models):
    fallback, failed = _exprs(models, "plano-routing", "Fallback and router-error ratio (routing decisions)")
    for expr in (fallback, failed):
        whole = expr.split(" / ")[-1]
        assert 'selected_model!="none"' in whole, expr
    assert 'fallback="true", selected_model!~"none|unknown"' in fallback
    assert 'selected_model="unknown"' in failed and "fallback" not in failed


# --- brightstaff's TTFT is every body's first byte; streaming TTFT and TPOT come from Envoy
def test_streaming_ttft_and_time_per_token_from_envoy_brightstaff_as_first_byte(models):
    titles = {p["title"] for p in iter_panels(models["plano-llm-upstream"])}
    assert "Time to first byte p50 / p95 / p99 (every response with a body)" in titles
    assert not any("first token" in t and "Envoy" not in t for t in titles), titles
    ttft = _panel(models, "plano-llm-upstream", "Streaming time to first token p50 / p95 / p99 (Envoy)")
    assert ttft["fieldConfig"]["defaults"]["unit"] == "ms"
    assert all("time_to_first_token_bucket{" in t["expr"] for t in ttft["targets"])
    tpot = _panel(models, "plano-llm-upstream", "Time per output token p50 / p95 (Envoy)")
    assert all("time_per_output_token_bucket{" in t["expr"] for t in tpot["targets"])


def test_sdk_time_per_output_token_keeps_models_with_mixed_streaming(models):
    expr = _exprs(models, "llm-latency-ttft-dashboard", "Time per output token by model (streaming)")[0]
    assert ">= 0.99" not in expr and " and on (model)" not in expr


# --- "Build version" showed the crate version as if it were the release
def test_build_version_is_labelled_crate_version(models):
    panel = _panel(models, "plano-process", "Crate version")
    assert panel["targets"][0]["legendFormat"].startswith("crate ")
    assert "not the Plano release" in panel["description"]


# --- process_* is not exported by brightstaff 0.4.36; unfiltered it shows the SDK's Python process
@pytest.mark.parametrize("job", ["brightstaff", ""])
def test_process_panels_are_filtered_by_job_and_say_no_data_by_design(job):
    models = _built(Settings(brightstaff_job=job), "plano-process")
    checked = 0
    for p in iter_panels(models["plano-process"]):
        for t in p.get("targets", []):
            for vs in selectors(t["expr"]):
                if vs.name.startswith("process_"):
                    checked += 1
                    assert any(m.name == "job" for m in vs.matchers.matchers), (p["title"], t["expr"])
                    assert "No data by design on brightstaff 0.4.36" in p["description"], p["title"]
    assert checked >= 6


# --- quantiles clamp at the top bucket: say so, with the share above it
@pytest.mark.parametrize("uid, title, top", [
    ("llm-latency-ttft-dashboard", "End-to-end latency p50 / p95 / p99 by model", "10 s"),
    ("plano-llm-upstream", "Upstream latency p50 / p95 / p99 by provider / model", "120 s"),
    ("plano-http-red", "Time to response headers p50 / p95 / p99 by handler", "60 s"),
    ("plano-requests-overview", "LLM request latency p50 / p95 / p99 by model", "10 s")])
def test_quantile_panels_show_the_share_above_the_top_bucket(models, uid, title, top):
    panel = _panel(models, uid, title)
    above = [t for t in panel["targets"] if t["legendFormat"].startswith(f"above {top}")]
    assert above and 'le="+Inf"' in above[0]["expr"], [t["legendFormat"] for t in panel["targets"]]
    assert any(o["matcher"]["id"] == "byRegexp" and o["matcher"]["options"] == "/^above /"
               for o in panel["fieldConfig"]["overrides"])


# --- ratios: 0 with traffic and no errors, "no traffic" without traffic (never NaN)
@pytest.mark.parametrize("uid, title", [("plano-llm-upstream", "Upstream error ratio by provider"),
                                        ("llm-error-retry-dashboard", "Error ratio by provider / model"),
                                        ("plano-http-red", "5xx ratio by handler"),
                                        ("plano-requests-overview", "Error ratio by service")])
def test_ratios_are_zero_with_traffic_and_no_traffic_without(models, uid, title):
    panel = _panel(models, uid, title)
    expr = panel["targets"][0]["expr"]
    assert " * 0)) / (" in expr and expr.endswith(") > 0)"), expr
    assert panel["fieldConfig"]["defaults"]["noValue"] == "no traffic"


# --- spanmetrics buckets written as bare numbers are nanoseconds: quantiles read ~0.01 ms
def test_spanmetrics_quantiles_are_guarded_against_nanosecond_buckets(models):
    panel = _panel(models, "plano-requests-overview", "LLM request latency p50 / p95 / p99 by model")
    quantiles = [t["expr"] for t in panel["targets"] if t["legendFormat"].startswith("p")]
    assert len(quantiles) == 3
    for expr in quantiles:
        assert " and on () (count (rate(duration_milliseconds_bucket{" in expr and 'le!~"0|0\\\\..*' in expr
    mean = next(t for t in panel["targets"] if t["legendFormat"].startswith("mean"))
    assert "unless on () (count" in mean["expr"] and "duration_milliseconds_sum" in mean["expr"]
    assert "nanoseconds" in panel["description"]


# --- SDK: status is a free string; finish reasons are enum strings; aggregation by named labels
@pytest.mark.parametrize("uid, title", [("llm-error-retry-dashboard", "Error ratio"),
                                        ("llm-error-retry-dashboard", "Errors by provider / model")])
def test_sdk_error_rate_counts_every_status_but_success(models, uid, title):
    expr = _exprs(models, uid, title)[0]
    assert 'status!="success"' in expr and 'status="error"' not in expr


def test_finish_reasons_match_enum_spellings_case_insensitively(models):
    for title in ("Finish reason distribution (selected range)", "Finish reasons over time"):
        expr = _exprs(models, "llm-error-retry-dashboard", title)[0]
        assert '"finish_reason", "stop", "finish_reason", "(?i)(FinishReason\\\\.)?(stop|end_turn|stop_sequence)"' \
            in expr, expr
        assert expr.startswith("sum by (finish_reason) (label_replace(")


def test_sdk_queries_sum_by_named_labels_never_without(models):
    for uid in ("llm-latency-ttft-dashboard", "llm-cost-dashboard", "llm-error-retry-dashboard",
                "llm-security-safety-dashboard"):
        for p in iter_panels(models[uid]):
            for t in p.get("targets", []):
                assert " without " not in t["expr"] and "without(" not in t["expr"], (uid, p["title"])


def test_sdk_exporter_names_are_a_setting():
    cat = default_catalog()
    old = Settings(sdk_unit_suffix=True)
    for uid, title in (("llm-error-retry-dashboard", "Error ratio"),
                       ("llm-error-retry-dashboard", "Finish reasons over time"),
                       ("llm-security-safety-dashboard", "PII detections per second by service")):
        models = _built(old, uid)
        names = {vs.name for e in _exprs(models, uid, title) for vs in selectors(e)}
        assert names & {"llm_spans_1_total", "llm_finish_reason_1_total", "llm_pii_detected_1_total"}, names
        assert all(cat.by_series(n) for n in names)
        assert not names & {"llm_spans_total", "llm_finish_reason_total", "llm_pii_detected_total"}
    variables = _built(old, "llm-cost-dashboard")["llm-cost-dashboard"]["templating"]["list"]
    assert all("llm_spans_1_total" in v["definition"] for v in variables[1:])


def test_unknown_service_name_stays_selectable(models):
    var = next(v for v in models["llm-error-retry-dashboard"]["templating"]["list"] if v["name"] == "service_name")
    assert var["includeAll"] and var["allValue"] == ".*" and var["definition"].startswith("label_values(")
    assert "unknown" in default_catalog().metric("llm_spans_total").possible("service_name")


# --- descriptions that say what the number means
def test_http_duration_is_time_to_response_headers(models):
    panel = _panel(models, "plano-http-red", "Time to response headers p50 / p95 / p99 by handler")
    assert "not included" in panel["description"]
    assert "time to response headers" in default_catalog().metric("brightstaff_http_request_duration_seconds").help


def test_prompt_cache_read_share_from_tokens_and_hit_as_cache_active(models):
    share = _exprs(models, "plano-llm-upstream", "Prompt cache read share by provider / model")[0]
    assert 'kind="cache_read"' in share and "brightstaff_prompt_cache_requests_total" not in share
    active = _panel(models, "plano-llm-upstream", "Prompt cache active by provider / model")
    assert 'outcome="hit"' in active["targets"][0]["expr"] and "writes the cache" in active["description"]
    assert "Prompt cache hit ratio by provider / model" not in {p["title"] for p in iter_panels(
        models["plano-llm-upstream"])}


def test_usage_missing_is_described_honestly(models):
    desc = _panel(models, "plano-llm-upstream", "Responses without token usage")["description"]
    assert "error bodies" in desc and "/v1/responses" in desc and "Should be 0" not in desc


def test_4xx_ratio_separates_unknown_paths(models):
    api, unknown = _exprs(models, "plano-http-red", "4xx error ratio")
    assert 'handler!="not_found"' in api.split(" or ")[0] and 'handler="not_found"' in unknown.split(" or ")[0]


def test_span_services_include_plano_and_outbound_not_handoff(models):
    expr = _exprs(models, "plano-requests-overview", "Total requests / sec by service")[0]
    assert 'service_name=~"plano(\\\\(.+\\\\))?"' in expr, expr
    cat = default_catalog().metric("calls_total")
    assert {"plano", "plano(outbound)"} <= set(cat.possible("service_name"))
    assert "plano(handoff)" not in cat.possible("service_name")


def test_catalog_says_what_each_value_means():
    cat = default_catalog()
    assert cat.metric("brightstaff_router_skips_total").possible("reason") == ("not_user_turn",)
    assert cat.metric("brightstaff_router_decisions_total").known("route") == ("llm",)
    assert "every response with a body" in cat.metric("brightstaff_llm_time_to_first_token_seconds").help
    assert "crate version" in cat.metric("brightstaff_build_info").help
    assert "estimate" in cat.metric("input_sequence_length").help
    for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"):
        assert "not exported by brightstaff 0.4.36" in cat.metric(name).help
    assert "FinishReason.STOP" in cat.metric("llm_finish_reason_total").possible("finish_reason")
    assert "unknown" in cat.metric("llm_spans_total").possible("status")


def test_settings_fields_bind_in_one_place():
    s = Settings()
    assert s.prompt_excludes_cache == ("anthropic",) and s.sdk_unit_suffix is False
    assert attrs.evolve(s, slo_availability=0.995).slo_availability == 0.995
