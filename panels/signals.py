"""What an on-call engineer opens first: the golden signals (traffic, errors, latency, saturation)
and the service level objectives of the LLM upstream, with their error budget and burn rate.

Every number comes from the same expressions as the detail panels (panels/plano.py, spans.py):
requests and failures each counted once, ratios 0 (not empty) with traffic and no failures.
The objectives are settings (`slo_availability`, `slo_latency_seconds`, `slo_latency_target`,
`slo_window`).
"""

from __future__ import annotations

from llm_gateway_dashboards.panels import kit, spans
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import queries as q


# --- golden signals: brightstaff -----------------------------------------------------------------
def traffic(s, w=6):
    return kit.stat(
        "Traffic: LLM requests / s", kit.target(p.upstream_total_expr(()), "requests/s"),
        unit="reqps", w=w, h=4, decimals=2, no_value=kit.NO_TRAFFIC,
        desc="Requests per second brightstaff sends to its LLM upstream, each once (a stream that failed "
             "mid-body is counted twice by brightstaff; the copy is left out). The sparkline shows the range.")


def errors(s, w=6):
    return kit.stat(
        "Errors: failed LLM requests", kit.target(p.upstream_error_ratio_expr(()), "failed"),
        unit="percentunit", w=w, h=4, decimals=2, no_value=kit.NO_TRAFFIC, thresholds=_budget_steps(s),
        desc="Share of LLM upstream requests that failed now: 4xx/5xx, no answer, or a transport or stream error, "
             "each once. 0% when none failed. Orange from half the error budget's rate "
             f"({(1 - s.slo_availability) / 2:.2%}), red beyond the objective ({1 - s.slo_availability:.2%}).")


def latency(s, w=6):
    return kit.stat(
        "Latency: LLM upstream p95",
        kit.target(q.histogram_quantile(0.95, p.UPSTREAM_DURATION), "p95"),
        unit="s", w=w, h=4, decimals=2, thresholds=p._latency_steps(s), no_value=kit.NO_TRAFFIC,
        desc="95th percentile of the time to the end of the LLM answer, all providers (brightstaff's upstream "
             f"duration, buckets up to {kit.top_bucket(p.UPSTREAM_DURATION)}). Red at the latency objective "
             f"({s.slo_latency_seconds:g} s).")


def saturation(s, w=6):
    return kit.stat(
        "Saturation: in flight and rate-limited",
        kit.target(q.sum_(q.raw_gauge(p.IN_FLIGHT)), "in flight"),
        kit.target(spans.ratelimited_expr(s), "rate-limited/s"),
        unit="suffix: requests", units={"rate-limited/s": "reqps"}, w=w, h=4, decimals=1,
        thresholds=((None, kit.GREEN), (50, kit.ORANGE), (200, kit.RED)),
        desc="Requests brightstaff holds before their response headers (a streamed body no longer counts), and "
             "requests per second Envoy's LLM filter answered 429 for the token rate limit: the gateway is "
             "full when either climbs.")


def golden_signals(s):
    return (traffic(s), errors(s), latency(s), saturation(s))


# --- golden signals: spanmetrics (Plano - Requests Overview) --------------------------------------
INBOUND = "plano(inbound)"


def span_traffic(s, w=6):
    return kit.stat(
        "Traffic: inbound requests / s",
        kit.target(q.sum_rate(spans.calls(s), service_name=INBOUND), "requests/s"),
        unit="reqps", w=w, h=4, decimals=2, no_value=kit.NO_TRAFFIC,
        desc="Requests per second Plano received: plano(inbound) spans (Envoy's ingress and agent listeners).")


def span_errors(s, w=6):
    part = q.sum_rate(spans.calls(s), service_name=INBOUND, status_code=spans.ERROR)
    return kit.stat(
        "Errors: inbound error ratio",
        kit.target(q.ratio(part, q.sum_rate(spans.calls(s), service_name=INBOUND)), "errors"),
        unit="percentunit", w=w, h=4, decimals=2, thresholds=spans.RATIO_STEPS, no_value=kit.NO_TRAFFIC,
        desc="Share of inbound spans with STATUS_CODE_ERROR now; 0% when none failed.")


def span_latency(s, w=6):
    return kit.stat(
        "Latency: inbound mean",
        kit.target(q.histogram_avg(spans.duration(s), service_name=INBOUND), "mean"),
        unit="ms", w=w, h=4, decimals=0, no_value=kit.NO_TRAFFIC,
        thresholds=((None, kit.GREEN), (s.slo_latency_seconds * 500, kit.ORANGE),
                    (s.slo_latency_seconds * 1000, kit.RED)),
        desc="Mean duration of inbound spans (_sum / _count, right whatever the collector's bucket configuration: "
             "quantiles are in the latency panel, guarded against nanosecond buckets).")


def span_saturation(s, w=6):
    return kit.stat(
        "Saturation: rate-limited / s", kit.target(spans.ratelimited_expr(s), "rate-limited/s"),
        unit="reqps", w=w, h=4, decimals=2, thresholds=((None, kit.GREEN), (0.1, kit.ORANGE), (1, kit.RED)),
        desc="Requests per second Envoy's LLM filter rejected for the token rate limit: the gateway is at capacity.")


def span_golden_signals(s):
    return (span_traffic(s), span_errors(s), span_latency(s), span_saturation(s))


# --- SLOs of the LLM upstream -----------------------------------------------------------------------
def _budget_steps(s):
    allowed = 1 - s.slo_availability
    return ((None, kit.GREEN), (allowed / 2, kit.ORANGE), (allowed, kit.RED))


def _window_failed_share(s) -> q.Expr:
    w = s.slo_window
    return q.ratio(q.add_disjoint(p.upstream_failures(lambda m: q.grown(m, w))),
                   q.sum_(p.upstream_requests(lambda m: q.grown(m, w))))


def _slow_share(s, window=q.RATE_INTERVAL) -> q.Expr:
    """Share of upstream requests slower than the latency objective's bound."""
    return q.share_above(p.UPSTREAM_DURATION, s.slo_latency_seconds, (), window)


def _objective_stat(s, title, share: q.Expr, legend, objective, decimals, desc, w=6):
    """A share over the SLO window against its objective: red below, green at or above."""
    return kit.stat(
        title, kit.target(share, legend), unit="percentunit", w=w, h=5, decimals=decimals, graph=False,
        no_value=kit.NO_TRAFFIC, thresholds=((None, kit.RED), (objective, kit.GREEN)), desc=desc)


def availability(s, w=6):
    return _objective_stat(
        s, f"Availability ({s.slo_window})", q.Bin("-", q.Num(1), _window_failed_share(s)), "availability",
        s.slo_availability, 3, w=w,
        desc=f"Share of LLM upstream requests that succeeded over the last {s.slo_window} (the SLO window, a "
             f"setting, not the dashboard's range), each request and failure counted once. Objective "
             f"{s.slo_availability:.2%}: green at or above it.")


def error_budget_left(s, w=6):
    allowed = 1 - s.slo_availability
    left = q.Bin("-", q.Num(1), q.Bin("/", _window_failed_share(s), q.Num(allowed)))
    return kit.stat(
        f"Error budget left ({s.slo_window})", kit.target(left, "budget left"),
        unit="percentunit", w=w, h=5, decimals=1, graph=False, no_value=kit.NO_TRAFFIC,
        thresholds=((None, kit.RED), (0.25, kit.ORANGE), (0.5, kit.GREEN)),
        desc=f"How much of the error budget ({allowed:.2%} of requests may fail, objective "
             f"{s.slo_availability:.2%}) is left over the last {s.slo_window}: 1 - failed share / allowed share. "
             "Below 0: the objective is missed.")


def latency_objective(s, w=6):
    return _objective_stat(
        s, f"Requests within {s.slo_latency_seconds:g} s ({s.slo_window})",
        q.Bin("-", q.Num(1), _slow_share(s, s.slo_window)), "within", s.slo_latency_target, 2, w=w,
        desc=f"Share of LLM upstream requests that finished within {s.slo_latency_seconds:g} s over the last "
             f"{s.slo_window}, read from the bucket of that bound (exact, no interpolation). Objective "
             f"{s.slo_latency_target:.0%}. A failed stream is observed twice by brightstaff.")


def burn_rate(s, w=6):
    allowed = 1 - s.slo_availability
    errors_burn = p.upstream_error_ratio_expr(()) / allowed
    slow_burn = _slow_share(s) / (1 - s.slo_latency_target)
    return kit.timeseries(
        "Error budget burn rate", kit.target(errors_burn, "availability"), kit.target(slow_burn, "latency"),
        unit="suffix: ×", w=w, h=5, min=0, thresholds=((None, kit.GREEN), (1, kit.ORANGE), (14.4, kit.RED)),
        legend_calcs=("lastNotNull",), no_value=kit.NO_TRAFFIC,
        desc="How fast each objective's budget burns now: failed (or slow) share / allowed share. 1 spends the "
             f"budget exactly over {s.slo_window}; 14.4 (red) spends 2% of a 30-day budget in an hour, the usual "
             "page threshold.")


def slo_row(s):
    return (availability(s), error_budget_left(s), latency_objective(s), burn_rate(s))


def slo_lint_exceptions(s):
    """The SLO window is a setting, not the dashboard's range: its fixed window is on purpose."""
    why = f"the SLO window ({s.slo_window}) is a setting, not the dashboard's time range"
    return tuple((panel.title, "rate-interval", why) for panel in (availability(s), error_budget_left(s),
                                                                    latency_objective(s)))
