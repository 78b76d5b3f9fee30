"""The previous, rate-based simulator, kept for code that reads its internals (on main:
dashctl/rules/cases.py builds `promtool test rules` input from `specs`, `Track.multipliers` and
`_cdf`). It is not the simulator: scripts/simulate.py, write_openmetrics, Live and the truth
come from the event model (world.py). Only a Scenario's metric-level Effects (`Effect.metric`
set) drive these tracks, with the old window semantics: active for start <= t < end.
"""

from __future__ import annotations

import math
import random

import attrs

from llm_gateway_dashboards.panels.catalog import Catalog, Metric, default_catalog

from .traffic import DEFAULT_JOBS, INSTANCES

# (provider, model, requests/s); the last one has no price in the shipped price file
MODELS = (("openai", "gpt-4o", 3.0), ("openai", "gpt-4o-mini", 4.0), ("anthropic", "claude-sonnet-4-5", 2.5),
          ("ollama", "llama3.1-8b", 0.8))
UNPRICED_MODEL = "llama3.1-8b"
# LLM SDK: (service_name, model) -> calls/s
SDK_CALLS = (("chat-api", "gpt-4o", 1.5), ("chat-api", "gpt-4o-mini", 2.0), ("chat-api", "claude-sonnet-4-5", 1.0),
             ("support-bot", "gpt-4o-mini", 1.0), ("support-bot", "llama3.1-8b", 0.5))
AGENTS = (("weather_agent", 2.0), ("flight_agent", 1.0))
PROMPT_TOKENS, COMPLETION_TOKENS = 900, 250  # per call
UP = "brightstaff_llm_upstream_requests_total"
# label values a real source never emits, left out on purpose (the catalog lists them as possible)
NOT_EMITTED = {
    "brightstaff_llm_upstream_requests_total": {"status_class": ("1xx", "3xx", "other")},
    "envoy_cluster_upstream_rq_xx": {"envoy_response_code_class": ("1",)},
}
NOISE = 0.2


def _provider(model: str) -> str:
    return next(p for p, m, _ in MODELS if m == model)


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
    from llm_gateway_dashboards.panels.prices import load_prices

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

    def __init__(self, spec: Spec, plan, seed: int, namespace: str = "", scenarios=None):
        self.spec, self.plan = spec, plan
        self.rng = random.Random(f"{seed}|{spec.key}")
        self.phase = self.rng.random()
        key = _key(spec.metric, namespace)
        labels = spec.label_dict
        from .scenarios import SCENARIOS

        self.effects = {name: [e for e in sc.effects if e.applies(key, labels)]
                        for name, sc in (SCENARIOS if scenarios is None else scenarios).items()}
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
        for name in _active(self.plan, t):
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


def _gauge(spec: Spec, level: float, t: float, plan) -> str:
    name = spec.metric.name
    if name == "process_start_time_seconds":
        return str(plan.start - 3600)
    if name in ("brightstaff_build_info", "process_max_fds"):
        return _float(spec.rate)
    if name.endswith("_bytes"):
        return str(int(level + (t - plan.start) * 200))  # a slow climb
    return str(max(0, round(level)))




def _active(plan, t: float) -> list[str]:
    """The previous simulator's windows: a scenario acts on samples at start <= t < end."""
    if plan.cycle:
        t = plan.start + (t - plan.start) % plan.cycle
    return [w.scenario for w in plan.windows if w.start <= t < w.end]
