"""Panels from Plano's traces (spanmetrics) and Envoy's rate-limit counter.

The spanmetrics names depend on the collector's namespace, a setting: every factory takes
its metrics from `catalog.spanmetrics_source(settings.spanmetrics_namespace)`, so switching
the setting renames every spanmetrics query and nothing else. The rate-limit panel reads
each Envoy counter name listed in `settings.ratelimit_metrics` (today's `ratelimited_rq`,
older Envoys' `envoy_wasmcustom_ratelimited_rq`).
"""

from __future__ import annotations

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import ENVOY, spanmetrics_source

LLM_SERVICE = "plano(llm)"
AGENT_SERVICE = "plano(agent)"
# plano (brightstaff's default), plano(inbound), plano(llm), ..., plano(outbound) (Envoy)
PLANO_SERVICES = q.rx("plano(" + q.regex_escape("(") + ".+" + q.regex_escape(")") + ")?")
ERROR = "STATUS_CODE_ERROR"
RATIO_STEPS = ((None, kit.GREEN), (0.01, kit.ORANGE), (0.05, kit.RED))


def _span_metric(s, name: str):
    prefix = f"{s.spanmetrics_namespace}_" if s.spanmetrics_namespace else ""
    return spanmetrics_source(s.spanmetrics_namespace)[prefix + name]


def calls(s):
    """The calls counter under the configured namespace (calls_total or <ns>_calls_total)."""
    return _span_metric(s, "calls_total")


def duration(s):
    """The span duration histogram under the configured namespace."""
    return _span_metric(s, "duration_milliseconds")


def llm_requests_by_model(s, w=12):
    return kit.timeseries(
        "LLM requests / sec by model",
        kit.target(q.sum_rate(calls(s), ("llm_model",), service_name=LLM_SERVICE), "{{llm_model}}"),
        unit="reqps", w=w, h=10,
        desc="LLM calls per second Plano made, per model, from the plano(llm) spans of its traces.")


def agent_requests_by_agent(s, w=12):
    return kit.timeseries(
        "Agent requests / sec by agent",
        kit.target(q.sum_rate(calls(s), ("agent_id",), service_name=AGENT_SERVICE), "{{agent_id}}"),
        unit="reqps", w=w, h=10,
        desc="Agent invocations per second, per agent, from the plano(agent) spans.")


def requests_by_service(s, w=12):
    return kit.timeseries(
        "Total requests / sec by service",
        kit.target(q.sum_rate(calls(s), ("service_name",), service_name=PLANO_SERVICES), "{{service_name}}"),
        unit="reqps", w=w, h=10,
        desc="Spans per second of each Plano service: plano (brightstaff's spans without an override), "
             "plano(inbound), plano(routing), plano(orchestrator), plano(filter), plano(agent), plano(llm) and "
             "Envoy's plano(outbound); one line each, not stacked, since one request passes through several "
             "services. plano(inbound) is the requests Plano received.")


def ratelimited_expr(s) -> q.Expr:
    """Rate-limited requests/s under every configured counter name.

    `sum(rate(ratelimited_rq[..]) or rate(envoy_wasmcustom_ratelimited_rq[..]))`: an Envoy exports
    one of the names; the `or` takes, per scraped Envoy (job, instance), the first name it has, so
    a fleet mid-upgrade (old and new Envoys) is summed and nothing is counted twice.
    """
    metrics = [ENVOY[name] for name in s.ratelimit_metrics]
    return q.sum_(q.or_all(q.rate(m) for m in metrics))


def ratelimited(s, w=12):
    names = " or ".join(s.ratelimit_metrics)
    return kit.timeseries(
        "Rate-limited requests / sec", kit.target(ratelimited_expr(s), "rate-limited"),
        unit="reqps", w=w, h=10, colors={"rate-limited": kit.ORANGE},
        desc=f"Requests Envoy's LLM filter rejected by rate limit, per second, all models together (the "
             f"counter has no labels). Read from {names}, whichever each Envoy exports: the name changed "
             f"in Envoy 1.20. No data means Prometheus does not scrape Envoy's admin stats.")


# Bucket bounds written without a unit in the collector's configuration are nanoseconds: every span
# lands in +Inf and quantiles read ~0.01 ms. A bound of at least 1 (ms) means the buckets are usable.
SUB_MS_BOUND = q.nre(r"0|0\..*|.*e-.*|\+Inf")


def _usable_buckets(s, **matchers) -> q.Expr:
    """A series (value > 0) when the duration histogram has a finite bucket bound >= 1 ms."""
    sel = q.Sel(duration(s), "_bucket", q._matchers({**matchers, "le": SUB_MS_BOUND}))
    return q.Bin(">", q.Agg("count", q.rate(sel)), q.Num(0))


def llm_latency(s, w=12):
    by, only = ("llm_model",), {"service_name": LLM_SERVICE}
    usable = _usable_buckets(s, **only)
    quantiles = [kit.target(q.Bin("and", t.query, usable, on=()), t.legendFormat)
                 for t in kit.quantile_targets(duration(s), by, legend="{{llm_model}}", **only)]
    mean = q.Bin("unless", q.histogram_avg(duration(s), by, **only), usable, on=())
    return kit.timeseries(
        "LLM request latency p50 / p95 / p99 by model",
        quantiles, kit.target(mean, "mean {{llm_model}} (buckets unusable)"),
        kit.above_top_target(duration(s), by, "{{llm_model}}", **only),
        unit="ms", w=w, h=10, right=kit.ABOVE_RIGHT,
        thresholds=((None, kit.GREEN), (s.slo_latency_seconds * 500, kit.ORANGE), (s.slo_latency_seconds * 1000,
                                                                                   kit.RED)),
        desc="Duration of Plano's LLM call spans per model. Quantiles are read only when the collector's buckets "
             "have a bound of at least 1 ms: bounds written as bare numbers are nanoseconds (PR #883's demo "
             "configuration), every span then lands in +Inf and quantiles would read ~0.01 ms, so the panel shows "
             "the mean (_sum / _count, always right) instead, labelled 'buckets unusable'. The dashed 'above' "
             f"lines (right axis) are the share beyond the top bucket ({kit.top_bucket(duration(s))}).")


def llm_request_count(s, w=12):
    return kit.stat(
        "Cumulative request count by model (selected range)",
        kit.target(q.range_total(calls(s), ("llm_model",), service_name=LLM_SERVICE), "{{llm_model}}",
                   instant=True),
        unit="suffix: requests", w=w, h=10, graph=False, decimals=0, color_mode="none",
        desc="LLM calls per model over the selected range, not since the collector started: the growth of the "
             "span counter, across collector restarts, with the first count of a model first seen inside the "
             "range included (increase() alone would lose it).")


def error_ratio_by_service(s, w=24):
    by = ("service_name",)
    part = q.sum_rate(calls(s), by, service_name=PLANO_SERVICES, status_code=ERROR)
    return kit.timeseries(
        "Error ratio by service",
        kit.target(q.ratio(part, q.sum_rate(calls(s), by, service_name=PLANO_SERVICES)), "{{service_name}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS, no_value=kit.NO_TRAFFIC,
        desc="Share of each Plano service's spans with status STATUS_CODE_ERROR: errors / spans, exact at "
             "low traffic (0% when none failed). Green below 1%, red above 5%.")
