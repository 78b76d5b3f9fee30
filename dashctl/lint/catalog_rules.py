"""Rules that check a query against the metric catalog and PromQL's own rules: the query reads
series that exist, with labels and values they have, through the right functions and windows."""

from __future__ import annotations

from typing import Iterator

import promql_parser as pp

from llm_gateway_dashboards.dashctl import grafana_vars as gv
from llm_gateway_dashboards.dashctl.lint.genai import UNSUFFIXED
from llm_gateway_dashboards.dashctl.lint.model import Query
from llm_gateway_dashboards.dashctl.lint.tree import (
    RANGE_FUNCTIONS,
    func,
    literal_values,
    matchers,
    metric_of,
    op,
    range_arg,
    series_labels,
    series_names,
    strip,
    walk,
    window,
)
from llm_gateway_dashboards.panels.catalog import Catalog


def rule_unknown_metric(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        for name in series_names(vs):
            if catalog.by_series(name) is not None or name in UNSUFFIXED:  # genai-unsuffixed names the fix
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
                for m in matchers(node):
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


def rule_unknown_value(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        metric = metric_of(catalog, vs)
        if metric is None:
            continue
        for m in matchers(vs):
            known = metric.known(m.name)
            bad = [v for v in literal_values(op(m), m.value) if known and v not in known]
            if bad:
                yield (f"{q.ref}: {m.name}{op(m)}\"{m.value}\": {metric.name} never has {m.name} "
                       f"{', '.join(repr(b) for b in bad)} (it has: {', '.join(known)})")


def rule_job(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    jobs = settings.jobs if settings is not None else {}
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        metric = metric_of(catalog, vs)
        job = jobs.get(metric.source, "") if metric is not None else ""
        if not job:
            continue
        found = [m for m in matchers(vs) if m.name == "job"]
        if not found and not series_names(vs)[0].startswith("process_"):  # process-job says it, with why
            yield (f'{q.ref}: {series_names(vs)[0]} has no job="{job}" matcher: it also reads any other '
                   f"job's series of that name")
        for m in found:
            if op(m) == "=" and m.value != job:
                yield f'{q.ref}: {series_names(vs)[0]} matches job="{m.value}", the settings say "{job}"'


def rule_counter_rate(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for call in (n for n in tree.nodes if func(n) in RANGE_FUNCTIONS):
        arg = range_arg(call)
        if not isinstance(arg, pp.MatrixSelector):
            continue
        for name in series_names(arg.vector_selector):
            metric = catalog.by_series(name)
            if metric is not None and metric.kind == "gauge":
                yield (f"{q.ref}: {call.func.name}() over {name}, a gauge: {call.func.name} is for counters "
                       f"(show the gauge itself, or deriv()/delta())")


def rule_histogram_quantile(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for call in (n for n in tree.nodes if func(n) == "histogram_quantile"):
        if len(call.args) < 2:
            continue
        inner = strip(call.args[1])
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


def rule_rate_interval(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for call in (n for n in tree.nodes if func(n) in RANGE_FUNCTIONS):
        arg = range_arg(call)
        if arg is None:
            continue
        used = window(arg)
        allowed = ("$__rate_interval", "$__range") if call.func.name == "increase" else ("$__rate_interval",)
        if used not in allowed:
            yield (f"{q.ref}: {call.func.name}(...[{used}]): use [{' or '.join(allowed)}], right at any zoom "
                   f"and scrape interval")


def rule_ratio_clamp(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for div in (n for n in tree.nodes if isinstance(n, pp.BinaryExpr) and str(n.op) == "/"):
        for call in (n for n in walk(div.rhs) if func(n) == "clamp_min"):
            low = strip(call.args[1]) if len(call.args) > 1 else None
            if isinstance(low, pp.NumberLiteral) and low.val > 0:
                yield (f"{q.ref}: a ratio divided by clamp_min(..., {low.val:g}): under {low.val:g}/s it "
                       f"under-reports (0.1 of 0.1 req/s failing shows as 10%); use (part or whole * 0) / whole")


def _is_multi(var: dict) -> bool:
    return bool(var.get("multi") or var.get("includeAll"))


def rule_variables(q: Query, tree, catalog: Catalog, settings) -> Iterator[tuple[str, str]]:
    """(rule, message): matchers on undefined variables, `=` on multi-value ones."""
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        for m in matchers(vs):
            for name in gv.names(m.value):
                if name.startswith("__"):
                    continue
                var = q.variables.get(name)
                text = f'{m.name}{op(m)}"{m.value}"'
                if var is None:
                    yield ("unknown-variable", f"{q.ref}: {text}: the dashboard has no variable {name!r}, "
                                               f"so the matcher never matches")
                elif op(m) in ("=", "!=") and _is_multi(var):
                    yield ("multi-value-matcher", f"{q.ref}: {text}: ${name} is multi-value (or All); "
                                                  f"use {'=~' if op(m) == '=' else '!~'} so several values "
                                                  f"match")
    for is_string, text in gv.split_strings(q.expr):
        if is_string:
            continue
        for name in gv.names(text):
            if not name.startswith("__") and name not in q.variables:
                yield ("unknown-variable", f"{q.ref}: ${name}: the dashboard has no variable {name!r}")
