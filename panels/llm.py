"""Panels for the LLM instrumentation SDK's `llm_*` metrics, one factory per panel idea.

The four "LLM Observability" dashboards (latency & TTFT, cost, errors & retries, security)
compose these. The SDK records every metric once per LLM call; cost is in micro-USD.
"""

from __future__ import annotations

from panels import kit
from panels import queries as q
from panels import variables as v
from panels.catalog import LLM

M = {m.name: m for m in LLM.metrics}
TOKENS = M["llm_tokens_total"]
COST = M["llm_cost_usd_micro_total"]
LATENCY = M["llm_latency_ms_total"]
TTFT = M["llm_latency_ms_ttft"]
PII = M["llm_pii_detected_total"]
INJECTION = M["llm_injection_attempts_total"]
FINISH = M["llm_finish_reason_total"]
SPANS = M["llm_spans_total"]

MICRO = 1_000_000  # micro-USD per USD
RATIO_STEPS = ((None, kit.GREEN), (0.01, kit.ORANGE), (0.05, kit.RED))
RETRY_STEPS = ((None, kit.GREEN), (0.05, kit.ORANGE), (0.2, kit.RED))
FINISH_COLORS = {"stop": kit.GREEN, "tool_calls": kit.BLUE, "length": kit.ORANGE, "content_filter": kit.RED}


def variables():
    """The four LLM Observability dashboards filter the same labels: service, provider, model."""
    return (v.service_name(SPANS), v.provider(SPANS), v.model(SPANS))


def _avg_over_range(metric, by=("model",)) -> q.Expr:
    """Mean of a histogram over the selected range: increase(_sum) / increase(_count)."""
    return (q.sum_(q.increase(q.Sel(metric, "_sum")), by) / q.sum_(q.increase(q.Sel(metric, "_count")), by))


def _usd(expr: q.Expr) -> q.Expr:
    return expr / MICRO


# --- latency & throughput ----------------------------------------------------------------------
def latency(s, w=12):
    return kit.timeseries(
        "End-to-end latency p50 / p95 / p99 by model", kit.quantile_targets(LATENCY, ("model",)),
        unit="ms", w=w, h=9,
        desc="Time from sending an LLM call to its complete answer, per model, from the SDK's latency "
             "histogram (buckets 0 ms to 10 s: a value shown as 10 s means 10 s or more). p99 far above "
             "p50 means a slow tail.")


def ttft(s, w=12):
    return kit.timeseries(
        "Time to first token p50 / p95 / p99 by model (streaming)", kit.quantile_targets(TTFT, ("model",)),
        unit="ms", w=w, h=9,
        desc="Time until the first token arrived, streaming calls only, per model: what a chat user waits "
             "before text appears. Non-streaming calls record no TTFT.")


def avg_latency_vs_ttft(s, w=12):
    return kit.barchart(
        "Average latency vs average TTFT by model (selected range)",
        kit.target(_avg_over_range(LATENCY), "avg latency", instant=True, table=True),
        kit.target(_avg_over_range(TTFT), "avg TTFT", instant=True, table=True),
        unit="ms", w=w, h=9, by="model", columns={"Value #A": "avg latency", "Value #B": "avg TTFT"},
        desc="Per model, the mean end-to-end latency next to the mean time to first token over the whole "
             "selected range. A TTFT bar close to its latency bar: the answer is short or the model is slow "
             "to start; a large gap: long generations. No TTFT bar: the model served no streaming calls.")


def request_rate(s, w=12):
    return kit.timeseries(
        "Request rate by model", kit.target(q.sum_rate(SPANS, ("model",)), "{{model}}"),
        unit="reqps", w=w,
        desc="LLM calls per second per model, successful and failed (llm_spans_total).")


def token_rate(s, w=12):
    return kit.timeseries(
        "Tokens per second by model (prompt / completion)",
        kit.target(q.sum_rate(TOKENS, ("model", "token_type")), "{{model}} {{token_type}}"),
        unit="short", w=w,
        desc="Tokens per second per model: prompt (sent to the model) and completion (generated). "
             "Completion tokens drive latency and, usually, cost.")


def time_per_output_token(s, w=12):
    by = ("model",)
    generating = q.sum_(q.rate(q.Sel(LATENCY, "_sum")), by) - q.sum_(q.rate(q.Sel(TTFT, "_sum")), by)
    per_token = generating / q.sum_rate(TOKENS, by, token_type="completion")
    streaming_share = q.sum_(q.rate(q.Sel(TTFT, "_count")), by) / q.sum_(q.rate(q.Sel(LATENCY, "_count")), by)
    expr = q.Bin("and", per_token, q.Bin(">=", streaming_share, q.Num(0.99)), on=by)
    return kit.timeseries(
        "Time per output token by model (streaming)", kit.target(expr, "{{model}}"),
        unit="ms", w=w,
        desc="Generation time per completion token: (latency - TTFT) / completion tokens, summed over the "
             "calls of each model. Shown only for models whose calls stream (at least 99% record a TTFT): "
             "without a TTFT the waiting time cannot be told apart from generating. Lower is faster.")


# --- cost ----------------------------------------------------------------------------------------
def cumulative_cost(s, w=24):
    by = ("service_name", "model")
    grew = q.Bin("-", q.sel(COST), q.At(q.sel(COST)))
    since_start = q.Bin(">=", grew, q.Num(0)).or_(q.sel(COST))
    return kit.timeseries(
        "Cumulative cost over the selected range by service / model",
        kit.target(_usd(q.sum_(since_start, by)), "{{service_name}} / {{model}}"),
        unit="currencyUSD", w=w, h=9, legend_calcs=("lastNotNull",),
        desc="USD spent since the start of the selected range, per service and model (the SDK's micro-USD "
             "counter / 1e6, minus its value at the range start; a series born later counts from 0). "
             "The last value is the range's total. After a restart of the instrumented service the line "
             "restarts from that service's new count; the bars below use increase() and stay exact.")


def cost_total(s, w=6):
    return kit.stat(
        "Total cost (selected range)", kit.target(_usd(q.sum_increase(COST)), "USD", instant=True),
        unit="currencyUSD", w=w, h=5, graph=False, decimals=2,
        desc="USD spent on LLM calls over the whole selected range, all services and models in the filters.")


def cost_rate_stat(s, w=6):
    return kit.stat(
        "Cost rate now (USD/hour)", kit.target(_usd(q.sum_rate(COST) * 3600), "USD/hour"),
        unit="currencyUSD", w=w, h=5, decimals=2,
        desc="Current spending speed in USD per hour (the last point of the rate); the sparkline shows its "
             "course over the range. Multiply by 24 for a daily run rate.")


def cost_rate(s, w=12):
    return kit.timeseries(
        "Cost rate by service / model (USD/hour)",
        kit.target(_usd(q.sum_rate(COST, ("service_name", "model")) * 3600), "{{service_name}} / {{model}}"),
        unit="currencyUSD", w=w, stack=True,
        desc="Spending speed in USD per hour per service and model, stacked: the height is the total burn "
             "rate. A step up means a new caller, a bigger model or longer prompts.")


def cost_by_model(s, w=8):
    return kit.piechart(
        "Cost distribution by model (selected range)",
        kit.target(_usd(q.sum_increase(COST, ("model",))), "{{model}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="Each model's share of the USD spent over the selected range.")


def cost_by_service(s, w=8):
    return kit.bargauge(
        "Cost by service (selected range)",
        kit.target(_usd(q.sum_increase(COST, ("service_name",))), "{{service_name}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD each service spent over the selected range, largest first by length of bar.")


def cost_per_call(s, w=8):
    by = ("model",)
    return kit.bargauge(
        "Average cost per call by model (selected range)",
        kit.target(_usd(q.sum_increase(COST, by)) / q.sum_increase(SPANS, by), "{{model}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD per LLM call per model over the selected range: spend / calls. Compares what a call costs "
             "on each model, whatever the traffic.")


def top_spenders(s, w=24):
    by = ("service_name", "provider", "model")
    return kit.table(
        "Top spenders (selected range)",
        kit.target(_usd(q.Agg("topk", q.sum_increase(COST, by), param="10")), instant=True, table=True),
        unit="currencyUSD", w=w, sort_by="USD", columns={"service_name": "service", "Value": "USD"},
        desc="The ten service / provider / model combinations that spent most over the selected range, in USD.")


# --- errors and retries --------------------------------------------------------------------------
def _error_ratio(by=()):
    return q.ratio(q.sum_rate(SPANS, by, status="error"), q.sum_rate(SPANS, by))


def success_vs_error(s, w=18):
    return kit.timeseries(
        "Success vs error rate", kit.target(q.sum_rate(SPANS, ("status",)), "{{status}}"),
        unit="reqps", w=w, stack=True, colors={"success": kit.GREEN, "error": kit.RED},
        desc="LLM calls per second by outcome, stacked: the height is all calls, the red band the failed ones.")


def error_ratio_stat(s, w=6):
    return kit.stat(
        "Error ratio", kit.target(_error_ratio(), "error ratio"),
        unit="percentunit", w=w, h=8, thresholds=RATIO_STEPS, decimals=2,
        desc="Share of LLM calls that failed, at the end of the range (the sparkline shows its course). 0% when "
             "none failed; empty only without any calls. Green below 1%, red above 5%.")


def error_ratio_by_model(s, w=12):
    by = ("provider", "model")
    return kit.timeseries(
        "Error ratio by provider / model", kit.target(_error_ratio(by), "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS,
        desc="Share of each provider and model's calls that failed: errors / calls, exact at low traffic.")


def errors_by_model(s, w=12):
    return kit.timeseries(
        "Errors by provider / model",
        kit.target(q.sum_rate(SPANS, ("provider", "model"), status="error"), "{{provider}}/{{model}}"),
        unit="reqps", w=w, stack=True,
        desc="Failed LLM calls per second per provider and model, stacked: which one the errors come from.")


def finish_reasons(s, w=8):
    return kit.piechart(
        "Finish reason distribution (selected range)",
        kit.target(q.sum_increase(FINISH, ("finish_reason",)), "{{finish_reason}}", instant=True),
        unit="short", w=w, h=9,
        desc="How calls ended over the selected range: stop (complete answer), tool_calls, length (cut at "
             "the token limit: answers are truncated) and content_filter (blocked by the provider).")


def finish_reason_rate(s, w=16):
    return kit.timeseries(
        "Finish reasons over time", kit.target(q.sum_rate(FINISH, ("finish_reason",)), "{{finish_reason}}"),
        unit="reqps", w=w, h=9, stack=True, colors=FINISH_COLORS,
        desc="Calls per second by finish reason, stacked. A growing length band: raise max_tokens or shorten "
             "prompts; a content_filter band: prompts or answers the provider blocks.")


def retry_rate_gauge(s, w=8):
    retry = q.ratio(q.sum_increase(SPANS, has_retries="true"), q.sum_increase(SPANS))
    return kit.gauge(
        "Retry rate (selected range)", kit.target(retry, "calls with retries", instant=True),
        unit="percentunit", w=w, h=8, thresholds=RETRY_STEPS,
        desc="Share of LLM calls over the selected range that needed at least one retry (has_retries=\"true\"). "
             "Retries add latency and cost; green below 5%, red above 20%.")


def retry_rate_by_model(s, w=16):
    by = ("provider", "model")
    return kit.timeseries(
        "Retry rate by provider / model",
        kit.target(q.ratio(q.sum_rate(SPANS, by, has_retries="true"), q.sum_rate(SPANS, by)),
                   "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, thresholds=RETRY_STEPS,
        desc="Share of each provider and model's calls that were retried. A provider whose retry rate climbs "
             "is rate-limiting or failing transiently.")


# --- security and safety -------------------------------------------------------------------------
def _per_service(metric):
    return q.sum_rate(metric, ("service_name",))


def _calls_per_service():
    """All calls of each service: the PII / injection counters have no model or provider label, so the
    denominator ignores those filters too."""
    return q.sum_(q.rate(q.Sel(SPANS, unbind=("model", "provider"))), ("service_name",))


def pii_rate(s, w=12):
    return kit.timeseries(
        "PII detections per second by service", kit.target(_per_service(PII), "{{service_name}}"),
        unit="short", w=w,
        desc="Personal data (PII) the SDK detected in calls, per second and service. The provider and model "
             "filters do not apply: this counter carries only service_name.")


def injection_rate(s, w=12):
    return kit.timeseries(
        "Injection attempts per second by service", kit.target(_per_service(INJECTION), "{{service_name}}"),
        unit="short", w=w,
        desc="Prompt-injection attempts the SDK detected, per second and service. The provider and model "
             "filters do not apply: this counter carries only service_name.")


def violations_total(s, w=24):
    pii, inj = q.sum_increase(PII), q.sum_increase(INJECTION)
    total = q.Bin("+", pii.or_(q.Vector(0)), inj.or_(q.Vector(0)))
    return kit.stat(
        "Security violations (selected range)",
        kit.target(pii, "PII detections", instant=True), kit.target(inj, "injection attempts", instant=True),
        kit.target(total, "total violations", instant=True),
        unit="short", w=w, h=5, graph=False, decimals=0, thresholds=((None, kit.GREEN), (1, kit.ORANGE)),
        desc="PII detections, injection attempts and both together over the whole selected range, for the "
             "services in the filter. Orange as soon as there is one.")


def _share(metric, title, what, w):
    return kit.timeseries(
        title, kit.target(q.ratio(_per_service(metric), _calls_per_service()), "{{service_name}}"),
        unit="percentunit", w=w, min=0,
        desc=f"{what} per LLM call of each service: detections / calls. Shown only for services whose "
             f"calls the SDK counts (llm_spans_total); 0% when a service had calls and no detection.")


def pii_share(s, w=12):
    return _share(PII, "PII detections per call by service", "PII detections", w)


def injection_share(s, w=12):
    return _share(INJECTION, "Injection attempts per call by service", "Injection attempts", w)
