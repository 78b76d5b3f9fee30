"""Scenarios as data and their layout in time (`Plan`).

A `Scenario` is a list of `Effect`s on the event model: which traffic it touches (provider,
model, SDK service) and how (request rate, latency, outcome probabilities, Envoy rate
limiting, tokens per request, detections). `restart` restarts brightstaff at the window's
start (every brightstaff series resets and is re-created on first use); `lasting` effects
stay on from the window's start to the end of the data (a model rolled out mid-range).
"""

from __future__ import annotations

from typing import Iterable

import attrs

STEP = 15  # seconds between samples (a 15 s scrape interval)


def _pairs(d) -> tuple:
    items = d.items() if isinstance(d, dict) else d
    return tuple(sorted((k, float(v)) for k, v in items))


def _match(d) -> tuple:
    items = d.items() if isinstance(d, dict) else d
    return tuple(sorted((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in items))


@attrs.frozen
class Effect:
    """What a scenario changes.

    Traffic-level (the event model, `metric` empty), for the traffic it matches (empty: all of it):
    provider/model: LLM traffic (brightstaff, Envoy, spans, and SDK calls of that model);
    service: SDK calls of that service_name.
    rate, latency, tokens: multipliers; outcomes: probability of each failure outcome
    (`4xx`, `5xx`, `connect`, `other`, `stream`, `disconnect`, `router_error`), replacing
    the base one when larger; ratelimit: probability that Envoy's filter answers 429;
    detections: multiplier of PII, injection and toxicity detections and content filtering;
    enable: turn on a model that is off by default (`Traffic.enabled=False`).

    Metric-level (`metric` set, `match` a {label: values} filter; rate and latency multipliers):
    drives only the previous rate model (`legacy.Track`, read by dashctl.rules.cases on main).
    """

    metric: str = ""
    match: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(default=(), converter=_match)
    rate: float = 1.0
    latency: float = 1.0
    provider: str = ""
    model: str = ""
    service: str = ""
    tokens: float = 1.0
    outcomes: tuple[tuple[str, float], ...] = attrs.field(default=(), converter=_pairs)
    ratelimit: float = 0.0
    detections: float = 1.0
    enable: bool = False

    def matches(self, provider: str = "", model: str = "", service: str = "") -> bool:
        """A traffic-level effect that applies to this traffic."""
        return (not self.metric and (not self.provider or self.provider == provider)
                and (not self.model or self.model == model) and (not self.service or self.service == service))

    def applies(self, key: str, labels: dict) -> bool:
        """A metric-level effect that applies to this series (the rate model)."""
        return bool(self.metric) and self.metric in ("*", key) and all(labels.get(k) in vs for k, vs in self.match)


@attrs.frozen
class Scenario:
    name: str
    help: str
    effects: tuple[Effect, ...] = attrs.field(default=(), converter=tuple)
    restart: bool = False  # brightstaff restarts at the window's start
    lasting: bool = False  # the effects last from the window's start to the end of the data


OUTAGE_PROVIDER, OUTAGE_MODEL = "anthropic", "claude-sonnet-4-5"
COST_MODEL = "gpt-4o"
NEW_PROVIDER, NEW_MODEL = "openai", "gpt-4.1"
RATELIMIT_MODEL = "gpt-4o-mini"
_UP = "brightstaff_llm_upstream_requests_total"
# Metric-level effects: the previous simulator's scenarios, unchanged, for the rate model (legacy.py).
_LEGACY = {
    "outage": (
        Effect(_UP, {"provider": OUTAGE_PROVIDER, "status_class": "2xx"}, rate=0.25),
        Effect(_UP, {"provider": OUTAGE_PROVIDER, "status_class": "5xx"}, rate=40),
        Effect(_UP, {"provider": OUTAGE_PROVIDER, "status_class": "4xx"}, rate=60),
        Effect(_UP, {"provider": OUTAGE_PROVIDER, "error_class": "timeout"}, rate=60),
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
    ),
    "ratelimit": (
        Effect("ratelimited_rq", rate=60),
        Effect("envoy_wasmcustom_ratelimited_rq", rate=60),
        Effect("envoy_cluster_upstream_rq_xx", {"envoy_cluster_name": "bright_staff",
                                                "envoy_response_code_class": "4"}, rate=10),
    ),
    "pii": (
        Effect("llm_pii_detected_total", rate=40),
        Effect("llm_injection_attempts_total", rate=60),
        Effect("llm_finish_reason_total", {"finish_reason": "content_filter"}, rate=20),
        Effect("calls_total", {"service_name": "plano(filter)", "status_code": "STATUS_CODE_ERROR"}, rate=30),
    ),
    "cost": (
        Effect("brightstaff_llm_tokens_total", {"model": COST_MODEL}, rate=8),
        Effect("llm_tokens_total", {"model": COST_MODEL}, rate=8),
        Effect(_UP, {"model": COST_MODEL}, rate=2),
        Effect("llm_spans_total", {"model": COST_MODEL}, rate=2),
    ),
}
SCENARIOS = {s.name: s for s in (
    Scenario("steady", "steady traffic, nothing happens"),
    Scenario("outage", f"{OUTAGE_PROVIDER} fails: 503s from Envoy (status 5xx, error_class none), streams "
                       "breaking mid-body, Envoy unreachable (error_class connect, first seen here), slow answers", (
        Effect(provider=OUTAGE_PROVIDER, latency=3.0,
               outcomes={"5xx": 0.55, "stream": 0.12, "connect": 0.04, "4xx": 0.03}), *_LEGACY["outage"])),
    Scenario("ratelimit", f"Envoy's LLM filter rate-limits {RATELIMIT_MODEL}: 429 answers (brightstaff 4xx/none)", (
        Effect(model=RATELIMIT_MODEL, rate=1.5, ratelimit=0.35), *_LEGACY["ratelimit"])),
    Scenario("restart", "brightstaff restarts: every brightstaff counter resets and its series come back on first "
                        "use", restart=True),
    Scenario("newmodel", f"{NEW_PROVIDER}/{NEW_MODEL} is rolled out: its series are born mid-range and stay",
             (Effect(provider=NEW_PROVIDER, model=NEW_MODEL, enable=True),), lasting=True),
    Scenario("pii", "a burst of PII, prompt-injection and toxicity detections and content filtering", (
        Effect(service="support-bot", detections=40.0), Effect(service="chat-api", detections=25.0),
        *_LEGACY["pii"])),
    Scenario("cost", f"a cost spike on {COST_MODEL}: twice the requests, 8x the tokens per request", (
        Effect(model=COST_MODEL, rate=2.0, tokens=8.0), *_LEGACY["cost"])),
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
        try:
            return next(w for w in self.windows if w.scenario == scenario)
        except StopIteration:
            have = [w.scenario for w in self.windows]
            raise KeyError(f"the plan has no {scenario!r} window; it has {have}") from None

    def _folded(self, t: float) -> float:
        return self.start + (t - self.start) % self.cycle if self.cycle else t

    def active(self, t: float) -> list[str]:
        """Scenarios in effect during the scrape step that ends at `t` (lasting ones from their start on):
        a window covers the steps ending in (start, end], so its truth is exactly View(start, end)."""
        t = self._folded(t)
        return [w.scenario for w in self.windows
                if w.start < t and (t <= w.end or SCENARIOS[w.scenario].lasting)]

    def restarts(self, t: float) -> bool:
        """Whether brightstaff restarts within the step that ends at `t`."""
        t = self._folded(t)
        return any(SCENARIOS[w.scenario].restart and t - self.step < w.start <= t for w in self.windows)


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
    if names and slot < 300:
        raise ValueError(f"{hours} h is too short for {len(names)} scenario(s): each needs 5 minutes")
    length = slot * 6 // 10 - (slot * 6 // 10) % 60
    windows = tuple(Window(n, start + lead + i * slot, start + lead + i * slot + length) for i, n in enumerate(names))
    return Plan(start, end, windows, step, span if cycle else 0)
