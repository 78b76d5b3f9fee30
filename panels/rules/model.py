"""What a rule is: a recording rule, an alert, a group of them. Expressions are `panels.queries`
expressions built from catalog metrics, the same helpers the panels use.

A recording rule's output is itself a metric (`Record.metric`, source "rules", carrying the
labels it aggregates by), so alerts select it with the ordinary query helpers and the rule
toolkit checks its labels like any catalog metric. Panels use Grafana's `$__rate_interval`;
a rule has no Grafana, so `windowed()` gives an expression its fixed window.
"""

from __future__ import annotations

import attrs
from attrs.validators import in_, matches_re

from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Metric

SOURCE = "rules"  # the source of recorded series: no job matcher, their labels come from the rule
SEVERITIES = ("critical", "warning", "info")
_ALERT = r"^[A-Z][A-Za-z0-9]*$"
_RECORD = r"^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$"  # level:metric:operations


def transform(expr: q.Expr, fn) -> q.Expr:
    """The expression with every node for which fn(node) returns an expression replaced by it."""
    new = fn(expr)
    if new is not None:
        return new
    if not attrs.has(type(expr)):
        return expr
    changes = {}
    for f in attrs.fields(type(expr)):
        value = getattr(expr, f.name)
        if isinstance(value, q.Expr):
            changes[f.name] = transform(value, fn)
        elif isinstance(value, tuple) and any(isinstance(v, q.Expr) for v in value):
            changes[f.name] = tuple(transform(v, fn) if isinstance(v, q.Expr) else v for v in value)
    return attrs.evolve(expr, **changes) if changes else expr


def windowed(expr: q.Expr, window: str) -> q.Expr:
    """The expression with every `[$__rate_interval]` range replaced by `[window]`."""
    return transform(expr, lambda n: attrs.evolve(n, window=window)
                     if isinstance(n, q.Range) and n.window == q.RATE_INTERVAL else None)


@attrs.frozen
class Record:
    """A recording rule: `record` = `expr`, whose series carry exactly `labels`."""

    record: str = attrs.field(validator=matches_re(_RECORD))
    expr: q.Expr
    labels: tuple[str, ...] = attrs.field(converter=tuple)
    help: str = ""
    # the same expression as panels compute it (over $__rate_interval): a dashboard may read the
    # recorded series instead (setting dashboards_read_recording_rules)
    reads: q.Expr | None = attrs.field(default=None, eq=False)

    @property
    def metric(self) -> Metric:
        return Metric(self.record, "gauge", SOURCE, "short", self.help or self.record, self.labels)

    def sel(self, **matchers) -> q.Sel:
        return q.sel(self.metric, **matchers)


@attrs.frozen
class Alert:
    """An alerting rule and what a notification needs to say and link to.

    `labels`: the labels its series carry (what the expression aggregates by);
    `dashboard`/`panel`: the uid and panel title that show it (the panel id is looked up
    when the rules are built); `settings`: the settings that tune it, for the README.
    """

    alert: str = attrs.field(validator=matches_re(_ALERT))
    expr: q.Expr
    severity: str = attrs.field(validator=in_(SEVERITIES))
    summary: str
    description: str
    dashboard: str
    panel: str
    for_: str
    labels: tuple[str, ...] = attrs.field(converter=tuple)
    settings: tuple[str, ...] = attrs.field(converter=tuple, default=())
    meaning: str = ""  # one line for the README's alert list


@attrs.frozen
class Group:
    """One rule group (one file): evaluated every `interval`, rules in order (records first)."""

    name: str = attrs.field(validator=matches_re(r"^[a-z][a-z0-9-]*$"))
    interval: str
    rules: tuple[Record | Alert, ...] = attrs.field(converter=tuple)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(r for r in self.rules if isinstance(r, Alert))

    @property
    def records(self) -> tuple[Record, ...]:
        return tuple(r for r in self.rules if isinstance(r, Record))


def above(value: q.Expr, threshold: float) -> q.Bin:
    return q.Bin(">", value, q.Num(threshold))


def guarded(condition: q.Expr, denominator: q.Expr, min_rate: float) -> q.Bin:
    """`condition and denominator > min_rate`: no alert on a ratio over (almost) no requests."""
    return q.Bin("and", condition, above(denominator, min_rate))
