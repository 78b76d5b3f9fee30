"""Rules about counting each thing once: `or` that drops a side, raw counters, cached tokens twice.

Each is a query that shows a number and a wrong one (metrics-reference.md, "Verified against
the emitting code"): `a or b` keeps a's value wherever both have a series, a counter falls to
0 when its process restarts, and an OpenAI-convention `prompt` count already includes
`cache_read`.
"""

from __future__ import annotations

from typing import Iterator

import promql_parser as pp

from llm_gateway_dashboards.dashctl.lint.model import Query
from llm_gateway_dashboards.dashctl.lint.tree import (
    RANGE_FUNCTIONS,
    admits,
    children,
    func,
    literal_values,
    matchers,
    op,
    selectors,
    series_names,
    strip,
)
from llm_gateway_dashboards.panels.catalog import Catalog


# --- `or` between aggregates ----------------------------------------------------------------
def _is_fill(node) -> bool:
    """The right side of `(part or whole * 0)` or `x or vector(0)`: zeros that only fill gaps."""
    node = strip(node)
    if not selectors(node):
        return True
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "*":
        return any(isinstance(strip(s), pp.NumberLiteral) and strip(s).val == 0 for s in (node.lhs, node.rhs))
    return False


def _matching_keys(node, left: frozenset) -> frozenset:
    """The labels `or` compares series on: on (...), all but ignoring (...), or all of them."""
    matching = node.modifier.matching if node.modifier is not None else None
    if matching is None:
        return left
    if str(matching.type).endswith("Include"):
        return frozenset(matching.labels)
    return left - set(matching.labels)


def _matcher_text(m) -> str:
    return f'{m.name}{op(m)}"{m.value}"'


def _hidden(side, keys: frozenset) -> frozenset:
    """What a side reads beyond its output labels: each selector's series and its matchers on
    labels that were aggregated away. Two sides that read the same have equal values per series."""
    return frozenset((tuple(series_names(vs)) or (str(vs),),
                      frozenset(_matcher_text(m) for m in matchers(vs) if m.name not in keys | {"__name__"}))
                     for vs in selectors(side))


def _differs(left: frozenset, right: frozenset) -> str:
    """What the two sides read differently: the series names, else the matchers."""
    names_left, names_right = {n for n, _ in left}, {n for n, _ in right}
    if names_left != names_right:
        lo, ro = names_left - names_right, names_right - names_left
        return f"left reads {', '.join(sorted('/'.join(n) for n in lo)) or 'the same'}, right reads " \
               f"{', '.join(sorted('/'.join(n) for n in ro)) or 'the same'}"
    ms_left = {m for _, ms in left for m in ms}
    ms_right = {m for _, ms in right for m in ms}
    return (f"left reads {{{', '.join(sorted(ms_left - ms_right))}}}, "
            f"right reads {{{', '.join(sorted(ms_right - ms_left))}}}")


def _aggregated(node, out: set) -> bool:
    """Whether node has an aggregation inside; adds the id of each node that has one to out."""
    inner = [_aggregated(c, out) for c in children(node)]  # every child, so out covers the whole tree
    found = isinstance(node, pp.AggregateExpr) or any(inner)
    if found:
        out.add(id(node))
    return found


def rule_or_overlap(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    ors = [n for n in tree.nodes if isinstance(n, pp.BinaryExpr) and str(n.op) == "or"]
    aggregated: set[int] = set()
    if ors:
        _aggregated(tree.root, aggregated)
    for node in ors:
        lhs, rhs = strip(node.lhs), strip(node.rhs)
        if _is_fill(rhs) or id(lhs) not in aggregated or id(rhs) not in aggregated:
            continue
        left, right = tree.out_labels(lhs, catalog), tree.out_labels(rhs, catalog)
        if left is None or right is None or left != right:
            continue
        keys = _matching_keys(node, left)
        hidden_left, hidden_right = _hidden(lhs, keys), _hidden(rhs, keys)
        if hidden_left == hidden_right:
            continue
        by = f"by ({', '.join(sorted(keys))})" if keys else "without labels"
        yield (f"{q.ref}: `or` between two aggregates {by} ({_differs(hidden_left, hidden_right)}): where both "
               f"sides have a series for the same labels, `or` keeps the left value and drops the right one "
               f"(a failure counted only on the right vanishes); add disjoint selections with `+`, or put the "
               f"`or` inside the aggregation, over the raw series: sum by (...) (rate(a[...]) or rate(b[...]))")


# --- raw counters ---------------------------------------------------------------------------
COUNTING_FUNCTIONS = RANGE_FUNCTIONS + ("resets", "changes")  # read a counter across its resets
PRESENCE_FUNCTIONS = ("absent", "absent_over_time", "present_over_time", "timestamp")  # value unused
PRESENCE_AGGREGATES = ("count", "group", "count_values")


def _raw(node, catalog: Catalog, counted: bool = False) -> Iterator:
    """Counter selectors whose value is shown without rate/increase."""
    if isinstance(node, pp.VectorSelector):
        metrics = [catalog.by_series(n) for n in series_names(node)]
        if not counted and any(m is not None and m.kind in ("counter", "histogram") for m in metrics):
            yield node
        return
    name = func(node)
    if name in PRESENCE_FUNCTIONS or name == "histogram_quantile":  # the latter has its own rule
        return
    if isinstance(node, pp.AggregateExpr) and str(node.op) in PRESENCE_AGGREGATES:
        return
    if isinstance(node, pp.BinaryExpr) and str(node.op) in ("and", "unless"):  # the right side only filters
        # `x unless x offset w`: series born inside the window, whose raw value is all they grew
        born = {n for vs in selectors(node.rhs) if vs.offset or vs.at for n in series_names(vs)} \
            if str(node.op) == "unless" else set()
        yield from (vs for vs in _raw(node.lhs, catalog, counted) if not born & set(series_names(vs)))
        return
    for child in children(node):
        yield from _raw(child, catalog, counted or name in COUNTING_FUNCTIONS)


def rule_raw_counter(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    seen: set[str] = set()
    for vs in _raw(tree.root, catalog):
        name = series_names(vs)[0]
        if name in seen:
            continue
        seen.add(name)
        yield (f"{q.ref}: {name} is a counter read raw (no rate/increase): it restarts at 0 with its process, so "
               f"a sum or cumulative line built on it falls at every restart; use increase({name}[$__range]) "
               f"for a count over the range, rate({name}[$__rate_interval]) for a rate")


# --- prompt + cache_read --------------------------------------------------------------------
TOKENS = "brightstaff_llm_tokens_total"
# Providers whose `prompt` excludes cached tokens (Anthropic's input_tokens); every other provider
# follows OpenAI, whose prompt_tokens include them (metrics-reference.md, token `kind` row). The
# setting `prompt_excludes_cache` (branch `panels`) overrides it when the settings have it.
PROMPT_EXCLUDES_CACHE = ("anthropic",)


def _terms(node, sign: int, out: list) -> None:
    """(token selector, +1/-1) of the sum an expression computes; denominators are their own scope."""
    node = strip(node)
    if isinstance(node, pp.VectorSelector):
        if TOKENS in series_names(node):
            out.append((node, sign))
        return
    if isinstance(node, pp.UnaryExpr):
        _terms(node.expr, -sign, out)
        return
    if isinstance(node, pp.BinaryExpr):
        o = str(node.op)
        if o in ("*", "/"):  # a negative factor subtracts (x * -1), a zero one adds nothing (whole * 0)
            sign *= _sign(node.rhs) * (_sign(node.lhs) if o == "*" else 1)
            if sign == 0:
                return
        _terms(node.lhs, sign, out)
        if o in ("+", "or", "*"):
            _terms(node.rhs, sign, out)
        elif o == "-":
            _terms(node.rhs, -sign, out)
        return
    for child in children(node):
        _terms(child, sign, out)


def _sign(node) -> int:
    """The sign of a number literal (-1, 0, 1); 1 for anything else."""
    node = strip(node)
    if isinstance(node, pp.UnaryExpr):
        return -_sign(node.expr) if isinstance(strip(node.expr), pp.NumberLiteral) else 1
    if isinstance(node, pp.NumberLiteral):
        return (node.val > 0) - (node.val < 0)
    return 1


def _values(vs) -> dict[str, set[str]]:
    """Label -> the literal values a selector is limited to (labels with `=` or a plain `=~` list)."""
    out: dict[str, set[str]] = {}
    for m in matchers(vs):
        values = literal_values(op(m), m.value)
        if values and m.name not in ("kind", "__name__"):
            out[m.name] = out.get(m.name, set(values)) & set(values)
    return out


def _compatible(a, b) -> bool:
    """Whether two selectors can read the same provider and model."""
    va, vb = _values(a), _values(b)
    return all(va[k] & vb[k] for k in va.keys() & vb.keys())


def _excludes_cache(vs, exclusive: tuple[str, ...]) -> bool:
    """Whether a selector reads only providers whose prompt excludes the cached tokens."""
    provider = _values(vs).get("provider")
    return bool(provider) and provider <= set(exclusive)


def _double_counts(scope, tree, catalog: Catalog, exclusive: tuple[str, ...]) -> bool:
    labels = tree.out_labels(scope, catalog)
    if labels is None or "kind" in labels:
        return False
    terms: list = []
    _terms(scope, 1, terms)
    openai = [(vs, s) for vs, s in terms if not _excludes_cache(vs, exclusive)]
    prompt = [vs for vs, s in openai if s > 0 and admits(vs, "kind", "prompt")]
    cached = [vs for vs, s in openai if s > 0 and admits(vs, "kind", "cache_read")]
    taken = [vs for vs, s in openai if s < 0 and admits(vs, "kind", "cache_read")]
    return any(_compatible(p, c) and not any(_compatible(p, t) for t in taken) for p in prompt for c in cached)


def rule_prompt_cache_sum(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if TOKENS not in q.expr:
        return
    exclusive = tuple(getattr(settings, "prompt_excludes_cache", PROMPT_EXCLUDES_CACHE))
    scopes = [tree.root] + [n for n in tree.nodes if isinstance(n, pp.AggregateExpr)]
    scopes += [n.rhs for n in tree.nodes if isinstance(n, pp.BinaryExpr) and str(n.op) == "/"]
    if any(_double_counts(scope, tree, catalog, exclusive) for scope in scopes):
        yield (f'{q.ref}: {TOKENS} kind="prompt" and kind="cache_read" summed: for OpenAI-convention '
               f"providers prompt already includes the cached tokens, so they count twice; uncached input is "
               f"prompt - cache_read (prompt alone for {', '.join(exclusive) or 'none'}), or keep kinds apart "
               f"with sum by (kind)")
