"""An event-level simulator of the gateway's metrics, and the ground truth of the same events.

Each 15 s scrape step, real requests and calls are drawn from the traffic (`traffic.py`) and
the active scenarios (`scenarios.py`), and each one is emitted the way the emitting code does
(`world.py`; the behaviours of "Verified against the emitting code" in the metrics reference):

- brightstaff: a stream that fails mid-body is counted twice on
  brightstaff_llm_upstream_requests_total (error_class="stream" and again "none", both with its
  2xx status class) with two duration observations; a client disconnect once, as "none"; 429 and
  5xx answers are error_class="none"; a failed send is status_class="error" with error_class
  connect or other (never timeout or parse). TTFT is observed for every response with a body
  (non-streaming and error bodies included). Tokens follow the provider's convention: `prompt`
  includes cache_read for OpenAI-style providers and excludes it for anthropic; the Responses API
  never records cache_read; usage is missing on error bodies, broken streams, chat streams sent
  without include_usage and every Responses-API stream; Anthropic streams whose last usage
  event has only output_tokens count completion only (neither missing nor a prompt-cache
  outcome). Prompt cache hit = cache_read > 0 or cache_write > 0, recorded only when prompt
  tokens were parsed. Series are created on first use (a model, provider or error class
  appearing mid-range) and every brightstaff series resets at a restart ("restart" scenario).
  No process_* unless Config.brightstaff_process_metrics. Router decisions only with route="llm":
  the first-ranked model as "provider/model" with fallback="false", "none"/"true" when no route
  matches (every decision when Config.routing_preferences is False), "unknown"/"true" when the
  router failed; skips (not_user_turn) replace decisions. One binding refresh per 2xx LLM response
  in a session, each also a session-cache store (or store_error). HTTP duration stops at the
  response headers. build_info{version="0.1.0", git_sha="unknown"}.
- Envoy: cluster bright_staff (every brightstaff request) and one cluster per provider; the LLM
  filter's ratelimited_rq (429s, which brightstaff sees as 4xx/none), time_to_first_token in ms
  (streaming responses only), request_latency, time_per_output_token (integer ms per estimated
  token, 0 kept), tokens_per_second (skipped when tpot is 0), input/output_sequence_length (estimates).
- spanmetrics: plano, plano(inbound), plano(routing), plano(orchestrator), plano(filter),
  plano(agent), plano(llm) (span_name "POST <path> <model>", llm_model the provider's dated
  snapshot on 200s, http_status_code the upstream status), plano(outbound); never plano(handoff).
  Config.span_buckets="ns": the bare-number bucket config (bounds 5e-06 ... 0.01 ms).
- OpenTelemetry GenAI (`genai.py`): apps of both attribute generations at once (gen_ai_provider_name
  or gen_ai_system, never both on a series), client operation duration (every call; error_type only
  on failures, no response model then), token usage per call and token type (successful calls only;
  embeddings have no output), the streaming chunk metrics (new generation, one chunk-recording client),
  model servers' gen_ai.server.* (TTFT and TPOT on successes only); the outage raises
  InternalServerError for its provider. Every series exists before the data starts.
- LLM SDK: decorator calls (status success/error, no finish reason), REST calls (free-string
  status such as "timeout" and "unknown", provider finish reasons such as "end_turn"),
  auto-instrumented calls (service_name="unknown", the dated model name, so no price matches;
  finish_reason "FinishReason.STOP" ...; prompt_tokens=1 without usage). Cost in integer
  micro-USD per call at the SDK's own price file (traffic.SDK_PRICES), only when a price matches
  and the cost is > 0. Latency in integer ms (calls over 10 s land in +Inf). Toxicity, forecast
  gauges, target_info, prometheus_client's process_* and python_* on the SDK's own job.
  Config.sdk_exporter: "0.45b0" names the four unit="1" counters llm_*_1_total; >= "0.64b0"
  (default "0.66b2") adds otel_scope_name/version/schema_url to every SDK series.

Scenarios (`plan()` lays them out after a steady lead, one window each): outage, ratelimit,
restart, newmodel (lasting), pii, cost; see SCENARIOS.

Output: `write_openmetrics(fh, plan, ...)` for promtool; `Live` for a /metrics endpoint;
`totals(plan, metric, match, t0, t1, by=...)` = how much an emitted counter grew (resets and
series born in between included).

Truth API
---------
    tr = truth(plan, seed=1, config=Config(), jobs=..., namespace=...)   # same arguments as the
    v = tr.window("outage")        # write_openmetrics call; cached, so it costs nothing after it
    v = tr.span(t0, t1)            # any t0 <= t1 on the plan's grid: the events in (t0, t1]
    v = tr.all()                   # (plan.start, plan.end]
    tr.restart_times()             # scrape times of brightstaff's restarts (its counters reset there)

The events of the step (t - 15 s, t] are in the samples scraped at t, so View(t0, t1) is exactly
what every emitted counter grew by between the scrapes at t0 and t1 (the truth is integer
counts summed from the events; a correct `increase(x[t1-t0])` evaluated at t1 matches it).

Headline numbers of a View (each takes `by=` a dimension name or a tuple of them, giving a dict,
and dimension=value filters; a filter value may be a tuple/set of values or a predicate):
    v.requests(provider="openai")        real LLM requests, each once
    v.failed(by="provider")              4xx + 5xx + transport (connect, other) + broken streams, each once
    v.error_ratio(provider=...)          failed / requests (0..1)
    v.stream_failures(by="model")        streams that broke mid-body (each once)
    v.tokens(by="kind", model=...)       recorded tokens read with the provider's convention, kinds
                                         input_uncached, cache_read, cache_write, completion
    v.usd(by=("provider", "model"))      USD of those tokens at panels/data/model_prices.yaml
                                         (unpriced models are absent)
    v.routing()                          {"decisions", "real", "none", "unknown", "fallback_among_real"
                                          (0..1), "skips"}
    v.restarts()                         brightstaff restarts in the span

Generic access: v.count(fact, by=(), **filters) (number of events), v.total(fact, by=(), **filters)
(summed value), v.samples(obs, **filters) (raw observations), v.samples_by(obs, by, **filters)
({group: [observations]}), v.quantile(obs, q, **filters), v.buckets(obs, bounds, **filters)
(per-bucket counts as a histogram with those bounds counts them). by=() gives one number, by="dim"
a dict keyed by that dimension's values, by=("a", "b") a dict keyed by tuples.

Facts (dimensions; value of total()):
    llm_request (provider, model, api, stream, outcome, status, status_class, ratelimited): one per
        real LLM request. api: chat | messages | responses; stream: bool; outcome: ok | 4xx | 5xx |
        connect | other | stream | disconnect; status: HTTP status int (0: no response);
        status_class: 2xx | 4xx | 5xx | error (as on the counter); ratelimited: bool (Envoy's 429).
    upstream (provider, model, status_class, error_class): the counter's increments (double count in).
    llm_tokens (provider, model, kind): brightstaff_llm_tokens_total increments (prompt, completion,
        cache_read, cache_write), value = tokens.
    tokens, billed_tokens (provider, model, kind): recorded / billed by the provider (whether recorded
        or not), kinds input_uncached, cache_read, cache_write, completion; value = tokens.
    usd, billed_usd (provider, model): value = USD (priced models only).
    usage_missing (provider, model); prompt_cache (provider, model, outcome hit|miss);
    ratelimited (provider, model): Envoy filter 429s (ratelimited_rq).
    router (selected_model, fallback); router_skip (reason); routing_service (outcome);
    session_cache (outcome); session_switch (decision, reason); binding_refresh (event).
    http (handler, method, status_class): brightstaff_http_requests_total increments.
    envoy_upstream (cluster, code_class "2" | "4" | "5"): envoy_cluster_upstream_rq_xx increments.
    span (service_name, span_name, span_kind, status_code): spanmetrics calls.
    sdk_call (service_name, provider, model, status, has_retries, how decorator|rest|auto):
        llm_spans_total increments (errors: status != "success").
    sdk_tokens (service_name, provider, model, token_type): value = tokens.
    sdk_cost (service_name, provider, model): value = micro-USD (integers, as added).
    sdk_finish (service_name, provider, model, finish_reason);
    sdk_detection (service_name, kind pii|injection|toxicity); restart (source).
    genai_call (service, generation new|old, provider, model, operation, stream, error_type "" = success);
    genai_tokens (generation, provider, model, operation, token_type): value = tokens;
    genai_server_request (generation, provider, model, error_type).
Observations (dimensions; unit):
    latency (provider, model, stream, outcome): s, one per real request, end to end.
    upstream_duration (provider, model): s, brightstaff's observations (two per broken stream).
    ttfb (provider, model, stream): s, brightstaff's TTFT (every response with a body).
    envoy_ttft (provider, model): integer ms, streaming 200s only.
    envoy_request_latency, envoy_tpot (integer ms), envoy_tokens_per_second, envoy_input_length,
        envoy_output_length (estimated tokens): (provider, model).
    envoy_rq_time (cluster): ms.   http_duration (handler): s, to the response headers.
    router_duration (selected: "provider/model" | none | unknown): s.
    span_duration (service_name, span_name, status_code): ms (the true durations, whatever the buckets).
    sdk_latency (service_name, provider, model): integer ms > 0 (calls over 10 s included);
    sdk_ttft: integer ms; sdk_toxicity_score: 0..1.
    genai_duration (generation, provider, model, operation, error_type), genai_server_duration (generation,
        provider, model, error_type), genai_ttfc, genai_tpoc (one per chunk after the first),
        genai_server_ttft, genai_server_tpot (generation, provider, model): s.

Compatibility: `specs`, `Track`, `_cdf` and metric-level `Effect(metric, match, rate=...)` are the
previous rate-based simulator (legacy.py), kept because dashctl/rules/cases.py (on main) builds
its `promtool test rules` input from them; they do not drive any output of this package.

Not modelled: bodies over 2 MiB; provider="unknown" (a model id without "/"); error_class timeout
and parse (unreachable in practice); agents' own LLM calls; session stickiness dispatching a model
other than the router's pick; the 🚩 span-name suffix; GenAI histograms on the SDK's default buckets
(google-genai, openai-agents) and UTF-8 names (Prometheus 2 cannot store them); the SDK's 5 s scrape
(every source is on the 15 s grid); Envoy cluster stats that exist at 0 before first use (here born
on first use like brightstaff's). Estimates, not the code: the in-flight gauge (Little's law on the
time to headers), active_http_calls, the SDK's cost forecast (trailing 15 minutes, band 0.8x-1.3x),
toxicity scores.

Size (default 2 h, six scenarios): about 3 200 series, 1.5 M samples, 375 MB of OpenMetrics, 5 s
of CPU to simulate, about 8 s of promtool backfill.
"""

from .legacy import Spec, Track, _cdf, specs
from .run import Live, Simulation, Truth, simulation, totals, truth, write_openmetrics
from .scenarios import (
                        COST_MODEL,
                        EVENTS,
                        NEW_MODEL,
                        NEW_PROVIDER,
                        OUTAGE_MODEL,
                        OUTAGE_PROVIDER,
                        RATELIMIT_MODEL,
                        SCENARIOS,
                        STEP,
                        Effect,
                        Plan,
                        Scenario,
                        Window,
                        plan,
)
from .series import Stats
from .traffic import (
                        AGENTS,
                        DEFAULT_JOBS,
                        INSTANCES,
                        MODELS,
                        PROMPT_EXCLUDES_CACHE,
                        SDK_CALLS,
                        SDK_PRICES,
                        SDK_SERVICES,
                        UNPRICED_MODEL,
                        Config,
                        absent_by_design,
)
from .truth import FACTS, SAMPLES, View, quantile

__all__ = ["AGENTS", "COST_MODEL", "DEFAULT_JOBS", "EVENTS", "FACTS", "INSTANCES", "MODELS", "NEW_MODEL",
           "NEW_PROVIDER", "OUTAGE_MODEL", "OUTAGE_PROVIDER", "PROMPT_EXCLUDES_CACHE", "RATELIMIT_MODEL", "SAMPLES",
           "SCENARIOS", "SDK_CALLS", "SDK_PRICES", "SDK_SERVICES", "STEP", "UNPRICED_MODEL", "Config", "Effect",
           "Live", "Plan", "Scenario", "Simulation", "Stats", "Truth", "View", "Window", "absent_by_design", "plan",
           "quantile", "simulation", "totals", "truth", "write_openmetrics",
           # the previous rate model (legacy.py), for dashctl.rules.cases
           "Spec", "Track", "_cdf", "specs"]
