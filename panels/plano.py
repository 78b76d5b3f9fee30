"""Panels for Plano's brightstaff dataplane and its Envoy, one factory per panel idea.

The `brightstaff` overview and the four topic dashboards (HTTP RED, LLM upstream,
Routing, Process & Envoy) compose these; none is copied. Each takes the settings and
returns a new panel.
"""

from __future__ import annotations

from panels import kit
from panels import queries as q
from panels.catalog import BRIGHTSTAFF, ENVOY

M = {m.name: m for m in BRIGHTSTAFF.metrics + ENVOY.metrics}
HTTP = M["brightstaff_http_requests_total"]
HTTP_DURATION = M["brightstaff_http_request_duration_seconds"]
IN_FLIGHT = M["brightstaff_http_in_flight_requests"]
UPSTREAM = M["brightstaff_llm_upstream_requests_total"]
UPSTREAM_DURATION = M["brightstaff_llm_upstream_duration_seconds"]
TTFT = M["brightstaff_llm_time_to_first_token_seconds"]
TOKENS = M["brightstaff_llm_tokens_total"]
USAGE_MISSING = M["brightstaff_llm_tokens_usage_missing_total"]
DECISIONS = M["brightstaff_router_decisions_total"]
DECISION_DURATION = M["brightstaff_router_decision_duration_seconds"]
ROUTING_SERVICE = M["brightstaff_routing_service_requests_total"]
SESSION_CACHE = M["brightstaff_session_cache_events_total"]
PROMPT_CACHE = M["brightstaff_prompt_cache_requests_total"]
SESSION_SWITCH = M["brightstaff_session_switch_decisions_total"]
ROUTER_SKIPS = M["brightstaff_router_skips_total"]
BUILD_INFO = M["brightstaff_build_info"]
ENVOY_RQ = M["envoy_cluster_upstream_rq_total"]
ENVOY_RQ_XX = M["envoy_cluster_upstream_rq_xx"]

# An upstream that answered 429 or 5xx is error_class="none": the failure shows only in
# status_class (metrics-reference.md). Upstream errors are therefore both.
UPSTREAM_FAILED_STATUS = q.rx("4xx|5xx|error")
RATIO_STEPS = ((None, kit.GREEN), (0.01, kit.ORANGE), (0.05, kit.RED))
HIT_STEPS = ((None, kit.RED), (0.5, kit.ORANGE), (0.8, kit.GREEN))


def upstream_errors_expr(by=("provider", "status_class", "error_class")) -> q.Expr:
    """Failed upstream requests/s: a 4xx/5xx/no answer, or a transport error class."""
    return q.sum_rate(UPSTREAM, by, status_class=UPSTREAM_FAILED_STATUS).or_(
        q.sum_rate(UPSTREAM, by, error_class=q.ne("none")))


# --- HTTP RED --------------------------------------------------------------------------------
def http_rate_by_handler(s, w=12):
    return kit.timeseries(
        "Request rate by handler", kit.target(q.sum_rate(HTTP, ("handler",)), "{{handler}}"),
        unit="reqps", w=w,
        desc="Requests per second brightstaff served, per handler. A drop to zero with Envoy still "
             "sending (Process & Envoy) means brightstaff stopped answering.")


def http_rate_detail(s, w=24):
    return kit.timeseries(
        "Request rate by handler, method and status class",
        kit.target(q.sum_rate(HTTP, ("handler", "method", "status_class")),
                   "{{handler}} {{method}} {{status_class}}"),
        unit="reqps", w=w, stack=True,
        desc="Requests per second by handler, HTTP method and status class, stacked: the height is the "
             "total; a growing 4xx or 5xx band is the share that failed.")


def _http_ratio(status: str, by=()):
    return q.ratio(q.sum_rate(HTTP, by, status_class=status), q.sum_rate(HTTP, by))


def http_error_ratio_stat(s, status="5xx", w=6):
    return kit.stat(
        f"{status} error ratio", kit.target(_http_ratio(status), f"{status} ratio"),
        unit="percentunit", w=w, h=8 if w >= 12 else 4, thresholds=RATIO_STEPS, decimals=2,
        desc=f"Share of brightstaff HTTP responses with status {status} over all responses, at the "
             f"end of the range (the sparkline shows its course). 0% when none failed; empty only when "
             f"there was no traffic at all. Green below 1%, red above 5%.")


def http_error_ratio_by_handler(s, status="5xx", w=12):
    return kit.timeseries(
        f"{status} ratio by handler", kit.target(_http_ratio(status, ("handler",)), "{{handler}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS,
        desc=f"Share of each handler's responses that were {status}. Computed as errors / all "
             f"requests of the handler, so it stays exact at low traffic (no clamp to 1 req/s).")


def http_duration(s, w=24):
    return kit.timeseries(
        "Request duration p50 / p95 / p99 by handler",
        kit.quantile_targets(HTTP_DURATION, ("handler",)), unit="s", w=w, h=9,
        desc="Latency percentiles of brightstaff HTTP requests per handler, from the duration histogram "
             "(buckets 5 ms to 60 s: values above 60 s show as 60 s). p99 far above p50 means a slow tail.")


def in_flight(s, w=12):
    return kit.timeseries(
        "In-flight requests by handler", kit.target(q.sum_(q.raw_gauge(IN_FLIGHT), ("handler",)), "{{handler}}"),
        unit="short", w=w,
        desc="Requests brightstaff is working on right now, per handler. Steady growth with flat request "
             "rate means requests are piling up (slow upstreams).")


# --- LLM upstream ------------------------------------------------------------------------------
def upstream_rate(s, w=12):
    return kit.timeseries(
        "Upstream request rate by provider / model",
        kit.target(q.sum_rate(UPSTREAM, ("provider", "model")), "{{provider}}/{{model}}"),
        unit="reqps", w=w,
        desc="Requests per second brightstaff sent to LLM providers, per provider and model.")


def upstream_errors(s, w=12):
    return kit.timeseries(
        "Upstream errors by provider / status / error class",
        kit.target(upstream_errors_expr(), "{{provider}} {{status_class}} / {{error_class}}"),
        unit="reqps", w=w, stack=True,
        desc="Failed LLM upstream requests per second. Counts both answers with status 4xx/5xx "
             "(a provider's 429 or 503 has error_class=none, so it shows here by its status class) and "
             "requests with no usable answer (timeout, connect, parse, stream errors).")


def upstream_error_ratio(s, w=12):
    by = ("provider",)
    return kit.timeseries(
        "Upstream error ratio by provider",
        kit.target(q.ratio(upstream_errors_expr(by), q.sum_rate(UPSTREAM, by)), "{{provider}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS,
        desc="Share of each provider's requests that failed (4xx/5xx/no answer, or an error class). "
             "0% when all succeeded; exact at low traffic.")


def upstream_latency(s, qs=(0.5, 0.95, 0.99), w=12, title="Upstream latency p50 / p95 / p99 by provider / model"):
    return kit.timeseries(
        title, kit.quantile_targets(UPSTREAM_DURATION, ("provider", "model"), qs, "{{provider}}/{{model}}"),
        unit="s", w=w, h=9,
        desc="Time from brightstaff sending a request to an LLM provider to the full answer, per "
             "provider and model (histogram buckets 50 ms to 120 s).")


def ttft(s, qs=(0.5, 0.95, 0.99), w=12, title="Time to first token p50 / p95 / p99 (streaming)"):
    return kit.timeseries(
        title, kit.quantile_targets(TTFT, ("provider", "model"), qs, "{{provider}}/{{model}}"),
        unit="s", w=w, h=9,
        desc="Time until the provider streamed the first token, streaming requests only: what a chat "
             "user waits before text appears.")


def tokens_rate(s, w=12, by=("provider", "model", "kind"), title="Token throughput by provider / model / kind"):
    return kit.timeseries(
        title, kit.target(q.sum_rate(TOKENS, by), " ".join(f"{{{{{b}}}}}" for b in by)),
        unit="short", w=w, h=9,
        desc="Tokens per second by kind: prompt (input), completion (output), cache_read (prompt "
             "tokens served from the provider's cache) and cache_write.")


def usage_missing(s, w=12):
    return kit.timeseries(
        "Responses without token usage",
        kit.target(q.sum_rate(USAGE_MISSING, ("provider", "model")), "{{provider}}/{{model}}"),
        unit="reqps", w=w,
        desc="Responses per second whose provider reported no token usage: their tokens (and cost) are "
             "missing from the token panels. Should be 0; a steady rate points at a provider or "
             "streaming mode that omits usage.")


def prompt_cache_hit_ratio(s, w=12):
    by = ("provider", "model")
    return kit.timeseries(
        "Prompt cache hit ratio by provider / model",
        kit.target(q.ratio(q.sum_rate(PROMPT_CACHE, by, outcome="hit"), q.sum_rate(PROMPT_CACHE, by)),
                   "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, max=1,
        desc="Share of prompt-cache lookups that hit, per provider and model: hit / (hit + miss). "
             "Higher is cheaper and faster.")


# --- Routing -----------------------------------------------------------------------------------
def model_selection(s, w=12):
    return kit.bargauge(
        "Model selection distribution (selected range)",
        kit.target(q.sum_increase(DECISIONS, ("selected_model",)), "{{selected_model}}", instant=True),
        unit="short", w=w, h=9,
        desc="Routing decisions per selected model over the whole selected time range (not a fixed "
             "15 minutes). `none`/`unknown` are decisions that fell back without a model.")


def fallback_ratio(s, w=12):
    by = ("route",)
    return kit.timeseries(
        "Fallback ratio by route",
        kit.target(q.ratio(q.sum_rate(DECISIONS, by, fallback="true"), q.sum_rate(DECISIONS, by)), "{{route}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS,
        desc="Share of routing decisions per route that used the fallback. Exact at any traffic "
             "(no clamp_min to 1 req/s, which under-reported low-traffic routes).")


def decision_latency(s, w=12):
    return kit.timeseries(
        "Router decision latency p50 / p95 / p99",
        kit.quantile_targets(DECISION_DURATION, ("route",)), unit="s", w=w,
        desc="Time brightstaff spent deciding where to route, per route. Added to every request's latency.")


def routing_outcomes(s, w=6):
    return kit.timeseries(
        "/routing/* outcomes", kit.target(q.sum_rate(ROUTING_SERVICE, ("outcome",)), "{{outcome}}"),
        unit="reqps", w=w, stack=True,
        colors={"decision_served": kit.GREEN, "no_candidates": kit.ORANGE, "policy_error": kit.RED},
        desc="Routing-service requests per second by outcome: decision_served is success; no_candidates "
             "and policy_error are requests the router could not serve.")


def _session_hit_ratio():
    lookups = q.sum_rate(SESSION_CACHE, outcome=q.one_of("hit", "miss", "error"))
    return q.ratio(q.sum_rate(SESSION_CACHE, outcome="hit"), lookups)


def session_cache_hit_stat(s, w=6):
    return kit.stat(
        "Session cache hit ratio", kit.target(_session_hit_ratio(), "hit ratio"),
        unit="percentunit", w=w, h=8, thresholds=HIT_STEPS, decimals=1,
        desc="Share of session-cache lookups that hit: hit / (hit + miss + error). Failed lookups count "
             "against the ratio (the upstream panel ignored them and over-stated it).")


def session_cache_events(s, w=12):
    return kit.timeseries(
        "Session cache events by outcome", kit.target(q.sum_rate(SESSION_CACHE, ("outcome",)), "{{outcome}}"),
        unit="short", w=w, colors={"hit": kit.GREEN, "miss": kit.ORANGE, "error": kit.RED,
                                   "store_error": "dark-red", "store": kit.BLUE},
        desc="Session cache operations per second: lookups (hit, miss, error) and writes (store, "
             "store_error). Any error or store_error means the cache backend is failing.")


def session_switch(s, w=12):
    return kit.timeseries(
        "Session model-switch decisions by reason",
        kit.target(q.sum_rate(SESSION_SWITCH, ("decision", "reason")), "{{decision}} ({{reason}})"),
        unit="short", w=w, stack=True,
        desc="Decisions per second on whether a session may switch model: allowed or retained, and why "
             "(same_anchor, free, within_cap, over_cap, no_pricing).")


def router_skips(s, w=12):
    return kit.timeseries(
        "Router skips by reason", kit.target(q.sum_rate(ROUTER_SKIPS, ("reason",)), "{{reason}}"),
        unit="short", w=w, stack=True,
        desc="Requests per second for which the router was skipped, by reason.")


# --- Process & Envoy -------------------------------------------------------------------------
def _envoy_to_brightstaff(s, by=()):
    return q.sum_rate(ENVOY_RQ, by, envoy_cluster_name=s.brightstaff_cluster)


def envoy_link(s, w=12):
    return kit.timeseries(
        "Envoy → brightstaff link health",
        kit.target(_envoy_to_brightstaff(s), "envoy → bright_staff"),
        kit.target(q.sum_rate(HTTP), "brightstaff served"),
        unit="reqps", w=w,
        desc="Requests per second Envoy sent to the brightstaff cluster against requests brightstaff "
             "served. The two lines should overlap; a gap means requests lost between them.")


def envoy_response_classes(s, w=12):
    return kit.timeseries(
        "Envoy → brightstaff responses by class",
        kit.target(q.sum_rate(ENVOY_RQ_XX, ("envoy_response_code_class",),
                              envoy_cluster_name=s.brightstaff_cluster), "{{envoy_response_code_class}}xx"),
        unit="reqps", w=w, stack=True, colors={"2xx": kit.GREEN, "4xx": kit.ORANGE, "5xx": kit.RED},
        desc="Responses Envoy got back from brightstaff per second, by class (2xx, 4xx, 5xx), as Envoy "
             "sees them: includes failures brightstaff never counted (resets, timeouts).")


def process_rss_cpu(s, w=12):
    cpu = q.sum_(q.rate(M["process_cpu_seconds_total"]))
    return kit.timeseries(
        "Brightstaff process RSS / CPU",
        kit.target(q.sum_(q.raw_gauge(M["process_resident_memory_bytes"])), "RSS"),
        kit.target(cpu, "CPU"),
        unit="bytes", w=w, right={"CPU": "percentunit"},
        desc="Resident memory of the brightstaff process (left axis) and CPU in cores used (right axis, "
             "100% = one core).")


def process_memory(s, w=8):
    return kit.timeseries(
        "Memory",
        kit.target(q.sum_(q.raw_gauge(M["process_resident_memory_bytes"]), ("instance",)), "RSS {{instance}}"),
        kit.target(q.sum_(q.raw_gauge(M["process_virtual_memory_bytes"]), ("instance",)), "virtual {{instance}}"),
        unit="bytes", w=w,
        desc="Resident (RSS) and virtual memory of each brightstaff process. RSS that only grows hints at a leak.")


def process_cpu(s, w=8):
    return kit.timeseries(
        "CPU", kit.target(q.sum_(q.rate(M["process_cpu_seconds_total"]), ("instance",)), "{{instance}}"),
        unit="percentunit", w=w, min=0,
        desc="CPU time per second of each brightstaff process: 100% is one full core.")


def process_fds(s, w=8):
    return kit.timeseries(
        "Open file descriptors vs limit",
        kit.target(q.sum_(q.raw_gauge(M["process_open_fds"]), ("instance",)), "open {{instance}}"),
        kit.target(q.sum_(q.raw_gauge(M["process_max_fds"]), ("instance",)), "max {{instance}}"),
        unit="short", w=w,
        desc="Open file descriptors (sockets included) against the process limit. Reaching the limit "
             "makes new connections fail.")


def process_threads(s, w=8):
    return kit.timeseries(
        "Threads", kit.target(q.sum_(q.raw_gauge(M["process_threads"]), ("instance",)), "{{instance}}"),
        unit="short", w=w, desc="OS threads of each brightstaff process.")


def process_uptime(s, w=8):
    uptime = q.Bin("-", q.Call("time"), q.raw_gauge(M["process_start_time_seconds"]))
    return kit.stat(
        "Uptime", kit.target(q.Agg("min", uptime), "uptime"), unit="s", w=w, h=8, graph=False,
        thresholds=((None, kit.ORANGE), (300, kit.GREEN)),
        desc="Time since the most recently started brightstaff process started. Orange below 5 minutes: "
             "a restart just happened.")


def build_version(s, w=8):
    return kit.stat(
        "Build version", kit.target(q.sum_(q.raw_gauge(BUILD_INFO), ("version", "git_sha")),
                                    "{{version}} ({{git_sha}})"),
        unit="short", w=w, h=8, graph=False, text_mode="name", color_mode="none",
        desc="Version and git sha of the running brightstaff build, from brightstaff_build_info; more than "
             "one line means instances run different builds (a rollout in progress).")
