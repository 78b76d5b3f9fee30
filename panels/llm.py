"""Panels for the LLM instrumentation SDK's `llm_*` metrics, one factory per panel idea.

The four "LLM Observability" dashboards (latency & TTFT, cost, errors & retries, security)
compose these. The SDK records every metric once per LLM call; cost is in micro-USD.
"""

from __future__ import annotations

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import variables as v
from llm_gateway_dashboards.panels.catalog import FINISH_REASONS, LLM, UNIT_ONE, unit_suffixed

TOKENS = LLM["llm_tokens_total"]
COST = LLM["llm_cost_usd_micro_total"]
LATENCY = LLM["llm_latency_ms_total"]
TTFT = LLM["llm_latency_ms_ttft"]
PII = LLM["llm_pii_detected_total"]
INJECTION = LLM["llm_injection_attempts_total"]
FINISH = LLM["llm_finish_reason_total"]
SPANS = LLM["llm_spans_total"]
TOXICITY = LLM["llm_toxicity_detected_total"]
TOXICITY_SCORE = LLM["llm_toxicity_score"]
FORECAST = {band: LLM[f"llm_forecast_cost_{band}_usd_micro"] for band in ("p10", "mean", "p90")}
TOKEN_RATE = "suffix: tok/s"


def sdk(s, metric):
    """The metric under the name the SDK's exporter gives it: the four unit-"1" counters are
    llm_*_1_total with opentelemetry-exporter-prometheus 0.45b0 (settings.sdk_unit_suffix)."""
    return LLM[unit_suffixed(metric.name)] if s.sdk_unit_suffix and metric.name in UNIT_ONE else metric

MICRO = 1_000_000  # micro-USD per USD
RATIO_STEPS = ((None, kit.GREEN), (0.01, kit.ORANGE), (0.05, kit.RED))
RETRY_STEPS = ((None, kit.GREEN), (0.05, kit.ORANGE), (0.2, kit.RED))
LATENCY_STEPS = ((None, kit.GREEN), (5000, kit.ORANGE), (10000, kit.RED))
TTFT_STEPS = ((None, kit.GREEN), (1000, kit.ORANGE), (3000, kit.RED))
FINISH_COLORS = {"stop": kit.GREEN, "tool_calls": kit.BLUE, "length": kit.ORANGE, "content_filter": kit.RED}


def variables(s):
    """The four LLM Observability dashboards filter the same labels: service, provider, model. Values come
    from label_values, so auto-instrumented calls' service_name="unknown" is selectable."""
    spans = sdk(s, SPANS)
    return (v.service_name(spans), v.provider(spans), v.model(spans))


def _avg_over_range(metric, by=("model",)) -> q.Expr:
    """Mean of a histogram over the selected range: growth of _sum / growth of _count."""
    return (q.range_total(q.Sel(metric, "_sum"), by) / q.range_total(q.Sel(metric, "_count"), by))


def _usd(expr: q.Expr) -> q.Expr:
    return expr / MICRO


# --- latency & throughput ----------------------------------------------------------------------
def latency(s, w=12):
    return kit.timeseries(
        "End-to-end latency p50 / p95 / p99 by model", kit.quantile_targets(LATENCY, ("model",)),
        kit.above_top_target(LATENCY, ("model",)),
        unit="ms", w=w, h=9, right=kit.ABOVE_RIGHT, thresholds=LATENCY_STEPS,
        desc="Time from sending an LLM call to its complete answer, per model, from the SDK's latency "
             "histogram. Its buckets stop at 10 s (OpenTelemetry defaults): a quantile shown as 10 s means 10 s "
             "or more and cannot be read further; the dashed 'above 10 s' lines (right axis) show the share of "
             "calls beyond it. p99 far above p50 means a slow tail.")


def ttft(s, w=12):
    return kit.timeseries(
        "Time to first token p50 / p95 / p99 by model (streaming)", kit.quantile_targets(TTFT, ("model",)),
        kit.above_top_target(TTFT, ("model",)),
        unit="ms", w=w, h=9, right=kit.ABOVE_RIGHT, thresholds=TTFT_STEPS,
        desc="Time until the first token arrived, streaming calls only, per model: what a chat user waits "
             "before text appears. Non-streaming calls record no TTFT.")


def avg_latency_vs_ttft(s, w=12):
    return kit.barchart(
        "Average latency vs average TTFT by model (selected range)",
        kit.target(_avg_over_range(LATENCY), "avg latency", instant=True, table=True),
        kit.target(_avg_over_range(TTFT), "avg TTFT", instant=True, table=True),
        unit="ms", w=w, h=9, by="model", columns={"Value #A": "avg latency", "Value #B": "avg TTFT"},
        thresholds=LATENCY_STEPS,
        desc="Per model, the mean end-to-end latency next to the mean time to first token over the whole "
             "selected range. A TTFT bar close to its latency bar: the answer is short or the model is slow "
             "to start; a large gap: long generations. No TTFT bar: the model served no streaming calls.")


def request_rate(s, w=12):
    return kit.timeseries(
        "Request rate by model", kit.target(q.sum_rate(sdk(s, SPANS), ("model",)), "{{model}}"),
        unit="reqps", w=w,
        desc="LLM calls per second per model, successful and failed (llm_spans_total).")


def token_rate(s, w=12):
    return kit.timeseries(
        "Tokens per second by model (prompt / completion)",
        kit.target(q.sum_rate(TOKENS, ("model", "token_type")), "{{model}} {{token_type}}"),
        unit=TOKEN_RATE, w=w,
        desc="Tokens per second per model: prompt (sent to the model) and completion (generated). "
             "Completion tokens drive latency and, usually, cost.")


def time_per_output_token(s, w=12):
    by = ("model",)
    streamed = q.sum_(q.rate(q.Sel(TTFT, "_count")), by)
    calls = q.sum_(q.rate(q.Sel(LATENCY, "_count")), by)
    mean_latency = q.sum_(q.rate(q.Sel(LATENCY, "_sum")), by) / calls
    mean_ttft = q.sum_(q.rate(q.Sel(TTFT, "_sum")), by) / streamed
    tokens_per_call = q.sum_rate(TOKENS, by, token_type="completion") / calls
    expr = (mean_latency - mean_ttft) / q.Bin(">", tokens_per_call, q.Num(0))
    return kit.timeseries(
        "Time per output token by model (streaming)", kit.target(expr, "{{model}}"),
        unit="ms", w=w, h=9, thresholds=((None, kit.GREEN), (50, kit.ORANGE), (100, kit.RED)),
        desc="Generation time per completion token, per model: (mean latency - mean time to first token) / "
             "completion tokens per call. The SDK records TTFT only for streaming calls and latency for all, "
             "with no label to tell them apart, so for a model with both kinds of calls this is an estimate "
             "(non-streaming calls' waiting time counts as generating). Shown for every model with streaming "
             "calls. Lower is faster.")


# --- cost ----------------------------------------------------------------------------------------
def _range_start() -> q.Expr:
    """The start of the dashboard's range as a number: time() evaluated at `@ start()`."""
    now = q.Call("vector", (q.Call("time"),))
    return q.Call("scalar", (q.Call("max_over_time", (q.Subquery(now, "$__interval", "$__interval", "start()"),)),))


def cumulative_cost(s, w=24):
    by = ("service_name", "model")
    now = q.Call("vector", (q.Call("time"),))
    since_start = q.Bin("and", q.sum_rate(COST, by), q.Bin(">", now, _range_start()), on=())
    mean_rate = q.Call("avg_over_time", (q.Subquery(since_start, "$__range", "$__interval"),))
    elapsed = q.Bin("-", q.Call("time"), _range_start())
    return kit.timeseries(
        "Cumulative cost over the selected range by service / model",
        kit.target(_usd(mean_rate * elapsed), "{{service_name}} / {{model}}"),
        unit="currencyUSD", w=w, h=9, legend_calcs=("lastNotNull",),
        desc="USD spent since the start of the selected range, per service and model: the SDK's micro-USD "
             "spend rate (/ 1e6), averaged from the range start to each point and times the time elapsed, so a "
             "restart of the instrumented service does not pull the line down (a raw counter would fall). A "
             "running estimate from rates; the exact totals over the range are the stat and the bars.")


def cost_total(s, w=6):
    return kit.stat(
        "Total cost (selected range)", kit.target(_usd(q.range_total(COST)), "USD", instant=True),
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
        kit.target(_usd(q.range_total(COST, ("model",))), "{{model}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="Each model's share of the USD spent over the selected range.")


def cost_by_service(s, w=8):
    return kit.bargauge(
        "Cost by service (selected range)",
        kit.target(_usd(q.range_total(COST, ("service_name",))), "{{service_name}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD each service spent over the selected range, largest first by length of bar.")


def cost_per_call(s, w=8):
    by = ("model",)
    return kit.bargauge(
        "Average cost per call by model (selected range)",
        kit.target(_usd(q.range_total(COST, by)) / q.Bin(">", q.range_total(sdk(s, SPANS), by), q.Num(0)), "{{model}}",
                   instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD per LLM call per model over the selected range: spend / calls. Compares what a call costs "
             "on each model, whatever the traffic.")


def top_spenders(s, w=24):
    by = ("service_name", "provider", "model")
    return kit.table(
        "Top spenders (selected range)",
        kit.target(_usd(q.Agg("topk", q.range_total(COST, by), param="10")), instant=True, table=True),
        unit="currencyUSD", w=w, sort_by="USD", columns={"service_name": "service", "Value": "USD"},
        desc="The ten service / provider / model combinations that spent most over the selected range, in USD.")


# --- errors and retries --------------------------------------------------------------------------
FAILED = q.ne("success")  # status is a free string: error, unknown, timeout, ... all failed


def _error_ratio(s, by=()):
    spans = sdk(s, SPANS)
    return q.ratio(q.sum_rate(spans, by, status=FAILED), q.sum_rate(spans, by))


def success_vs_error(s, w=18):
    return kit.timeseries(
        "Success vs error rate", kit.target(q.sum_rate(sdk(s, SPANS), ("status",)), "{{status}}"),
        unit="reqps", w=w, stack=True, colors={"success": kit.GREEN, "error": kit.RED},
        desc="LLM calls per second by status, stacked: the height is all calls. status is a free string: besides "
             "success and error, REST callers may send anything (timeout, ...) and a call without status is "
             "unknown; every band but success failed.")


def error_ratio_stat(s, w=6):
    return kit.stat(
        "Error ratio", kit.target(_error_ratio(s), "error ratio"),
        unit="percentunit", w=w, h=8, thresholds=RATIO_STEPS, decimals=2, no_value=kit.NO_TRAFFIC,
        desc="Share of LLM calls that did not succeed (status not success: error, unknown, or any other string a "
             "REST caller sent), at the end of the range (the sparkline shows its course). 0% when none failed; "
             "\"no traffic\" without calls. Green below 1%, red above 5%.")


def error_ratio_by_model(s, w=12):
    by = ("provider", "model")
    return kit.timeseries(
        "Error ratio by provider / model", kit.target(_error_ratio(s, by), "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS, no_value=kit.NO_TRAFFIC,
        desc="Share of each provider and model's calls that did not succeed (status not success): failures / "
             "calls, exact at low traffic, 0% when none failed.")


def errors_by_model(s, w=12):
    return kit.timeseries(
        "Errors by provider / model",
        kit.target(q.sum_rate(sdk(s, SPANS), ("provider", "model"), status=FAILED), "{{provider}}/{{model}}"),
        unit="reqps", w=w, stack=True,
        desc="LLM calls per second that did not succeed (status not success), per provider and model, stacked: "
             "which one the failures come from.")


def _finish_reason_spellings(inner: q.Expr) -> q.Expr:
    """One name per finish reason however it was spelled: FinishReason.STOP (auto-instrumentation),
    stop, end_turn (REST): matched case-insensitively, the FinishReason. prefix optional."""
    for name, spellings in FINISH_REASONS.items():
        inner = q.label_map(inner, "finish_reason", name,
                            r"(?i)(FinishReason\.)?(" + "|".join(q.regex_escape(x) for x in spellings) + ")")
    return inner


def _finish(s, counter):
    return q.sum_(_finish_reason_spellings(counter(sdk(s, FINISH))), ("finish_reason",))


FINISH_DESC = ("Spellings are merged, case-insensitively: FinishReason.STOP (auto-instrumentation), stop, end_turn "
               "and stop_sequence are stop; max_tokens is length; tool_use is tool_calls. Any other value (e.g. "
               "FinishReason.UNSPECIFIED) shows as sent. The decorator records no finish reason.")


def finish_reasons(s, w=8):
    return kit.piechart(
        "Finish reason distribution (selected range)",
        kit.target(_finish(s, q.grown), "{{finish_reason}}", instant=True),
        unit="suffix: calls", w=w, h=9,
        desc="How calls ended over the selected range: stop (complete answer), tool_calls, length (cut at "
             "the token limit: answers are truncated) and content_filter (blocked by the provider). " + FINISH_DESC)


def finish_reason_rate(s, w=16):
    return kit.timeseries(
        "Finish reasons over time", kit.target(_finish(s, q.rate), "{{finish_reason}}"),
        unit="reqps", w=w, h=9, stack=True, colors=FINISH_COLORS,
        desc="Calls per second by finish reason, stacked. A growing length band: raise max_tokens or shorten "
             "prompts; a content_filter band: prompts or answers the provider blocks. " + FINISH_DESC)


def retry_rate_gauge(s, w=8):
    spans = sdk(s, SPANS)
    retry = q.ratio(q.range_total(spans, has_retries="true"), q.range_total(spans))
    return kit.gauge(
        "Retry rate (selected range)", kit.target(retry, "calls with retries", instant=True),
        unit="percentunit", w=w, h=8, thresholds=RETRY_STEPS,
        desc="Share of LLM calls over the selected range that needed at least one retry (has_retries=\"true\"). "
             "Retries add latency and cost; green below 5%, red above 20%.")


def retry_rate_by_model(s, w=16):
    by = ("provider", "model")
    return kit.timeseries(
        "Retry rate by provider / model",
        kit.target(q.ratio(q.sum_rate(sdk(s, SPANS), by, has_retries="true"), q.sum_rate(sdk(s, SPANS), by)),
                   "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, thresholds=RETRY_STEPS, no_value=kit.NO_TRAFFIC,
        desc="Share of each provider and model's calls that were retried. A provider whose retry rate climbs "
             "is rate-limiting or failing transiently.")


# --- security and safety -------------------------------------------------------------------------
def _per_service(metric):
    return q.sum_rate(metric, ("service_name",))


def _calls_per_service(s):
    """All calls of each service: the PII / injection counters have no model or provider label, so the
    denominator ignores those filters too."""
    return q.sum_(q.rate(q.Sel(sdk(s, SPANS), unbind=("model", "provider"))), ("service_name",))


def pii_rate(s, w=12):
    return kit.timeseries(
        "PII detections per second by service", kit.target(_per_service(sdk(s, PII)), "{{service_name}}"),
        unit="cps", w=w,
        desc="Personal data (PII) the SDK detected in calls, per second and service. The provider and model "
             "filters do not apply: this counter carries only service_name.")


def injection_rate(s, w=12):
    return kit.timeseries(
        "Injection attempts per second by service",
        kit.target(_per_service(sdk(s, INJECTION)), "{{service_name}}"),
        unit="cps", w=w,
        desc="Prompt-injection attempts the SDK detected, per second and service. The provider and model "
             "filters do not apply: this counter carries only service_name.")


def violations_total(s, w=24):
    pii, inj = q.range_total(sdk(s, PII)), q.range_total(sdk(s, INJECTION))
    tox = q.range_total(TOXICITY)
    total = q.Bin("+", q.Bin("+", pii.or_(q.Vector(0)), inj.or_(q.Vector(0))), tox.or_(q.Vector(0)))
    return kit.stat(
        "Security violations (selected range)",
        kit.target(pii, "PII detections", instant=True), kit.target(inj, "injection attempts", instant=True),
        kit.target(tox, "toxicity detections", instant=True), kit.target(total, "total violations", instant=True),
        unit="suffix: detections", w=w, h=5, graph=False, decimals=0, thresholds=((None, kit.GREEN), (1, kit.ORANGE)),
        desc="PII detections, injection attempts, toxicity detections and all together over the whole selected "
             "range, for the services in the filter. Orange as soon as there is one.")


def _share(s, metric, title, what, w):
    return kit.timeseries(
        title, kit.target(q.ratio(_per_service(metric), _calls_per_service(s)), "{{service_name}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS, no_value=kit.NO_TRAFFIC,
        desc=f"{what} per LLM call of each service: detections / calls. Shown only for services whose "
             f"calls the SDK counts (llm_spans_total); 0% when a service had calls and no detection.")


def pii_share(s, w=12):
    return _share(s, sdk(s, PII), "PII detections per call by service", "PII detections", w)


def injection_share(s, w=12):
    return _share(s, sdk(s, INJECTION), "Injection attempts per call by service", "Injection attempts", w)


def toxicity_rate(s, w=12):
    return kit.timeseries(
        "Toxicity detections per second by service", kit.target(_per_service(TOXICITY), "{{service_name}}"),
        unit="cps", w=w,
        desc="Toxic content the SDK detected, per second and service (llm_toxicity_detected_total). The "
             "provider and model filters do not apply: this counter carries only service_name.")


def toxicity_score(s, w=12):
    by = ("model",)
    return kit.timeseries(
        "Mean toxicity score by model", kit.target(q.histogram_avg(TOXICITY_SCORE, by), "{{model}}"),
        unit="percentunit", w=w, min=0, max=1, thresholds=((None, kit.GREEN), (0.3, kit.ORANGE), (0.7, kit.RED)),
        desc="Mean toxicity score (0 to 1) of scored calls per model: _sum / _count. The SDK records the score on "
             "its millisecond default buckets (0, 5, 10, ...), so every score lands in the first buckets and "
             "quantiles would be meaningless: only the mean is shown.")


# --- forecast --------------------------------------------------------------------------------------
def forecast_band(s, w=24):
    targets = [kit.target(_usd(q.sum_(q.raw_gauge(FORECAST[band]))), label)
               for band, label in (("p10", "p10"), ("mean", "mean"), ("p90", "p90"))]
    return kit.timeseries(
        "Cost forecast band (p10 / mean / p90)", *targets,
        unit="currencyUSD", w=w, h=8, colors={"p10": kit.BLUE, "mean": kit.GREEN, "p90": kit.ORANGE},
        legend_calcs=("lastNotNull",),
        desc="The SDK's cost forecast for the services, providers and models in the filters, in USD (its "
             "micro-USD gauges / 1e6): the mean and the 10th-90th percentile band. Each line sums the per-series "
             "forecasts, so the band of the total is wider than a true percentile of the sum would be.")


def restarts(s):
    """A mark wherever the instrumented services' SDK counters reset (a service restarted)."""
    return kit.annotation(
        "SDK restarts", q.Bin(">", q.sum_(q.Call("resets", (q.Range(q.sel(sdk(s, SPANS))),))), q.Num(0)),
        "an instrumented service restarted (SDK counters reset)", "llm_spans_total went back to zero", kit.RED)
