"""A quantile cannot read beyond its histogram's top finite bucket: observations above it land
in `+Inf`, and histogram_quantile returns the top bound for them. A threshold above that bound
is never reached, so the panel stays green while every call is slower (the catalog's buckets).
"""

from __future__ import annotations

import math
from typing import Iterator

import promql_parser as pp

from llm_gateway_dashboards.dashctl.lint.model import Query
from llm_gateway_dashboards.dashctl.lint.tree import children, func, selectors, series_names, strip
from llm_gateway_dashboards.panels.catalog import Catalog


def _scales(node, factor: float = 1.0) -> Iterator[tuple[object, float]]:
    """(histogram_quantile call, the factor its value is multiplied by on the way to the panel)."""
    node = strip(node)
    if func(node) == "histogram_quantile":
        yield node, factor
        return
    if isinstance(node, pp.BinaryExpr) and str(node.op) in ("*", "/"):
        lhs, rhs = strip(node.lhs), strip(node.rhs)
        if isinstance(rhs, pp.NumberLiteral) and rhs.val:
            yield from _scales(lhs, factor * rhs.val if str(node.op) == "*" else factor / rhs.val)
            return
        if isinstance(lhs, pp.NumberLiteral) and str(node.op) == "*":
            yield from _scales(rhs, factor * lhs.val)
            return
    for child in children(node):
        yield from _scales(child, factor)


def _top_bucket(call, catalog: Catalog):
    """(metric, its top finite bucket) read by a histogram_quantile call, or None."""
    if len(call.args) < 2:
        return None
    for vs in selectors(call.args[1]):
        for name in series_names(vs):
            metric = catalog.by_series(name)
            finite = [b for b in (metric.buckets if metric is not None else ()) if math.isfinite(b)]
            if finite and name.endswith("_bucket"):
                return metric, max(finite)
    return None


def rule_quantile_threshold(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if not q.thresholds:
        return
    for call, factor in _scales(tree.root):
        found = _top_bucket(call, catalog)
        if found is None:
            continue
        metric, top = found
        ceiling = top * factor
        above = [t for t in q.thresholds if t > ceiling * (1 + 1e-9)]
        if not above:
            continue
        level = strip(call.args[0])
        which = f"p{level.val * 100:g}" if isinstance(level, pp.NumberLiteral) else "the quantile"
        yield (f"{q.ref}: {which} of {metric.name} cannot read above its top finite bucket (le=\"{top:g}\", "
               f"{ceiling:g} on this panel): the threshold {', '.join(f'{t:g}' for t in above)} is never reached; "
               f"lower it to at most {ceiling:g}, or show the share of observations above the top bucket "
               f"({metric.name}_count minus its top finite bucket, over _count)")
