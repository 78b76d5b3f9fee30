"""A traffic simulator driven by the metric catalog: realistic series for every metric of the
four sources (brightstaff, envoy, spanmetrics, llm), so every panel can be checked on a real
Prometheus.

Deterministic: the same seed, time span and scenarios give the same bytes. Counters only
grow (integer counts, float sums), histograms have cumulative buckets up to +Inf equal to
_count, gauges move around a level. Every series carries `job` (Settings.jobs, or a
realistic name where a source's job is "") and `instance`.

Scenarios are data: a `Scenario` is a list of `Effect`s (which series, rate and latency
multipliers), laid out as time windows on a `Plan`. Output: an OpenMetrics file for
`promtool tsdb create-blocks-from openmetrics` (`write_openmetrics`), or the current values
in the text exposition format for a live `/metrics` endpoint (`Live`).
"""

from __future__ import annotations

import math
import random
from typing import IO, Iterable

import attrs

from panels.catalog import Catalog, Metric, default_catalog

# --- who emits what ------------------------------------------------------------------------
DEFAULT_JOBS = {"brightstaff": "brightstaff", "envoy": "envoy", "spanmetrics": "otel-collector", "llm": "llm-sdk"}
INSTANCES = {"brightstaff": "brightstaff:9092", "envoy": "envoy:9901", "spanmetrics": "otel-collector:8889",
             "llm": "llm-app:9464"}
# (provider, model, requests/s); the last one has no price in the shipped price file
MODELS = (("openai", "gpt-4o", 3.0), ("openai", "gpt-4o-mini", 4.0), ("anthropic", "claude-sonnet-4-5", 2.5),
          ("ollama", "llama3.1-8b", 0.8))
UNPRICED_MODEL = "llama3.1-8b"
# LLM SDK: (service_name, model) -> calls/s
SDK_CALLS = (("chat-api", "gpt-4o", 1.5), ("chat-api", "gpt-4o-mini", 2.0), ("chat-api", "claude-sonnet-4-5", 1.0),
             ("support-bot", "gpt-4o-mini", 1.0), ("support-bot", "llama3.1-8b", 0.5))
SDK_SERVICES = ("chat-api", "support-bot")
AGENTS = (("weather_agent", 2.0), ("flight_agent", 1.0))
PROMPT_TOKENS, COMPLETION_TOKENS = 900, 250  # per call
# label values a real source never emits, left out on purpose (the catalog lists them as possible)
NOT_EMITTED = {
    "brightstaff_llm_upstream_requests_total": {"status_class": ("1xx", "3xx", "other")},
    "envoy_cluster_upstream_rq_xx": {"envoy_response_code_class": ("1",)},
}
STEP = 15  # seconds between samples (a 15 s scrape interval)
NOISE = 0.2


def _provider(model: str) -> str:
    return next(p for p, m, _ in MODELS if m == model)


# --- scenarios as data ---------------------------------------------------------------------
@attrs.frozen
class Effect:
    """Multiply the rate (and latency) of the series of `metric` whose labels match `match`.

    `metric` is a catalog name (spanmetrics without its namespace: "calls_total") or "*";
    `match` maps a label to the values it must have.
    """

    metric: str
    match: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        default=(), converter=lambda d: tuple(sorted((k, (v,) if isinstance(v, str) else tuple(v))
                                                     for k, v in (d.items() if isinstance(d, dict) else d))))
    rate: float = 1.0
    latency: float = 1.0

    def applies(self, key: str, labels: dict) -> bool:
        return (self.metric in ("*", key)) and all(labels.get(k) in vs for k, vs in self.match)


@attrs.frozen
class Scenario:
    name: str
    help: str
    effects: tuple[Effect, ...] = attrs.field(converter=tuple)


OUTAGE_PROVIDER, OUTAGE_MODEL = "anthropic", "claude-sonnet-4-5"
COST_MODEL = "gpt-4o"
UP = "brightstaff_llm_upstream_requests_total"
SCENARIOS = {s.name: s for s in (
    Scenario("steady", "steady traffic, nothing happens", ()),
    Scenario("outage", f"{OUTAGE_PROVIDER} fails: 429 and 5xx answers (error_class=none) and timeouts", (
        Effect(UP, {"provider": OUTAGE_PROVIDER, "status_class": "2xx"}, rate=0.25),
        Effect(UP, {"provider": OUTAGE_PROVIDER, "status_class": "5xx"}, rate=40),
        Effect(UP, {"provider": OUTAGE_PROVIDER, "status_class": "4xx"}, rate=60),
        Effect(UP, {"provider": OUTAGE_PROVIDER, "error_class": "timeout"}, rate=60),
        Effect("brightstaff_llm_upstream_duration_seconds", {"provider": OUTAGE_PROVIDER}, latency=4),
        Effect("brightstaff_llm_time_to_first_token_seconds", {"provider": OUTAGE_PROVIDER}, latency=3),
        Effect("brightstaff_http_requests_total", {"handler": ("llm_chat", "agent_chat"), "status_class": "5xx"},
               rate=8),
        Effect("brightstaff_router_decisions_total", {"fallback": "true"}, rate=5),
        Effect("envoy_cluster_upstream_rq_xx", {"envoy_cluster_name": OUTAGE_PROVIDER,
                                                "envoy_response_code_class": "2"}, rate=0.25),
        Effect("envoy_cluster_upstream_rq_xx", {"envoy_cluster_name": OUTAGE_PROVIDER,
                                                "envoy_response_code_class": ("4", "5")}, rate=50),
        Effect("envoy_cluster_upstream_rq_time", {"envoy_cluster_name": OUTAGE_PROVIDER}, latency=4),
        Effect("calls_total", {"llm_model": OUTAGE_MODEL, "status_code": "STATUS_CODE_ERROR"}, rate=50),
        Effect("calls_total", {"llm_model": OUTAGE_MODEL, "status_code": "STATUS_CODE_OK"}, rate=0.25),
        Effect("duration_milliseconds", {"llm_model": OUTAGE_MODEL}, latency=4),
        Effect("llm_spans_total", {"provider": OUTAGE_PROVIDER, "status": "error"}, rate=50),
        Effect("llm_spans_total", {"provider": OUTAGE_PROVIDER, "status": "success"}, rate=0.3),
        Effect("llm_latency_ms_total", {"provider": OUTAGE_PROVIDER}, latency=4),
    )),
    Scenario("ratelimit", "a rate-limit spike: Envoy's LLM filter rejects many requests", (
        Effect("ratelimited_rq", rate=60),
        Effect("envoy_wasmcustom_ratelimited_rq", rate=60),
        Effect("envoy_cluster_upstream_rq_xx", {"envoy_cluster_name": "bright_staff",
                                                "envoy_response_code_class": "4"}, rate=10),
    )),
    Scenario("pii", "a burst of PII and prompt-injection attempts", (
        Effect("llm_pii_detected_total", rate=40),
        Effect("llm_injection_attempts_total", rate=60),
        Effect("llm_finish_reason_total", {"finish_reason": "content_filter"}, rate=20),
        Effect("calls_total", {"service_name": "plano(filter)", "status_code": "STATUS_CODE_ERROR"}, rate=30),
    )),
    Scenario("cost", f"a cost spike on {COST_MODEL}: 8x its tokens", (
        Effect("brightstaff_llm_tokens_total", {"model": COST_MODEL}, rate=8),
        Effect("llm_tokens_total", {"model": COST_MODEL}, rate=8),
        Effect(UP, {"model": COST_MODEL}, rate=2),
        Effect("llm_spans_total", {"model": COST_MODEL}, rate=2),
    )),
)}
EVENTS = tuple(n for n in SCENARIOS if n != "steady")


@attrs.frozen
class Window:
    scenario: str
    start: int  # unix seconds, inclusive
    end: int  # unix seconds, exclusive


@attrs.frozen
class Plan:
    """The time span (unix seconds, on the STEP grid) and the scenario windows on it.

    `cycle` > 0 (live mode): windows repeat every `cycle` seconds after `start`.
    """

    start: int
    end: int
    windows: tuple[Window, ...] = ()
    step: int = STEP
    cycle: int = 0

    @property
    def times(self) -> range:
        return range(self.start, self.end + 1, self.step)

    def window(self, scenario: str) -> Window:
        return next(w for w in self.windows if w.scenario == scenario)

    def active(self, t: float) -> list[str]:
        if self.cycle:
            t = self.start + (t - self.start) % self.cycle
        return [w.scenario for w in self.windows if w.start <= t < w.end]


def plan(end: int, hours: float = 2.0, scenarios: Iterable[str] = EVENTS, step: int = STEP,
         cycle: bool = False) -> Plan:
    """`hours` of data ending at `end`: a steady first quarter (at least 20 minutes), then one
    window per scenario, each followed by steady recovery (windows start on whole minutes)."""
    names = [s for s in scenarios if s != "steady"]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    end = end - end % 60
    span = int(hours * 3600) - int(hours * 3600) % 60
    start = end - span
    lead = max(1200, span // 4) if names else span
    slot = (span - lead) // max(len(names), 1)
    slot -= slot % 60
    if names and slot < 600:
        raise ValueError(f"{hours} h is too short for {len(names)} scenario(s): each needs 10 minutes")
    length = slot * 6 // 10 - (slot * 6 // 10) % 60
    windows = tuple(Window(n, start + lead + i * slot, start + lead + i * slot + length) for i, n in enumerate(names))
    return Plan(start, end, windows, step, span if cycle else 0)


# --- series: what each metric emits --------------------------------------------------------
@attrs.frozen
class Spec:
    """One label set of one metric: its base rate (events/s, or a gauge's level) and, for a
    histogram, the median observation in the metric's unit."""

    metric: Metric
    labels: tuple[tuple[str, str], ...]
    rate: float
    median: float = 0.0
    job: str = ""
    instance: str = ""
    prices: tuple[float, float] | None = None  # llm cost counter: (input, output) USD per 1M tokens

    @property
    def key(self) -> str:
        return self.metric.name + "{" + ",".join(f"{k}={v}" for k, v in self.labels) + "}"

    @property
    def label_dict(self) -> dict:
        return dict(self.labels)


def _key(metric: Metric, namespace: str) -> str:
    """The catalog name without the spanmetrics namespace ("calls_total")."""
    if metric.source == "spanmetrics" and namespace and metric.name.startswith(namespace + "_"):
        return metric.name[len(namespace) + 1:]
    return metric.name


def _seconds(metric: Metric, seconds: float) -> float:
    return seconds * 1000 if metric.unit == "ms" else seconds


HTTP_ROUTES = (  # handler, method, requests/s, median seconds, status mix
    ("llm_chat", "POST", 6.0, 1.2, {"2xx": 0.95, "4xx": 0.03, "5xx": 0.02, "other": 0.002}),
    ("agent_chat", "POST", 3.0, 2.5, {"2xx": 0.95, "4xx": 0.03, "5xx": 0.02}),
    ("routing_decision", "POST", 2.0, 0.05, {"2xx": 0.97, "4xx": 0.02, "5xx": 0.01}),
    ("function_calling", "POST", 1.0, 0.8, {"2xx": 0.96, "4xx": 0.02, "5xx": 0.02, "1xx": 0.002}),
    ("list_models", "GET", 0.5, 0.01, {"2xx": 0.97, "3xx": 0.03}),
    ("list_models", "HEAD", 0.05, 0.005, {"2xx": 1.0}),
    ("cors_preflight", "OPTIONS", 0.3, 0.002, {"2xx": 1.0}),
    ("not_found", "GET", 0.1, 0.001, {"4xx": 1.0}),
    ("not_found", "PUT", 0.02, 0.001, {"4xx": 1.0}),
    ("not_found", "DELETE", 0.02, 0.001, {"4xx": 1.0}),
    ("not_found", "PATCH", 0.02, 0.001, {"4xx": 1.0}),
    ("not_found", "OTHER", 0.01, 0.001, {"4xx": 1.0}),
)
UPSTREAM_MIX = {("2xx", "none"): 0.955, ("4xx", "none"): 0.012, ("5xx", "none"): 0.01, ("error", "timeout"): 0.006,
                ("error", "connect"): 0.003, ("2xx", "stream"): 0.004, ("error", "parse"): 0.002,
                ("error", "other"): 0.002}
UPSTREAM_MEDIAN = {"gpt-4o": 1.8, "gpt-4o-mini": 0.9, "claude-sonnet-4-5": 2.2, "llama3.1-8b": 0.6}
TTFT_MEDIAN = {"gpt-4o": 0.45, "gpt-4o-mini": 0.3, "claude-sonnet-4-5": 0.6, "llama3.1-8b": 0.15}
TOKEN_SHARE = {"prompt": PROMPT_TOKENS, "completion": COMPLETION_TOKENS, "cache_read": 300, "cache_write": 60}
FINISH = {"stop": 0.85, "length": 0.05, "tool_calls": 0.09, "content_filter": 0.01}
SPAN_STATUS = {("success", "false"): 0.96, ("success", "true"): 0.025, ("error", "false"): 0.01,
               ("error", "true"): 0.005}


def _models():
    return [(p, m, r) for p, m, r in MODELS]


def shapes(metric: Metric, key: str) -> list[tuple[dict, float, float]]:
    """(labels, rate or level, median seconds-or-value) for each series of a metric."""
    total_http = sum(r for _, _, r, _, _ in HTTP_ROUTES)
    if key == "brightstaff_http_requests_total":
        return [({"handler": h, "method": m, "status_class": s}, r * share, 0)
                for h, m, r, _, mix in HTTP_ROUTES for s, share in mix.items()]
    if key in ("brightstaff_http_request_duration_seconds", "brightstaff_http_in_flight_requests"):
        per = {}
        for h, _, r, med, _ in HTTP_ROUTES:
            rate, _ = per.get(h, (0.0, med))
            per[h] = (rate + r, med)
        if key.endswith("in_flight_requests"):
            return [({"handler": h}, max(r * med, 0.5), 0) for h, (r, med) in per.items()]
        return [({"handler": h}, r, med) for h, (r, med) in per.items()]
    if key == UP:
        return [({"provider": p, "model": m, "status_class": s, "error_class": e}, r * share, 0)
                for p, m, r in _models() for (s, e), share in UPSTREAM_MIX.items()]
    if key == "brightstaff_llm_upstream_duration_seconds":
        return [({"provider": p, "model": m}, r, UPSTREAM_MEDIAN[m]) for p, m, r in _models()]
    if key == "brightstaff_llm_time_to_first_token_seconds":
        return [({"provider": p, "model": m}, r * 0.7, TTFT_MEDIAN[m]) for p, m, r in _models()]
    if key == "brightstaff_llm_tokens_total":
        return [({"provider": p, "model": m, "kind": k}, r * n * (0.2 if k.startswith("cache") and p == "ollama"
                                                                  else 1), 0)
                for p, m, r in _models() for k, n in TOKEN_SHARE.items()]
    if key == "brightstaff_llm_tokens_usage_missing_total":
        return [({"provider": p, "model": m}, r * (0.05 if p == "ollama" else 0.002), 0) for p, m, r in _models()]
    if key == "brightstaff_router_decisions_total":
        out = [({"route": "llm", "selected_model": m, "fallback": "false"}, r, 0) for _, m, r in _models()]
        return out + [({"route": "routing", "selected_model": "gpt-4o", "fallback": "false"}, 1.2, 0),
                      ({"route": "routing", "selected_model": "claude-sonnet-4-5", "fallback": "false"}, 0.7, 0),
                      ({"route": "routing", "selected_model": "gpt-4o-mini", "fallback": "true"}, 0.1, 0),
                      ({"route": "agent", "selected_model": "none", "fallback": "true"}, 0.05, 0),
                      ({"route": "agent", "selected_model": "gpt-4o", "fallback": "false"}, 2.9, 0),
                      ({"route": "llm", "selected_model": "unknown", "fallback": "true"}, 0.03, 0)]
    if key == "brightstaff_router_decision_duration_seconds":
        return [({"route": "llm"}, 10.3, 0.008), ({"route": "routing"}, 2.0, 0.03), ({"route": "agent"}, 3.0, 0.05)]
    if key == "brightstaff_routing_service_requests_total":
        return [({"outcome": "decision_served"}, 2.0, 0), ({"outcome": "no_candidates"}, 0.05, 0),
                ({"outcome": "policy_error"}, 0.01, 0)]
    if key == "brightstaff_session_cache_events_total":
        return [({"outcome": o}, r, 0) for o, r in (("hit", 4.0), ("miss", 1.5), ("error", 0.02), ("store", 1.5),
                                                     ("store_error", 0.01))]
    if key == "brightstaff_prompt_cache_requests_total":
        return [({"provider": p, "model": m, "outcome": o}, r * s, 0)
                for p, m, r in _models() for o, s in (("hit", 0.4), ("miss", 0.6))]
    if key == "brightstaff_session_switch_decisions_total":
        return [({"decision": d, "reason": why}, r, 0) for d, why, r in (
            ("allowed", "same_anchor", 1.0), ("allowed", "free", 0.5), ("allowed", "within_cap", 0.3),
            ("retained", "over_cap", 0.1), ("retained", "no_pricing", 0.05))]
    if key == "brightstaff_router_skips_total":
        return [({"reason": r}, v, 0) for r, v in (("explicit_model", 0.5), ("no_preferences", 0.2),
                                                    ("disabled", 0.05))]
    if key == "brightstaff_build_info":
        return [({"version": "0.4.36", "git_sha": "3f2a9c1"}, 1, 0)]
    process = {"process_resident_memory_bytes": 180e6, "process_virtual_memory_bytes": 1.2e9,
               "process_open_fds": 120, "process_max_fds": 1048576, "process_threads": 24,
               "process_cpu_seconds_total": 0.35, "process_start_time_seconds": 0}
    if key in process:
        return [({}, process[key], 0)]
    # envoy
    clusters = {"bright_staff": (total_http, 1.1)} | {
        p: (sum(r for q, _, r in MODELS if q == p), 1.5) for p in dict.fromkeys(p for p, _, _ in MODELS)}
    if key == "envoy_cluster_upstream_rq_total":
        return [({"envoy_cluster_name": c}, r, 0) for c, (r, _) in clusters.items()]
    if key == "envoy_cluster_upstream_rq_xx":
        return [({"envoy_cluster_name": c, "envoy_response_code_class": k}, r * s, 0)
                for c, (r, _) in clusters.items() for k, s in (("2", 0.965), ("3", 0.003), ("4", 0.02), ("5", 0.012))]
    if key == "envoy_cluster_upstream_rq_time":
        return [({"envoy_cluster_name": c}, r, med) for c, (r, med) in clusters.items()]
    llm_rate = sum(r for _, _, r in MODELS)
    envoy = {"ratelimited_rq": (0.05, 0), "envoy_wasmcustom_ratelimited_rq": (0.05, 0), "active_http_calls": (8, 0),
             "time_to_first_token": (llm_rate * 0.7, 0.4), "time_per_output_token": (llm_rate, 0.025),
             "request_latency": (llm_rate, 1.5), "tokens_per_second": (llm_rate, 60),
             "input_sequence_length": (llm_rate, PROMPT_TOKENS),
             "output_sequence_length": (llm_rate, COMPLETION_TOKENS)}
    if key in envoy:
        return [({}, *envoy[key])]
    # spanmetrics: the same label sets for calls and duration
    if key in ("calls_total", "duration_milliseconds"):
        return _span_shapes()
    # llm SDK
    sdk = [({"service_name": s, "provider": _provider(m), "model": m}, r) for s, m, r in SDK_CALLS]
    if key == "llm_tokens_total":
        return [(dict(lab, token_type=t), r * n, 0) for lab, r in sdk
                for t, n in (("prompt", PROMPT_TOKENS), ("completion", COMPLETION_TOKENS))]
    if key == "llm_cost_usd_micro_total":
        return [(lab, r, 0) for lab, r in sdk]
    if key == "llm_latency_ms_total":
        return [(lab, r, UPSTREAM_MEDIAN[lab["model"]]) for lab, r in sdk]
    if key == "llm_latency_ms_ttft":
        return [(lab, r * 0.7, TTFT_MEDIAN[lab["model"]]) for lab, r in sdk]
    if key == "llm_pii_detected_total":
        return [({"service_name": s}, r, 0) for s, r in (("chat-api", 0.02), ("support-bot", 0.05))]
    if key == "llm_injection_attempts_total":
        return [({"service_name": s}, r, 0) for s, r in (("chat-api", 0.01), ("support-bot", 0.02))]
    if key == "llm_finish_reason_total":
        return [(dict(lab, finish_reason=f), r * s, 0) for lab, r in sdk for f, s in FINISH.items()]
    if key == "llm_spans_total":
        return [(dict(lab, status=st, has_retries=rt), r * s, 0)
                for lab, r in sdk for (st, rt), s in SPAN_STATUS.items()]
    return _generic(metric)


def _span_shapes() -> list[tuple[dict, float, float]]:
    ok, err, unset = "STATUS_CODE_OK", "STATUS_CODE_ERROR", "STATUS_CODE_UNSET"
    server, internal, client = "SPAN_KIND_SERVER", "SPAN_KIND_INTERNAL", "SPAN_KIND_CLIENT"
    out = [
        ({"service_name": "plano(inbound)", "span_name": "POST /v1/chat/completions", "span_kind": server,
          "status_code": unset, "http_method": "POST", "http_status_code": "200"}, 8.0, 1.4),
        ({"service_name": "plano(inbound)", "span_name": "POST /v1/chat/completions", "span_kind": server,
          "status_code": err, "http_method": "POST", "http_status_code": "500"}, 0.1, 2.0),
        ({"service_name": "plano(inbound)", "span_name": "GET /v1/models", "span_kind": server,
          "status_code": unset, "http_method": "GET", "http_status_code": "200"}, 0.5, 0.01),
        ({"service_name": "plano(routing)", "span_name": "route", "span_kind": internal, "status_code": ok,
          "selection_listener": "llm_listener"}, 6.0, 0.03),
        ({"service_name": "plano(orchestrator)", "span_name": "orchestrate", "span_kind": internal,
          "status_code": ok, "selection_listener": "agent_listener"}, 3.0, 0.05),
        ({"service_name": "plano(orchestrator)", "span_name": "orchestrate", "span_kind": internal,
          "status_code": err, "selection_listener": "agent_listener"}, 0.03, 0.2),
        ({"service_name": "plano(handoff)", "span_name": "handoff", "span_kind": internal, "status_code": ok,
          "agent_id": "flight_agent"}, 0.5, 0.01),
        ({"service_name": "plano(filter)", "span_name": "input_guard", "span_kind": internal, "status_code": ok},
         3.0, 0.04),
        ({"service_name": "plano(filter)", "span_name": "input_guard", "span_kind": internal, "status_code": err},
         0.05, 0.04),
    ]
    for agent, r in AGENTS:
        out.append(({"service_name": "plano(agent)", "span_name": "invoke_agent", "span_kind": client,
                     "status_code": ok, "agent_id": agent}, r, 2.0))
        out.append(({"service_name": "plano(agent)", "span_name": "invoke_agent", "span_kind": client,
                     "status_code": err, "agent_id": agent}, r * 0.01, 5.0))
    for _, m, r in MODELS:
        base = {"service_name": "plano(llm)", "span_name": "chat", "span_kind": client, "llm_model": m}
        out.append((dict(base, status_code=ok), r, UPSTREAM_MEDIAN[m]))
        out.append((dict(base, status_code=err), r * 0.01, UPSTREAM_MEDIAN[m] * 3))
    return out


def _generic(metric: Metric) -> list[tuple[dict, float, float]]:
    """A metric of another registered source: one series per known value of each label (cycled)."""
    pools = [metric.known(lab) or ("a", "b") for lab in metric.labels]
    n = max((len(p) for p in pools), default=1)
    median = metric.buckets[len(metric.buckets) // 2] if metric.buckets else 0
    return [({lab: pool[i % len(pool)] for lab, pool in zip(metric.labels, pools, strict=True)}, 1.0,
             median if metric.unit != "ms" else median / 1000) for i in range(n)]


def specs(catalog: Catalog | None = None, jobs: dict | None = None, namespace: str = "") -> list[Spec]:
    """Every series the simulator emits, for every metric of the catalog."""
    catalog = catalog or default_catalog(namespace)
    jobs = {**DEFAULT_JOBS, **{k: v for k, v in (jobs or {}).items() if v}}
    prices = _prices()
    out = []
    for metric in catalog.metrics:
        key = _key(metric, namespace)
        for labels, rate, median in shapes(metric, key):
            unknown = set(labels) - set(metric.labels)
            if unknown:
                raise ValueError(f"simulator: {metric.name} has no label(s) {sorted(unknown)}")
            p = None
            if key == "llm_cost_usd_micro_total":
                price = prices.get(labels["model"])
                p = (price.input_price_per_1m, price.output_price_per_1m) if price else (0.0, 0.0)
            med = median if metric.unit not in ("s", "ms") else _seconds(metric, median)
            out.append(Spec(metric, tuple(sorted(labels.items())), rate, med, jobs.get(metric.source, metric.source),
                            INSTANCES.get(metric.source, f"{metric.source}:9100"), p))
    return out


def _prices() -> dict:
    from panels.prices import load_prices

    return {m.model: m for m in load_prices().models}


# --- one series over time -------------------------------------------------------------------
SIGMA = 0.5  # log-normal spread of histogram observations


def _cdf(x: float, median: float, sigma: float = SIGMA) -> float:
    if x <= 0 or median <= 0:
        return 0.0
    return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))


def _fmt_le(b: float) -> str:
    return str(int(b)) if float(b).is_integer() else repr(float(b))


class Track:
    """The state of one Spec, advanced one step at a time; `values()` are the exposed samples."""

    def __init__(self, spec: Spec, plan: Plan, seed: int, namespace: str = "", scenarios=SCENARIOS):
        self.spec, self.plan = spec, plan
        self.rng = random.Random(f"{seed}|{spec.key}")
        self.phase = self.rng.random()
        key = _key(spec.metric, namespace)
        labels = spec.label_dict
        self.effects = {name: [e for e in sc.effects if e.applies(key, labels)] for name, sc in scenarios.items()}
        m = spec.metric
        self.kind = m.kind
        warm = self.rng.uniform(2000, 6000)  # seconds the process has run before the data starts
        self.count = spec.rate * warm  # counter / histogram observations
        self.sum = self.count * spec.median * math.exp(SIGMA ** 2 / 2)
        self.buckets = [self.count * _cdf(b, spec.median) for b in m.buckets]
        self.tokens: list[Track] = []
        if spec.prices is not None:  # cost follows the call's tokens
            for t in ("prompt", "completion"):
                tok = attrs.evolve(spec, metric=_TOKENS, labels=tuple(sorted({**labels, "token_type": t}.items())),
                                   rate=spec.rate * (PROMPT_TOKENS if t == "prompt" else COMPLETION_TOKENS),
                                   prices=None)
                self.tokens.append(Track(tok, plan, seed, namespace, scenarios))
        self.level = spec.rate

    def multipliers(self, t: float) -> tuple[float, float]:
        rate = latency = 1.0
        for name in self.plan.active(t):
            for e in self.effects.get(name, ()):
                rate *= e.rate
                latency *= e.latency
        return rate, latency

    def advance(self, t: float, dt: float) -> None:
        spec = self.spec
        for tok in self.tokens:
            tok.advance(t, dt)
        rate_m, lat_m = self.multipliers(t)
        noise = 1 + NOISE * (2 * self.rng.random() - 1)
        wave = 1 + 0.15 * math.sin(2 * math.pi * (t / 3600 + self.phase))
        if self.kind == "gauge":
            self.level = spec.rate * rate_m * (noise if spec.rate > 1 else 1)
            return
        n = spec.rate * rate_m * wave * noise * dt
        self.count += n
        if self.kind == "histogram":
            median = spec.median * lat_m
            self.sum += n * median * math.exp(SIGMA ** 2 / 2)
            for i, b in enumerate(spec.metric.buckets):
                self.buckets[i] += n * _cdf(b, median)

    def samples(self, t: float) -> list[tuple[str, dict, str]]:
        """(series name, extra labels, value text) for each exposed sample."""
        spec, name = self.spec, self.spec.metric.name
        if self.kind == "gauge":
            return [(name, {}, _gauge(spec, self.level, t, self.plan))]
        if self.kind == "counter":
            if self.tokens:
                cost = sum(int(tok.count) * price for tok, price in zip(self.tokens, spec.prices, strict=True))
                return [(name, {}, _float(cost))]
            if name == "process_cpu_seconds_total":
                return [(name, {}, _float(round(self.count, 3)))]
            return [(name, {}, str(int(self.count)))]
        count = int(self.count)
        out = [(f"{name}_bucket", {"le": _fmt_le(b)}, str(min(int(v), count)))
               for b, v in zip(spec.metric.buckets, self.buckets, strict=True)]
        out.append((f"{name}_bucket", {"le": "+Inf"}, str(count)))
        out.append((f"{name}_sum", {}, _float(round(self.sum, 3))))
        out.append((f"{name}_count", {}, str(count)))
        return out


_TOKENS = default_catalog().metric("llm_tokens_total")


def _float(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _gauge(spec: Spec, level: float, t: float, plan: Plan) -> str:
    name = spec.metric.name
    if name == "process_start_time_seconds":
        return str(plan.start - 3600)
    if name in ("brightstaff_build_info", "process_max_fds"):
        return _float(spec.rate)
    if name.endswith("_bytes"):
        return str(int(level + (t - plan.start) * 200))  # a slow climb
    return str(max(0, round(level)))


# --- output ---------------------------------------------------------------------------------
def _labels_text(spec: Spec, extra: dict) -> str:
    items = list(spec.labels) + [("job", spec.job), ("instance", spec.instance)] + list(extra.items())
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in items if v != "")
    return "{" + body + "}"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(metric: Metric) -> tuple[str, str]:
    """(OpenMetrics family name, type): counters not named *_total are typed unknown."""
    if metric.kind == "counter":
        return (metric.name[:-6], "counter") if metric.name.endswith("_total") else (metric.name, "unknown")
    return metric.name, metric.kind


@attrs.frozen
class Stats:
    series: int
    samples: int
    metrics: int


def write_openmetrics(out: IO[str], plan: Plan, seed: int = 1, catalog: Catalog | None = None,
                      jobs: dict | None = None, namespace: str = "") -> Stats:
    """Every series over the plan, series by series, in OpenMetrics with timestamps; ends with # EOF."""
    all_specs = specs(catalog, jobs, namespace)
    by_metric: dict[str, list[Spec]] = {}
    for s in all_specs:
        by_metric.setdefault(s.metric.name, []).append(s)
    series = samples = 0
    times = plan.times
    for group in by_metric.values():
        family, kind = _family(group[0].metric)
        out.write(f"# TYPE {family} {kind}\n")
        for spec in group:
            track = Track(spec, plan, seed, namespace)
            lines: dict[tuple[str, str], list[str]] = {}
            prev = None
            for t in times:
                track.advance(t, plan.step if prev is not None else 0)
                prev = t
                for sname, extra, value in track.samples(t):
                    head = f"{sname}{_labels_text(spec, extra)}"
                    lines.setdefault((sname, head), []).append(f"{head} {value} {t}\n")
            for chunk in lines.values():
                out.writelines(chunk)
                series += 1
                samples += len(chunk)
    out.write("# EOF\n")
    return Stats(series, samples, len(by_metric))


def totals(plan: Plan, metric: str, match: dict, t0: int, t1: int, seed: int = 1, catalog: Catalog | None = None,
           jobs: dict | None = None, namespace: str = "", by: str | None = None) -> dict:
    """How much the emitted counter `metric` (matching `match`) grew from t0 to t1, exactly as
    written to the file: {value of label `by` (or ""): increase}. t0 and t1 lie on the plan's grid."""
    if t0 not in plan.times or t1 not in plan.times or t0 > t1:
        raise ValueError(f"totals: {t0}..{t1} is not a span on the plan's {plan.step}s grid")
    out: dict[str, float] = {}
    for spec in specs(catalog, jobs, namespace):
        if spec.metric.name != metric or any(spec.label_dict.get(k) != v for k, v in match.items()):
            continue
        track = Track(spec, plan, seed, namespace)
        at: dict[int, float] = {}
        prev = None
        for t in plan.times:
            track.advance(t, plan.step if prev is not None else 0)
            prev = t
            if t in (t0, t1):
                at[t] = float(track.samples(t)[0][2])
            if t >= t1:
                break
        k = spec.label_dict.get(by, "") if by else ""
        out[k] = out.get(k, 0.0) + at[t1] - at[t0]
    return out


class Live:
    """Current values for a `/metrics` endpoint: the plan's windows repeat, counters keep growing."""

    def __init__(self, plan: Plan, seed: int = 1, catalog: Catalog | None = None, jobs: dict | None = None,
                 namespace: str = ""):
        self.plan = plan
        self.tracks = [Track(s, plan, seed, namespace) for s in specs(catalog, jobs, namespace)]
        self.t = plan.start

    def advance(self, now: float) -> None:
        while self.t + self.plan.step <= now:
            self.t += self.plan.step
            for tr in self.tracks:
                tr.advance(self.t, self.plan.step)

    def exposition(self, now: float) -> str:
        """Prometheus text format (0.0.4) of every series at `now`."""
        self.advance(now)
        lines, typed = [], set()
        for tr in self.tracks:
            m = tr.spec.metric
            if m.name not in typed:
                typed.add(m.name)
                lines.append(f"# HELP {m.name} {m.help}\n# TYPE {m.name} {m.kind}\n")
            for sname, extra, value in tr.samples(self.t):
                lines.append(f"{sname}{_labels_text(tr.spec, extra)} {value}\n")
        return "".join(lines)

