"""Rules for the OpenTelemetry GenAI source (metrics-reference.md, Source `otel-genai`) and for
histogram buckets in general.

- Each series carries the provider as gen_ai_provider_name (new attributes) or gen_ai_system (old):
  a query naming the other generation's label on a build for one generation matches nothing.
- A duration histogram without its unit suffix (`..._duration_bucket`) is the name of a translation
  the default exporters do not use (UnderscoreEscapingWithoutSuffixes, NoTranslation).
- rate() over a histogram's `_bucket` series gives one series per bucket: summed without `le`, it
  adds up every bucket (each observation counted once per bucket above it).
"""

from __future__ import annotations

import re
from typing import Iterator

import promql_parser as pp

from llm_gateway_dashboards.dashctl.lint.model import Query
from llm_gateway_dashboards.dashctl.lint.tree import (
    RANGE_FUNCTIONS,
    children,
    func,
    is_by,
    matchers,
    op,
    range_arg,
    series_names,
    strip,
)
from llm_gateway_dashboards.panels.catalog import GENAI_ATTRIBUTES, GENAI_PROVIDER, GENAI_UNSUFFIXED, Catalog

_SERIES = ("", "_bucket", "_sum", "_count")
UNSUFFIXED = {name + suffix: name for name in GENAI_UNSUFFIXED for suffix in _SERIES}
WILDCARDS = ("", ".*", ".+")


def _spellings(attribute: str) -> tuple[str, str]:
    return attribute, GENAI_ATTRIBUTES[attribute]


def _names_label(node, labels: tuple[str, ...]) -> bool:
    """The node names one of `labels` in a way that needs it: a matcher other than `=""`, a by/on list,
    or a label_replace argument."""
    if isinstance(node, pp.VectorSelector):
        return any(m.name in labels and not (op(m) == "=" and m.value == "") for m in matchers(node))
    if isinstance(node, pp.AggregateExpr) and node.modifier is not None:
        return is_by(node.modifier) and any(label in labels for label in node.modifier.labels)
    if func(node) == "label_replace":
        return any(isinstance(strip(a), pp.StringLiteral) and strip(a).val in labels for a in node.args[1:])
    if isinstance(node, pp.BinaryExpr) and node.modifier is not None and node.modifier.matching is not None:
        return any(label in labels for label in node.modifier.matching.labels)
    return False


def rule_genai_attributes(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    generation = getattr(settings, "genai_attributes", "new")
    if generation == "both" or "gen_ai" not in q.expr:  # cheap: most queries never name it
        return
    other = "old" if generation == "new" else "new"
    wrong, right = GENAI_PROVIDER[other], GENAI_PROVIDER[generation]
    if any(_names_label(n, _spellings(wrong)) for n in tree.nodes):
        yield (f'{q.ref}: names {wrong} on a build for the {generation} attribute generation '
               f'(genai_attributes="{generation}"): those series carry {right} instead, so this matches or groups '
               f'nothing; use {right}, or set genai_attributes="both" for a fleet that emits both')


def rule_genai_unsuffixed(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if "gen_ai" not in q.expr:
        return
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        for name in series_names(vs):
            base = UNSUFFIXED.get(name)
            if base is not None:
                fixed = name.replace(base, base + "_seconds", 1)
                yield (f"{q.ref}: {name} has no unit suffix: that is the name under UnderscoreEscapingWithoutSuffixes "
                       f"or NoTranslation; the OTel SDK exporter, the Collector and Prometheus' OTLP receiver by "
                       f"default write {fixed} (seconds); query that (with UTF-8 names: genai_names=\"utf8\")")


def _keeps_le(node) -> bool:
    """An aggregation that keeps `le`, or one that does not add buckets up (count, topk, ...)."""
    if str(node.op) not in ("sum", "avg"):
        return True
    mod = node.modifier
    return mod is not None and ("le" in mod.labels) == is_by(mod)


def _pinned_le(vs) -> bool:
    """The selector picks buckets by their bound (le="10", le=~"10(\\.0*)?"): one cumulative counter each."""
    return any(m.name == "le" and op(m) in ("=", "=~") and m.value not in WILDCARDS for m in matchers(vs))


def rule_bucket_rate(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if "_bucket" not in q.expr:  # cheap
        return
    stack = [(tree.root, None)]  # (node, whether the nearest enclosing aggregation keeps le)
    while stack:
        node, keeps = stack.pop()
        if isinstance(node, pp.AggregateExpr):
            keeps = _keeps_le(node)
        if func(node) == "histogram_quantile":
            continue  # the histogram-quantile rule says what is wrong inside it
        if func(node) in RANGE_FUNCTIONS:
            arg = range_arg(node)
            vs = arg.vector_selector if isinstance(arg, pp.MatrixSelector) else None
            names = [n for n in series_names(vs) if n.endswith("_bucket")] if vs is not None else []
            metric = catalog.by_series(names[0]) if names else None
            if metric is not None and metric.kind == "histogram" and not _pinned_le(vs) and keeps is not True:
                how = "without an aggregation" if keeps is None else "summed without le"
                yield (f"{q.ref}: {func(node)}() over {names[0]} {how}: one series per bucket, each cumulative, so "
                       f"a sum adds every observation once per bucket above it; sum by (le, ...) for a quantile "
                       f"or heatmap, or read {re.sub(r'_bucket$', '_count', names[0])} for a rate of observations")
        stack.extend((c, keeps) for c in children(node))
