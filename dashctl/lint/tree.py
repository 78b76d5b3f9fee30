"""A Grafana query as PromQL: parsed, walked, and the labels each node's series carry.

Grafana's variables are substituted outside string literals (dashctl.grafana_vars) by odd
durations, so the parse tree still tells $__rate_interval from $__range.
"""

from __future__ import annotations

import re
from typing import Iterator

import attrs
import promql_parser as pp

from llm_gateway_dashboards.dashctl import grafana_vars as gv
from llm_gateway_dashboards.panels.catalog import Catalog, Metric

# lint substitutes each Grafana interval by its own odd duration, so the parse tree tells them apart
LINT_DURATIONS = gv.Durations(rate_interval=60.007, interval=15.007, range=3600.007)
WINDOW_NAMES = {60.007: "$__rate_interval", 15.007: "$__interval", 3600.007: "$__range"}
RANGE_FUNCTIONS = ("rate", "irate", "increase")
OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def parse(expr: str):
    """The parse tree of a Grafana query (variables substituted outside strings); raises ValueError."""
    return pp.parse(gv.substitute(expr, LINT_DURATIONS))


@attrs.frozen
class Parsed:
    """A parsed query and all its nodes (walked once)."""

    root: object
    nodes: tuple = attrs.field(eq=False)
    labels: dict = attrs.field(factory=dict, eq=False)  # out_labels memo

    def out_labels(self, node, catalog: Catalog) -> frozenset | None:
        return out_labels(node, catalog, self.labels)


def children(node) -> list:
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        return [node.expr]
    if isinstance(node, pp.AggregateExpr):
        return [x for x in (node.param, node.expr) if x is not None]
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    return []


def walk(node) -> Iterator:
    """Every node, in pre-order (a stack, not recursion: cost queries nest `or` 50 deep)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def strip(node):
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def op(m) -> str:
    return OPS.get(str(m.op), str(m.op))


def matchers(vs) -> list:
    return list(vs.matchers.matchers) + [m for group in vs.matchers.or_matchers for m in group]


def series_names(vs) -> list[str]:
    """The series a selector reads: its name, or a `__name__` matcher's value(s) ([] when unknown)."""
    if vs.name:
        return [vs.name]
    for m in matchers(vs):
        if m.name == "__name__":
            if op(m) == "=":
                return [m.value]
            if op(m) == "=~" and re.fullmatch(r"[a-zA-Z0-9_:|]+", m.value):
                return m.value.split("|")
    return []


def series_labels(catalog: Catalog, name: str) -> frozenset | None:
    metric = catalog.by_series(name)
    if metric is None:
        return None
    labels = set(metric.all_labels)
    if metric.kind == "histogram" and not name.endswith("_bucket"):
        labels.discard("le")
    return frozenset(labels)


def func(node) -> str:
    return node.func.name if isinstance(node, pp.Call) else ""


def out_labels(node, catalog: Catalog, memo: dict | None = None) -> frozenset | None:
    """Labels the series of an expression can carry (None: cannot tell)."""
    memo = {} if memo is None else memo
    key = id(node)
    if key not in memo:
        memo[key] = (node, _out_labels(strip(node), catalog, memo))  # keeps node alive: ids stay unique
    return memo[key][1]


def _out_labels(node, catalog: Catalog, memo: dict) -> frozenset | None:
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return frozenset()
    if isinstance(node, pp.VectorSelector):
        sets = [series_labels(catalog, n) for n in series_names(node)]
        return None if not sets or None in sets else frozenset().union(*sets)
    if isinstance(node, (pp.MatrixSelector,)):
        return out_labels(node.vector_selector, catalog, memo)
    if isinstance(node, (pp.UnaryExpr, pp.SubqueryExpr)):
        return out_labels(node.expr, catalog, memo)
    if isinstance(node, pp.AggregateExpr):
        inner = out_labels(node.expr, catalog, memo)
        op = str(node.op)
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner
        mod = node.modifier
        if mod is None:
            base = frozenset()
        elif str(mod.type).endswith("By"):
            base = frozenset(mod.labels)
        else:
            base = None if inner is None else inner - set(mod.labels)
        if op == "count_values" and base is not None and isinstance(node.param, pp.StringLiteral):
            base = base | {node.param.val}
        return base
    if isinstance(node, pp.Call):
        name = node.func.name
        if name in ("vector", "time", "scalar", "pi") or not node.args:
            return frozenset()
        if name in ("label_replace", "label_join"):
            inner = out_labels(node.args[0], catalog, memo)
            dst = node.args[1]
            return None if inner is None or not isinstance(dst, pp.StringLiteral) else inner | {dst.val}
        if name.startswith("absent"):
            return None
        vectors = [a for a in node.args if not isinstance(strip(a), (pp.NumberLiteral, pp.StringLiteral))]
        inner = out_labels(vectors[0], catalog, memo) if vectors else frozenset()
        return inner - {"le"} if name == "histogram_quantile" and inner is not None else inner
    if isinstance(node, pp.BinaryExpr):
        lhs, rhs = out_labels(node.lhs, catalog, memo), out_labels(node.rhs, catalog, memo)
        op = str(node.op)
        if isinstance(strip(node.lhs), pp.NumberLiteral):
            return rhs
        if isinstance(strip(node.rhs), pp.NumberLiteral):
            return lhs
        if op == "or":
            return None if lhs is None or rhs is None else lhs | rhs
        if op in ("and", "unless"):
            return lhs
        mod = node.modifier
        card = str(mod.card) if mod is not None else "VectorMatchCardinality.OneToOne"
        extra = frozenset(mod.group_labels or ()) if mod is not None and mod.group_labels else frozenset()
        if card.endswith("OneToMany"):
            return None if rhs is None else rhs | extra
        if card.endswith("ManyToOne"):
            return None if lhs is None else lhs | extra
        matching = mod.matching if mod is not None else None
        if matching is not None and str(matching.type).endswith("Include"):
            return frozenset(matching.labels)
        if matching is not None and lhs is not None:
            return lhs - set(matching.labels)
        return lhs
    return None


def metric_of(catalog: Catalog, vs) -> Metric | None:
    names = series_names(vs)
    return catalog.by_series(names[0]) if len(names) == 1 else None


_META = re.compile(r"[.*+?()\[\]{}^$\\]")


def literal_values(op: str, value: str) -> list[str]:
    """The plain values a matcher names ([] when it is a real regex or names a variable)."""
    if "$" in value or "[[" in value:
        return []
    if op == "=":
        return [value]
    if op == "=~":
        plain = re.sub(r"\\(.)", "", value)
        if _META.search(plain):
            return []
        return [re.sub(r"\\(.)", r"\1", v) for v in value.split("|")]
    return []


def range_arg(call):
    arg = strip(call.args[0]) if call.args else None
    return arg if isinstance(arg, (pp.MatrixSelector, pp.SubqueryExpr)) else None


def window(node) -> str:
    seconds = round(node.range.total_seconds(), 3)
    return WINDOW_NAMES.get(seconds) or pp.display_duration(node.range)



def has_variable(value: str) -> bool:
    return "$" in value or "[[" in value


def matcher_admits(m, value: str) -> bool | None:
    """Whether one matcher lets a label value through (None: a Grafana variable decides)."""
    if has_variable(m.value):
        return None
    kind = op(m)
    if kind in ("=", "!="):
        hit = m.value == value
    else:
        try:
            hit = re.fullmatch(m.value, value) is not None  # PromQL regexes are anchored
        except re.error:
            return None
    return hit if kind in ("=", "=~") else not hit


def admits(vs, label: str, value: str) -> bool | None:
    """Whether a selector reads series whose `label` is `value` (None: a variable decides)."""
    unknown = False
    for m in matchers(vs):
        if m.name != label:
            continue
        ok = matcher_admits(m, value)
        if ok is False:
            return False
        unknown = unknown or ok is None
    return None if unknown else True


def selectors(node) -> list:
    """The vector selectors of an expression."""
    return [n for n in walk(node) if isinstance(n, pp.VectorSelector)]


def reads(node, catalog: Catalog, test) -> list:
    """The selectors under node whose catalog metric passes test(metric, series name)."""
    out = []
    for vs in selectors(node):
        for name in series_names(vs):
            metric = catalog.by_series(name)
            if metric is not None and test(metric, name):
                out.append(vs)
                break
    return out


def is_by(modifier) -> bool:
    return modifier is not None and str(modifier.type).endswith("By")
