"""Run the cases: each panel target on the real Prometheus (through dashctl.verify, so Grafana's
variables are substituted as verify does) at each of its evaluation points, and its truth on
the ledger over the same windows.

Queries are batched: one `run_dashboard` per dashboard, evaluation point, mode and variable
set, on a thread pool. An `Observation` keeps the query as sent and how it was run, so the
mutation test can run rewrites of it the same way.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

import attrs

from llm_gateway_dashboards.dashctl import grafana_vars as gv
from llm_gateway_dashboards.dashctl.verify import Options, Prometheus, dashboard_range, run_dashboard
from values.check import compare
from values.ledger import Ledger
from values.truth import Frame, Measure, Span

STEP = 15


@attrs.frozen
class Case:
    """One number a user reads: panel `panel` of dashboard `uid`, target `ref`, its series keyed
    by the labels `by`, compared with `truth` at each evaluation point in `points`.

    mode "instant": every target as an instant query at the point (stats, bar gauges, tables,
    and the point value of a time series); "last": a range query over the dashboard's range,
    its last point (panels whose query depends on the range's start, `@ start()`).
    `xfail`: why the shipped panel is still wrong (the test is expected to fail, strictly).
    """

    uid: str
    panel: str
    truth: Measure
    by: tuple[str, ...] = ()
    ref: str = "A"
    points: tuple[str, ...] = ()
    mode: str = "instant"
    variables: tuple[tuple[str, str], ...] = ()
    span: float | None = None  # seconds; None: the dashboard's own time range
    xfail: str = ""
    empty: str = ""  # why the truth is "nothing" by design (the panel must then show no number)

    @property
    def id(self) -> str:
        chosen = "".join(f" ${k}={v}" for k, v in self.variables)
        return f"{self.uid}: {self.panel} [{self.ref}]{chosen}"

    @property
    def kind(self) -> str:
        return self.truth.kind


@attrs.frozen
class World:
    """The simulated data: its plan, the ledger of every sample, the Prometheus holding them,
    whether a range selector includes the sample at its left edge (Prometheus 2) or not (3),
    and the built dashboards."""

    plan: object
    ledger: Ledger
    url: str
    left_closed: bool
    compiled: dict  # uid -> dashctl.compile.Compiled
    truth: object = None  # dashctl.simulate.Truth of the same run

    def point(self, name: str) -> int:
        """A named evaluation time on the plan's grid: mid-`<scenario>`, `<scenario>_end`
        (its last sample), `end`."""
        if name == "end":
            return self.plan.end
        scenario, _, edge = name.partition("_")
        w = self.plan.window(scenario)
        t = w.end - STEP if edge == "end" else w.start + (w.end - w.start) // 2
        return t - (t - self.plan.start) % STEP

    def span(self, case: Case) -> float:
        return case.span or dashboard_range(self.compiled[case.uid].model)

    def frame(self, case: Case, at: int) -> Frame:
        span = self.span(case)
        d = gv.grafana_durations(span, STEP)
        return Frame(self.ledger, at, self._window(at, d.rate_interval), self._window(at, span), case.by,
                     self.truth)

    def _window(self, at: int, seconds: float) -> Span:
        """The samples a range selector `[seconds]` at `at` reads."""
        t0 = at - seconds
        first = math.ceil((t0 - self.plan.start) / STEP) * STEP + self.plan.start
        if first == t0 and not self.left_closed:
            first += STEP
        return Span(max(first, self.plan.start), at, seconds)


@attrs.frozen
class How:
    """How a query was run: instant at `at`, or a range query whose last point is read."""

    at: float
    instant: bool
    start: float = 0.0
    end: float = 0.0
    step: float = 0.0


@attrs.frozen
class Observation:
    case: Case
    point: str
    query: str
    how: How
    values: dict  # key -> value
    error: str = ""

    def problems(self, expected: dict) -> list[str]:
        if self.error:
            return [f"query error: {self.error}"]
        return compare(self.values, expected, self.case.kind, self.case.truth.buckets)


def series_values(data: list, by: tuple[str, ...], how: How) -> tuple[dict, str]:
    """{key: value} of a Prometheus result; an error text when two series share a key."""
    out, dup = {}, ""
    for s in data:
        if how.instant:
            v = float(s["value"][1])
        else:
            last = s["values"][-1]
            if abs(float(last[0]) - how.end) > 1e-6:
                continue  # the series ended before the range did: nothing shown now
            v = float(last[1])
        k = tuple(s["metric"].get(b, "") for b in by)
        if k in out:
            dup = f"two series for {'/'.join(k) or '(total)'}"
        out[k] = v
    return out, dup


def run_query(prom: Prometheus, query: str, how: How) -> tuple[list, str]:
    body = prom.query(query, how.at) if how.instant else prom.query_range(query, how.start, how.end, how.step)
    if body.get("status") != "success":
        return [], body.get("error") or "query failed"
    return (body.get("data") or {}).get("result") or [], ""


# Rates are read where no series is born inside their one-minute window (rate() cannot see a
# series' first increment; the issue asks that of counts over a range, which are read after the
# restart and the new model's rollout).
POINTS = ("outage", "ratelimit", "pii", "cost_end", "end")
RANGE_POINTS = ("restart_end", "newmodel_end", "pii", "cost_end", "end")  # none reaches back before the data


def default_points(world: World, case: Case) -> tuple[str, ...]:
    """Where a case is evaluated unless it says: in each scenario and at the end."""
    ranged = case.mode == "last" or _uses_range(world, case)
    return case.points or (RANGE_POINTS if ranged else POINTS)


def _uses_range(world: World, case: Case) -> bool:
    from llm_gateway_dashboards.dashctl.lint import iter_panels

    for p in iter_panels(world.compiled[case.uid].model):
        if p.get("title") == case.panel:
            return any("$__range" in (t.get("expr") or "") for t in p.get("targets") or [])
    return False


def observe(world: World, cases: Iterable[Case], pool: ThreadPoolExecutor) -> list[Observation]:
    """Every case at every one of its points, on Prometheus."""
    cases = list(cases)
    prom = Prometheus(world.url)
    batches: dict[tuple, list[Case]] = {}
    for c in cases:
        for p in default_points(world, c):
            batches.setdefault((c.uid, p, c.mode, c.variables, c.span), []).append(c)
    out = []
    for (uid, point, mode, variables, span), group in batches.items():
        compiled = world.compiled[uid]
        at = world.point(point)
        opts = Options(at=at, range=span, instant=mode == "instant", variables=dict(variables))
        results, _ = run_dashboard(compiled, prom, opts, {c.panel for c in group}, pool)
        by_target = {(r.panel, r.ref): r for r in results}
        rng = span or dashboard_range(compiled.model)
        d = gv.grafana_durations(rng, STEP)
        end = at - at % d.interval
        how = How(at, True) if mode == "instant" else How(at, False, end - rng, end, d.interval)
        for c in group:
            r = by_target.get((c.panel, c.ref))
            if r is None:
                out.append(Observation(c, point, "", how, {}, f"no panel {c.panel!r} with target {c.ref}"))
                continue
            values, dup = series_values(r.data, c.by, how)
            out.append(Observation(c, point, r.query, how, values, r.error or dup))
    return out


def expected(world: World, obs: Observation) -> dict:
    return obs.case.truth(world.frame(obs.case, int(obs.how.at)))


@attrs.frozen
class Checked:
    """One case at one point: what Prometheus returned, what is true, what differs."""

    obs: Observation
    expected: dict
    problems: tuple[str, ...]


_CHECKED: dict[int, dict[str, list[Checked]]] = {}
TIMINGS: dict[int, float] = {}  # world id -> seconds the checks took


def check_all(world: World, cases: Iterable[Case], workers: int = 4) -> dict[str, list[Checked]]:
    """case id -> its points, checked (computed once per world)."""
    key = id(world)
    if key not in _CHECKED:
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            observations = observe(world, cases, pool)
        out: dict[str, list[Checked]] = {}
        for o in observations:
            want = expected(world, o)
            out.setdefault(o.case.id, []).append(Checked(o, want, tuple(o.problems(want))))
        _CHECKED[key] = out
        TIMINGS[key] = time.monotonic() - t0
    return _CHECKED[key]
