"""The alerts and recording rules of an LLM gateway, one group per dashboard family.

Every expression is built from catalog metrics with the query helpers, reusing the panels'
own expression factories (the upstream error expression, the rate-limit sum, the price
terms of the cost panels); every threshold, window and duration is a setting. Each alert
names the dashboard and panel that show it. Ratios are recorded once, with their
denominator, and an alert on a ratio fires only above `alert_min_request_rate`.
"""

from __future__ import annotations

from llm_gateway_dashboards.panels import cost, llm, spans
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Metric, Source
from llm_gateway_dashboards.panels.prices import load_prices
from llm_gateway_dashboards.panels.rules.model import Alert, Group, Record, above, guarded, windowed

# Prometheus' own per-target series: not emitted by a source, written by the scrape.
UP = Metric("up", "gauge", "scrape", "short", "1 when Prometheus scraped the target, 0 when the scrape failed")
SCRAPE = Source("scrape", "series Prometheus writes for every scraped target", [UP])
SLO_WINDOWS = (("5m", "1h", 0.02, 1), ("30m", "6h", 0.05, 6))  # SRE workbook: (short, long, budget share, hours)
HOUR, PER_MILLION = 3600, 1_000_000


def label(name: str) -> str:
    return "{{ $labels.%s }}" % name


PCT = "{{ $value | humanizePercentage }}"
VALUE = '{{ $value | printf "%.2f" }}'  # rates and USD/hour: 0.80, 455.85
COUNT = "{{ $value }}"  # a whole number of events


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _rate_name(window: str) -> str:
    return f"rate{window}"


class _Rules:
    """Declares the rules of one settings object; methods build one group each."""

    def __init__(self, s):
        self.s = s
        self.w = s.alert_rate_window
        self.min = s.alert_min_request_rate

    def rate(self, expr: q.Expr, window: str | None = None) -> q.Expr:
        return windowed(expr, window or self.w)

    def ratio(self, name: str, part: q.Expr, whole: q.Expr, by: tuple[str, ...], what: str,
              whole_name: str) -> tuple[Record, Record]:
        """Records `<level>:<name>:rate<w>` (part / whole, 0 without failures) and its denominator."""
        level = name.split(":")[0]
        requests = Record(f"{level}:{whole_name}:{_rate_name(self.w)}", self.rate(whole), by,
                          f"per second over {self.w}: the denominator of {name}", whole)
        ratio = Record(f"{name}:{_rate_name(self.w)}", self.rate(q.ratio(part, whole)), by, f"{what} over {self.w}",
                       q.ratio(part, whole))
        return ratio, requests

    def alert(self, name, expr, severity, summary, description, dashboard, panel, labels, settings, meaning,
              for_=None) -> Alert:
        return Alert(name, expr, severity, summary, description, dashboard, panel, for_ or self.s.alert_for,
                     labels, settings, meaning)

    def ratio_alert(self, name, ratio: Record, requests: Record, threshold: float, setting: str, severity: str,
                    summary: str, description: str, dashboard: str, panel: str, meaning: str) -> Alert:
        return self.alert(name, guarded(above(ratio.sel(), threshold), requests.sel(), self.min), severity,
                          summary, description, dashboard, panel, ratio.labels,
                          (setting, "alert_min_request_rate", "alert_rate_window", "alert_for"), meaning)

    # --- LLM upstream: errors and the latency / TTFT objectives ------------------------------------
    def upstream(self) -> Group:
        s, by = self.s, ("provider",)
        errors, requests = self.ratio(
            "plano:upstream_error_ratio", p.upstream_errors_expr(by), p.upstream_total_expr(by), by,
            "share of upstream requests that failed (4xx/5xx answers, no answer, or an error class)",
            "upstream_requests")
        rules = [errors, requests,
                 self.ratio_alert(
                     "PlanoUpstreamErrorRatioHigh", errors, requests, s.alert_upstream_error_ratio,
                     "alert_upstream_error_ratio", "critical",
                     f"LLM provider {label('provider')} is failing: {PCT} of requests",
                     f"{PCT} of brightstaff's requests to provider {label('provider')} failed over the last "
                     f"{self.w} (threshold {_pct(s.alert_upstream_error_ratio)}): 429/5xx answers "
                     f"(error_class=none), requests with no answer, and transport or stream errors.",
                     "plano-llm-upstream", "Upstream error ratio by provider",
                     "a provider answers 429/5xx, times out or breaks streams")]
        for key, metric, what, panel in (
                ("latency", p.UPSTREAM_DURATION, "upstream latency",
                 "Upstream latency p50 / p95 / p99 by provider / model"),
                ("ttft", p.TTFT, "time to first byte",
                 "Time to first byte p50 / p95 / p99 (every response with a body)")):
            recs, alert = self.slo(key, metric, what, panel, requests)
            rules += [*recs, alert]
        return Group("plano-upstream", s.rules_interval, rules)

    def slo(self, key: str, metric: Metric, what: str, panel: str, requests: Record) -> tuple[list[Record], Alert]:
        s, by = self.s, ("provider",)
        limit = getattr(s, f"slo_{key}_seconds")
        objective = getattr(s, f"slo_{key}_objective")
        if limit not in metric.buckets:
            raise ValueError(f"setting slo_{key}_seconds={limit:g}: not a bucket boundary of {metric.name} "
                             f"(buckets: {', '.join(f'{b:g}' for b in metric.buckets)})")
        le = q.rx("|".join(q.regex_escape(t) for t in dict.fromkeys((f"{limit:g}", repr(float(limit))))))
        count = q.sum_rate(q.Sel(metric, "_count"), by)
        fast = q.sum_rate(q.Sel(metric, "_bucket", (q.Matcher("le", *le),)), by)
        slow = q.Bin("/", q.Bin("-", count, fast), count)
        records = {}
        for short, long, _, _ in SLO_WINDOWS:
            for w in (short, long):
                records[w] = Record(f"plano:upstream_{key}_slow_ratio:{_rate_name(w)}", windowed(slow, w), by,
                                    f"share of requests with {what} above {limit:g}s over {w}")
        budget = 1 - objective
        pairs = []
        for short, long, share, hours in SLO_WINDOWS:
            limit_ratio = float(f"{share * s.slo_window_days * 24 / hours * budget:.10g}")  # burn rate x budget
            pairs.append(q.Bin("and", above(records[short].sel(), limit_ratio),
                               above(records[long].sel(), limit_ratio)))
        condition = q.Bin("and", q.Bin("or", *pairs), above(requests.sel(), self.min))
        name = {"latency": "PlanoUpstreamLatencySLOBurn", "ttft": "PlanoTimeToFirstTokenSLOBurn"}[key]
        alert = self.alert(
            name, condition, "critical",
            f"{what.capitalize()} objective of {label('provider')} is burning: {PCT} of requests slower than "
            f"{limit:g}s",
            f"{PCT} of requests to provider {label('provider')} had {what} above {limit:g}s. The objective is "
            f"{_pct(objective)} within {limit:g}s over {s.slo_window_days:g} days; at this rate its error budget "
            f"is spent within days (burn-rate pairs 5m/1h and 30m/6h, SRE workbook).",
            "plano-llm-upstream", panel, by,
            (f"slo_{key}_seconds", f"slo_{key}_objective", "slo_window_days", "alert_slo_for"),
            f"{what} slower than its objective, multi-window multi-burn-rate", for_=s.alert_slo_for)
        return list(records.values()), alert

    # --- HTTP, Envoy ------------------------------------------------------------------------------
    def http(self) -> Group:
        s = self.s
        by = ("handler",)
        http5xx, http_requests = self.ratio(
            "plano:http_5xx_ratio", q.sum_rate(p.HTTP, by, status_class="5xx"), q.sum_rate(p.HTTP, by), by,
            "share of brightstaff HTTP responses that were 5xx", "http_requests")
        cluster = ("envoy_cluster_name",)
        envoy5xx, envoy_requests = self.ratio(
            "plano:envoy_brightstaff_5xx_ratio",
            q.sum_rate(p.ENVOY_RQ_XX, cluster, envoy_cluster_name=s.brightstaff_cluster,
                       envoy_response_code_class="5"),
            q.sum_rate(p.ENVOY_RQ_XX, cluster, envoy_cluster_name=s.brightstaff_cluster), cluster,
            "share of Envoy's requests to brightstaff answered 5xx", "envoy_brightstaff_requests")
        ratelimited = self.rate(spans.ratelimited_expr(s))
        return Group("plano-http", s.rules_interval, [
            http5xx, http_requests, envoy5xx, envoy_requests,
            self.ratio_alert(
                "PlanoHTTP5xxRatioHigh", http5xx, http_requests, s.alert_http_5xx_ratio, "alert_http_5xx_ratio",
                "critical", f"brightstaff handler {label('handler')} answers {PCT} 5xx",
                f"{PCT} of brightstaff's {label('handler')} responses over the last {self.w} were 5xx "
                f"(threshold {_pct(s.alert_http_5xx_ratio)}).",
                "plano-http-red", "5xx ratio by handler", "brightstaff answers 5xx"),
            self.ratio_alert(
                "PlanoEnvoyBrightstaffFailures", envoy5xx, envoy_requests, s.alert_envoy_failure_ratio,
                "alert_envoy_failure_ratio", "critical",
                f"Envoy → brightstaff: {PCT} of requests fail",
                f"{PCT} of the requests Envoy sent to cluster {label('envoy_cluster_name')} over the last "
                f"{self.w} came back 5xx (threshold {_pct(s.alert_envoy_failure_ratio)}), including resets "
                f"and timeouts brightstaff never counted.",
                "plano-http-red", "Envoy → brightstaff responses by class", "Envoy cannot reach brightstaff"),
            self.alert(
                "PlanoRateLimitingActive", above(ratelimited, s.alert_ratelimited_rate), "warning",
                f"Envoy rate-limits {VALUE} requests/s",
                f"Envoy's LLM filter rejected {VALUE} requests per second over the last {self.w} by rate "
                f"limit (threshold {s.alert_ratelimited_rate:g}/s; counter {' or '.join(s.ratelimit_metrics)}).",
                "plano-requests-overview", "Rate-limited requests / sec", (),
                ("alert_ratelimited_rate", "ratelimit_metrics", "alert_rate_window", "alert_for"),
                "clients hit the token rate limit"),
        ])

    # --- routing and the session cache -------------------------------------------------------------
    def routing(self) -> Group:
        s = self.s
        by = ()  # brightstaff only ever emits route="llm"
        fell_back, real, _ = p.routing_decisions(by)
        fallback, decisions = self.ratio(
            "plano:router_fallback_ratio", fell_back, real, by,
            "share of real routing decisions (selected_model not none) that fell back", "router_decisions")
        failed = q.one_of("no_candidates", "policy_error")
        routing, routing_requests = self.ratio(
            "plano:routing_service_error_ratio", q.sum_rate(p.ROUTING_SERVICE, outcome=failed),
            q.sum_rate(p.ROUTING_SERVICE), (), "share of /routing/* requests not served", "routing_requests")
        cache, cache_events = self.ratio(
            "plano:session_cache_error_ratio",
            q.sum_rate(p.SESSION_CACHE, outcome=q.one_of("error", "store_error")), q.sum_rate(p.SESSION_CACHE),
            (), "share of session cache lookups and writes that failed", "session_cache_events")
        return Group("plano-routing", s.rules_interval, [
            fallback, decisions, routing, routing_requests, cache, cache_events,
            self.ratio_alert(
                "PlanoRoutingFallbackRatioHigh", fallback, decisions, s.alert_fallback_ratio, "alert_fallback_ratio",
                "warning", f"The router falls back in {PCT} of decisions",
                f"{PCT} of real routing decisions over the last {self.w} used the fallback (threshold "
                f"{_pct(s.alert_fallback_ratio)}): the preferred models are failing or unavailable. Decisions "
                f"without routing preferences (selected_model=none) are not counted.",
                "plano-routing", "Fallback and router-error ratio (routing decisions)",
                "the router keeps falling back"),
            self.ratio_alert(
                "PlanoRoutingServiceErrors", routing, routing_requests, s.alert_routing_error_ratio,
                "alert_routing_error_ratio", "warning", f"/routing/* cannot serve {PCT} of requests",
                f"{PCT} of /routing/* requests over the last {self.w} ended in no_candidates or policy_error "
                f"(threshold {_pct(s.alert_routing_error_ratio)}).",
                "plano-routing", "/routing/* outcomes", "the routing service finds no candidate or fails"),
            self.ratio_alert(
                "PlanoSessionCacheErrors", cache, cache_events, s.alert_session_cache_error_ratio,
                "alert_session_cache_error_ratio", "warning", f"Session cache: {PCT} of operations fail",
                f"{PCT} of session cache lookups and writes over the last {self.w} failed (error, store_error; "
                f"threshold {_pct(s.alert_session_cache_error_ratio)}): the cache backend is failing.",
                "plano-routing", "Session cache events by outcome", "the session cache backend fails"),
        ])

    # --- cost: brightstaff tokens x the price file, and usage that cost cannot see -----------------
    def cost(self) -> Group:
        s = self.s
        by = ("provider", "model")
        usd_per_hour = cost.spend_rate(load_prices(s.prices_file), by, s)
        spend = Record(f"plano:spend_usd_per_hour:{_rate_name(self.w)}", self.rate(usd_per_hour), by,
                       "USD per hour from brightstaff's tokens x the price file", usd_per_hour)
        missing, requests = self.ratio(
            "plano:usage_missing_ratio", q.sum_rate(p.USAGE_MISSING, by), p.upstream_total_expr(by), by,
            "share of upstream responses without token usage", "upstream_requests_by_model")
        total = q.sum_(spend.sel())
        return Group("plano-cost", s.rules_interval, [
            spend, missing, requests,
            self.alert(
                "PlanoSpendRateHigh", above(spend.sel(), s.alert_spend_usd_per_hour_model), "warning",
                f"{label('provider')}/{label('model')} spends {VALUE} USD/hour",
                f"brightstaff's {label('provider')}/{label('model')} tokens cost {VALUE} USD per hour at list "
                f"price over the last {self.w} (budget {s.alert_spend_usd_per_hour_model:g} USD/hour per model).",
                "plano-llm-cost", "Spend rate by provider / model (USD/hour)", by,
                ("alert_spend_usd_per_hour_model", "prices_file"), "one model's spend runs away"),
            self.alert(
                "PlanoSpendRateTotalHigh", above(total, s.alert_spend_usd_per_hour_total), "warning",
                f"The gateway spends {VALUE} USD/hour",
                f"All of brightstaff's priced tokens cost {VALUE} USD per hour over the last {self.w} (budget "
                f"{s.alert_spend_usd_per_hour_total:g} USD/hour).",
                "plano-llm-cost", "Spend rate now (USD/hour)", (),
                ("alert_spend_usd_per_hour_total", "prices_file"), "total spend runs away"),
            self.ratio_alert(
                "PlanoTokenUsageMissing", missing, requests, s.alert_usage_missing_ratio, "alert_usage_missing_ratio",
                "info", f"{label('provider')}/{label('model')}: {PCT} of responses carry no token usage",
                f"{PCT} of {label('provider')}/{label('model')} responses over the last {self.w} reported no token "
                f"usage (threshold {_pct(s.alert_usage_missing_ratio)}): their tokens and cost are missing from "
                f"the cost panels.",
                "plano-llm-cost", "Responses without token usage", "cost panels under-count: usage missing"),
        ])

    # --- the process: scraped at all, restarting -------------------------------------------------
    def process(self) -> Group:
        s = self.s
        job = s.brightstaff_job
        # a failed scrape (up == 0); or no target at all: absent build info, unless `up` already says why
        down = q.Bin("or", q.Bin("==", q.sel(UP, job=job), q.Num(0)), q.Call("absent", (q.sel(p.BUILD_INFO),)),
                     on=("job",))
        start = p.M["process_start_time_seconds"]
        restarts = q.Call("changes", (q.Range(q.sel(start), s.alert_restart_window),))
        return Group("plano-process", s.rules_interval, [
            self.alert(
                "PlanoGatewayDown", down, "critical", f"brightstaff ({label('job')}) is not scraped",
                f"Prometheus cannot scrape brightstaff (job {job}, instance {label('instance')}), or no "
                f"brightstaff_build_info arrives at all: the gateway is down or its metrics endpoint is gone.",
                "plano-process", "Uptime", ("instance", "job"), ("brightstaff_job", "alert_for"),
                "the gateway is down or not scraped (up == 0, absent build info)"),
            self.alert(
                "PlanoRestartLoop", above(restarts, s.alert_restarts), "warning",
                f"brightstaff {label('instance')} restarted {COUNT} times in {s.alert_restart_window}",
                f"brightstaff on {label('instance')} started {COUNT} times within {s.alert_restart_window} "
                f"(threshold {s.alert_restarts:g}): it is crash-looping.",
                "plano-process", "Uptime", ("instance", "job"), ("alert_restarts", "alert_restart_window"),
                "brightstaff keeps restarting"),
        ])

    # --- the LLM SDK: spend from its cost counter, PII and prompt injection -------------------------
    def per_service(self, name: str, metric: Metric, setting: str, severity: str, what: str, panel: str,
                    meaning: str) -> Alert:
        """Detections per second of one SDK security counter, per service, above a rate setting."""
        threshold, by = getattr(self.s, setting), ("service_name",)
        return self.alert(
            name, above(self.rate(q.sum_rate(metric, by)), threshold), severity,
            f"{label('service_name')}: {VALUE} {what}/s",
            f"The SDK counted {VALUE} {what} per second for service {label('service_name')} over the last "
            f"{self.w} (threshold {threshold:g}/s).",
            "llm-security-safety-dashboard", panel, by, (setting,), meaning)

    def llm(self) -> Group:
        s = self.s
        by = ("provider", "model")
        spend = Record(f"llm:spend_usd_per_hour:{_rate_name(self.w)}",
                       self.rate(q.sum_rate(llm.COST, by) * HOUR / llm.MICRO), by,
                       "USD per hour from the SDK's cost counter")
        return Group("llm-observability", s.rules_interval, [
            spend,
            self.alert(
                "LLMSpendRateHigh", above(spend.sel(), s.alert_llm_spend_usd_per_hour_model), "warning",
                f"SDK: {label('provider')}/{label('model')} spends {VALUE} USD/hour",
                f"The SDK's cost counter for {label('provider')}/{label('model')} grows by {VALUE} USD per hour "
                f"over the last {self.w} (budget {s.alert_llm_spend_usd_per_hour_model:g} USD/hour per model).",
                "llm-cost-dashboard", "Cost rate by service / model (USD/hour)", by,
                ("alert_llm_spend_usd_per_hour_model",), "one model's SDK-reported spend runs away"),
            self.alert(
                "LLMSpendRateTotalHigh", above(q.sum_(spend.sel()), s.alert_llm_spend_usd_per_hour_total),
                "warning", f"SDK: total spend {VALUE} USD/hour",
                f"The SDK's cost counters grow by {VALUE} USD per hour over the last {self.w} (budget "
                f"{s.alert_llm_spend_usd_per_hour_total:g} USD/hour).",
                "llm-cost-dashboard", "Cost rate now (USD/hour)", (), ("alert_llm_spend_usd_per_hour_total",),
                "total SDK-reported spend runs away"),
            self.per_service("LLMPIIDetectionsHigh", llm.PII, "alert_pii_rate", "warning", "PII detections",
                             "PII detections per second by service", "PII detections spike"),
            self.per_service("LLMPromptInjectionAttempts", llm.INJECTION, "alert_injection_rate", "critical",
                             "prompt-injection attempts", "Injection attempts per second by service",
                             "prompt-injection attempts spike"),
        ])


def groups(settings) -> tuple[Group, ...]:
    """Every rule group for these settings. Raises ValueError naming a setting that cannot work."""
    r = _Rules(settings)
    return (r.upstream(), r.http(), r.routing(), r.cost(), r.process(), r.llm())
