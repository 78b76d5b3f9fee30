"""The table: every panel with a number a user acts on, in every shipped dashboard, and what
that number truly is in the simulated world.

Truths are written from what the metric *means* (tests/fixtures/metrics-reference.md, its
section "Verified against the emitting code"), never copied from the panel's query: a failed
upstream request is a 4xx/5xx/no-answer status *or* a transport/stream error; fallback counts
only real routing decisions; OpenAI-convention prompt tokens include the cached ones.
A case marked `xfail` names what the shipped panel still gets wrong.
"""

from __future__ import annotations

import attrs

from panels.prices import load_prices
from panels.settings import Settings
from values.harness import Case
from values.truth import Fn, Measure, both, count, level, mean, not_, quantile, rate, ratio, where

_S = Settings()
BS = {"job": _S.jobs.get("brightstaff") or "brightstaff"}  # brightstaff's own series, not the SDK's process_*
_NS = _S.spanmetrics_namespace


def _span(name: str) -> str:
    return f"{_NS}_{name}" if _NS else name


# --- the simulated world's families -------------------------------------------------------------
HTTP = "brightstaff_http_requests_total"
HTTP_DUR = "brightstaff_http_request_duration_seconds"
INFLIGHT = "brightstaff_http_in_flight_requests"
UP = "brightstaff_llm_upstream_requests_total"
UP_DUR = "brightstaff_llm_upstream_duration_seconds"
TTFB = "brightstaff_llm_time_to_first_token_seconds"
TOKENS = "brightstaff_llm_tokens_total"
MISSING = "brightstaff_llm_tokens_usage_missing_total"
ROUTER = "brightstaff_router_decisions_total"
ROUTER_DUR = "brightstaff_router_decision_duration_seconds"
ROUTING = "brightstaff_routing_service_requests_total"
SESSION = "brightstaff_session_cache_events_total"
PCACHE = "brightstaff_prompt_cache_requests_total"
SWITCH = "brightstaff_session_switch_decisions_total"
SKIPS = "brightstaff_router_skips_total"
BUILD = "brightstaff_build_info"
ENVOY_RQ = "envoy_cluster_upstream_rq_total"
ENVOY_XX = "envoy_cluster_upstream_rq_xx"
RATELIMITED = "ratelimited_rq"
CALLS = _span("calls_total")
SPAN_DUR = _span("duration_milliseconds")
SDK_COST = "llm_cost_usd_micro_total"
SDK_SPANS = "llm_spans_total"
SDK_TOKENS = "llm_tokens_total"
SDK_LAT = "llm_latency_ms_total"
SDK_TTFT = "llm_latency_ms_ttft"
SDK_FINISH = "llm_finish_reason_total"
PII = "llm_pii_detected_total"
INJECTION = "llm_injection_attempts_total"

S_BUCKETS_HTTP = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
S_BUCKETS_LLM = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
S_BUCKETS_ROUTER = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
MS_BUCKETS_SPAN = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
MS_BUCKETS_SDK = (0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000)

# --- what things mean -----------------------------------------------------------------------------
FAILED = lambda labels: (labels.get("status_class") in ("4xx", "5xx", "error")  # noqa: E731
                         or labels.get("error_class", "none") != "none")
SDK_FAILED = where(status=not_("success"))  # status is a free string
ROUTED = where(selected_model=not_("none"))  # "none": no routing preferences, nothing failed
CACHE_EXCLUDED_FROM_PROMPT = ("anthropic",)  # every other provider counts cached tokens in `prompt`
USD_PER_1M = {m.model: m.per_kind() for m in load_prices().models}


def _usd(per_second: bool, only=None) -> Measure:
    """USD of brightstaff's tokens, priced per (model, kind) with the price file; uncached
    prompt = prompt − cache_read where the provider counts cached tokens in prompt."""
    def fn(f):
        tokens = (rate if per_second else count)(TOKENS, both(where(**BS), only))
        per = tokens(attrs.evolve(f, by=("provider", "model", "kind")))
        out: dict = {}
        for (provider, model, kind), n in per.items():
            price = USD_PER_1M.get(model)
            if price is None:
                continue
            if kind == "prompt" and provider not in CACHE_EXCLUDED_FROM_PROMPT:
                n -= per.get((provider, model, "cache_read"), 0.0)
            key = f.key({"provider": provider, "model": model, "kind": kind})
            out[key] = out.get(key, 0.0) + n * price[kind] / 1e6
        return out
    return Fn(fn)


USD = _usd(per_second=False)
USD_PER_HOUR = _usd(per_second=True) * 3600
ANTHROPIC_USD = _usd(per_second=False, only=where(provider="anthropic"))
UNPRICED = where(model=not_(*USD_PER_1M))


def _uptime(f):
    starts = level("process_start_time_seconds", where(**BS), agg="min")(f)
    return {k: f.at - v for k, v in starts.items()}


# --- the cases -----------------------------------------------------------------------------------------
def on(uids, panel: str, truth: Measure, by=(), **kw) -> list[Case]:
    """The same panel (one factory) in several dashboards."""
    return [Case(u, panel, truth, tuple(by), **kw) for u in ((uids,) if isinstance(uids, str) else uids)]


def quantiles(uids, panel: str, family: str, buckets, by, where_=None, qs=(0.5, 0.95, 0.99), **kw) -> list[Case]:
    """A p50 / p95 / p99 panel: one case per target."""
    return [c for ref, q in zip("ABC", qs, strict=False)
            for c in on(uids, panel, quantile(family, q, buckets, where_), by, ref=ref, **kw)]


BRIGHTSTAFF, HTTP_RED, UPSTREAM_UIDS = "brightstaff", "plano-http-red", ("brightstaff", "plano-llm-upstream")
OR_DROPS = ("`or` of two overlapping aggregates keeps only the left side: transport and stream errors of a "
            "provider with 4xx/5xx vanish")
FALLBACK_NONE = 'fallback ratio counts selected_model="none" (no routing preferences) as a fallback'
OPENAI_CACHE_TWICE = "OpenAI-convention prompt tokens include cache_read: the cached tokens are billed twice"

CASES: list[Case] = [
    # --- brightstaff HTTP (brightstaff, plano-http-red) ---
    *on(BRIGHTSTAFF, "Request rate by handler", rate(HTTP), ("handler",)),
    *on(HTTP_RED, "Request rate by handler, method and status class", rate(HTTP),
        ("handler", "method", "status_class")),
    *on((BRIGHTSTAFF, HTTP_RED), "5xx error ratio", ratio(rate(HTTP, where(status_class="5xx")), rate(HTTP))),
    *on(HTTP_RED, "4xx error ratio", ratio(rate(HTTP, where(status_class="4xx")), rate(HTTP))),
    *on(HTTP_RED, "5xx ratio by handler", ratio(rate(HTTP, where(status_class="5xx")), rate(HTTP)), ("handler",)),
    *on(HTTP_RED, "4xx ratio by handler", ratio(rate(HTTP, where(status_class="4xx")), rate(HTTP)), ("handler",)),
    *quantiles((BRIGHTSTAFF, HTTP_RED), "Request duration p50 / p95 / p99 by handler", HTTP_DUR, S_BUCKETS_HTTP,
               ("handler",)),
    *on((BRIGHTSTAFF, HTTP_RED), "In-flight requests by handler", level(INFLIGHT), ("handler",)),
    *on((BRIGHTSTAFF, HTTP_RED, "plano-process"), "Envoy → brightstaff link health",
        rate(ENVOY_RQ, where(envoy_cluster_name="bright_staff"))),
    *on((BRIGHTSTAFF, HTTP_RED, "plano-process"), "Envoy → brightstaff link health", rate(HTTP), ref="B"),
    *on((HTTP_RED, "plano-process"), "Envoy → brightstaff responses by class",
        rate(ENVOY_XX, where(envoy_cluster_name="bright_staff")), ("envoy_response_code_class",)),

    # --- LLM upstream (brightstaff, plano-llm-upstream) ---
    *on("plano-llm-upstream", "Upstream request rate by provider / model", rate(UP), ("provider", "model")),
    *on(UPSTREAM_UIDS, "Upstream errors by provider / status / error class", rate(UP, FAILED),
        ("provider", "status_class", "error_class")),
    *on("plano-llm-upstream", "Upstream error ratio by provider", ratio(rate(UP, FAILED), rate(UP)), ("provider",),
        xfail=OR_DROPS),
    *on("plano-llm-upstream", "Upstream request rate by provider / model", rate(UP, where(provider="anthropic")),
        ("provider", "model"), variables=(("provider", "anthropic"),)),
    *on("plano-llm-upstream", "Upstream errors by provider / status / error class",
        rate(UP, both(FAILED, where(provider="anthropic"))), ("provider", "status_class", "error_class"),
        variables=(("provider", "anthropic"),)),
    *on(BRIGHTSTAFF, "LLM upstream p95 by provider / model", quantile(UP_DUR, 0.95, S_BUCKETS_LLM),
        ("provider", "model")),
    *quantiles("plano-llm-upstream", "Upstream latency p50 / p95 / p99 by provider / model", UP_DUR, S_BUCKETS_LLM,
               ("provider", "model")),
    *on(BRIGHTSTAFF, "Time to first token p95 (streaming)", quantile(TTFB, 0.95, S_BUCKETS_LLM),
        ("provider", "model")),
    *quantiles("plano-llm-upstream", "Time to first token p50 / p95 / p99 (streaming)", TTFB, S_BUCKETS_LLM,
               ("provider", "model")),
    *on("plano-llm-upstream", "Tokens per second by kind", rate(TOKENS), ("kind",)),
    *on(UPSTREAM_UIDS, "Token throughput by provider / model / kind", rate(TOKENS), ("provider", "model", "kind")),
    *on((*UPSTREAM_UIDS, "plano-llm-cost"), "Responses without token usage", rate(MISSING), ("provider", "model")),
    *on(UPSTREAM_UIDS, "Prompt cache hit ratio by provider / model",
        ratio(rate(PCACHE, where(outcome="hit")), rate(PCACHE)), ("provider", "model")),

    # --- routing (brightstaff, plano-routing) ---
    *on(("brightstaff", "plano-routing"), "Model selection distribution (selected range)", count(ROUTER),
        ("selected_model",)),
    *on(("brightstaff", "plano-routing"), "Fallback ratio by route",
        ratio(rate(ROUTER, both(ROUTED, where(fallback="true"))), rate(ROUTER, ROUTED)), ("route",),
        xfail=FALLBACK_NONE),
    *quantiles(("brightstaff", "plano-routing"), "Router decision latency p50 / p95 / p99", ROUTER_DUR,
               S_BUCKETS_ROUTER, ("route",)),
    *on(("brightstaff", "plano-routing"), "/routing/* outcomes", rate(ROUTING), ("outcome",)),
    *on(("brightstaff", "plano-routing"), "Session cache hit ratio",
        ratio(rate(SESSION, where(outcome="hit")), rate(SESSION, where(outcome=("hit", "miss", "error"))))),
    *on("plano-routing", "Session cache events by outcome", rate(SESSION), ("outcome",)),
    *on(("brightstaff", "plano-routing"), "Session model-switch decisions by reason", rate(SWITCH),
        ("decision", "reason")),
    *on(("brightstaff", "plano-routing"), "Router skips by reason", rate(SKIPS), ("reason",)),

    # --- process (brightstaff, plano-process) ---
    *on(BRIGHTSTAFF, "Brightstaff process RSS / CPU", level("process_resident_memory_bytes", where(**BS))),
    *on(BRIGHTSTAFF, "Brightstaff process RSS / CPU", rate("process_cpu_seconds_total", where(**BS)), ref="B"),
    *on(("brightstaff", "plano-process"), "Build version", level(BUILD, where(**BS)), ("version", "git_sha")),
    *on(("brightstaff", "plano-process"), "Uptime", Fn(_uptime)),
    *on("plano-process", "Memory", level("process_resident_memory_bytes", where(**BS)), ("instance",)),
    *on("plano-process", "Memory", level("process_virtual_memory_bytes", where(**BS)), ("instance",), ref="B"),
    *on("plano-process", "CPU", rate("process_cpu_seconds_total", where(**BS)), ("instance",)),
    *on("plano-process", "Open file descriptors vs limit", level("process_open_fds", where(**BS)), ("instance",)),
    *on("plano-process", "Open file descriptors vs limit", level("process_max_fds", where(**BS)), ("instance",),
        ref="B"),
    *on("plano-process", "Threads", level("process_threads", where(**BS)), ("instance",)),

    # --- brightstaff cost (plano-llm-cost) ---
    *on("plano-llm-cost", "Spend (selected range)", USD, xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend rate now (USD/hour)", USD_PER_HOUR, xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend rate by provider / model (USD/hour)", USD_PER_HOUR, ("provider", "model"),
        xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend by provider / model (selected range)", USD, ("provider", "model"),
        xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend by provider (selected range)", USD, ("provider",), xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend by provider / model (selected range)", ANTHROPIC_USD, ("provider", "model"),
        variables=(("provider", "anthropic"),)),
    *on("plano-llm-cost", "Prompt vs completion spend (selected range)", USD, ("kind",), xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend rate by token kind (USD/hour)", USD_PER_HOUR, ("kind",), xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Tokens without a price (selected range)", count(TOKENS, UNPRICED)),
    *on("plano-llm-cost", "Tokens without a price", rate(TOKENS, UNPRICED), ("provider", "model", "kind")),

    # --- spanmetrics (plano-requests-overview) ---
    *on("plano-requests-overview", "LLM requests / sec by model", rate(CALLS, where(service_name="plano(llm)")),
        ("llm_model",)),
    *on("plano-requests-overview", "Agent requests / sec by agent", rate(CALLS, where(service_name="plano(agent)")),
        ("agent_id",)),
    *on("plano-requests-overview", "Total requests / sec by service",
        rate(CALLS, lambda labels: labels.get("service_name", "").startswith("plano(")), ("service_name",)),
    *on("plano-requests-overview", "Rate-limited requests / sec", rate(RATELIMITED),
        points=("outage", "ratelimit", "end")),
    *quantiles("plano-requests-overview", "LLM request latency p50 / p95 / p99 by model", SPAN_DUR,
               MS_BUCKETS_SPAN, ("llm_model",), where(service_name="plano(llm)")),
    *on("plano-requests-overview", "Cumulative request count by model (selected range)",
        count(CALLS, where(service_name="plano(llm)")), ("llm_model",)),
    *on("plano-requests-overview", "Error ratio by service",
        ratio(rate(CALLS, where(status_code="STATUS_CODE_ERROR")),
              rate(CALLS, lambda labels: labels.get("service_name", "").startswith("plano("))), ("service_name",)),

    # --- the SDK's cost dashboard ---
    *on("llm-cost-dashboard", "Total cost (selected range)", count(SDK_COST) / 1e6),
    *on("llm-cost-dashboard", "Cost rate now (USD/hour)", rate(SDK_COST) * 3600 / 1e6),
    *on("llm-cost-dashboard", "Cumulative cost over the selected range by service / model", count(SDK_COST) / 1e6,
        ("service_name", "model"), mode="last"),
    *on("llm-cost-dashboard", "Cost distribution by model (selected range)", count(SDK_COST) / 1e6, ("model",)),
    *on("llm-cost-dashboard", "Cost by service (selected range)", count(SDK_COST) / 1e6, ("service_name",)),
    *on("llm-cost-dashboard", "Average cost per call by model (selected range)",
        count(SDK_COST) / 1e6 / count(SDK_SPANS), ("model",)),
    *on("llm-cost-dashboard", "Cost rate by service / model (USD/hour)", rate(SDK_COST) * 3600 / 1e6,
        ("service_name", "model")),
    *on("llm-cost-dashboard", "Top spenders (selected range)", count(SDK_COST) / 1e6,
        ("service_name", "provider", "model")),

    # --- the SDK's error and retry dashboard ---
    *on("llm-error-retry-dashboard", "Success vs error rate", rate(SDK_SPANS), ("status",)),
    *on("llm-error-retry-dashboard", "Error ratio", ratio(rate(SDK_SPANS, SDK_FAILED), rate(SDK_SPANS))),
    *on("llm-error-retry-dashboard", "Errors by provider / model", rate(SDK_SPANS, SDK_FAILED), ("provider", "model")),
    *on("llm-error-retry-dashboard", "Error ratio by provider / model",
        ratio(rate(SDK_SPANS, SDK_FAILED), rate(SDK_SPANS)), ("provider", "model")),
    *on("llm-error-retry-dashboard", "Finish reason distribution (selected range)", count(SDK_FINISH),
        ("finish_reason",)),
    *on("llm-error-retry-dashboard", "Finish reasons over time", rate(SDK_FINISH), ("finish_reason",)),
    *on("llm-error-retry-dashboard", "Retry rate (selected range)",
        ratio(count(SDK_SPANS, where(has_retries="true")), count(SDK_SPANS))),
    *on("llm-error-retry-dashboard", "Retry rate by provider / model",
        ratio(rate(SDK_SPANS, where(has_retries="true")), rate(SDK_SPANS)), ("provider", "model")),

    # --- the SDK's latency dashboard ---
    *quantiles("llm-latency-ttft-dashboard", "End-to-end latency p50 / p95 / p99 by model", SDK_LAT, MS_BUCKETS_SDK,
               ("model",)),
    *quantiles("llm-latency-ttft-dashboard", "Time to first token p50 / p95 / p99 by model (streaming)", SDK_TTFT,
               MS_BUCKETS_SDK, ("model",)),
    *on("llm-latency-ttft-dashboard", "Average latency vs average TTFT by model (selected range)",
        mean(SDK_LAT, over_range=True), ("model",)),
    *on("llm-latency-ttft-dashboard", "Average latency vs average TTFT by model (selected range)",
        mean(SDK_TTFT, over_range=True), ("model",), ref="B"),
    *on("llm-latency-ttft-dashboard", "Request rate by model", rate(SDK_SPANS), ("model",)),
    *on("llm-latency-ttft-dashboard", "Tokens per second by model (prompt / completion)", rate(SDK_TOKENS),
        ("model", "token_type")),

    # --- the SDK's security dashboard ---
    *on("llm-security-safety-dashboard", "Security violations (selected range)", count(PII)),
    *on("llm-security-safety-dashboard", "Security violations (selected range)", count(INJECTION), ref="B"),
    *on("llm-security-safety-dashboard", "Security violations (selected range)", count(PII) + count(INJECTION),
        ref="C"),
    *on("llm-security-safety-dashboard", "PII detections per second by service", rate(PII), ("service_name",)),
    *on("llm-security-safety-dashboard", "Injection attempts per second by service", rate(INJECTION),
        ("service_name",)),
    *on("llm-security-safety-dashboard", "PII detections per call by service",
        ratio(rate(PII), rate(SDK_SPANS)), ("service_name",)),
    *on("llm-security-safety-dashboard", "Injection attempts per call by service",
        ratio(rate(INJECTION), rate(SDK_SPANS)), ("service_name",)),
]

# Panels with targets that no case checks, and why (a panel added without a case fails the coverage test).
NOT_CHECKED = {
    ("llm-latency-ttft-dashboard", "Time per output token by model (streaming)"):
        "the simulator's truth has no per-call streaming split yet (the SDK histograms cannot separate them)",
}
