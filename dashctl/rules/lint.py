"""Lint of the alerting and recording rules, run by `dashctl lint` and before `dashctl rules` writes.

The rendered expressions (what Prometheus loads) are parsed with the same PromQL parser as
the dashboards' queries and go through the same catalog rules (unknown metric, label,
value, job, rate on counters, histogram_quantile), plus rules of their own. Each finding
names the group (as `rules:<group>`) and the rule.
"""

from __future__ import annotations

import promql_parser as pp

from llm_gateway_dashboards.dashctl.lint import pending
from llm_gateway_dashboards.dashctl.lint.model import Finding, Query
from llm_gateway_dashboards.dashctl.lint.run import QUERY_RULES
from llm_gateway_dashboards.dashctl.lint.tree import Parsed, series_labels, series_names, walk
from llm_gateway_dashboards.dashctl.rules.build import group_dict, panel_ids, render_expr, rule_groups, rules_catalog
from llm_gateway_dashboards.panels.catalog import Catalog, default_catalog
from llm_gateway_dashboards.panels.rules.fields import seconds
from llm_gateway_dashboards.panels.rules.model import SEVERITIES, Alert, Group

CHECKS = {
    "alert-fields": "every alert has for, a severity, summary, description, runbook_url and its dashboard panel",
    "rule-window": "no range window shorter than 4 scrape intervals (setting alert_scrape_interval)",
    "ratio-guard": "an alert on a ratio also requires its denominator above a minimum rate (`and ... > min`)",
    "rule-labels": "the two sides of and/or/arithmetic carry the same labels, and a rule's series carry the labels "
                   "it declares",
}
# the catalog rules of dashboard queries that also hold for rules (not: Grafana's $__rate_interval, variables)
QUERY_CHECKS = tuple((name, fn) for name, fn in QUERY_RULES if name not in ("", "rate-interval"))
ANNOTATIONS = ("summary", "description", "runbook_url", "dashboard_uid", "panel_id", "dashboard_url")


def _strip(node):
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


class _Labels:
    """The labels an expression's series carry (None: cannot tell), and where two sides disagree."""

    def __init__(self, catalog: Catalog, recorded: dict[str, frozenset]):
        self.catalog, self.recorded = catalog, recorded
        self.mismatches: list[str] = []

    def of(self, node) -> frozenset | None:
        node = _strip(node)
        if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
            return frozenset()
        if isinstance(node, pp.VectorSelector):
            names = series_names(node)
            if len(names) != 1:
                return None
            if names[0] in self.recorded:
                return self.recorded[names[0]]
            return series_labels(self.catalog, names[0])
        if isinstance(node, pp.MatrixSelector):
            return self.of(node.vector_selector)
        if isinstance(node, pp.AggregateExpr):
            inner = self.of(node.expr)
            mod = node.modifier
            if mod is None:
                return frozenset()
            if str(mod.type).endswith("By"):
                return frozenset(mod.labels)
            return None if inner is None else inner - set(mod.labels)
        if isinstance(node, pp.Call):
            if node.func.name.startswith("absent") or not node.args:
                return None
            inner = self.of(next((a for a in node.args if not isinstance(_strip(a), pp.NumberLiteral)),
                                 node.args[0]))
            return inner - {"le"} if node.func.name == "histogram_quantile" and inner is not None else inner
        if isinstance(node, pp.BinaryExpr):
            lhs, rhs = self.of(node.lhs), self.of(node.rhs)
            if isinstance(_strip(node.lhs), pp.NumberLiteral):
                return rhs
            if isinstance(_strip(node.rhs), pp.NumberLiteral):
                return lhs
            if node.modifier is not None and (node.modifier.matching is not None or node.modifier.group_labels):
                return None  # explicit on/ignoring/group_*: the author chose the matching
            if lhs is not None and rhs is not None and lhs != rhs:
                self.mismatches.append(f"{node.op}: left side carries "
                                       f"({', '.join(sorted(lhs))}), right side ({', '.join(sorted(rhs))})")
            if str(node.op) == "or":
                return None if lhs is None or rhs is None else lhs | rhs
            return lhs
        return None


def _windows(tree) -> list[float]:
    out = []
    for n in tree.nodes:
        if isinstance(n, (pp.MatrixSelector, pp.SubqueryExpr)):
            out.append(n.range.total_seconds())
    return out


def _guarded(tree) -> bool:
    """`... and (x > number)`: the condition only holds where a denominator is above a minimum."""
    for n in tree.nodes:
        if isinstance(n, pp.BinaryExpr) and str(n.op) == "and":
            rhs = _strip(n.rhs)
            if isinstance(rhs, pp.BinaryExpr) and str(rhs.op) in (">", ">="):
                return True
    return False


def _is_division(node) -> bool:
    """A vector divided by a vector (a ratio), not a scaling by a number."""
    node = _strip(node)
    return (isinstance(node, pp.BinaryExpr) and str(node.op) == "/"
            and not any(isinstance(_strip(s), pp.NumberLiteral) for s in (node.lhs, node.rhs)))


def _reads_ratio(tree, ratios: set[str]) -> bool:
    return any((isinstance(n, pp.VectorSelector) and set(series_names(n)) & ratios) or _is_division(n)
               for n in tree.nodes)


def _alert_fields(rule: dict) -> list[str]:
    out = []
    if not rule.get("for") or seconds(rule["for"]) <= 0:
        out.append("no `for`: a single evaluation would page")
    if rule.get("labels", {}).get("severity") not in SEVERITIES:
        out.append(f"severity must be one of {', '.join(SEVERITIES)}")
    annotations = rule.get("annotations", {})
    out.extend(f"no {a} annotation" for a in ANNOTATIONS if not str(annotations.get(a, "")).strip())
    return out


def lint_groups(declared: tuple[Group, ...], rendered: list[dict], settings) -> list[Finding]:
    """Findings over the declared groups and their rendered form (one dict per group)."""
    catalog = rules_catalog(settings, declared)
    recorded = {r.record: frozenset(r.labels) for g in declared for r in g.records}
    ratios = {r.record for g in declared for r in g.records if _is_division(pp.parse(render_expr(r.expr, settings)))}
    min_window = 4 * seconds(settings.alert_scrape_interval)
    out: list[Finding] = []
    for g, doc in zip(declared, rendered, strict=True):
        where = f"rules:{g.name}"
        for rule, data in zip(g.rules, doc["rules"], strict=True):
            name = data.get("alert") or data.get("record")

            def finding(check: str, message: str, name=name, where=where) -> None:
                out.append(Finding(where, name, check, message))

            if "$__" in data["expr"]:
                finding("rule-window", "a Grafana interval ($__rate_interval, $__range) in a rule: Prometheus has "
                                       "none; give the expression a fixed window (panels.rules.model.windowed)")
                continue
            query = Query(where, name, "expr", data["expr"], {})
            try:
                root = pp.parse(data["expr"])
            except ValueError as exc:
                finding("syntax", f"{exc}: {data['expr']}")
                continue
            tree = Parsed(root, tuple(walk(root)))
            for check, fn in QUERY_CHECKS:
                for item in fn(query, tree, catalog, settings):
                    finding(*(item if isinstance(item, tuple) else (check, item)))
            for w in sorted(set(_windows(tree))):
                if w < min_window:
                    finding("rule-window", f"a [{w:g}s] window is shorter than 4 scrape intervals "
                                           f"({settings.alert_scrape_interval}): rate() sees too few samples")
            labels = _Labels(catalog, recorded)
            got = labels.of(root)
            for message in labels.mismatches:
                finding("rule-labels", message)
            if got is not None and got != frozenset(rule.labels):
                finding("rule-labels", f"its series carry ({', '.join(sorted(got))}), it declares "
                                       f"({', '.join(rule.labels)})")
            if isinstance(rule, Alert):
                for message in _alert_fields(data):
                    finding("alert-fields", message)
                if _reads_ratio(tree, ratios) and not _guarded(tree):
                    finding("ratio-guard", "a ratio with no minimum request rate: it fires on one failed request "
                                           "out of two; add `and <requests> > alert_min_request_rate`")
    return out


def dashboard_catalog(settings) -> Catalog:
    """What dashboard queries may read: the catalog, plus the recorded series when dashboards read them."""
    if getattr(settings, "dashboards_read_recording_rules", False):
        return rules_catalog(settings, rule_groups(settings))
    return default_catalog(settings.spanmetrics_namespace)


def lint_rules(settings, dashboards) -> list[Finding]:
    """Every finding on the rules these settings declare (dashboards: to resolve the alerts' panels)."""
    declared = rule_groups(settings)
    panels = panel_ids(dashboards)
    rendered = [group_dict(g, settings, panels) for g in declared]
    return [f for f in lint_groups(declared, rendered, settings) if not pending.covers(f)]
