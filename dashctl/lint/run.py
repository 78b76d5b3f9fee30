"""The rule set and the run: every query rule on every target, every dashboard rule on every
dashboard, the rules across dashboards, then each dashboard's lint exceptions."""

from __future__ import annotations

import functools
from typing import Callable, Iterable, Iterator

from llm_gateway_dashboards.dashctl.compile import Compiled
from llm_gateway_dashboards.dashctl.lint import board_rules as b
from llm_gateway_dashboards.dashctl.lint import catalog_rules as cr
from llm_gateway_dashboards.dashctl.lint import counting, emitted, genai, pending, quantile
from llm_gateway_dashboards.dashctl.lint.model import Finding, Query, iter_panels, queries
from llm_gateway_dashboards.dashctl.lint.tree import Parsed, parse, walk
from llm_gateway_dashboards.panels.catalog import Catalog

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
    # what the sources really emit (metrics-reference.md, "Verified against the emitting code")
    "or-overlap": "no `or` between aggregates over the same labels that read different series (it drops the right)",
    "raw-counter": "counters are read through rate/increase, never raw (they fall at every restart)",
    "prompt-cache-sum": 'brightstaff kind="prompt" and "cache_read" are not summed (prompt includes cached tokens)',
    "quantile-threshold": "a quantile panel's thresholds are within its histogram's top finite bucket",
    "fallback-none": 'fallback="true" ratios exclude selected_model="none" (no routing preferences)',
    "router-route": 'router panels are not split or filtered by route (only route="llm" is emitted)',
    "build-version": 'brightstaff_build_info version is shown as the "crate version", not a release',
    "process-job": "process_* series carry a job matcher (the SDK's endpoint exports its own)",
    "sdk-error-status": 'SDK errors are status!="success" (status is a free string)',
    "sdk-sum-without": "SDK metrics are aggregated by named labels, not without (exporters add otel_scope_*)",
    "finish-reason": 'finish_reason matchers match the enum spelling too ("FinishReason.STOP")',
    "genai-attributes": "a GenAI query names the provider label of the build's attribute generation "
                        "(gen_ai_provider_name: new, gen_ai_system: old)",
    "genai-unsuffixed": "GenAI duration histograms are read with their unit suffix (_seconds)",
    "bucket-rate": "rate/increase of a histogram's _bucket series is summed by (le, ...) (or picks one le)",
}


QUERY_RULES: tuple[tuple[str, Callable], ...] = (
    ("unknown-metric", cr.rule_unknown_metric), ("unknown-label", cr.rule_unknown_label),
    ("unknown-value", cr.rule_unknown_value), ("job", cr.rule_job), ("counter-rate", cr.rule_counter_rate),
    ("histogram-quantile", cr.rule_histogram_quantile), ("rate-interval", cr.rule_rate_interval),
    ("ratio-clamp", cr.rule_ratio_clamp), ("", cr.rule_variables),
    ("or-overlap", counting.rule_or_overlap), ("raw-counter", counting.rule_raw_counter),
    ("prompt-cache-sum", counting.rule_prompt_cache_sum), ("quantile-threshold", quantile.rule_quantile_threshold),
    ("fallback-none", emitted.rule_fallback_none), ("router-route", emitted.rule_router_route),
    ("build-version", emitted.rule_build_version), ("process-job", emitted.rule_process_job),
    ("sdk-error-status", emitted.rule_sdk_error_status), ("sdk-sum-without", emitted.rule_sdk_sum_without),
    ("finish-reason", emitted.rule_finish_reason),
    ("genai-attributes", genai.rule_genai_attributes), ("genai-unsuffixed", genai.rule_genai_unsuffixed),
    ("bucket-rate", genai.rule_bucket_rate),
)


@functools.lru_cache(maxsize=4096)
def _parsed(expr: str) -> tuple:
    """(root, every node) of a query; the same query text on many panels and dashboards (one
    factory, many dashboards) is parsed once. Raises ValueError (not cached)."""
    root = parse(expr)
    return root, tuple(walk(root))


def lint_query(q: Query, catalog: Catalog, settings) -> list[Finding]:
    try:
        tree = Parsed(*_parsed(q.expr))
    except ValueError as exc:
        return [Finding(q.dashboard, q.panel, "syntax", f"{q.ref}: {exc}: {q.expr}")]
    out = []
    for rule, fn in QUERY_RULES:
        for item in fn(q, tree, catalog, settings):
            r, message = item if isinstance(item, tuple) else (rule, item)
            finding = Finding(q.dashboard, q.panel, r, message)
            if finding not in out:  # one finding per target, however many nodes show it
                out.append(finding)
    return out


DASHBOARD_RULES = (b.rule_variable_queries, b.rule_datasource, b.rule_unit, b.rule_overlap, b.rule_panel_titles,
                   b.rule_uid)


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
        out.extend(f for f in suppress(c, own) if not pending.covers(f))
    return out
