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
from values.truth import (
    Fn,
    Measure,
    both,
    count,
    facts,
    level,
    not_,
    observed_mean,
    observed_quantile,
    quantile,
    rate,
    ratio,
    where,
)

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
FAILED_OUTCOMES = ("4xx", "5xx", "connect", "other", "stream")  # a failed LLM request, counted once
REAL = lambda selected: selected not in ("none", "unknown")  # noqa: E731 - a real routing decision
NOT_SUCCESS = lambda status: status != "success"  # noqa: E731 - the SDK's status is a free string
USD_PER_1M = {m.model: m.per_kind() for m in load_prices().models}
PRICED = lambda model: model in USD_PER_1M  # noqa: E731
TOKEN_KIND = {"input_uncached": "prompt"}  # the truth's kinds as the panel's `kind` label names them


def _usd_by_kind(per_second: bool) -> Measure:
    """USD of the recorded tokens (the provider's convention applied: uncached input, cache
    read, cache write, completion) at our price file, keyed by the panel's labels with the
    truth's `input_uncached` shown as kind="prompt"."""
    def fn(f):
        tokens = facts("tokens", per_second, summed=True, model=PRICED)
        per = tokens(attrs.evolve(f, by=("provider", "model", "kind")))
        out: dict = {}
        for (provider, model, kind), n in per.items():
            label = TOKEN_KIND.get(kind, kind)
            key = f.key({"provider": provider, "model": model, "kind": label})
            out[key] = out.get(key, 0.0) + n * USD_PER_1M[model][label] / 1e6
        return out
    return Fn(fn)


USD = facts("usd", per_second=False, summed=True)
USD_PER_HOUR = facts("usd", summed=True) * 3600
SDK_USD = facts("sdk_cost", per_second=False, summed=True) / 1e6
SDK_USD_PER_HOUR = facts("sdk_cost", summed=True) * 3600 / 1e6
UNPRICED = where(model=not_(*USD_PER_1M))


def _uptime(f):
    starts = level("process_start_time_seconds", where(**BS), agg="min")(f)
    return {k: f.at - v for k, v in starts.items()}


NO_PROCESS = "brightstaff 0.4.36 exports no process_* (and the SDK's own must not show here)"


# --- the cases -----------------------------------------------------------------------------------------
def on(uids, panel: str, truth: Measure, by=(), **kw) -> list[Case]:
    """The same panel (one factory) in several dashboards."""
    return [Case(u, panel, truth, tuple(by), **kw) for u in ((uids,) if isinstance(uids, str) else uids)]


def quantiles(uids, panel: str, family: str, buckets, by, qs=(0.5, 0.95, 0.99), **kw) -> list[Case]:
    """A p50 / p95 / p99 panel over a truth sample family: one case per target."""
    fixed, scale, match = kw.pop("fixed", None), kw.pop("scale", 1.0), kw.pop("match", {})
    return [c for ref, q in zip("ABC", qs, strict=False)
            for c in on(uids, panel, observed_quantile(family, q, buckets, scale, fixed=fixed, **match), by,
                        ref=ref, **kw)]


def span_quantiles(uids, panel: str, family: str, buckets, by, where_=None, qs=(0.5, 0.95, 0.99), **kw):
    """A p50 / p95 / p99 panel over spanmetrics (whose model label the truth does not carry): the
    exact bucket of the quantile from the emitted buckets."""
    return [c for ref, q in zip("ABC", qs, strict=False)
            for c in on(uids, panel, quantile(family, q, buckets, where_), by, ref=ref, **kw)]


BRIGHTSTAFF, HTTP_RED, UPSTREAM_UIDS = "brightstaff", "plano-http-red", ("brightstaff", "plano-llm-upstream")
ROUTING_UIDS = ("brightstaff", "plano-routing")
OR_DROPS = ("`or` of two overlapping aggregates keeps only the left side: transport and stream errors of a "
            "provider with 4xx/5xx vanish")
DOUBLE_COUNT = "a stream failing mid-body is counted twice (error_class=stream and none): totals are too high"
FALLBACK_NONE = 'fallback ratio counts selected_model="none" (no routing preferences) as a fallback'
OPENAI_CACHE_TWICE = "OpenAI-convention prompt tokens include cache_read: the cached tokens are billed twice"
BORN_IN_RANGE = "increase() over the range misses the first value of series born inside it (a new model)"
BORN_IN_WINDOW = ("rate() misses the first increment of a series born inside its window (a new SDK status, "
                  "a new span label set)")
FREE_STATUS = 'the SDK\'s status is a free string: errors are status!="success", not status="error"'
TTFT_ALL_BODIES = ("brightstaff's TTFT histogram holds every response with a body (non-streaming and error "
                   "bodies too): not a streaming TTFT")

CASES: list[Case] = [
    # --- brightstaff HTTP (brightstaff, plano-http-red) ---
    *on(BRIGHTSTAFF, "Request rate by handler", facts("http"), ("handler",)),
    *on(HTTP_RED, "Request rate by handler, method and status class", facts("http"),
        ("handler", "method", "status_class")),
    *on((BRIGHTSTAFF, HTTP_RED), "5xx error ratio", ratio(facts("http", status_class="5xx"), facts("http"))),
    *on(HTTP_RED, "4xx error ratio", ratio(facts("http", status_class="4xx"), facts("http"))),
    *on(HTTP_RED, "5xx ratio by handler", ratio(facts("http", status_class="5xx"), facts("http")), ("handler",)),
    *on(HTTP_RED, "4xx ratio by handler", ratio(facts("http", status_class="4xx"), facts("http")), ("handler",)),
    *quantiles((BRIGHTSTAFF, HTTP_RED), "Request duration p50 / p95 / p99 by handler", "http_duration",
               S_BUCKETS_HTTP, ("handler",)),
    *on((BRIGHTSTAFF, HTTP_RED), "In-flight requests by handler", level(INFLIGHT), ("handler",)),
    *on((BRIGHTSTAFF, HTTP_RED, "plano-process"), "Envoy → brightstaff link health",
        facts("envoy_upstream", cluster="bright_staff")),
    *on((BRIGHTSTAFF, HTTP_RED, "plano-process"), "Envoy → brightstaff link health", facts("http"), ref="B"),
    *on((HTTP_RED, "plano-process"), "Envoy → brightstaff responses by class",
        facts("envoy_upstream", rename={"envoy_response_code_class": "code_class"}, cluster="bright_staff"),
        ("envoy_response_code_class",)),

    # --- LLM upstream (brightstaff, plano-llm-upstream) ---
    *on("plano-llm-upstream", "Upstream request rate by provider / model", facts("llm_request"),
        ("provider", "model"), xfail=DOUBLE_COUNT),
    *on(UPSTREAM_UIDS, "Upstream errors by provider / status / error class", rate(UP, FAILED),
        ("provider", "status_class", "error_class")),
    *on("plano-llm-upstream", "Upstream error ratio by provider",
        ratio(facts("llm_request", outcome=FAILED_OUTCOMES), facts("llm_request")), ("provider",), xfail=OR_DROPS),
    *on("plano-llm-upstream", "Upstream request rate by provider / model", facts("llm_request", provider="anthropic"),
        ("provider", "model"), variables=(("provider", "anthropic"),), xfail=DOUBLE_COUNT),
    *on("plano-llm-upstream", "Upstream errors by provider / status / error class",
        rate(UP, both(FAILED, where(provider="anthropic"))), ("provider", "status_class", "error_class"),
        variables=(("provider", "anthropic"),)),
    *on(BRIGHTSTAFF, "LLM upstream p95 by provider / model", observed_quantile("latency", 0.95, S_BUCKETS_LLM),
        ("provider", "model")),
    *quantiles("plano-llm-upstream", "Upstream latency p50 / p95 / p99 by provider / model", "latency",
               S_BUCKETS_LLM, ("provider", "model")),
    *on(BRIGHTSTAFF, "Time to first token p95 (streaming)",
        observed_quantile("ttfb", 0.95, S_BUCKETS_LLM, stream=True), ("provider", "model"), xfail=TTFT_ALL_BODIES),
    *quantiles("plano-llm-upstream", "Time to first token p50 / p95 / p99 (streaming)", "ttfb", S_BUCKETS_LLM,
               ("provider", "model"), match={"stream": True}, xfail=TTFT_ALL_BODIES),
    *on("plano-llm-upstream", "Tokens per second by kind", facts("llm_tokens", summed=True), ("kind",)),
    *on(UPSTREAM_UIDS, "Token throughput by provider / model / kind", facts("llm_tokens", summed=True),
        ("provider", "model", "kind")),
    *on((*UPSTREAM_UIDS, "plano-llm-cost"), "Responses without token usage", facts("usage_missing"),
        ("provider", "model")),
    *on(UPSTREAM_UIDS, "Prompt cache hit ratio by provider / model",
        ratio(facts("prompt_cache", outcome="hit"), facts("prompt_cache")), ("provider", "model")),

    # --- routing (brightstaff, plano-routing) ---
    *on(ROUTING_UIDS, "Model selection distribution (selected range)", facts("router", per_second=False),
        ("selected_model",), xfail=BORN_IN_RANGE),
    *on(ROUTING_UIDS, "Fallback ratio by route",
        ratio(facts("router", fixed={"route": "llm"}, fallback="true", selected_model=REAL),
              facts("router", fixed={"route": "llm"}, selected_model=REAL)), ("route",), xfail=FALLBACK_NONE),
    *quantiles(ROUTING_UIDS, "Router decision latency p50 / p95 / p99", "router_duration", S_BUCKETS_ROUTER,
               ("route",), fixed={"route": "llm"}),
    *on(ROUTING_UIDS, "/routing/* outcomes", facts("routing_service"), ("outcome",)),
    *on(ROUTING_UIDS, "Session cache hit ratio",
        ratio(facts("session_cache", outcome="hit"), facts("session_cache", outcome=("hit", "miss", "error")))),
    *on("plano-routing", "Session cache events by outcome", facts("session_cache"), ("outcome",)),
    *on(ROUTING_UIDS, "Session model-switch decisions by reason", facts("session_switch"), ("decision", "reason")),
    *on(ROUTING_UIDS, "Router skips by reason", facts("router_skip"), ("reason",)),

    # --- process (brightstaff, plano-process): nothing, by design ---
    *on(BRIGHTSTAFF, "Brightstaff process RSS / CPU", level("process_resident_memory_bytes", where(**BS)),
        empty=NO_PROCESS),
    *on(BRIGHTSTAFF, "Brightstaff process RSS / CPU", rate("process_cpu_seconds_total", where(**BS)), ref="B",
        empty=NO_PROCESS),
    *on(("brightstaff", "plano-process"), "Build version", level(BUILD, where(**BS)), ("version", "git_sha")),
    *on(("brightstaff", "plano-process"), "Uptime", Fn(_uptime), empty=NO_PROCESS),
    *on("plano-process", "Memory", level("process_resident_memory_bytes", where(**BS)), ("instance",),
        empty=NO_PROCESS),
    *on("plano-process", "Memory", level("process_virtual_memory_bytes", where(**BS)), ("instance",), ref="B",
        empty=NO_PROCESS),
    *on("plano-process", "CPU", rate("process_cpu_seconds_total", where(**BS)), ("instance",), empty=NO_PROCESS),
    *on("plano-process", "Open file descriptors vs limit", level("process_open_fds", where(**BS)), ("instance",),
        empty=NO_PROCESS),
    *on("plano-process", "Open file descriptors vs limit", level("process_max_fds", where(**BS)), ("instance",),
        ref="B", empty=NO_PROCESS),
    *on("plano-process", "Threads", level("process_threads", where(**BS)), ("instance",), empty=NO_PROCESS),

    # --- brightstaff cost (plano-llm-cost) ---
    *on("plano-llm-cost", "Spend (selected range)", USD, xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend rate now (USD/hour)", USD_PER_HOUR, xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend rate by provider / model (USD/hour)", USD_PER_HOUR, ("provider", "model"),
        xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend by provider / model (selected range)", USD, ("provider", "model"),
        xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend by provider (selected range)", USD, ("provider",), xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend by provider / model (selected range)",
        facts("usd", per_second=False, summed=True, provider="anthropic"), ("provider", "model"),
        variables=(("provider", "anthropic"),)),
    *on("plano-llm-cost", "Prompt vs completion spend (selected range)", _usd_by_kind(per_second=False), ("kind",),
        xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Spend rate by token kind (USD/hour)", _usd_by_kind(per_second=True) * 3600, ("kind",),
        xfail=OPENAI_CACHE_TWICE),
    *on("plano-llm-cost", "Tokens without a price (selected range)",
        facts("llm_tokens", per_second=False, summed=True, model=lambda m: not PRICED(m))),
    *on("plano-llm-cost", "Tokens without a price", facts("llm_tokens", summed=True, model=lambda m: not PRICED(m)),
        ("provider", "model", "kind")),

    # --- spanmetrics (plano-requests-overview): the truth has no llm_model, so the emitted calls ---
    *on("plano-requests-overview", "LLM requests / sec by model", rate(CALLS, where(service_name="plano(llm)")),
        ("llm_model",)),
    *on("plano-requests-overview", "Agent requests / sec by agent", rate(CALLS, where(service_name="plano(agent)")),
        ("agent_id",)),
    *on("plano-requests-overview", "Total requests / sec by service",
        facts("span", service_name=lambda s: s.startswith("plano(")), ("service_name",)),
    *on("plano-requests-overview", "Rate-limited requests / sec", facts("ratelimited"),
        points=("outage", "ratelimit", "end")),
    *span_quantiles("plano-requests-overview", "LLM request latency p50 / p95 / p99 by model", SPAN_DUR,
                    MS_BUCKETS_SPAN, ("llm_model",), where(service_name="plano(llm)")),
    *on("plano-requests-overview", "Cumulative request count by model (selected range)",
        count(CALLS, where(service_name="plano(llm)")), ("llm_model",), xfail=BORN_IN_RANGE),
    *on("plano-requests-overview", "Error ratio by service",
        ratio(facts("span", status_code="STATUS_CODE_ERROR", service_name=lambda s: s.startswith("plano(")),
              facts("span", service_name=lambda s: s.startswith("plano("))), ("service_name",),
        xfail=BORN_IN_WINDOW),

    # --- the SDK's cost dashboard ---
    *on("llm-cost-dashboard", "Total cost (selected range)", SDK_USD),
    *on("llm-cost-dashboard", "Cost rate now (USD/hour)", SDK_USD_PER_HOUR),
    *on("llm-cost-dashboard", "Cumulative cost over the selected range by service / model", SDK_USD,
        ("service_name", "model"), mode="last"),
    *on("llm-cost-dashboard", "Cost distribution by model (selected range)", SDK_USD, ("model",)),
    *on("llm-cost-dashboard", "Cost by service (selected range)", SDK_USD, ("service_name",)),
    *on("llm-cost-dashboard", "Average cost per call by model (selected range)",
        SDK_USD / facts("sdk_call", per_second=False), ("model",)),
    *on("llm-cost-dashboard", "Cost rate by service / model (USD/hour)", SDK_USD_PER_HOUR, ("service_name", "model")),
    *on("llm-cost-dashboard", "Top spenders (selected range)", SDK_USD, ("service_name", "provider", "model")),

    # --- the SDK's error and retry dashboard ---
    *on("llm-error-retry-dashboard", "Success vs error rate", facts("sdk_call"), ("status",), xfail=BORN_IN_WINDOW),
    *on("llm-error-retry-dashboard", "Error ratio", ratio(facts("sdk_call", status=NOT_SUCCESS), facts("sdk_call")),
        xfail=FREE_STATUS),
    *on("llm-error-retry-dashboard", "Errors by provider / model", facts("sdk_call", status=NOT_SUCCESS),
        ("provider", "model"), xfail=FREE_STATUS),
    *on("llm-error-retry-dashboard", "Error ratio by provider / model",
        ratio(facts("sdk_call", status=NOT_SUCCESS), facts("sdk_call")), ("provider", "model"), xfail=FREE_STATUS),
    *on("llm-error-retry-dashboard", "Finish reason distribution (selected range)",
        facts("sdk_finish", per_second=False), ("finish_reason",)),
    *on("llm-error-retry-dashboard", "Finish reasons over time", facts("sdk_finish"), ("finish_reason",)),
    *on("llm-error-retry-dashboard", "Retry rate (selected range)",
        ratio(facts("sdk_call", per_second=False, has_retries="true"), facts("sdk_call", per_second=False))),
    *on("llm-error-retry-dashboard", "Retry rate by provider / model",
        ratio(facts("sdk_call", has_retries="true"), facts("sdk_call")), ("provider", "model"),
        xfail=BORN_IN_WINDOW),

    # --- the SDK's latency dashboard ---
    *quantiles("llm-latency-ttft-dashboard", "End-to-end latency p50 / p95 / p99 by model", "sdk_latency",
               MS_BUCKETS_SDK, ("model",)),
    *quantiles("llm-latency-ttft-dashboard", "Time to first token p50 / p95 / p99 by model (streaming)", "sdk_ttft",
               MS_BUCKETS_SDK, ("model",)),
    *on("llm-latency-ttft-dashboard", "Average latency vs average TTFT by model (selected range)",
        observed_mean("sdk_latency"), ("model",)),
    *on("llm-latency-ttft-dashboard", "Average latency vs average TTFT by model (selected range)",
        observed_mean("sdk_ttft"), ("model",), ref="B"),
    *on("llm-latency-ttft-dashboard", "Request rate by model", facts("sdk_call"), ("model",), xfail=BORN_IN_WINDOW),
    *on("llm-latency-ttft-dashboard", "Tokens per second by model (prompt / completion)",
        facts("sdk_tokens", summed=True), ("model", "token_type")),

    # --- the SDK's security dashboard ---
    *on("llm-security-safety-dashboard", "Security violations (selected range)",
        facts("sdk_detection", per_second=False, kind="pii")),
    *on("llm-security-safety-dashboard", "Security violations (selected range)",
        facts("sdk_detection", per_second=False, kind="injection"), ref="B"),
    *on("llm-security-safety-dashboard", "Security violations (selected range)",
        facts("sdk_detection", per_second=False, kind=("pii", "injection")), ref="C"),
    *on("llm-security-safety-dashboard", "PII detections per second by service", facts("sdk_detection", kind="pii"),
        ("service_name",)),
    *on("llm-security-safety-dashboard", "Injection attempts per second by service",
        facts("sdk_detection", kind="injection"), ("service_name",)),
    *on("llm-security-safety-dashboard", "PII detections per call by service",
        ratio(facts("sdk_detection", kind="pii"), facts("sdk_call")), ("service_name",)),
    *on("llm-security-safety-dashboard", "Injection attempts per call by service",
        ratio(facts("sdk_detection", kind="injection"), facts("sdk_call")), ("service_name",)),
]

# Panels with targets that no case checks, and why (a panel added without a case fails the coverage test).
NOT_CHECKED = {
    ("llm-latency-ttft-dashboard", "Time per output token by model (streaming)"):
        "the simulator's truth has no per-call streaming split yet (the SDK histograms cannot separate them)",
}
