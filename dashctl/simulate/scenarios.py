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


@attrs.frozen
class Effect:
    """What a scenario changes, for the traffic it matches (empty match: all of it).

    provider/model: LLM traffic (brightstaff, Envoy, spans, and SDK calls of that model);
    service: SDK calls of that service_name.
    rate, latency, tokens: multipliers; outcomes: probability of each failure outcome
    (`4xx`, `5xx`, `connect`, `other`, `stream`, `disconnect`, `router_error`), replacing
    the base one when larger; ratelimit: probability that Envoy's filter answers 429;
    detections: multiplier of PII, injection and toxicity detections and content filtering;
    enable: turn on a model that is off by default (`Traffic.enabled=False`).
    """

    provider: str = ""
    model: str = ""
    service: str = ""
    rate: float = 1.0
    latency: float = 1.0
    tokens: float = 1.0
    outcomes: tuple[tuple[str, float], ...] = attrs.field(default=(), converter=_pairs)
    ratelimit: float = 0.0
    detections: float = 1.0
    enable: bool = False

    def matches(self, provider: str = "", model: str = "", service: str = "") -> bool:
        return ((not self.provider or self.provider == provider) and (not self.model or self.model == model)
                and (not self.service or self.service == service))


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
SCENARIOS = {s.name: s for s in (
    Scenario("steady", "steady traffic, nothing happens"),
    Scenario("outage", f"{OUTAGE_PROVIDER} fails: 503s from Envoy (status 5xx, error_class none), streams "
                       "breaking mid-body, Envoy unreachable (error_class connect, first seen here), slow answers", (
        Effect(provider=OUTAGE_PROVIDER, latency=3.0,
               outcomes={"5xx": 0.55, "stream": 0.12, "connect": 0.04, "4xx": 0.03}),)),
    Scenario("ratelimit", f"Envoy's LLM filter rate-limits {RATELIMIT_MODEL}: 429 answers (brightstaff 4xx/none)", (
        Effect(model=RATELIMIT_MODEL, rate=1.5, ratelimit=0.35),)),
    Scenario("restart", "brightstaff restarts: every brightstaff counter resets and its series come back on first "
                        "use", restart=True),
    Scenario("newmodel", f"{NEW_PROVIDER}/{NEW_MODEL} is rolled out: its series are born mid-range and stay",
             (Effect(provider=NEW_PROVIDER, model=NEW_MODEL, enable=True),), lasting=True),
    Scenario("pii", "a burst of PII, prompt-injection and toxicity detections and content filtering", (
        Effect(service="support-bot", detections=40.0), Effect(service="chat-api", detections=25.0))),
    Scenario("cost", f"a cost spike on {COST_MODEL}: twice the requests, 8x the tokens per request", (
        Effect(model=COST_MODEL, rate=2.0, tokens=8.0),)),
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
