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

from llm_gateway_dashboards.panels.catalog import (
    ENVOY_BUCKETS_MS,
    ENVOY_TTFT_BUCKETS_MS,
    HTTP_BUCKETS,
    LLM_BUCKETS,
    OTEL_BUCKETS_MS,
    ROUTER_BUCKETS,
    SPAN_BUCKETS_MS,
)
from llm_gateway_dashboards.panels.prices import load_prices
from llm_gateway_dashboards.panels.settings import Settings
from values.genai_cases import cases as genai_cases
from values.harness import Case
from values.truth import (
    Fn,
    Measure,
    Retyped,
    SinceStart,
    both,
    count,
    facts,
    level,
    observed_above,
    observed_mean,
    observed_quantile,
    quantile,
    rate,
    ratio,
    relabel,
    where,
)

_S = Settings()
BS = {"job": _S.jobs.get("brightstaff") or "brightstaff"}  # brightstaff's own series, not the SDK's process_*
_NS = _S.spanmetrics_namespace


def _span(name: str) -> str:
    return f"{_NS}_{name}" if _NS else name


# --- the simulated world's families -------------------------------------------------------------
HTTP = "brightstaff_http_requests_total"
INFLIGHT = "brightstaff_http_in_flight_requests"
UP = "brightstaff_llm_upstream_requests_total"
BUILD = "brightstaff_build_info"
CALLS = _span("calls_total")
SPAN_DUR = _span("duration_milliseconds")

# the histograms' buckets as the catalog declares them (the quantile tolerance is one of these)
S_BUCKETS_HTTP, S_BUCKETS_LLM, S_BUCKETS_ROUTER = HTTP_BUCKETS, LLM_BUCKETS, ROUTER_BUCKETS
MS_BUCKETS_SPAN, MS_BUCKETS_SDK = SPAN_BUCKETS_MS, OTEL_BUCKETS_MS
MS_BUCKETS_ENVOY, MS_BUCKETS_ENVOY_TTFT = ENVOY_BUCKETS_MS, ENVOY_TTFT_BUCKETS_MS

# --- what things mean -----------------------------------------------------------------------------
FAILED = lambda labels: (labels.get("status_class") in ("4xx", "5xx", "error")  # noqa: E731
                         or labels.get("error_class", "none") != "none")
FAILED_OUTCOMES = ("4xx", "5xx", "connect", "other", "stream")  # a failed LLM request, counted once
REAL = lambda selected: selected not in ("none", "unknown")  # noqa: E731 - a real routing decision
DECIDED = lambda selected: selected != "none"  # noqa: E731 - the router was asked (none: no preferences)
PLANO_SERVICE = lambda s: s == "plano" or s.startswith("plano(")  # noqa: E731 - Plano's span services
API = lambda handler: handler != "not_found"  # noqa: E731 - a handler of the API (not an unknown path)
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


TOKENS_READ = relabel(facts("tokens", summed=True), "kind", input_uncached="prompt")  # the convention applied
CACHE_READ_SHARE = ratio(facts("tokens", summed=True, kind="cache_read"),
                         facts("tokens", summed=True, kind=("input_uncached", "cache_read", "cache_write")))
USD = facts("usd", per_second=False, summed=True)
REQUESTS = facts("llm_request")
FAILED_SHARE = ratio(facts("llm_request", outcome=FAILED_OUTCOMES), facts("llm_request"))
TOKENS_ALL = facts("tokens", summed=True)  # every recorded token, read with the provider's convention
OBJECTIVE = _S.slo_availability
LATENCY_TARGET = _S.slo_latency_seconds
LATENCY_OBJECTIVE = _S.slo_latency_target


def _availability(f):
    """1 - failed / requests over the data (a failed request counted once, a broken stream once)."""
    view = f.truth.span(f.range.t0, f.range.t1)
    n = view.requests()
    return {(): 1 - view.failed() / n} if n else {}


def _within(f):
    xs = f.truth.span(f.range.t0, f.range.t1).samples("latency")
    return {(): sum(1 for x in xs if x <= LATENCY_TARGET) / len(xs)} if xs else {}


AVAILABILITY = SinceStart(Fn(_availability, "ratio"))
BUDGET_LEFT = SinceStart(Fn(lambda f: {k: 1 - (1 - v) / (1 - OBJECTIVE) for k, v in _availability(f).items()}, "ratio"))
WITHIN_TARGET = SinceStart(Fn(_within, "ratio"))


def _cache_savings(f):
    """USD the cache reads saved: cache_read tokens x (input price - cache-read price), priced models."""
    per = facts("tokens", per_second=False, summed=True, kind="cache_read", model=PRICED)(
        attrs.evolve(f, by=("provider", "model")))
    out: dict = {}
    for (provider, model), n in per.items():
        key = f.key({"provider": provider, "model": model})
        price = USD_PER_1M[model]
        out[key] = out.get(key, 0.0) + n * (price["prompt"] - price["cache_read"]) / 1e6
    return out


def _sdk_tpot(f):
    """(mean latency - mean streaming TTFT) / completion tokens per call, per model, from the truth."""
    lat = observed_mean("sdk_latency", over_range=False)(f)
    ttft = observed_mean("sdk_ttft", over_range=False)(f)
    tokens = facts("sdk_tokens", summed=True, token_type="completion")(f)
    calls = {k: len(xs) for k, xs in f.truth.span(f.rate.t0, f.rate.t1).samples_by("sdk_latency", f.by).items()}
    out = {}
    for k, n in calls.items():
        key = k if isinstance(k, tuple) else (k,)
        per_call = tokens.get(key, 0.0) * f.rate.seconds / n if n else 0.0
        if key in lat and key in ttft and per_call > 0:
            out[key] = (lat[key] - ttft[key]) / per_call
    return out


# one finish reason, however the provider or the SDK's auto-instrumentation spells it
SPELLINGS = {"FinishReason.STOP": "stop", "end_turn": "stop", "FinishReason.LENGTH": "length", "max_tokens": "length",
             "FinishReason.TOOL_CALLS": "tool_calls", "tool_use": "tool_calls",
             "FinishReason.CONTENT_FILTER": "content_filter"}


def FINISH_REASONS(per_second: bool) -> Measure:  # noqa: N802 - a constant with a switch
    return relabel(facts("sdk_finish", per_second=per_second), "finish_reason", **SPELLINGS)

USD_PER_HOUR = facts("usd", summed=True) * 3600
SDK_USD = facts("sdk_cost", per_second=False, summed=True) / 1e6
SDK_USD_PER_HOUR = facts("sdk_cost", summed=True) * 3600 / 1e6


def _uptime(f):
    starts = level("process_start_time_seconds", where(**BS), agg="min")(f)
    return {k: f.at - v for k, v in starts.items()}


SLO_POINTS = ("restart_end", "cost_end", "end")
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
BORN_EXTRAPOLATED = ("a series born inside the range is counted as its first value plus increase(), which "
                     "extrapolates half a scrape before its first sample: over-counts a young series (~1.5%)")
INTEGRATED_RATE = ("cumulative cost integrates rate() over the range (avg_over_time of a rate x the range): not "
                   "the counted micro-USD (2-3% low at a cost spike)")
BUDGET_AMPLIFIED = ("after a restart the 30-day counts add each re-born series' min_over_time to an increase() that "
                    "already counts it, and increase() extrapolates toward the window's start: availability is off "
                    "by ~0.03 pp, which the budget (divided by 1 - objective) multiplies to ~3 pp")
TWICE_OBSERVED = ("brightstaff observes a broken stream's duration twice, so the share of requests over the latency "
                  "target is off by the broken streams (no query can take them out of a histogram)")
LE_SPELLING = ('shows nothing instead of 0: the share-above-top-bucket query matches le="3.6e+06" and the '
               'simulator writes Envoy\'s top bucket as le="3600000"')
BORN_IN_WINDOW = ("rate() misses the first increment of a series born inside its window (a new SDK status, "
                  "a new span label set)")
CASES: list[Case] = [
    # --- golden signals, SLO and scorecard (brightstaff) ---
    *on(BRIGHTSTAFF, "Traffic: LLM requests / s", REQUESTS),
    *on(BRIGHTSTAFF, "Errors: failed LLM requests", FAILED_SHARE),
    *on(BRIGHTSTAFF, "Latency: LLM upstream p95", observed_quantile("latency", 0.95, S_BUCKETS_LLM)),
    *on(BRIGHTSTAFF, "Saturation: in flight and rate-limited", level(INFLIGHT)),
    *on(BRIGHTSTAFF, "Saturation: in flight and rate-limited", facts("ratelimited"), ref="B"),
    *on(BRIGHTSTAFF, "Availability (30d)", AVAILABILITY, points=SLO_POINTS),
    *on(BRIGHTSTAFF, "Error budget left (30d)", BUDGET_LEFT, points=SLO_POINTS, xfail=BUDGET_AMPLIFIED),
    *on(BRIGHTSTAFF, f"Requests within {LATENCY_TARGET:g} s (30d)", WITHIN_TARGET, points=SLO_POINTS),
    *on(BRIGHTSTAFF, "Error budget burn rate", Retyped(FAILED_SHARE / (1 - OBJECTIVE))),
    *on(BRIGHTSTAFF, "Error budget burn rate",
        Retyped(observed_above("latency", LATENCY_TARGET) / (1 - LATENCY_OBJECTIVE)), ref="B", xfail=TWICE_OBSERVED),
    *[c for ref, m in (("A", REQUESTS), ("B", FAILED_SHARE),
                       ("C", observed_quantile("latency", 0.5, S_BUCKETS_LLM)),
                       ("D", observed_quantile("latency", 0.95, S_BUCKETS_LLM)),
                       ("E", observed_quantile("ttfb", 0.95, S_BUCKETS_LLM)),
                       ("F", TOKENS_ALL), ("G", USD_PER_HOUR), ("H", CACHE_READ_SHARE))
      for c in on(UPSTREAM_UIDS, "Provider / model scorecard (now)", m, ("provider", "model"), ref=ref)],

    # --- golden signals (plano-requests-overview) ---
    *on("plano-requests-overview", "Traffic: inbound requests / s", facts("span", service_name="plano(inbound)")),
    *on("plano-requests-overview", "Errors: inbound error ratio",
        ratio(facts("span", service_name="plano(inbound)", status_code="STATUS_CODE_ERROR"),
              facts("span", service_name="plano(inbound)"))),
    *on("plano-requests-overview", "Latency: inbound mean",
        observed_mean("span_duration", over_range=False, service_name="plano(inbound)")),
    *on("plano-requests-overview", "Saturation: rate-limited / s", facts("ratelimited")),

    # --- brightstaff HTTP (brightstaff, plano-http-red) ---
    *on(BRIGHTSTAFF, "Request rate by handler", facts("http"), ("handler",)),
    *on(HTTP_RED, "Request rate by handler, method and status class", facts("http"),
        ("handler", "method", "status_class")),
    *on((BRIGHTSTAFF, HTTP_RED), "5xx error ratio", ratio(facts("http", status_class="5xx"), facts("http"))),
    *on(HTTP_RED, "4xx error ratio", ratio(facts("http", status_class="4xx", handler=API), facts("http"))),
    *on(HTTP_RED, "4xx error ratio", ratio(facts("http", status_class="4xx", handler="not_found"), facts("http")),
        ref="B"),
    *on(HTTP_RED, "5xx ratio by handler", ratio(facts("http", status_class="5xx"), facts("http")), ("handler",)),
    *on(HTTP_RED, "4xx ratio by handler", ratio(facts("http", status_class="4xx"), facts("http")), ("handler",)),
    *quantiles((BRIGHTSTAFF, HTTP_RED), "Time to response headers p50 / p95 / p99 by handler", "http_duration",
               S_BUCKETS_HTTP, ("handler",)),
    *on((BRIGHTSTAFF, HTTP_RED), "Time to response headers p50 / p95 / p99 by handler",
        observed_above("http_duration", S_BUCKETS_HTTP[-1]), ("handler",), ref="D"),
    *on((BRIGHTSTAFF, HTTP_RED), "In-flight requests by handler (until response headers)", level(INFLIGHT),
        ("handler",)),
    *on((BRIGHTSTAFF, HTTP_RED, "plano-process"), "Envoy → brightstaff link health",
        facts("envoy_upstream", cluster="bright_staff")),
    *on((BRIGHTSTAFF, HTTP_RED, "plano-process"), "Envoy → brightstaff link health", facts("http"), ref="B"),
    *on((HTTP_RED, "plano-process"), "Envoy → brightstaff responses by class",
        facts("envoy_upstream", rename={"envoy_response_code_class": "code_class"}, cluster="bright_staff"),
        ("envoy_response_code_class",)),

    # --- LLM upstream (brightstaff, plano-llm-upstream) ---
    *on("plano-llm-upstream", "Upstream request rate by provider / model", facts("llm_request"),
        ("provider", "model")),
    *on(UPSTREAM_UIDS, "Upstream errors by provider / status / error class", rate(UP, FAILED),
        ("provider", "status_class", "error_class")),
    *on(UPSTREAM_UIDS, "Upstream error ratio by provider",
        ratio(facts("llm_request", outcome=FAILED_OUTCOMES), facts("llm_request")), ("provider",)),
    *on("plano-llm-upstream", "Upstream request rate by provider / model", facts("llm_request", provider="anthropic"),
        ("provider", "model"), variables=(("provider", "anthropic"),)),
    *on("plano-llm-upstream", "Upstream errors by provider / status / error class",
        rate(UP, both(FAILED, where(provider="anthropic"))), ("provider", "status_class", "error_class"),
        variables=(("provider", "anthropic"),)),
    *on(BRIGHTSTAFF, "LLM upstream p95 by provider / model", observed_quantile("latency", 0.95, S_BUCKETS_LLM),
        ("provider", "model")),
    *quantiles("plano-llm-upstream", "Upstream latency p50 / p95 / p99 by provider / model", "latency",
               S_BUCKETS_LLM, ("provider", "model")),
    *on("plano-llm-upstream", "Upstream latency p50 / p95 / p99 by provider / model",
        observed_above("latency", S_BUCKETS_LLM[-1]), ("provider", "model"), ref="D"),
    *on("plano-llm-upstream", "Time to first byte p50 / p95 / p99 (every response with a body)",
        observed_above("ttfb", S_BUCKETS_LLM[-1]), ("provider", "model"), ref="D"),
    *on("plano-llm-upstream", "Streaming time to first token p50 / p95 / p99 (Envoy)",
        observed_above("envoy_ttft", MS_BUCKETS_ENVOY_TTFT[-1]), ref="D"),
    *on("plano-llm-upstream", "Time per output token p50 / p95 (Envoy)",
        observed_above("envoy_tpot", MS_BUCKETS_ENVOY[-1]), ref="C", xfail=LE_SPELLING),
    *on("plano-llm-upstream", "LLM request latency p50 / p95 / p99 (Envoy)",
        observed_above("envoy_request_latency", MS_BUCKETS_ENVOY[-1]), ref="D", xfail=LE_SPELLING),
    *on("plano-llm-upstream", "Output tokens per second p50 / p95 (Envoy, estimate)",
        observed_above("envoy_tokens_per_second", MS_BUCKETS_ENVOY[-1]), ref="C", xfail=LE_SPELLING),
    *on(BRIGHTSTAFF, "LLM upstream p95 by provider / model", observed_above("latency", S_BUCKETS_LLM[-1]),
        ("provider", "model"), ref="B"),
    *on(BRIGHTSTAFF, "Time to first byte p95 (every response with a body)",
        observed_quantile("ttfb", 0.95, S_BUCKETS_LLM), ("provider", "model")),
    *on(BRIGHTSTAFF, "Time to first byte p95 (every response with a body)",
        observed_above("ttfb", S_BUCKETS_LLM[-1]), ("provider", "model"), ref="B"),
    *quantiles("plano-llm-upstream", "Time to first byte p50 / p95 / p99 (every response with a body)", "ttfb",
               S_BUCKETS_LLM, ("provider", "model")),
    *quantiles("plano-llm-upstream", "Streaming time to first token p50 / p95 / p99 (Envoy)", "envoy_ttft",
               MS_BUCKETS_ENVOY_TTFT, ()),
    *quantiles("plano-llm-upstream", "Time per output token p50 / p95 (Envoy)", "envoy_tpot", MS_BUCKETS_ENVOY, (),
               qs=(0.5, 0.95)),
    *quantiles("plano-llm-upstream", "LLM request latency p50 / p95 / p99 (Envoy)", "envoy_request_latency",
               MS_BUCKETS_ENVOY, ()),
    *quantiles("plano-llm-upstream", "Output tokens per second p50 / p95 (Envoy, estimate)",
               "envoy_tokens_per_second", MS_BUCKETS_ENVOY, (), qs=(0.5, 0.95)),
    *quantiles("plano-llm-upstream", "Input / output length p50 / p95 (Envoy, estimate)", "envoy_input_length",
               MS_BUCKETS_ENVOY, (), qs=(0.5, 0.95)),
    *[c for ref, q in (("C", 0.5), ("D", 0.95))
      for c in on("plano-llm-upstream", "Input / output length p50 / p95 (Envoy, estimate)",
                  observed_quantile("envoy_output_length", q, MS_BUCKETS_ENVOY), ref=ref)],
    *on("plano-llm-upstream", "Tokens per second by kind", TOKENS_READ, ("kind",)),
    *on(UPSTREAM_UIDS, "Token throughput by provider / model / kind", TOKENS_READ, ("provider", "model", "kind")),
    *on((*UPSTREAM_UIDS, "plano-llm-cost"), "Responses without token usage", facts("usage_missing"),
        ("provider", "model")),
    *on(UPSTREAM_UIDS, "Prompt cache active by provider / model",
        ratio(facts("prompt_cache", outcome="hit"), facts("prompt_cache")), ("provider", "model")),
    *on(UPSTREAM_UIDS, "Prompt cache read share by provider / model", CACHE_READ_SHARE, ("provider", "model")),

    # --- routing (brightstaff, plano-routing) ---
    *on(ROUTING_UIDS, "Model selection distribution (selected range)", facts("router", per_second=False),
        ("selected_model",), xfail=BORN_EXTRAPOLATED),
    *on(ROUTING_UIDS, "Fallback and router-error ratio (routing decisions)",
        ratio(facts("router", fallback="true", selected_model=REAL), facts("router", selected_model=DECIDED))),
    *on(ROUTING_UIDS, "Fallback and router-error ratio (routing decisions)",
        ratio(facts("router", selected_model="unknown"), facts("router", selected_model=DECIDED)), ref="B"),
    *quantiles(ROUTING_UIDS, "Router decision latency p50 / p95 / p99", "router_duration", S_BUCKETS_ROUTER, ()),
    *on(ROUTING_UIDS, "Router decision latency p50 / p95 / p99", observed_above("router_duration",
                                                                                S_BUCKETS_ROUTER[-1]), ref="D"),
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
    *on(("brightstaff", "plano-process"), "Crate version", level(BUILD, where(**BS)), ("version", "git_sha")),
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
    *on("plano-llm-cost", "Spend (selected range)", USD),
    *on("plano-llm-cost", "Spend rate now (USD/hour)", USD_PER_HOUR),
    *on("plano-llm-cost", "Spend rate by provider / model (USD/hour)", USD_PER_HOUR, ("provider", "model")),
    *on("plano-llm-cost", "Spend by provider / model (selected range)", USD, ("provider", "model"),
        xfail=BORN_EXTRAPOLATED),
    *on("plano-llm-cost", "Spend by provider (selected range)", USD, ("provider",)),
    *on("plano-llm-cost", "Spend by provider / model (selected range)",
        facts("usd", per_second=False, summed=True, provider="anthropic"), ("provider", "model"),
        variables=(("provider", "anthropic"),)),
    *on("plano-llm-cost", "Prompt vs completion spend (selected range)", _usd_by_kind(per_second=False), ("kind",)),
    *on("plano-llm-cost", "Spend rate by token kind (USD/hour)", _usd_by_kind(per_second=True) * 3600, ("kind",)),
    *on("plano-llm-cost", "Cost per request by provider / model (selected range)",
        USD / facts("llm_request", per_second=False), ("provider", "model")),
    *on("plano-llm-cost", "Cost per 1,000 tokens by provider / model (selected range)",
        USD / facts("tokens", per_second=False, summed=True) * 1000, ("provider", "model")),
    *on("plano-llm-cost", "Prompt cache savings by provider / model (selected range)", Fn(_cache_savings),
        ("provider", "model"), xfail=BORN_EXTRAPOLATED),
    *on("plano-llm-cost", "SDK-reported spend by service (selected range)", SDK_USD, ("service_name",)),
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
        facts("span", service_name=PLANO_SERVICE), ("service_name",)),
    *on("plano-requests-overview", "Rate-limited requests / sec", facts("ratelimited"),
        points=("outage", "ratelimit", "end")),
    *span_quantiles("plano-requests-overview", "LLM request latency p50 / p95 / p99 by model", SPAN_DUR,
                    MS_BUCKETS_SPAN, ("llm_model",), where(service_name="plano(llm)")),
    *on("plano-requests-overview", "Cumulative request count by model (selected range)",
        count(CALLS, where(service_name="plano(llm)")), ("llm_model",), xfail=BORN_EXTRAPOLATED),
    *on("plano-requests-overview", "Error ratio by service",
        ratio(facts("span", status_code="STATUS_CODE_ERROR", service_name=PLANO_SERVICE),
              facts("span", service_name=PLANO_SERVICE)), ("service_name",)),

    # --- the SDK's cost dashboard ---
    *on("llm-cost-dashboard", "Total cost (selected range)", SDK_USD),
    *on("llm-cost-dashboard", "Cost rate now (USD/hour)", SDK_USD_PER_HOUR),
    *[c for ref, name in (("A", "p10"), ("B", "mean"), ("C", "p90"))
      for c in on("llm-cost-dashboard", "Cost forecast band (p10 / mean / p90)",
                  level(f"llm_forecast_cost_{name}_usd_micro") / 1e6, ref=ref)],
    *on("llm-cost-dashboard", "Cumulative cost over the selected range by service / model", SDK_USD,
        ("service_name", "model"), mode="last", xfail=INTEGRATED_RATE),
    *on("llm-cost-dashboard", "Cost distribution by model (selected range)", SDK_USD, ("model",)),
    *on("llm-cost-dashboard", "Cost by service (selected range)", SDK_USD, ("service_name",)),
    *on("llm-cost-dashboard", "Average cost per call by model (selected range)",
        SDK_USD / facts("sdk_call", per_second=False), ("model",)),
    *on("llm-cost-dashboard", "Cost rate by service / model (USD/hour)", SDK_USD_PER_HOUR, ("service_name", "model")),
    *on("llm-cost-dashboard", "Top spenders (selected range)", SDK_USD, ("service_name", "provider", "model")),

    # --- the SDK's error and retry dashboard ---
    *on("llm-error-retry-dashboard", "Success vs error rate", facts("sdk_call"), ("status",), xfail=BORN_IN_WINDOW),
    *on("llm-error-retry-dashboard", "Error ratio", ratio(facts("sdk_call", status=NOT_SUCCESS), facts("sdk_call")),
        xfail=BORN_IN_WINDOW),
    *on("llm-error-retry-dashboard", "Errors by provider / model", facts("sdk_call", status=NOT_SUCCESS),
        ("provider", "model"), xfail=BORN_IN_WINDOW),
    *on("llm-error-retry-dashboard", "Error ratio by provider / model",
        ratio(facts("sdk_call", status=NOT_SUCCESS), facts("sdk_call")), ("provider", "model"), xfail=BORN_IN_WINDOW),
    *on("llm-error-retry-dashboard", "Finish reason distribution (selected range)",
        FINISH_REASONS(per_second=False), ("finish_reason",)),
    *on("llm-error-retry-dashboard", "Finish reasons over time", FINISH_REASONS(per_second=True), ("finish_reason",)),
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
    *on("llm-latency-ttft-dashboard", "End-to-end latency p50 / p95 / p99 by model",
        observed_above("sdk_latency", MS_BUCKETS_SDK[-1]), ("model",), ref="D"),
    *on("llm-latency-ttft-dashboard", "Time to first token p50 / p95 / p99 by model (streaming)",
        observed_above("sdk_ttft", MS_BUCKETS_SDK[-1]), ("model",), ref="D"),
    *on("llm-latency-ttft-dashboard", "Time per output token by model (streaming)", Fn(_sdk_tpot), ("model",)),
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
        facts("sdk_detection", per_second=False, kind="toxicity"), ref="C"),
    *on("llm-security-safety-dashboard", "Security violations (selected range)",
        facts("sdk_detection", per_second=False, kind=("pii", "injection", "toxicity")), ref="D"),
    *on("llm-security-safety-dashboard", "PII detections per second by service", facts("sdk_detection", kind="pii"),
        ("service_name",)),
    *on("llm-security-safety-dashboard", "Injection attempts per second by service",
        facts("sdk_detection", kind="injection"), ("service_name",)),
    *on("llm-security-safety-dashboard", "Toxicity detections per second by service",
        facts("sdk_detection", kind="toxicity"), ("service_name",)),
    *on("llm-security-safety-dashboard", "Mean toxicity score by model",
        observed_mean("sdk_toxicity_score", over_range=False), ("model",)),
    *on("llm-security-safety-dashboard", "PII detections per call by service",
        ratio(facts("sdk_detection", kind="pii"), facts("sdk_call")), ("service_name",)),
    *on("llm-security-safety-dashboard", "Injection attempts per call by service",
        ratio(facts("sdk_detection", kind="injection"), facts("sdk_call")), ("service_name",)),
]

CASES += genai_cases("new")  # the OTel GenAI dashboards under the default settings (old, both: test_otel_genai.py)

# Panels with targets that no case checks, and why (a panel added without a case fails the coverage test).
NOT_CHECKED: dict[tuple[str, str], str] = {}
