"""Rules about what the sources really emit (metrics-reference.md, "Verified against the emitting
code"): label values and series that look like one thing and mean another.

- brightstaff counts every request without routing preferences as `selected_model="none",
  fallback="true"`; it only ever emits `route="llm"`; its `version` is the crate version;
  it exports no `process_*`, while the SDK's endpoint exports its own.
- the SDK's `status` is a free string, auto-instrumented `finish_reason` is the enum's
  string (`FinishReason.STOP`), and new exporters add `otel_scope_*` labels to every series.
"""

from __future__ import annotations

from typing import Iterator

import promql_parser as pp

from llm_gateway_dashboards.dashctl.lint.model import Query
from llm_gateway_dashboards.dashctl.lint.tree import (
    admits,
    is_by,
    matcher_admits,
    matchers,
    op,
    reads,
    selectors,
    series_names,
    strip,
)
from llm_gateway_dashboards.panels.catalog import Catalog

ROUTER_DECISIONS = "brightstaff_router_decisions_total"
BUILD_INFO = "brightstaff_build_info"
SDK_SOURCES = ("llm",)
FINISH_REASONS = ("stop", "length", "content_filter", "tool_calls")
WILDCARDS = ("", ".*", ".+")


def _text(m) -> str:
    return f'{m.name}{op(m)}"{m.value}"'


# --- brightstaff ----------------------------------------------------------------------------
def _router(vs) -> bool:
    return ROUTER_DECISIONS in series_names(vs)


def _fallbacks(vs) -> bool:
    """A selection of fallback decisions: fallback="true" in, "false" out."""
    return admits(vs, "fallback", "true") is True and admits(vs, "fallback", "false") is False


def rule_fallback_none(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if ROUTER_DECISIONS not in q.expr:  # cheap: most queries never name it
        return
    fix = ('select real routing decisions with selected_model!="none" (in the numerator and the denominator); '
           'router errors are selected_model="unknown"')
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector) and _router(n) and _fallbacks(n)):
        if admits(vs, "selected_model", "none") is True:
            yield (f'{q.ref}: fallback="true" includes selected_model="none": brightstaff counts every request '
                   f"of a gateway without routing preferences as a fallback (100% where nothing failed); {fix}")
            return
    for div in (n for n in tree.nodes if isinstance(n, pp.BinaryExpr) and str(n.op) == "/"):
        top = [vs for vs in selectors(div.lhs) if _router(vs) and _fallbacks(vs)]
        bottom = [vs for vs in selectors(div.rhs) if _router(vs)]
        if top and any(admits(vs, "selected_model", "none") is True for vs in bottom):
            yield (f'{q.ref}: a fallback ratio whose denominator includes selected_model="none" (requests '
                   f"without routing preferences, not routing decisions): {fix}")
            return


def rule_router_route(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if "route" not in q.expr:  # cheap: most queries never name it
        return
    def routed(metric, name):
        return metric.source == "brightstaff" and "route" in metric.labels

    for node in tree.nodes:
        if isinstance(node, pp.AggregateExpr) and is_by(node.modifier) and "route" in node.modifier.labels:
            if reads(node.expr, catalog, routed):
                yield (f"{q.ref}: {node.op} by ({', '.join(node.modifier.labels)}): brightstaff only ever emits "
                       f'route="llm", so splitting by route shows one series; drop route (tell /routing/* '
                       f"traffic apart with brightstaff_routing_service_requests_total or "
                       f"brightstaff_http_requests_total{{handler}})")
        elif isinstance(node, pp.VectorSelector) and reads(node, catalog, routed):
            for m in matchers(node):
                if m.name == "route" and matcher_admits(m, "llm") is False:
                    yield f'{q.ref}: {_text(m)}: brightstaff only ever emits route="llm", so this never matches'


def rule_build_version(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if "crate" in q.panel.lower() or BUILD_INFO not in q.expr:
        return
    root = strip(tree.root)
    shown = isinstance(root, pp.VectorSelector) and BUILD_INFO in series_names(root)
    for node in tree.nodes:
        if isinstance(node, pp.AggregateExpr) and is_by(node.modifier) and "version" in node.modifier.labels:
            shown = shown or any(BUILD_INFO in series_names(vs) for vs in selectors(node.expr))
    if shown:
        yield (f"{q.ref}: shows {BUILD_INFO}'s version label: that is the crate version (\"0.1.0\", never bumped "
               f'by releases; git_sha is "unknown" in published builds), not the Plano release; title the panel '
               f'"crate version" or drop the label, and never alert on it')


def rule_process_job(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    if "process_" not in q.expr:  # cheap: most queries never name it
        return
    job = (settings.jobs.get("brightstaff", "") if settings is not None else "") or "<the scrape job>"
    seen: set[str] = set()
    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector)):
        names = [n for n in series_names(vs) if n.startswith("process_")]
        pinned = any(m.name == "job" and (op(m) == "=" and m.value or op(m) == "=~" and m.value not in WILDCARDS)
                     for m in matchers(vs))
        if names and not pinned and names[0] not in seen:
            seen.add(names[0])
            yield (f"{q.ref}: {names[0]} without a job matcher: the LLM SDK's endpoint exports its own process_* "
                   f'series (its Python process), so this mixes processes; add job="{job}"')


# --- the LLM SDK ----------------------------------------------------------------------------
def _sdk(metric, name) -> bool:
    return metric.source in SDK_SOURCES


def _sdk_matchers(q: Query, tree, catalog: Catalog, label: str) -> Iterator:
    """The matchers on `label` of the query's selectors that read an SDK metric with that label."""
    if label not in q.expr:  # cheap: most queries never name it
        return

    def labelled(metric, name):
        return _sdk(metric, name) and label in metric.labels

    for vs in (n for n in tree.nodes if isinstance(n, pp.VectorSelector) and reads(n, catalog, labelled)):
        yield from (m for m in matchers(vs) if m.name == label)


def rule_sdk_error_status(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for m in _sdk_matchers(q, tree, catalog, "status"):
        success, error, other = (matcher_admits(m, v) for v in ("success", "error", "unknown"))
        if op(m) in ("=", "=~") and success is False and error and other is False:
            yield (f"{q.ref}: {_text(m)} misses the other failures: status is a free string (the REST API "
                   f'accepts any, a missing one becomes "unknown"); count errors as status!="success"')
        elif op(m) in ("!=", "!~") and success and error is False and other:
            yield (f'{q.ref}: {_text(m)} counts "unknown", "timeout" and any other failure string as a '
                   f'success: select successes with status="success", errors with status!="success"')


def rule_sdk_sum_without(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for node in tree.nodes:
        if not isinstance(node, pp.AggregateExpr) or node.modifier is None or is_by(node.modifier):
            continue
        sdk = reads(node.expr, catalog, _sdk)
        if sdk:
            metric = catalog.by_series(series_names(sdk[0])[0])
            keep = ", ".join(sorted(set(metric.labels) - set(node.modifier.labels)))
            yield (f"{q.ref}: {node.op} without ({', '.join(node.modifier.labels)}) over {metric.name}: the SDK's "
                   f"exporter (0.64b0 and later) adds otel_scope_name/version/schema_url to every series, which a "
                   f"fixed without list keeps, splitting the series; name the labels to keep: "
                   f"{node.op} by ({keep})")


def rule_finish_reason(q: Query, tree, catalog: Catalog, settings) -> Iterator[str]:
    for m in _sdk_matchers(q, tree, catalog, "finish_reason"):
        if any(matcher_admits(m, v) != matcher_admits(m, f"FinishReason.{v.upper()}") for v in FINISH_REASONS):
            yield (f"{q.ref}: {_text(m)}: auto-instrumented calls emit the enum's string "
                   f'(finish_reason="FinishReason.STOP"), the REST API the provider\'s own; match both '
                   f'spellings, e.g. finish_reason=~"(?i)(FinishReason\\\\.)?stop"')
