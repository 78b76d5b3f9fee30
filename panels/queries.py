"""PromQL as small immutable expressions built from catalog metrics.

An expression is rendered late, by compile, against a `Context` (the settings and the
dashboard's variables): each selector then gets its source's `job` matcher and a
`label=~"$var"` matcher for every dashboard variable whose label the metric carries.
So a query is written once and binds to whatever variables the dashboard has.

`refs()` lists every (metric, labels) a query uses; compile checks them against the
catalog and names the dashboard and panel when one is unknown.
"""

from __future__ import annotations

import re
from typing import Iterable

import attrs

from llm_gateway_dashboards.panels.catalog import Metric

RATE_INTERVAL = "$__rate_interval"
RANGE = "$__range"


# --- names -------------------------------------------------------------------------------
_PLAIN = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def quoted(name: str) -> str:
    """A metric or label name as PromQL reads it: as is, or quoted when it is a UTF-8 name that only
    Prometheus >= 3 accepts (`gen_ai.provider.name` -> `"gen_ai.provider.name"`)."""
    return name if _PLAIN.match(name) else '"' + name + '"'


# --- matchers -----------------------------------------------------------------------------
@attrs.frozen
class Matcher:
    label: str
    op: str = attrs.field(validator=attrs.validators.in_(("=", "!=", "=~", "!~")))
    value: str

    def render(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{quoted(self.label)}{self.op}"{escaped}"'


def rx(value: str) -> tuple[str, str]:
    """Regex match: sel(m, status_class=rx("4xx|5xx"))."""
    return ("=~", value)


def ne(value: str) -> tuple[str, str]:
    return ("!=", value)


def nre(value: str) -> tuple[str, str]:
    return ("!~", value)


def one_of(*values: str) -> tuple[str, str]:
    return ("=~", "|".join(values))


def _matchers(kw: dict) -> tuple[Matcher, ...]:
    out = []
    for label, value in kw.items():
        op, val = value if isinstance(value, tuple) else ("=", value)
        out.append(Matcher(label, op, str(val)))
    return tuple(out)


# --- render context -----------------------------------------------------------------------
@attrs.frozen
class Binding:
    """A dashboard variable that filters a label: `label=~"$name"` on metrics that carry it."""

    name: str
    label: str
    sources: tuple[str, ...] = ()  # only metrics of these sources; () = any source
    multi: bool = True

    def applies(self, metric: Metric) -> bool:
        return self.label in metric.all_labels and (not self.sources or metric.source in self.sources)


@attrs.frozen
class Context:
    jobs: dict = attrs.field(factory=dict, hash=False)
    bindings: tuple[Binding, ...] = ()
    unbound: bool = False  # True: render without variable matchers (variable queries, tests)


# --- expressions --------------------------------------------------------------------------
class Expr:
    """Base of every expression; operators build binary expressions."""

    def render(self, ctx: Context) -> str:
        raise NotImplementedError

    def refs(self) -> Iterable[tuple[Metric, tuple[str, ...]]]:
        raise NotImplementedError

    def selectors(self) -> Iterable["Sel"]:
        return ()

    def __truediv__(self, other):
        return Bin("/", self, _expr(other))

    def __mul__(self, other):
        return Bin("*", self, _expr(other))

    def __add__(self, other):
        return Bin("+", self, _expr(other))

    def __sub__(self, other):
        return Bin("-", self, _expr(other))

    def or_(self, other):
        return Bin("or", self, _expr(other))

    def __str__(self):
        return self.render(Context())


def _expr(x) -> Expr:
    return x if isinstance(x, Expr) else Num(x)


@attrs.frozen
class Num(Expr):
    value: float

    def render(self, ctx):
        v = self.value
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))

    def refs(self):
        return ()


@attrs.frozen
class Sel(Expr):
    """An instant vector selector of one series of a catalog metric."""

    metric: Metric
    suffix: str = ""  # "", "_bucket", "_sum", "_count"
    matchers: tuple[Matcher, ...] = ()
    job: bool = True  # add the source's job matcher
    # True: variables also filter labels matched explicitly (the matcher narrows the choice,
    # `model=~"$model", model="gpt-4o"`) instead of the explicit matcher replacing them.
    bind_explicit: bool = False
    # labels no dashboard variable filters here (a denominator that must match its numerator)
    unbind: tuple[str, ...] = ()

    @property
    def series(self) -> str:
        return self.metric.name + self.suffix

    def render(self, ctx):
        parts = []
        job = ctx.jobs.get(self.metric.source, "") if self.job else ""
        if job:
            parts.append(Matcher("job", "=", job).render())
        if not ctx.unbound:
            explicit = set() if self.bind_explicit else {m.label for m in self.matchers}
            explicit.update(self.unbind)
            for b in ctx.bindings:
                if b.applies(self.metric) and b.label not in explicit:
                    parts.append(f'{quoted(b.label)}=~"${b.name}"')
        parts.extend(m.render() for m in self.matchers)
        if quoted(self.series) != self.series:  # a UTF-8 name goes inside the braces: {"a.b_bucket", ...}
            return f"{{{', '.join((quoted(self.series), *parts))}}}"
        return f"{self.series}{{{', '.join(parts)}}}" if parts else self.series

    def refs(self):
        return ((self.metric, tuple(m.label for m in self.matchers)),)

    def selectors(self):
        return (self,)


@attrs.frozen
class Range(Expr):
    inner: Sel
    window: str = RATE_INTERVAL

    def render(self, ctx):
        return f"{self.inner.render(ctx)}[{self.window}]"

    def refs(self):
        return self.inner.refs()

    def selectors(self):
        return self.inner.selectors()


@attrs.frozen
class Call(Expr):
    fn: str
    args: tuple = ()

    def render(self, ctx):
        return f"{self.fn}({', '.join(a.render(ctx) if isinstance(a, Expr) else a for a in self.args)})"

    def refs(self):
        return tuple(r for a in self.args if isinstance(a, Expr) for r in a.refs())

    def selectors(self):
        return tuple(s for a in self.args if isinstance(a, Expr) for s in a.selectors())


@attrs.frozen
class Agg(Expr):
    op: str
    inner: Expr
    by: tuple[str, ...] = ()
    param: str | None = None  # topk's k, quantile's q

    def render(self, ctx):
        by = f" by ({', '.join(map(quoted, self.by))})" if self.by else ""
        param = f"{self.param}, " if self.param is not None else ""
        return f"{self.op}{by} ({param}{self.inner.render(ctx)})"

    def refs(self):
        metrics = {m.name: m for m, _ in self.inner.refs()}
        return tuple(self.inner.refs()) + tuple((m, self.by) for m in metrics.values())

    def selectors(self):
        return self.inner.selectors()


@attrs.frozen
class Bin(Expr):
    op: str
    lhs: Expr
    rhs: Expr
    on: tuple[str, ...] | None = None
    group: str = ""  # "group_left": many series of lhs to one of rhs (with `on`), no labels copied

    def render(self, ctx):
        def side(e):
            text = e.render(ctx)
            return f"({text})" if isinstance(e, (Bin, Union)) else text

        on = f" on ({', '.join(map(quoted, self.on))})" if self.on is not None else ""
        group = f" {self.group} ()" if self.group else ""  # the empty label list: the rhs' "(" is not one
        return f"{side(self.lhs)} {self.op}{on}{group} {side(self.rhs)}"

    def refs(self):
        return tuple(self.lhs.refs()) + tuple(self.rhs.refs())

    def selectors(self):
        return tuple(self.lhs.selectors()) + tuple(self.rhs.selectors())


@attrs.frozen
class Vector(Expr):
    """`vector(0)`: a constant series, e.g. the zero of a sum that may be empty."""

    value: float = 0

    def render(self, ctx):
        return f"vector({Num(self.value).render(ctx)})"

    def refs(self):
        return ()


@attrs.frozen
class Union(Expr):
    """`a or b or c`, flat: every series of each term, a later term only where no earlier
    one has the same labels. Terms with distinct label sets (one per model) all survive."""

    terms: tuple[Expr, ...] = attrs.field(converter=tuple)

    def __attrs_post_init__(self):
        if not self.terms:
            raise ValueError("or_all needs at least one term")

    def render(self, ctx):
        return " or ".join(f"({t.render(ctx)})" if isinstance(t, (Bin, Union)) else t.render(ctx)
                           for t in self.terms)

    def refs(self):
        return tuple(r for t in self.terms for r in t.refs())

    def selectors(self):
        return tuple(s for t in self.terms for s in t.selectors())


@attrs.frozen
class Subquery(Expr):
    """`(inner)[range:step]`, optionally `@ at`: an expression evaluated at steps over a window."""

    inner: Expr
    window: str = RANGE
    step: str = "$__interval"
    at: str = ""

    def render(self, ctx):
        at = f" @ {self.at}" if self.at else ""
        return f"({self.inner.render(ctx)})[{self.window}:{self.step}]{at}"

    def refs(self):
        return self.inner.refs()

    def selectors(self):
        return self.inner.selectors()


@attrs.frozen
class Offset(Expr):
    """`selector offset 1h`: the value one window earlier."""

    inner: Sel
    window: str = RANGE

    def render(self, ctx):
        return f"{self.inner.render(ctx)} offset {self.window}"

    def refs(self):
        return self.inner.refs()

    def selectors(self):
        return self.inner.selectors()


@attrs.frozen
class At(Expr):
    """`selector @ start()`: the value at the start of the dashboard's time range."""

    inner: Sel
    at: str = "start()"

    def render(self, ctx):
        return f"{self.inner.render(ctx)} @ {self.at}"

    def refs(self):
        return self.inner.refs()

    def selectors(self):
        return self.inner.selectors()


# --- helpers dashboards use ---------------------------------------------------------------
def or_all(exprs: Iterable[Expr]) -> Expr:
    """One expression for many: `a or b or c` (just `a` when there is one)."""
    terms = tuple(exprs)
    return terms[0] if len(terms) == 1 else Union(terms)


_REGEX_META = set("\\.^$*+?()[]{}|")


def regex_escape(value: str) -> str:
    """A literal for an RE2 regex matcher: `gpt-4.1` -> `gpt-4\\.1` (only metacharacters escaped)."""
    return "".join(f"\\{c}" if c in _REGEX_META else c for c in value)


def sel(metric: Metric, suffix: str = "", **matchers) -> Sel:
    """`metric{job=..., $vars..., label="v"}`; values may be rx(...), ne(...), one_of(...)."""
    return Sel(metric, suffix, _matchers(matchers))


def _counter(metric: Metric | Sel, **matchers) -> Sel:
    return metric if isinstance(metric, Sel) else sel(metric, **matchers)


def rate(metric: Metric | Sel, window: str = RATE_INTERVAL, **matchers) -> Call:
    """rate(m[$__rate_interval]): per-second rate of a counter, right at any zoom."""
    return Call("rate", (Range(_counter(metric, **matchers), window),))


def increase(metric: Metric | Sel, window: str = RANGE, **matchers) -> Call:
    """increase(m[$__range]): how much a counter grew over the selected time range."""
    return Call("increase", (Range(_counter(metric, **matchers), window),))


def sum_(inner: Expr, by: Iterable[str] = ()) -> Agg:
    return Agg("sum", inner, tuple(by))


def sum_rate(metric: Metric | Sel, by: Iterable[str] = (), **matchers) -> Agg:
    """sum by (labels) (rate(m{...}[$__rate_interval]))."""
    return sum_(rate(metric, **matchers), by)


def sum_increase(metric: Metric | Sel, by: Iterable[str] = (), window: str = RANGE, **matchers) -> Agg:
    return sum_(increase(metric, window, **matchers), by)


def ratio(part: Expr, whole: Expr) -> Bin:
    """part / whole, correct at any traffic.

    Where `part` has no series (no errors yet) it counts as 0 instead of vanishing:
    `(part or whole * 0) / (whole > 0)`. Where `whole` is 0 (no traffic in the window) there is
    no series rather than NaN: panels say "no traffic". No clamp_min(whole, 1), which
    under-reports when the whole is below 1/s (0.1 of 0.1 req/s failing would show as 10%).
    """
    return Bin("/", Bin("or", part, Bin("*", whole, Num(0))), Bin(">", whole, Num(0)))


def label_set(inner: Expr, label: str, value: str) -> Call:
    """label_replace(inner, "label", "value", "", ""): every series gets label=value."""
    return Call("label_replace", (inner, _quote(label), _quote(value), '""', '""'))


def label_map(inner: Expr, label: str, value: str, pattern: str) -> Call:
    """label_replace(inner, label, value, label, pattern): values matching the (anchored) regex become `value`."""
    return Call("label_replace", (inner, _quote(label), _quote(value), _quote(label), _quote(pattern)))


def label_from(inner: Expr, label: str, source: str, pattern: str = "(.+)", value: str = "$1") -> Call:
    """label_replace(inner, label, value, source, pattern): `label` set from another label's value
    (where `source` matches the anchored regex; the default copies any non-empty value)."""
    return Call("label_replace", (inner, _quote(label), _quote(value), _quote(source), _quote(pattern)))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_disjoint(terms: Iterable[Expr], by: Iterable[str] = ()) -> Agg:
    """sum by (labels) (a or b or ...): the terms select disjoint series (their label sets differ),
    so the union keeps every one and the sum counts each once. Unlike `sum(a) or sum(b)`, which
    keeps only the left side wherever both have a series, and `sum(a) + sum(b)`, which drops a
    label set present on one side only."""
    return sum_(or_all(terms), by)


def grown(metric: Metric | Sel, window: str = RANGE, **matchers) -> Expr:
    """How much each series of a counter grew over the window, every series counted:

        increase(x[w]) or label_replace(min_over_time(x[w]) unless x offset w, "born_in_range", "true", "", "")

    increase() survives restarts but loses the first value of a series born inside the window
    (brightstaff creates a series on its first event); the second term adds that first value for
    exactly the series that did not exist at the window's start (marked, so the union keeps both)."""
    s = _counter(metric, **matchers)
    born = Bin("unless", Call("min_over_time", (Range(s, window),)), Offset(s, window))
    return Union((increase(s, window), label_set(born, "born_in_range", "true")))


def range_total(metric: Metric | Sel, by: Iterable[str] = (), window: str = RANGE, **matchers) -> Agg:
    """sum by (labels) of `grown`: a counter's growth over the selected range (or `window`)."""
    return sum_(grown(metric, window, **matchers), by)


def histogram_quantile(q: float, metric: Metric, by: Iterable[str] = (), **matchers) -> Call:
    """histogram_quantile(q, sum by (le, ...) (rate(m_bucket{...}[$__rate_interval])))."""
    if metric.kind != "histogram":
        raise TypeError(f"histogram_quantile needs a histogram, {metric.name} is a {metric.kind}")
    inner = sum_(rate(Sel(metric, "_bucket", _matchers(matchers))), ("le", *by))
    return Call("histogram_quantile", (Num(q).render(Context()), inner))


def share_above(metric: Metric, bound: float, by: Iterable[str] = (), window: str = RATE_INTERVAL,
                **matchers) -> Bin:
    """Share of a histogram's observations above one of its bucket bounds, read from that bucket
    (exact, no interpolation): 1 - increase(le=bound) / increase(le=+Inf); none without observations.
    `le` is matched as a number however the exporter wrote it ("10", "10.0")."""
    if metric.kind != "histogram":
        raise TypeError(f"share_above needs a histogram, {metric.name} is a {metric.kind}")
    by = tuple(by)

    def bucket(le):
        return sum_(increase(Sel(metric, "_bucket", _matchers({**matchers, "le": le})), window), by)

    below = bucket(rx(regex_escape(f"{bound:g}") + r"(\.0*)?"))
    return Bin("-", Num(1), Bin("/", below, Bin(">", bucket("+Inf"), Num(0))))


def histogram_avg(metric: Metric, by: Iterable[str] = (), **matchers) -> Bin:
    """Mean from a histogram: sum(rate(m_sum)) / sum(rate(m_count))."""
    by = tuple(by)
    m = _matchers(matchers)
    return Bin("/", sum_(rate(Sel(metric, "_sum", m)), by), sum_(rate(Sel(metric, "_count", m)), by))


def raw_gauge(metric: Metric, **matchers) -> Sel:
    """The gauge itself."""
    if metric.kind == "counter":
        raise TypeError(f"{metric.name} is a counter: use rate() or increase()")
    return sel(metric, **matchers)


def quantile_label(q: float) -> str:
    """0.95 -> p95, 0.999 -> p99.9."""
    text = f"{q * 100:.4g}"
    return f"p{text}"
