"""`dashctl lint`: what makes a dashboard that compiles still show "No data", found before it ships.

Rules are small functions over the compiled dashboard models and the metric catalog. Each
query is parsed by a real PromQL parser (promql-parser) after Grafana's variables are
substituted outside string literals (dashctl.grafana_vars). A finding names the dashboard,
the panel and the rule; a dashboard silences one with `lint_exceptions=((panel title, rule,
reason), ...)` on `kit.board`, and a suppression without a reason is itself a finding.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator

import attrs
import promql_parser as pp

from dashctl import grafana_vars as gv
from dashctl.compile import UID, Compiled
from panels.catalog import Catalog, Metric

RULES = {
    "syntax": "the query parses as PromQL",
    "unknown-metric": "every metric is in the metric catalog (histograms through _bucket/_sum/_count)",
    "unknown-label": "every matcher, by/without and on/ignoring label exists on the series it reads",
    "unknown-value": "a matcher's literal value is one the source emits (when the catalog knows them)",
    "job": "a metric of a source with a configured job carries that job matcher",
    "counter-rate": "rate/irate/increase only on counters",
    "histogram-quantile": "histogram_quantile over rate of _bucket series summed by (le, ...)",
    "rate-interval": "rate/irate use [$__rate_interval]; increase uses [$__rate_interval] or [$__range]",
    "ratio-clamp": "no ratio divides by clamp_min(x, 1): it under-reports below 1/s",
    "multi-value-matcher": "a matcher on a multi-value or All variable uses =~ (or !~)",
    "unknown-variable": "every variable a query names is defined on the dashboard",
    "variable-query": "a variable's label_values() reads a catalog metric and one of its labels",
    "duplicate-uid": "dashboard uids are unique",
    "duplicate-title": "dashboard titles are unique",
    "panel-title": "every panel has a title, unique on its dashboard",
    "uid": "a uid is 1 to 40 characters of [A-Za-z0-9_-]",
    "datasource": "every panel, target and variable uses the ${datasource} variable",
    "unit": "every data panel sets a unit",
    "overlap": "panels stay inside the 24-column grid and do not overlap",
    "suppression": "a lint exception names a real panel and rule, and gives a reason",
}

# lint substitutes each Grafana interval by its own odd duration, so the parse tree tells them apart
LINT_DURATIONS = gv.Durations(rate_interval=60.007, interval=15.007, range=3600.007)
WINDOW_NAMES = {60.007: "$__rate_interval", 15.007: "$__interval", 3600.007: "$__range"}
DATASOURCE_VARS = ("${datasource}", "$datasource")
GRID_COLUMNS = 24
RANGE_FUNCTIONS = ("rate", "irate", "increase")
OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


@attrs.frozen(order=True)
class Finding:
    """One problem: where (dashboard uid, panel title; "" for the dashboard), which rule, what."""

    dashboard: str
    panel: str
    rule: str
    message: str

    def line(self) -> str:
        where = f'{self.dashboard}: "{self.panel}"' if self.panel else self.dashboard
        return f"{where}: [{self.rule}] {self.message}"

    def as_dict(self) -> dict:
        return attrs.asdict(self)


# --- the query, parsed ----------------------------------------------------------------------
@attrs.frozen
class Query:
    """One target of a panel (or a variable's query) on one dashboard."""

    dashboard: str
    panel: str
    ref: str
    expr: str
    variables: dict = attrs.field(hash=False, eq=False)  # name -> templating entry


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
    yield node
    for c in children(node):
        yield from walk(c)


def _strip(node):
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def _op(m) -> str:
    return OPS.get(str(m.op), str(m.op))


def _matchers(vs) -> list:
    return list(vs.matchers.matchers) + [m for group in vs.matchers.or_matchers for m in group]


def series_names(vs) -> list[str]:
    """The series a selector reads: its name, or a `__name__` matcher's value(s) ([] when unknown)."""
    if vs.name:
        return [vs.name]
    for m in _matchers(vs):
        if m.name == "__name__":
            if _op(m) == "=":
                return [m.value]
            if _op(m) == "=~" and re.fullmatch(r"[a-zA-Z0-9_:|]+", m.value):
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


def _func(node) -> str:
    return node.func.name if isinstance(node, pp.Call) else ""


def out_labels(node, catalog: Catalog, memo: dict | None = None) -> frozenset | None:
    """Labels the series of an expression can carry (None: cannot tell)."""
    memo = {} if memo is None else memo
    key = id(node)
    if key not in memo:
        memo[key] = (node, _out_labels(_strip(node), catalog, memo))  # keeps node alive: ids stay unique
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
        vectors = [a for a in node.args if not isinstance(_strip(a), (pp.NumberLiteral, pp.StringLiteral))]
        inner = out_labels(vectors[0], catalog, memo) if vectors else frozenset()
        return inner - {"le"} if name == "histogram_quantile" and inner is not None else inner
    if isinstance(node, pp.BinaryExpr):
        lhs, rhs = out_labels(node.lhs, catalog, memo), out_labels(node.rhs, catalog, memo)
        op = str(node.op)
        if isinstance(_strip(node.lhs), pp.NumberLiteral):
            return rhs
        if isinstance(_strip(node.rhs), pp.NumberLiteral):
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


# --- query rules: each yields messages about one parsed query -------------------------------
def _metric_of(catalog: Catalog, vs) -> Metric | None:
    names = series_names(vs)
    return catalog.by_series(names[0]) if len(names) == 1 else None


def rule_unknown_metric(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        for name in series_names(vs):
            if catalog.by_series(name) is not None:
                continue
            family = next((m for m in catalog.metrics if m.name == name), None)
            if family is not None and family.kind == "histogram":
                yield (f"{q.ref}: {name} is a histogram: Prometheus stores {name}_bucket, {name}_sum and "
                       f"{name}_count, not {name}")
            else:
                yield f"{q.ref}: unknown metric {name}: not in the metric catalog, so no source emits it"


def rule_unknown_label(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for node in tree.nodes:
        if isinstance(node, pp.VectorSelector):
            names = series_names(node)
            for name in names:
                labels = series_labels(catalog, name)
                if labels is None:
                    continue
                for m in _matchers(node):
                    if m.name != "__name__" and m.name not in labels:
                        yield (f"{q.ref}: {name} has no label {m.name!r} (its labels: "
                               f"{', '.join(sorted(labels))})")
        elif isinstance(node, pp.AggregateExpr) and node.modifier is not None:
            inner = tree.out_labels(node.expr, catalog)
            kind = "by" if str(node.modifier.type).endswith("By") else "without"
            for label in node.modifier.labels:
                if inner is not None and label not in inner:
                    yield (f"{q.ref}: {node.op} {kind} ({', '.join(node.modifier.labels)}): no series inside "
                           f"has label {label!r} (they have: {', '.join(sorted(inner)) or 'none'})")
        elif isinstance(node, pp.BinaryExpr) and node.modifier is not None:
            mod = node.modifier
            sides = (("left", tree.out_labels(node.lhs, catalog)), ("right", tree.out_labels(node.rhs, catalog)))
            if mod.matching is not None and str(mod.matching.type).endswith("Include"):
                for label in mod.matching.labels:
                    for side, labels in sides:
                        if labels and label not in labels:
                            yield f"{q.ref}: on ({', '.join(mod.matching.labels)}): the {side} side has no " \
                                  f"label {label!r}"
            card = str(mod.card)
            if card.endswith(("ManyToOne", "OneToMany")):  # group_left/right(x) copies x from the "one" side
                side, labels = sides[1] if card.endswith("ManyToOne") else sides[0]
                for label in mod.group_labels or ():
                    if labels is not None and label not in labels:
                        yield f"{q.ref}: group ({label}): the {side} side has no label {label!r}"


_META = re.compile(r"[.*+?()\[\]{}^$\\]")


def _literal_values(op: str, value: str) -> list[str]:
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


def rule_unknown_value(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        metric = _metric_of(catalog, vs)
        if metric is None:
            continue
        for m in _matchers(vs):
            known = metric.known(m.name)
            bad = [v for v in _literal_values(_op(m), m.value) if known and v not in known]
            if bad:
                yield (f"{q.ref}: {m.name}{_op(m)}\"{m.value}\": {metric.name} never has {m.name} "
                       f"{', '.join(repr(b) for b in bad)} (it has: {', '.join(known)})")


def rule_job(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    jobs = settings.jobs if settings is not None else {}
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        metric = _metric_of(catalog, vs)
        job = jobs.get(metric.source, "") if metric is not None else ""
        if not job:
            continue
        matchers = [m for m in _matchers(vs) if m.name == "job"]
        if not matchers:
            yield (f'{q.ref}: {series_names(vs)[0]} has no job="{job}" matcher: it also reads any other '
                   f"job's series of that name")
        for m in matchers:
            if _op(m) == "=" and m.value != job:
                yield f'{q.ref}: {series_names(vs)[0]} matches job="{m.value}", the settings say "{job}"'


def _range_arg(call):
    arg = _strip(call.args[0]) if call.args else None
    return arg if isinstance(arg, (pp.MatrixSelector, pp.SubqueryExpr)) else None


def rule_counter_rate(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for call in (n for n in tree.nodes if _func(n) in RANGE_FUNCTIONS):
        arg = _range_arg(call)
        if not isinstance(arg, pp.MatrixSelector):
            continue
        for name in series_names(arg.vector_selector):
            metric = catalog.by_series(name)
            if metric is not None and metric.kind == "gauge":
                yield (f"{q.ref}: {call.func.name}() over {name}, a gauge: {call.func.name} is for counters "
                       f"(show the gauge itself, or deriv()/delta())")


def rule_histogram_quantile(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for call in (n for n in tree.nodes if _func(n) == "histogram_quantile"):
        if len(call.args) < 2:
            continue
        inner = _strip(call.args[1])
        selectors = [n for n in walk(inner) if isinstance(n, pp.VectorSelector)]
        for vs in selectors:
            for name in series_names(vs):
                metric = catalog.by_series(name)
                if metric is not None and not (metric.kind == "histogram" and name.endswith("_bucket")):
                    yield f"{q.ref}: histogram_quantile over {name}: it needs a histogram's _bucket series"
        agg = inner if isinstance(inner, pp.AggregateExpr) else None
        mod = agg.modifier if agg is not None else None
        has_le = mod is not None and (("le" in mod.labels) == str(mod.type).endswith("By"))
        if agg is None or str(agg.op) != "sum" or not has_le:
            yield (f"{q.ref}: histogram_quantile needs its buckets summed by (le, ...): "
                   f"histogram_quantile(q, sum by (le, ...) (rate(x_bucket[$__rate_interval])))")
        wrapped = {id(n.vector_selector) for n in walk(inner) if isinstance(n, pp.MatrixSelector)}
        if any(id(vs) not in wrapped for vs in selectors):
            yield (f"{q.ref}: histogram_quantile over raw bucket counters: take rate(...[$__rate_interval]) of "
                   f"the buckets first (raw counts give the quantile since the process started)")


def _window(node) -> str:
    seconds = round(node.range.total_seconds(), 3)
    return WINDOW_NAMES.get(seconds) or pp.display_duration(node.range)


def rule_rate_interval(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for call in (n for n in tree.nodes if _func(n) in RANGE_FUNCTIONS):
        arg = _range_arg(call)
        if arg is None:
            continue
        window = _window(arg)
        allowed = ("$__rate_interval", "$__range") if call.func.name == "increase" else ("$__rate_interval",)
        if window not in allowed:
            yield (f"{q.ref}: {call.func.name}(...[{window}]): use [{' or '.join(allowed)}], right at any zoom "
                   f"and scrape interval")


def rule_ratio_clamp(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for div in (n for n in tree.nodes if isinstance(n, pp.BinaryExpr) and str(n.op) == "/"):
        for call in (n for n in walk(div.rhs) if _func(n) == "clamp_min"):
            low = _strip(call.args[1]) if len(call.args) > 1 else None
            if isinstance(low, pp.NumberLiteral) and low.val > 0:
                yield (f"{q.ref}: a ratio divided by clamp_min(..., {low.val:g}): under {low.val:g}/s it "
                       f"under-reports (0.1 of 0.1 req/s failing shows as 10%); use (part or whole * 0) / whole")


def _is_multi(var: dict) -> bool:
    return bool(var.get("multi") or var.get("includeAll"))


def rule_variables(q: Query, tree, catalog: Catalog, settings) -> Iterator[tuple[str, str]]:
    """(rule, message): matchers on undefined variables, `=` on multi-value ones."""
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        for m in _matchers(vs):
            for name in gv.names(m.value):
                if name.startswith("__"):
                    continue
                var = q.variables.get(name)
                text = f'{m.name}{_op(m)}"{m.value}"'
                if var is None:
                    yield ("unknown-variable", f"{q.ref}: {text}: the dashboard has no variable {name!r}, "
                                               f"so the matcher never matches")
                elif _op(m) in ("=", "!=") and _is_multi(var):
                    yield ("multi-value-matcher", f"{q.ref}: {text}: ${name} is multi-value (or All); "
                                                  f"use {'=~' if _op(m) == '=' else '!~'} so several values "
                                                  f"match")
    for is_string, text in gv.split_strings(q.expr):
        if is_string:
            continue
        for name in gv.names(text):
            if not name.startswith("__") and name not in q.variables:
                yield ("unknown-variable", f"{q.ref}: ${name}: the dashboard has no variable {name!r}")


QUERY_RULES: tuple[tuple[str, Callable], ...] = (
    ("unknown-metric", rule_unknown_metric), ("unknown-label", rule_unknown_label),
    ("unknown-value", rule_unknown_value), ("job", rule_job), ("counter-rate", rule_counter_rate),
    ("histogram-quantile", rule_histogram_quantile), ("rate-interval", rule_rate_interval),
    ("ratio-clamp", rule_ratio_clamp), ("", rule_variables),
)


def lint_query(q: Query, catalog: Catalog, settings) -> list[Finding]:
    try:
        root = parse(q.expr)
        tree = Parsed(root, tuple(walk(root)))
    except ValueError as exc:
        return [Finding(q.dashboard, q.panel, "syntax", f"{q.ref}: {exc}: {q.expr}")]
    out = []
    for rule, fn in QUERY_RULES:
        for item in fn(q, tree, catalog, settings):
            r, message = item if isinstance(item, tuple) else (rule, item)
            out.append(Finding(q.dashboard, q.panel, r, message))
    return out


# --- the dashboard model --------------------------------------------------------------------
def iter_panels(model: dict) -> Iterator[dict]:
    for p in model.get("panels", []):
        yield p
        yield from p.get("panels", []) or []


def variables(model: dict) -> dict:
    return {v.get("name"): v for v in (model.get("templating") or {}).get("list", [])}


LABEL_VALUES = re.compile(r"^\s*label_values\((.*?)(?:,\s*([a-zA-Z_][a-zA-Z0-9_]*))?\s*\)\s*$", re.S)


def rule_variable_queries(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    for var in variables(c.model).values():
        if var.get("type") != "query":
            continue
        query = var.get("query")
        definition = query.get("query", "") if isinstance(query, dict) else (query or var.get("definition", ""))
        m = LABEL_VALUES.match(definition or "")
        if not m or not m.group(2):
            continue
        where = f"variable {var.get('name')}"
        try:
            vs = _strip(parse(m.group(1)))
        except ValueError as exc:
            yield Finding(c.uid, "", "variable-query", f"{where}: {exc}: {definition}")
            continue
        names = series_names(vs) if isinstance(vs, pp.VectorSelector) else []
        for name in names:
            labels = series_labels(catalog, name)
            if labels is None:
                yield Finding(c.uid, "", "variable-query", f"{where}: unknown metric {name}: the variable has "
                                                           f"no values")
            elif m.group(2) not in labels:
                yield Finding(c.uid, "", "variable-query", f"{where}: {name} has no label {m.group(2)!r}: the "
                                                           f"variable has no values")


def rule_datasource(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    vars_ = variables(c.model)
    ds = vars_.get("datasource")
    if ds is None or ds.get("type") != "datasource":
        yield Finding(c.uid, "", "datasource", "no `datasource` variable of type datasource: the dashboard "
                                               "cannot be pointed at another Prometheus")

    def bound(obj) -> bool:
        d = obj.get("datasource")
        uid = d.get("uid") if isinstance(d, dict) else d
        return uid in DATASOURCE_VARS

    for p in iter_panels(c.model):
        targets = p.get("targets") or []
        if not targets:
            continue
        if not bound(p):
            yield Finding(c.uid, p.get("title", ""), "datasource",
                          f"panel datasource {p.get('datasource')!r} is not the ${{datasource}} variable")
        for t in targets:
            if "datasource" in t and not bound(t):
                yield Finding(c.uid, p.get("title", ""), "datasource",
                              f"{t.get('refId', '?')}: datasource {t.get('datasource')!r} is not the "
                              f"${{datasource}} variable")
    for name, var in vars_.items():
        if var.get("type") == "query" and not bound(var):
            yield Finding(c.uid, "", "datasource", f"variable {name}: datasource {var.get('datasource')!r} is "
                                                   f"not the ${{datasource}} variable")


def rule_unit(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    for p in iter_panels(c.model):
        if p.get("type") in ("row", "text") or not p.get("targets"):
            continue
        unit = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        if not unit:
            yield Finding(c.uid, p.get("title", ""), "unit", "no unit: set fieldConfig.defaults.unit (s, reqps, "
                                                             "percentunit, ...)")


def _overlaps(c: Compiled, panels: list[dict]) -> Iterator[Finding]:
    taken: dict[tuple[int, int], str] = {}
    for p in panels:
        g = p.get("gridPos") or {}
        x, y, w, h = (int(g.get(k, 0) or 0) for k in ("x", "y", "w", "h"))
        title = p.get("title", "")
        if w < 1 or h < 1 or x < 0 or x + w > GRID_COLUMNS:
            yield Finding(c.uid, title, "overlap", f"gridPos x={x} w={w} h={h} is outside the 24-column grid")
            continue
        hit = next((taken[(i, j)] for j in range(y, y + h) for i in range(x, x + w) if (i, j) in taken), None)
        if hit is not None:
            yield Finding(c.uid, title, "overlap", f"gridPos x={x} y={y} w={w} h={h} overlaps panel {hit!r}")
        for j in range(y, y + h):
            for i in range(x, x + w):
                taken.setdefault((i, j), title)


def rule_overlap(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    top = c.model.get("panels", [])
    yield from _overlaps(c, top)
    for row in top:
        if row.get("type") == "row" and row.get("panels"):
            yield from _overlaps(c, row["panels"])


def rule_panel_titles(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    seen: set[str] = set()
    for p in iter_panels(c.model):
        if p.get("type") == "row":
            continue
        title = (p.get("title") or "").strip()
        if not title:
            yield Finding(c.uid, "", "panel-title", f"panel id {p.get('id')} has no title")
        elif title in seen:
            yield Finding(c.uid, title, "panel-title", "another panel of this dashboard has the same title")
        seen.add(title)


def rule_uid(c: Compiled, catalog: Catalog, settings) -> Iterator[Finding]:
    uid = c.model.get("uid")
    if not isinstance(uid, str) or not UID.match(uid):
        yield Finding(c.uid or str(uid), "", "uid", f"uid {uid!r} must be 1 to 40 characters of [A-Za-z0-9_-] "
                                                    f"(Grafana refuses others)")


DASHBOARD_RULES = (rule_variable_queries, rule_datasource, rule_unit, rule_overlap, rule_panel_titles, rule_uid)


def queries(c: Compiled) -> Iterator[Query]:
    vars_ = variables(c.model)
    for p in iter_panels(c.model):
        for t in p.get("targets") or []:
            expr = t.get("expr")
            if isinstance(expr, str) and expr.strip():
                yield Query(c.uid, p.get("title", ""), t.get("refId", "?"), expr, vars_)


def lint_dashboard(c: Compiled, catalog: Catalog, settings) -> list[Finding]:
    out: list[Finding] = []
    for q in queries(c):
        out.extend(lint_query(q, catalog, settings))
    for rule in DASHBOARD_RULES:
        out.extend(rule(c, catalog, settings))
    return out


def across(compiled: list[Compiled]) -> Iterator[tuple[int, Finding]]:
    """Rules over the whole set: uids and titles unique; (index of the dashboard at fault, finding)."""
    uids: dict[str, Compiled] = {}
    titles: dict[str, str] = {}
    for i, c in enumerate(compiled):
        if c.uid in uids:
            first = uids[c.uid]
            where = f" in {first.source}" if first.source else ""
            yield i, Finding(c.uid, "", "duplicate-uid", f"uid also used by {first.title!r}{where}")
        uids.setdefault(c.uid, c)
        if c.title in titles:
            yield i, Finding(c.uid, "", "duplicate-title", f"title {c.title!r} is also the title of {titles[c.title]}")
        titles.setdefault(c.title, c.uid)


def suppress(c: Compiled, findings: list[Finding]) -> list[Finding]:
    """Drop findings a lint exception of the dashboard covers; report bad exceptions."""
    titles = {p.get("title", "") for p in iter_panels(c.model)}
    active, out = set(), []
    for entry in c.lint_exceptions:
        panel, rule, reason = (tuple(entry) + ("", "", ""))[:3]
        if rule not in RULES:
            out.append(Finding(c.uid, panel, "suppression", f"lint exception names unknown rule {rule!r} "
                                                            f"(rules: {', '.join(RULES)})"))
        elif panel and panel not in titles:
            out.append(Finding(c.uid, panel, "suppression", f"lint exception for {rule}: no panel has this title"))
        elif not str(reason).strip():
            out.append(Finding(c.uid, panel, "suppression", f"lint exception for {rule} has no reason: say why "
                                                            f"the finding is acceptable"))
        else:
            active.add((panel, rule))
    out.extend(f for f in findings if (f.panel, f.rule) not in active)
    return out


def lint(compiled_list: Iterable[Compiled], catalog: Catalog, settings=None) -> list[Finding]:
    """Every finding on these dashboards, in dashboard order (lint exceptions applied)."""
    compiled_list = list(compiled_list)
    out: list[Finding] = []
    shared = list(across(compiled_list))
    for i, c in enumerate(compiled_list):
        own = lint_dashboard(c, catalog, settings) + [f for j, f in shared if j == i]
        out.extend(suppress(c, own))
    return out
