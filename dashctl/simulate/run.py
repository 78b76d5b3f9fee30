"""Running the world over a plan: the OpenMetrics file for promtool, the ground truth, how
much a counter grew, and a live `/metrics` endpoint."""

from __future__ import annotations

from typing import IO

from llm_gateway_dashboards.panels.catalog import Catalog

from . import traffic as tf
from .scenarios import Plan
from .series import Registry, Stats, write_current, write_history
from .truth import Recorder, View
from .world import WARM_STEPS, World


def _scrape_labels(jobs: dict | None):
    jobs = {**tf.DEFAULT_JOBS, **{k: v for k, v in (jobs or {}).items() if v}}
    cache = {}

    def labels(source: str) -> tuple:
        if source not in cache:
            cache[source] = (("job", jobs.get(source, source)),
                             ("instance", tf.INSTANCES.get(source, f"{source}:9100")))
        return cache[source]

    return labels


class Simulation:
    """One run of the world over a plan: the emitted series (with history) and the truth."""

    def __init__(self, plan: Plan, seed: int = 1, config: tf.Config | None = None, catalog: Catalog | None = None,
                 jobs: dict | None = None, namespace: str = "", keep_history: bool = True, record: bool = True):
        self.plan, self.seed, self.config = plan, seed, config or tf.Config()
        self.jobs, self.namespace = jobs, namespace
        self.registry = Registry(keep_history)
        self.recorder = Recorder()
        self.world = World(plan, seed, self.config, catalog, namespace, self.registry, self.recorder)
        self.record = record
        for i in range(WARM_STEPS, 0, -1):  # the processes ran before the data starts
            self.world.step(plan.start - i * plan.step, plan.step, record=False, scrape=False)
        self.t = plan.start
        self.world.step(self.t, plan.step, record=record)

    def run(self, until: int | None = None) -> Simulation:
        """Advance to `until` (default: the plan's end), one scrape step at a time."""
        until = self.plan.end if until is None else until
        while self.t + self.plan.step <= until:
            self.t += self.plan.step
            self.world.step(self.t, self.plan.step, record=self.record)
        return self

    def write(self, out: IO[str], jobs: dict | None = None) -> Stats:
        """The history in OpenMetrics; `jobs` (default: the run's) only name the scrape jobs."""
        return write_history(out, self.registry, _scrape_labels(self.jobs if jobs is None else jobs))

    def exposition(self) -> str:
        return write_current(self.registry, _scrape_labels(self.jobs))


def write_openmetrics(out: IO[str], plan: Plan, seed: int = 1, catalog: Catalog | None = None,
                      jobs: dict | None = None, namespace: str = "", config: tf.Config | None = None) -> Stats:
    """Every series over the plan in OpenMetrics with timestamps (for promtool); ends with # EOF."""
    sim = simulation(plan, seed, config, jobs, namespace, catalog)
    return sim.write(out, jobs or {})  # this call's jobs, whichever call made the cached run


_CACHE: dict = {}


def simulation(plan: Plan, seed: int = 1, config: tf.Config | None = None, jobs: dict | None = None,
               namespace: str = "", catalog: Catalog | None = None) -> Simulation:
    """The finished run for these arguments (the last four are kept, so truth() after
    write_openmetrics() with the same arguments costs nothing; `jobs` only name the scrape jobs,
    so runs differing only in jobs are one run)."""
    key = (plan, seed, config or tf.Config(), namespace, id(catalog) if catalog is not None else None)
    sim = _CACHE.get(key)
    if sim is None:
        sim = Simulation(plan, seed, config, catalog, jobs, namespace).run()
        while len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = sim
    return sim


class Truth:
    """The ground truth of one simulated plan: `window(name)` or `span(t0, t1)` give a `View`."""

    def __init__(self, sim: Simulation):
        self.plan = sim.plan
        self._recorder = sim.recorder
        self.config = sim.config

    def span(self, t0: int, t1: int) -> View:
        """Events in (t0, t1]: exactly what the counters grew by between the scrapes at t0 and t1."""
        return View(self._recorder, t0, t1, self.plan.step)

    def window(self, scenario: str) -> View:
        w = self.plan.window(scenario)
        return self.span(w.start, w.end)

    def all(self) -> View:
        return self.span(self.plan.start, self.plan.end)

    def restart_times(self, source: str = "brightstaff") -> list[int]:
        """Scrape times whose step holds a restart of `source`: from that sample on, its counters
        start again from zero (and its series come back on first use)."""
        return sorted(t for t, facts in self._recorder.facts.items() if ("restart", (source,)) in facts)


def truth(plan: Plan, seed: int = 1, config: tf.Config | None = None, jobs: dict | None = None,
          namespace: str = "", catalog: Catalog | None = None) -> Truth:
    """The ground truth of the simulation with these arguments (computed once, cached)."""
    return Truth(simulation(plan, seed, config, jobs, namespace, catalog))


def totals(plan: Plan, metric: str, match: dict, t0: int, t1: int, seed: int = 1, catalog: Catalog | None = None,
           jobs: dict | None = None, namespace: str = "", by: str | None = None,
           config: tf.Config | None = None) -> dict:
    """How much the emitted counter `metric` (series matching `match`) grew from the scrape at t0
    to the one at t1, counter resets and series born in between included: {value of `by` (or ""): increase}.

    Exact: a reset counts the value after it in full, even where Prometheus cannot see the reset
    (a rare series whose first value after a restart is not below its last one before)."""
    if t0 not in plan.times or t1 not in plan.times or t0 > t1:
        raise ValueError(f"totals: {t0}..{t1} is not a span on the plan's {plan.step}s grid")
    sim = simulation(plan, seed, config, jobs, namespace, catalog)
    out: dict[str, float] = {}
    for (_, name, labels), s in sim.registry.series.items():
        d = dict(labels)
        if name != metric or any(d.get(k) != v for k, v in match.items()):
            continue
        grew, prev = 0.0, 0.0
        resets = set(s.resets)
        for t, v in zip(s.steps, s.history[0], strict=True):
            if t > t1:
                break
            if t <= t0:
                prev = v
                continue
            grew += v if t in resets else v - prev
            prev = v
        k = d.get(by, "") if by else ""
        out[k] = out.get(k, 0.0) + grew
    return out


class Live:
    """Current values for a `/metrics` endpoint: the plan's windows repeat, counters keep growing."""

    def __init__(self, plan: Plan, seed: int = 1, catalog: Catalog | None = None, jobs: dict | None = None,
                 namespace: str = "", config: tf.Config | None = None):
        self.sim = Simulation(plan, seed, config, catalog, jobs, namespace, keep_history=False, record=False)
        self.plan = plan

    def advance(self, now: float) -> None:
        self.sim.run(int(now))

    def exposition(self, now: float) -> str:
        """Prometheus text format (0.0.4) of every series at `now`."""
        self.advance(now)
        return self.sim.exposition()

