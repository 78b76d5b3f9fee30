"""Panels for Plano's brightstaff dataplane and its Envoy, one factory per panel idea.

The `brightstaff` overview and the four topic dashboards (HTTP RED, LLM upstream,
Routing, Process & Envoy) compose these; none is copied. Each takes the settings and
returns a new panel.
"""

from __future__ import annotations

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import tokens as tk
from llm_gateway_dashboards.panels.catalog import BRIGHTSTAFF, ENVOY

M = {m.name: m for m in BRIGHTSTAFF.metrics + ENVOY.metrics}  # by name, for modules that look metrics up (rules)
HTTP = BRIGHTSTAFF["brightstaff_http_requests_total"]
HTTP_DURATION = BRIGHTSTAFF["brightstaff_http_request_duration_seconds"]
IN_FLIGHT = BRIGHTSTAFF["brightstaff_http_in_flight_requests"]
UPSTREAM = BRIGHTSTAFF["brightstaff_llm_upstream_requests_total"]
UPSTREAM_DURATION = BRIGHTSTAFF["brightstaff_llm_upstream_duration_seconds"]
TTFT = BRIGHTSTAFF["brightstaff_llm_time_to_first_token_seconds"]
TOKENS = BRIGHTSTAFF["brightstaff_llm_tokens_total"]
USAGE_MISSING = BRIGHTSTAFF["brightstaff_llm_tokens_usage_missing_total"]
DECISIONS = BRIGHTSTAFF["brightstaff_router_decisions_total"]
DECISION_DURATION = BRIGHTSTAFF["brightstaff_router_decision_duration_seconds"]
ROUTING_SERVICE = BRIGHTSTAFF["brightstaff_routing_service_requests_total"]
SESSION_CACHE = BRIGHTSTAFF["brightstaff_session_cache_events_total"]
PROMPT_CACHE = BRIGHTSTAFF["brightstaff_prompt_cache_requests_total"]
SESSION_SWITCH = BRIGHTSTAFF["brightstaff_session_switch_decisions_total"]
ROUTER_SKIPS = BRIGHTSTAFF["brightstaff_router_skips_total"]
BUILD_INFO = BRIGHTSTAFF["brightstaff_build_info"]
ENVOY_RQ = ENVOY["envoy_cluster_upstream_rq_total"]
ENVOY_RQ_XX = ENVOY["envoy_cluster_upstream_rq_xx"]
ENVOY_TTFT = ENVOY["time_to_first_token"]
ENVOY_TPOT = ENVOY["time_per_output_token"]
ENVOY_LATENCY = ENVOY["request_latency"]
ENVOY_TOKENS_PER_SECOND = ENVOY["tokens_per_second"]
ENVOY_INPUT_LENGTH = ENVOY["input_sequence_length"]
ENVOY_OUTPUT_LENGTH = ENVOY["output_sequence_length"]

# An upstream that answered 429 or 5xx is error_class="none": the failure shows only in
# status_class. A stream that fails mid-body is counted twice, as error_class="stream" and again
# as "none", with the same status class (metrics-reference.md, verified section). So:
#   requests = every series but error_class="stream" (one count per request);
#   failures = status 4xx/5xx/error without the stream copy, plus every non-"none" error class of a
#              status that is not a failure (transport errors, and the one stream count of a failed
#              stream): two disjoint selections, added.
FAILED = "4xx|5xx|error"
UPSTREAM_FAILED_STATUS = q.rx(FAILED)
RATIO_STEPS = ((None, kit.GREEN), (0.01, kit.ORANGE), (0.05, kit.RED))
HIT_STEPS = ((None, kit.RED), (0.5, kit.ORANGE), (0.8, kit.GREEN))
TOKEN_RATE = "suffix: tok/s"


def upstream_requests(counter=q.rate, **matchers) -> q.Expr:
    """Per-series upstream requests, each once: the stream copies left out."""
    return counter(q.sel(UPSTREAM, error_class=q.ne("stream"), **matchers))


def upstream_failures(counter=q.rate) -> list[q.Expr]:
    """The two disjoint selections whose sum is every failed upstream request, once."""
    return [counter(q.sel(UPSTREAM, status_class=UPSTREAM_FAILED_STATUS, error_class=q.ne("stream"))),
            counter(q.sel(UPSTREAM, status_class=q.nre(FAILED), error_class=q.ne("none")))]


def upstream_total_expr(by=("provider",), counter=q.rate) -> q.Expr:
    return q.sum_(upstream_requests(counter), by)


def upstream_errors_expr(by=("provider", "status_class", "error_class"), counter=q.rate) -> q.Expr:
    """Failed upstream requests/s: a 4xx/5xx/no answer, or a transport or stream error, each once."""
    return q.add_disjoint(upstream_failures(counter), by)


def upstream_error_ratio_expr(by=("provider",), counter=q.rate) -> q.Expr:
    return q.ratio(upstream_errors_expr(by, counter), upstream_total_expr(by, counter))


def _top(metric) -> str:
    return f"{metric.buckets[-1]:g} {metric.unit}"


# --- HTTP RED --------------------------------------------------------------------------------
def http_rate_by_handler(s, w=12):
    return kit.timeseries(
        "Request rate by handler", kit.target(q.sum_rate(HTTP, ("handler",)), "{{handler}}"),
        unit="reqps", w=w,
        desc="Requests per second brightstaff served, per handler. A drop to zero with Envoy still "
             "sending (Process & Envoy) means brightstaff stopped answering. not_found with status 2xx is "
             "GET /debug/memstats, not an error.")


def http_rate_detail(s, w=24):
    return kit.timeseries(
        "Request rate by handler, method and status class",
        kit.target(q.sum_rate(HTTP, ("handler", "method", "status_class")),
                   "{{handler}} {{method}} {{status_class}}"),
        unit="reqps", w=w, stack=True,
        desc="Requests per second by handler, HTTP method and status class, stacked: the height is the "
             "total; a growing 4xx or 5xx band is the share that failed. Agent and routing paths are labelled "
             "whatever their method.")


NOT_FOUND = "not_found"


def _http_ratio(status: str, by=(), **part):
    return q.ratio(q.sum_rate(HTTP, by, status_class=status, **part), q.sum_rate(HTTP, by))


def http_error_ratio_stat(s, status="5xx", w=6):
    if status == "4xx":  # unknown paths (handler not_found) are not failures of the API
        targets = [kit.target(_http_ratio(status, handler=q.ne(NOT_FOUND)), "4xx of API handlers"),
                   kit.target(_http_ratio(status, handler=NOT_FOUND), "unknown paths (not_found)")]
        also = (" Requests to unknown paths (handler not_found) are shown apart: a scanner or a wrong base URL, "
                "not a failing API.")
    else:
        targets, also = [kit.target(_http_ratio(status), f"{status} ratio")], ""
    return kit.stat(
        f"{status} error ratio", *targets,
        unit="percentunit", w=w, h=8, thresholds=RATIO_STEPS, decimals=2, no_value=kit.NO_TRAFFIC,
        desc=f"Share of brightstaff HTTP responses with status {status} over all responses, at the "
             f"end of the range (the sparkline shows its course). 0% when none failed; \"no traffic\" when "
             f"there were no requests. Green below 1%, red above 5%.{also}")


def http_error_ratio_by_handler(s, status="5xx", w=12):
    return kit.timeseries(
        f"{status} ratio by handler", kit.target(_http_ratio(status, ("handler",)), "{{handler}}"),
        unit="percentunit", w=w, min=0, thresholds=RATIO_STEPS, no_value=kit.NO_TRAFFIC,
        desc=f"Share of each handler's responses that were {status}: errors / requests of the handler, exact "
             f"at low traffic, 0% when none failed. not_found is its own line (unknown paths).")


def http_duration(s, w=24):
    return kit.timeseries(
        "Time to response headers p50 / p95 / p99 by handler",
        kit.quantile_targets(HTTP_DURATION, ("handler",)), above_top(HTTP_DURATION, ("handler",)),
        unit="s", w=w, h=9, right=kit.ABOVE_RIGHT, thresholds=((None, kit.GREEN), (1, kit.ORANGE), (5, kit.RED)),
        desc="Latency percentiles of brightstaff HTTP requests per handler, up to the response headers: a "
             "streamed LLM body is sent afterwards and is not included (end-to-end LLM time: LLM upstream "
             f"latency). Buckets 5 ms to {_top(HTTP_DURATION)}: a quantile there means that much or more; the "
             "dashed 'above' lines (right axis) show the share beyond the top bucket.")


def above_top(metric, by, legend="", **matchers):
    return kit.above_top_target(metric, by, legend, **matchers)


def in_flight(s, w=12):
    return kit.timeseries(
        "In-flight requests by handler (until response headers)",
        kit.target(q.sum_(q.raw_gauge(IN_FLIGHT), ("handler",)), "{{handler}}"),
        unit="suffix: requests", w=w,
        desc="Requests brightstaff is working on right now, per handler, until their response headers are "
             "sent: a request whose LLM body is still streaming no longer counts. Growth with a flat request "
             "rate means requests are piling up before the upstream answers.")


# --- LLM upstream ------------------------------------------------------------------------------
def upstream_rate(s, w=12):
    return kit.timeseries(
        "Upstream request rate by provider / model",
        kit.target(upstream_total_expr(("provider", "model")), "{{provider}}/{{model}}"),
        unit="reqps", w=w, h=9,
        desc="Requests per second brightstaff sent to LLM providers, per provider and model, each once: a "
             "stream failing mid-body is counted twice by brightstaff (error_class stream and none), so the "
             "stream copies are left out.")


def upstream_errors(s, w=12):
    return kit.timeseries(
        "Upstream errors by provider / status / error class",
        kit.target(upstream_errors_expr(), "{{provider}} {{status_class}} / {{error_class}}"),
        unit="reqps", w=w, h=9, stack=True,
        desc="Failed LLM upstream requests per second, each once. Answers with status 4xx/5xx (a 429 or 503 "
             "has error_class=none, so it shows by its status class), sends that got no answer (status error: "
             "connect, other), and streams that failed mid-body (2xx / stream; their second count as none is "
             "left out). The upstream is Plano's own Envoy egress: a provider outage arrives as 5xx.")


def upstream_error_ratio(s, w=12):
    by = ("provider",)
    return kit.timeseries(
        "Upstream error ratio by provider",
        kit.target(upstream_error_ratio_expr(by), "{{provider}}"),
        unit="percentunit", w=w, h=9, min=0, thresholds=RATIO_STEPS, no_value=kit.NO_TRAFFIC,
        desc="Share of each provider's requests that failed (4xx/5xx/no answer, or a transport or stream "
             "error), each failure and each request counted once (stream copies out of both). 0% when all "
             "succeeded, \"no traffic\" without requests; exact at low traffic.")


def upstream_latency(s, qs=(0.5, 0.95, 0.99), w=12, title="Upstream latency p50 / p95 / p99 by provider / model"):
    by = ("provider", "model")
    return kit.timeseries(
        title, kit.quantile_targets(UPSTREAM_DURATION, by, qs, "{{provider}}/{{model}}"),
        above_top(UPSTREAM_DURATION, by, "{{provider}}/{{model}}"),
        unit="s", w=w, h=9, right=kit.ABOVE_RIGHT, thresholds=_latency_steps(s),
        desc="Time from brightstaff sending a request to the LLM upstream to the end of the answer (stream "
             f"close), per provider and model. Buckets 50 ms to {_top(UPSTREAM_DURATION)}: a quantile there "
             "means that much or more, and the dashed 'above' lines (right axis) show the share beyond it. A "
             "failed stream is observed twice.")


def _latency_steps(s):
    return ((None, kit.GREEN), (s.slo_latency_seconds / 2, kit.ORANGE), (s.slo_latency_seconds, kit.RED))


def ttft(s, qs=(0.5, 0.95, 0.99), w=12, title="Time to first byte p50 / p95 / p99 (every response with a body)"):
    by = ("provider", "model")
    return kit.timeseries(
        title, kit.quantile_targets(TTFT, by, qs, "{{provider}}/{{model}}"),
        above_top(TTFT, by, "{{provider}}/{{model}}"),
        unit="s", w=w, h=9, right=kit.ABOVE_RIGHT, thresholds=_latency_steps(s),
        desc="brightstaff's brightstaff_llm_time_to_first_token_seconds is recorded for every response with a "
             "body, streaming or not, error bodies included: the time to the first body byte (for a non-streaming "
             "call about its whole latency). It is not a streaming TTFT: that is Envoy's 'Streaming time to "
             "first token' panel.")


def tokens_rate(s, w=12, by=("provider", "model", "kind"), title="Token throughput by provider / model / kind"):
    return kit.timeseries(
        title, kit.target(tk.by_kind(s, by), " ".join(f"{{{{{b}}}}}" for b in by)),
        unit=TOKEN_RATE, w=w, h=9,
        desc="Tokens per second by kind, each token once: prompt is the uncached prompt (brightstaff's prompt "
             "count includes the cached tokens for OpenAI-convention providers, so cache_read is taken out of "
             f"it; providers {', '.join(s.prompt_excludes_cache) or '(none)'} already exclude it), completion, "
             "cache_read (served from the provider's cache) and cache_write. Responses without usage add none: "
             "totals are lower bounds.")


def usage_missing(s, w=12):
    return kit.timeseries(
        "Responses without token usage",
        kit.target(q.sum_rate(USAGE_MISSING, ("provider", "model")), "{{provider}}/{{model}}"),
        unit="reqps", w=w, h=9,
        desc="Responses per second whose body yielded no token usage, so their tokens (and cost) are missing "
             "from the token panels. Not 'the provider dropped usage': it counts error bodies, streamed chat "
             "completions sent without stream_options.include_usage, every /v1/responses stream (usage nested "
             "in response.completed is not read) and bodies over 2 MiB. Read it next to the error panels.")


def prompt_cache_read_share(s, w=12):
    return kit.timeseries(
        "Prompt cache read share by provider / model",
        kit.target(tk.cache_read_share(s), "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, max=1, thresholds=HIT_STEPS, no_value=kit.NO_TRAFFIC,
        desc="Share of input tokens served from the provider's prompt cache: cache_read / input tokens (input = "
             "prompt for OpenAI-convention providers, prompt + cache_read + cache_write for "
             f"{', '.join(s.prompt_excludes_cache) or 'none'}). Higher is cheaper and faster. The /v1/responses "
             "API records no cache_read.")


def prompt_cache_active(s, w=12):
    by = ("provider", "model")
    return kit.timeseries(
        "Prompt cache active by provider / model",
        kit.target(q.ratio(q.sum_rate(PROMPT_CACHE, by, outcome="hit"), q.sum_rate(PROMPT_CACHE, by)),
                   "{{provider}}/{{model}}"),
        unit="percentunit", w=w, min=0, max=1, no_value=kit.NO_TRAFFIC, thresholds=HIT_STEPS,
        desc="Share of responses with parsed usage where the prompt cache was involved at all: brightstaff's "
             "outcome=hit means cache_read > 0 or cache_write > 0, so the turn that first writes the cache "
             "counts. Read it as 'cache active', not as a hit rate (that is the read share).")


# --- Routing -----------------------------------------------------------------------------------
REAL_DECISION = q.ne("none")  # selected_model="none": no routing preferences, nothing failed


def model_selection(s, w=12):
    return kit.bargauge(
        "Model selection distribution (selected range)",
        kit.target(q.range_total(DECISIONS, ("selected_model",)), "{{selected_model}}", instant=True),
        unit="suffix: decisions", w=w, h=9,
        desc="Routing decisions per selected model over the whole selected range, largest first. none = no "
             "routing preferences matched (the request went to the model it asked for: normal on a gateway "
             "without routing), unknown = the router call failed. selected_model is a full provider/model id, "
             "the router's pick (session stickiness may keep another model).")


def routing_decisions(by=()) -> tuple[q.Expr, q.Expr, q.Expr]:
    """(fell back, real decisions, router failed) per second: real = selected_model not none, where
    none is the normal no-routing-preferences case and unknown a failed router call."""
    return (q.sum_rate(DECISIONS, by, fallback="true", selected_model=q.nre("none|unknown")),
            q.sum_rate(DECISIONS, by, selected_model=REAL_DECISION),
            q.sum_rate(DECISIONS, by, selected_model="unknown"))


def fallback_ratio(s, w=12):
    fallback, real, failed = routing_decisions()
    return kit.timeseries(
        "Fallback and router-error ratio (routing decisions)",
        kit.target(q.ratio(fallback, real), "fallback"), kit.target(q.ratio(failed, real), "router error (unknown)"),
        unit="percentunit", w=w, h=9, min=0, thresholds=RATIO_STEPS, no_value="no routing decisions",
        colors={"router error (unknown)": kit.RED},
        desc="Over real routing decisions only (selected_model not none: none means no routing preferences, "
             "the request keeps its model and nothing failed, so counting it would show 100% fallback on a "
             "gateway without routing): the share that fell back, and apart from it the share where the router "
             "call failed (selected_model unknown) - alert on that one. \"no routing decisions\": routing is not "
             "configured.")


def decision_latency(s, w=12):
    return kit.timeseries(
        "Router decision latency p50 / p95 / p99",
        kit.quantile_targets(DECISION_DURATION), above_top(DECISION_DURATION, ()), unit="s", w=w,
        right=kit.ABOVE_RIGHT, thresholds=((None, kit.GREEN), (0.25, kit.ORANGE), (1, kit.RED)),
        desc="Time brightstaff spent deciding where to route (only route=llm is ever emitted, so no split). "
             "Diluted by the near-0 s no-op decisions of requests without routing preferences: a low p50 can "
             "hide slow real decisions.")


def routing_outcomes(s, w=6):
    return kit.timeseries(
        "/routing/* outcomes", kit.target(q.sum_rate(ROUTING_SERVICE, ("outcome",)), "{{outcome}}"),
        unit="reqps", w=w, stack=True,
        colors={"decision_served": kit.GREEN, "no_candidates": kit.ORANGE, "policy_error": kit.RED},
        desc="Routing-service requests per second by outcome: decision_served is success; no_candidates "
             "and policy_error are requests the router could not serve. Requests rejected early (bad JSON) are "
             "not counted.")


def _session_hit_ratio():
    lookups = q.sum_rate(SESSION_CACHE, outcome=q.one_of("hit", "miss", "error"))
    return q.ratio(q.sum_rate(SESSION_CACHE, outcome="hit"), lookups)


def session_cache_hit_stat(s, w=6):
    return kit.stat(
        "Session cache hit ratio", kit.target(_session_hit_ratio(), "hit ratio"),
        unit="percentunit", w=w, h=8, thresholds=HIT_STEPS, decimals=1, no_value="no lookups",
        desc="Share of session-cache lookups that hit: hit / (hit + miss + error). Failed lookups count "
             "against the ratio (the upstream panel ignored them and over-stated it).")


def session_cache_events(s, w=12):
    return kit.timeseries(
        "Session cache events by outcome", kit.target(q.sum_rate(SESSION_CACHE, ("outcome",)), "{{outcome}}"),
        unit="ops", w=w, colors={"hit": kit.GREEN, "miss": kit.ORANGE, "error": kit.RED,
                                 "store_error": "dark-red", "store": kit.BLUE},
        desc="Session cache operations per second: lookups (hit, miss, error) and writes (store, "
             "store_error; each session binding refresh writes too). Any error or store_error means the cache "
             "backend is failing.")


def session_switch(s, w=12):
    return kit.timeseries(
        "Session model-switch decisions by reason",
        kit.target(q.sum_rate(SESSION_SWITCH, ("decision", "reason")), "{{decision}} ({{reason}})"),
        unit="ops", w=w, stack=True,
        desc="Decisions per second on whether a warm session may switch model: allowed (same_anchor, free, "
             "within_cap, no_pricing) or retained (over_cap). Cold starts are not counted.")


def router_skips(s, w=12):
    expr = q.sum_rate(ROUTER_SKIPS, ("reason",)).or_(q.label_set(q.Vector(0), "reason", "not_user_turn"))
    return kit.timeseries(
        "Router skips by reason", kit.target(expr, "{{reason}}"),
        unit="ops", w=w, stack=True,
        desc="Requests per second that replayed a prior routing decision instead of asking the router. The only "
             "reason brightstaff emits is not_user_turn, and only with routing.route_on_user_only on; otherwise "
             "the series is absent and this shows 0.")


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


PROCESS_NOTE = ("No data by design on brightstaff 0.4.36: it exports no process_* series (its metrics-process "
                "crate writes to a recorder nothing installs). The query is filtered by job so that it never "
                "shows another process, such as the SDK's Python one.")
SDK_JOB = "instrumentation-api"  # the SDK's own Prometheus job, which exports process_* too


def _process(s, name):
    """A process_* gauge of brightstaff only: the job matcher compile adds, or, when the brightstaff job
    setting is empty, at least not the SDK's job."""
    metric = BRIGHTSTAFF[name]
    if s.brightstaff_job:
        return q.sel(metric)
    return q.sel(metric, job=q.nre("|".join(q.regex_escape(j) for j in (s.llm_job, SDK_JOB) if j)))


def process_rss_cpu(s, w=12):
    cpu = q.sum_(q.rate(_process(s, "process_cpu_seconds_total")))
    return kit.timeseries(
        "Brightstaff process RSS / CPU",
        kit.target(q.sum_(_process(s, "process_resident_memory_bytes")), "RSS"),
        kit.target(cpu, "CPU"),
        unit="bytes", w=w, right={"CPU": "percentunit"}, no_value="not exported by brightstaff 0.4.36",
        desc="Resident memory of the brightstaff process (left axis) and CPU in cores used (right axis, "
             "100% = one core). " + PROCESS_NOTE)


def process_memory(s, w=8):
    return kit.timeseries(
        "Memory",
        kit.target(q.sum_(_process(s, "process_resident_memory_bytes"), ("instance",)), "RSS {{instance}}"),
        kit.target(q.sum_(_process(s, "process_virtual_memory_bytes"), ("instance",)), "virtual {{instance}}"),
        unit="bytes", w=w, no_value="not exported by brightstaff 0.4.36",
        desc="Resident (RSS) and virtual memory of each brightstaff process. RSS that only grows hints at a "
             "leak. " + PROCESS_NOTE)


def process_cpu(s, w=8):
    return kit.timeseries(
        "CPU", kit.target(q.sum_(q.rate(_process(s, "process_cpu_seconds_total")), ("instance",)), "{{instance}}"),
        unit="percentunit", w=w, min=0, no_value="not exported by brightstaff 0.4.36",
        thresholds=((None, kit.GREEN), (0.8, kit.ORANGE), (1, kit.RED)),
        desc="CPU time per second of each brightstaff process: 100% is one full core. " + PROCESS_NOTE)


def process_fds(s, w=8):
    return kit.timeseries(
        "Open file descriptors vs limit",
        kit.target(q.sum_(_process(s, "process_open_fds"), ("instance",)), "open {{instance}}"),
        kit.target(q.sum_(_process(s, "process_max_fds"), ("instance",)), "max {{instance}}"),
        unit="suffix: fds", w=w, no_value="not exported by brightstaff 0.4.36",
        desc="Open file descriptors (sockets included) against the process limit. Reaching the limit "
             "makes new connections fail. " + PROCESS_NOTE)


def process_threads(s, w=8):
    return kit.timeseries(
        "Threads", kit.target(q.sum_(_process(s, "process_threads"), ("instance",)), "{{instance}}"),
        unit="suffix: threads", w=w, no_value="not exported by brightstaff 0.4.36",
        desc="OS threads of each brightstaff process. " + PROCESS_NOTE)


def process_uptime(s, w=8):
    uptime = q.Bin("-", q.Call("time"), _process(s, "process_start_time_seconds"))
    return kit.stat(
        "Uptime", kit.target(q.Agg("min", uptime), "uptime"), unit="s", w=w, h=8, graph=False,
        thresholds=((None, kit.ORANGE), (300, kit.GREEN)), no_value="not exported by brightstaff 0.4.36",
        desc="Time since the most recently started brightstaff process started. Orange below 5 minutes: "
             "a restart just happened (the restart annotations mark each one). " + PROCESS_NOTE)


def build_version(s, w=8):
    return kit.stat(
        "Crate version", kit.target(q.sum_(q.raw_gauge(BUILD_INFO), ("version", "git_sha")),
                                    "crate {{version}} (git {{git_sha}})"),
        unit="none", w=w, h=8, graph=False, text_mode="name", color_mode="none",
        desc="brightstaff_build_info's version is the brightstaff crate version (0.1.0 in every release so far), "
             "not the Plano release, and git_sha is 'unknown' in published builds: do not read it as the release "
             "and do not alert on it. More than one line means instances run different builds.")


# --- Envoy's LLM filter (no labels: all models together) --------------------------------------
ESTIMATE_NOTE = ("Token counts here are Envoy's estimates (a tiktoken count of the request text, len(delta)/4 per "
                 "streamed delta), not provider usage: never use them for cost or token totals (brightstaff's "
                 "token panels are the exact ones).")


def envoy_llm_histogram(s, metric, title, unit, desc, qs=(0.5, 0.95, 0.99), w=8, thresholds=None):
    return kit.timeseries(
        title, kit.quantile_targets(metric, (), qs), above_top(metric, ()), unit=unit, w=w, h=8,
        right=kit.ABOVE_RIGHT, thresholds=thresholds,
        desc=f"{desc} From Envoy's LLM filter ({metric.name}, no labels: every model together); the dashed "
             f"'above' line is the share beyond the top bucket ({kit.top_bucket(metric)}), where quantiles clamp.")


def envoy_streaming_ttft(s, w=8):
    return envoy_llm_histogram(
        s, ENVOY_TTFT, "Streaming time to first token p50 / p95 / p99 (Envoy)", "ms",
        "Time until the first token of a streaming response: what a chat user waits before text appears. "
        "Recorded for streaming responses only.", w=w,
        thresholds=((None, kit.GREEN), (1000, kit.ORANGE), (3000, kit.RED)))


def envoy_time_per_output_token(s, w=8):
    return envoy_llm_histogram(
        s, ENVOY_TPOT, "Time per output token p50 / p95 (Envoy)", "ms",
        "Request latency divided by the output tokens, integer ms (0 is skipped). " + ESTIMATE_NOTE,
        qs=(0.5, 0.95), w=w, thresholds=((None, kit.GREEN), (50, kit.ORANGE), (100, kit.RED)))


def envoy_request_latency(s, w=8):
    return envoy_llm_histogram(
        s, ENVOY_LATENCY, "LLM request latency p50 / p95 / p99 (Envoy)", "ms",
        "LLM request latency as Envoy measures it, recorded at the end of the stream.", w=w,
        thresholds=((None, kit.GREEN), (s.slo_latency_seconds * 500, kit.ORANGE),
                    (s.slo_latency_seconds * 1000, kit.RED)))


def envoy_tokens_per_second(s, w=12):
    return envoy_llm_histogram(
        s, ENVOY_TOKENS_PER_SECOND, "Output tokens per second p50 / p95 (Envoy, estimate)", TOKEN_RATE,
        "Generation speed of each response. " + ESTIMATE_NOTE, qs=(0.5, 0.95), w=w)


def envoy_sequence_lengths(s, w=12):
    return kit.timeseries(
        "Input / output length p50 / p95 (Envoy, estimate)",
        kit.quantile_targets(ENVOY_INPUT_LENGTH, (), (0.5, 0.95), "input"),
        kit.quantile_targets(ENVOY_OUTPUT_LENGTH, (), (0.5, 0.95), "output"),
        unit="suffix: tok", w=w, h=8,
        desc="Tokens per request in (prompt) and out (completion). " + ESTIMATE_NOTE + " The buckets are a "
             "millisecond ladder, so these quantiles are coarse.")


# --- annotations ----------------------------------------------------------------------------------
def restarts(s):
    """A mark wherever brightstaff's counters reset: a restart (its process_* are not exported)."""
    return kit.annotation(
        "brightstaff restarts", q.Bin(">", q.sum_(q.Call("resets", (q.Range(q.sel(HTTP)),))), q.Num(0)),
        "brightstaff restarted (its counters reset)", "HTTP request counters went back to zero", kit.RED)


def llm_links() -> list[dict]:
    """The Plano dropdown, and the OTel GenAI dashboards: where the same LLM request shows in both."""
    return [kit.dashboard_link("Plano", ["plano"]), kit.dashboard_link("OTel GenAI", ["otel-genai"])]
