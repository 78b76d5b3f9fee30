"""The language a case's truth is written in: what happened in the simulated world, grouped
by the panel's labels, over the window the panel looks at.

A measure is called with a `Frame` (the ledger, the evaluation time, the rate and range
windows, the labels the panel groups by) and returns {key: value}, the key being the
values of the frame's `by` labels. Measures combine with `+ - * /` (numbers or measures)
and `ratio()`. A measure knows its tolerance kind: "count" (counts, rates, money),
"ratio", or "quantile" (with the histogram's buckets).
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

import attrs

from values.ledger import Ledger

Key = tuple[str, ...]
Where = Callable[[dict], bool] | None


@attrs.frozen
class Span:
    """The samples a range function reads: from the one at t0 to the one at t1, standing for
    `seconds` (Prometheus scales what it sees to the window it was asked for)."""

    t0: int
    t1: int
    seconds: float

    def per_window(self, growth: float) -> float:
        return growth * self.seconds / (self.t1 - self.t0) if self.t1 > self.t0 else 0.0


@attrs.frozen
class Frame:
    ledger: Ledger
    at: int
    rate: Span
    range: Span
    by: tuple[str, ...]
    truth: object = None  # the simulator's ground truth (dashctl.simulate.Truth), when it has one

    def key(self, labels: dict) -> Key:
        return tuple(labels.get(b, "") for b in self.by)


def where(**match) -> Callable[[dict], bool]:
    """A label predicate: where(provider="openai", status_class=("4xx", "5xx"), kind=not_("prompt"))."""
    def test(labels: dict) -> bool:
        for k, want in match.items():
            have = labels.get(k, "")
            if isinstance(want, Not):
                if have in want.values:
                    return False
            elif have not in ((want,) if isinstance(want, str) else want):
                return False
        return True
    return test


@attrs.frozen
class Not:
    values: tuple[str, ...]


def not_(*values: str) -> Not:
    return Not(values)


def both(*tests: Callable[[dict], bool]) -> Callable[[dict], bool]:
    return lambda labels: all(t(labels) for t in tests if t is not None)


def either(*tests: Callable[[dict], bool]) -> Callable[[dict], bool]:
    return lambda labels: any(t(labels) for t in tests)


class Measure:
    kind = "count"
    buckets: tuple[float, ...] = ()

    def __call__(self, f: Frame) -> dict[Key, float]:
        raise NotImplementedError

    def __add__(self, other):
        return Combine("+", self, _m(other))

    def __sub__(self, other):
        return Combine("-", self, _m(other))

    def __mul__(self, other):
        return Combine("*", self, _m(other))

    def __truediv__(self, other):
        return Combine("/", self, _m(other))


def _m(x) -> Measure:
    return x if isinstance(x, Measure) else Const(float(x))


@attrs.frozen
class Const(Measure):
    value: float

    def __call__(self, f):
        return {(): self.value}


@attrs.frozen
class Combine(Measure):
    """Arithmetic: a number applies to every key; two measures add over the union of keys
    (absent = 0) and multiply/divide over their common keys."""

    op: str
    a: Measure
    b: Measure

    @property
    def kind(self):
        return self.a.kind

    def __call__(self, f):
        x, y = self.a(f), self.b(f)
        fn = {"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q,
              "/": lambda p, q: p / q if q else math.nan}[self.op]
        if isinstance(self.b, Const):
            return {k: fn(v, y[()]) for k, v in x.items()}
        if self.op in "+-":
            return {k: fn(x.get(k, 0.0), y.get(k, 0.0)) for k in x.keys() | y.keys()}
        return {k: fn(x[k], y[k]) for k in x.keys() & y.keys()}


def _grouped(f: Frame, pairs: Iterable[tuple[dict, float]]) -> dict[Key, float]:
    out: dict[Key, float] = {}
    for labels, v in pairs:
        k = f.key(labels)
        out[k] = out.get(k, 0.0) + v
    return out


@attrs.frozen
class Growth(Measure):
    """A counter's growth over the rate window per second (`per_second`) or over the range."""

    series: str
    where: Where = None
    per_second: bool = True

    def __call__(self, f):
        span = f.rate if self.per_second else f.range
        out = _grouped(f, ((s.labels, span.per_window(s.growth(span.t0, span.t1)))
                           for s in f.ledger.series(self.series, self.where)))
        return {k: v / span.seconds for k, v in out.items()} if self.per_second else out


def rate(series: str, where: Where = None) -> Growth:
    """Events per second over the panel's rate window ($__rate_interval)."""
    return Growth(series, where, True)


def count(series: str, where: Where = None) -> Growth:
    """Events over the panel's range ($__range)."""
    return Growth(series, where, False)


@attrs.frozen
class Level(Measure):
    """A gauge's value at the evaluation time, added up (or the smallest/largest) per key."""

    series: str
    where: Where = None
    agg: str = "sum"

    def __call__(self, f):
        out: dict[Key, list[float]] = {}
        for s in f.ledger.series(self.series, self.where):
            v = s.at(f.at)
            if v is not None:
                out.setdefault(f.key(s.labels), []).append(v)
        pick = {"sum": sum, "min": min, "max": max}[self.agg]
        return {k: pick(vs) for k, vs in out.items()}


def level(series: str, where: Where = None, agg: str = "sum") -> Level:
    return Level(series, where, agg)


@attrs.frozen
class Ratio(Measure):
    """part / whole for every key whose whole is not zero (absent part = 0)."""

    part: Measure
    whole: Measure
    kind = "ratio"

    def __call__(self, f):
        p, w = self.part(f), self.whole(f)
        return {k: p.get(k, 0.0) / v for k, v in w.items() if v}


def ratio(part: Measure, whole: Measure) -> Ratio:
    return Ratio(part, whole)


@attrs.frozen
class Quantile(Measure):
    """The q-quantile of a histogram's observations in the rate window. The ledger knows the
    exact count below each bucket bound, so the bucket holding the true quantile is exact;
    inside it the value is interpolated linearly (as histogram_quantile does)."""

    family: str
    q: float
    where: Where = None
    buckets: tuple[float, ...] = ()
    kind = "quantile"

    def __call__(self, f):
        cum: dict[Key, dict[float, float]] = {}
        for s in f.ledger.series(self.family + "_bucket", self.where):
            le = math.inf if s.labels["le"] == "+Inf" else float(s.labels["le"])
            per = cum.setdefault(f.key(s.labels), {})
            per[le] = per.get(le, 0.0) + s.growth(f.rate.t0, f.rate.t1)
        return {k: v for k, v in ((k, _quantile(self.q, per)) for k, per in cum.items()) if not math.isnan(v)}


def _quantile(q: float, cum: dict[float, float]) -> float:
    bounds = sorted(cum)
    total = cum[bounds[-1]]
    if total <= 0:
        return math.nan
    rank, lo, below = q * total, 0.0, 0.0
    for b in bounds:
        if cum[b] >= rank:
            if math.isinf(b):
                return lo  # beyond the top finite bucket: its bound, as histogram_quantile says
            return lo + (b - lo) * (rank - below) / (cum[b] - below) if cum[b] > below else b
        lo, below = b, cum[b]
    return lo


def quantile(family: str, q: float, buckets: Iterable[float], where: Where = None) -> Quantile:
    return Quantile(family, q, where, tuple(buckets))


@attrs.frozen
class Fn(Measure):
    """A truth too particular for the combinators: fn(frame) -> {key: value}."""

    fn: Callable
    kind: str = "count"

    def __call__(self, f):
        return self.fn(f)


# --- the simulator's ground truth (facts and raw observations, dashctl.simulate.truth) ------
def _dims(f: Frame, rename: tuple[tuple[str, str], ...], fixed: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The fact's dimensions for the panel's labels (those with a fixed value left out)."""
    names, const = dict(rename), dict(fixed)
    return tuple(names.get(b, b) for b in f.by if b not in const)


def _panel_key(f: Frame, by: tuple[str, ...], values: tuple, rename, fixed) -> Key:
    """The panel's key for the fact's dimension values `values` (of `by`)."""
    got, names, const = dict(zip(by, (str(x) for x in values), strict=True)), dict(rename), dict(fixed)
    return tuple(const[b] if b in const else got.get(names.get(b, b), "") for b in f.by)


def _keyed(f: Frame, grouped, by: tuple[str, ...], rename, fixed) -> dict[Key, float]:
    """{panel key: value} from a View's grouped answer."""
    if not by:
        return {_panel_key(f, by, (), rename, fixed): float(grouped)} if grouped else {}
    out: dict[Key, float] = {}
    for k, v in grouped.items():
        key = _panel_key(f, by, k if isinstance(k, tuple) else (k,), rename, fixed)
        out[key] = out.get(key, 0.0) + float(v)
    return out


@attrs.frozen
class Fact(Measure):
    """Events of a fact of the simulator's truth: counted (or their values summed: tokens, USD),
    per second over the rate window or in total over the range. `rename` maps a panel label to
    the fact's dimension of another name (envoy_response_code_class -> code_class)."""

    fact: str
    match: tuple = ()
    summed: bool = False
    per_second: bool = True
    rename: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()

    def __call__(self, f):
        span = f.rate if self.per_second else f.range
        view = f.truth.span(span.t0, span.t1)
        by = _dims(f, self.rename, self.fixed)
        get = view.total if self.summed else view.count
        grouped = get(self.fact, by, **dict(self.match))
        out = {k: span.per_window(v) for k, v in _keyed(f, grouped, by, self.rename, self.fixed).items()}
        return {k: v / span.seconds for k, v in out.items()} if self.per_second else out


def facts(fact: str, per_second: bool = True, summed: bool = False, rename: dict | None = None,
          fixed: dict | None = None, **match) -> Fact:
    """Events of a truth fact (see Fact); `fixed` gives a panel label the one value it always has."""
    return Fact(fact, tuple(match.items()), summed, per_second, tuple((rename or {}).items()),
                tuple((fixed or {}).items()))


@attrs.frozen
class Observed(Measure):
    """A statistic of the raw observations of a truth sample family, per key: `stat` "quantile"
    (the q-quantile, as the interval of values that are one, over the rate window), "mean" (over
    the range, or the rate window with `per_window`), or "above" (the share of observations above
    `q`, over the rate window). `scale` converts the unit to the panel's (1000: s -> ms)."""

    fact: str
    q: float | None
    buckets: tuple[float, ...] = ()
    match: tuple = ()
    scale: float = 1.0
    rename: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()
    stat: str = "quantile"
    per_window: bool = True

    @property
    def kind(self):
        return {"quantile": "quantile", "above": "ratio"}.get(self.stat, "count")

    def __call__(self, f):
        span = f.rate if self.per_window else f.range
        by = _dims(f, self.rename, self.fixed)
        grouped = f.truth.span(span.t0, span.t1).samples_by(self.fact, by, **dict(self.match))
        if self.stat == "quantile":
            stat = lambda xs: _scaled(_quantile_range(xs, self.q), self.scale)  # noqa: E731
        elif self.stat == "above":
            stat = lambda xs: sum(1 for x in xs if x > self.q) / len(xs)  # noqa: E731
        else:
            stat = lambda xs: sum(xs) / len(xs) * self.scale  # noqa: E731
        return {_panel_key(f, by, k if isinstance(k, tuple) else (k,), self.rename, self.fixed): stat(xs)
                for k, xs in grouped.items() if xs}


def _scaled(v, scale: float):
    return (v[0] * scale, v[1] * scale) if isinstance(v, tuple) else v * scale


def _quantile_range(xs: list[float], q: float) -> tuple[float, float]:
    """Every value between these two is a q-quantile of the observations: the smallest with at
    least q·n observations at or below it, and the largest with at most q·n below it."""
    s = sorted(xs)
    n = len(s)
    rank = q * n
    lo = s[max(0, math.ceil(rank) - 1)]
    hi = s[min(n - 1, math.floor(rank))]
    return (min(lo, hi), max(lo, hi))


def observed_quantile(fact: str, q: float, buckets: Iterable[float], scale: float = 1.0,
                      rename: dict | None = None, fixed: dict | None = None, **match) -> Observed:
    """The true q-quantile of a truth sample family in the rate window."""
    return Observed(fact, q, tuple(buckets), tuple(match.items()), scale, tuple((rename or {}).items()),
                    tuple((fixed or {}).items()))


def observed_mean(fact: str, scale: float = 1.0, over_range: bool = True, **match) -> Observed:
    """The true mean of a truth sample family over the range (or the rate window)."""
    return Observed(fact, None, (), tuple(match.items()), scale, stat="mean", per_window=not over_range)


def observed_above(fact: str, bound: float, **match) -> Observed:
    """The true share of a truth sample family's observations above `bound` (in the rate window)."""
    return Observed(fact, bound, (), tuple(match.items()), stat="above")


@attrs.frozen
class Relabel(Measure):
    """`inner` with the values of one panel label renamed (the truth's kind input_uncached is the
    panel's kind="prompt"); values that meet are added up."""

    inner: Measure
    label: str
    names: tuple[tuple[str, str], ...]

    @property
    def kind(self):
        return self.inner.kind

    def __call__(self, f):
        if self.label not in f.by:
            return self.inner(f)
        i, names = f.by.index(self.label), dict(self.names)
        out: dict[Key, float] = {}
        for k, v in self.inner(f).items():
            key = k[:i] + (names.get(k[i], k[i]),) + k[i + 1:]
            out[key] = out.get(key, 0.0) + v
        return out


def relabel(inner: Measure, label: str, **names: str) -> Relabel:
    return Relabel(inner, label, tuple(names.items()))


@attrs.frozen
class Retyped(Measure):
    """`inner` compared with another tolerance kind (a burn rate is a ratio scaled to a multiple:
    compared within 1% relative, not 0.1 point)."""

    inner: Measure
    kind: str = "count"

    def __call__(self, f):
        return self.inner(f)


@attrs.frozen
class SinceStart(Measure):
    """`inner` over everything from the data's first scrape to the evaluation time, as a range
    (a 30-day SLO window reaches before the data)."""

    inner: Measure

    @property
    def kind(self):
        return self.inner.kind

    def __call__(self, f):
        start = f.truth.plan.start
        return self.inner(attrs.evolve(f, range=Span(start, f.at, f.at - start)))
