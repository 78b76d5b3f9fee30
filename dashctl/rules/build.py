"""Rule groups -> Prometheus rule files or PrometheusRule objects.

Each group of `panels.rules.groups` becomes one file `<group>.yaml`: a Prometheus rule file
(`groups:` with one group, its `interval`) or a Kubernetes `PrometheusRule`
(monitoring.coreos.com/v1) holding the same group for the Prometheus Operator. Every
expression is checked against the metric catalog (plus the recorded series and `up`)
before anything is written, and every alert's dashboard panel is looked up in the built
dashboards, so a notification links to a panel that exists. Output is deterministic.
"""

from __future__ import annotations

from typing import Iterable

import yaml

from llm_gateway_dashboards.dashctl.errors import ConfigError, DashctlError
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import Catalog, Source, default_catalog
from llm_gateway_dashboards.panels.rules.groups import SCRAPE, groups
from llm_gateway_dashboards.panels.rules.model import SOURCE, Alert, Group, Record

FORMATS = ("prometheus", "prometheusrule")
API_VERSION = "monitoring.coreos.com/v1"


class RuleError(DashctlError):
    """A rule that cannot be built: names the group and the rule."""

    def __init__(self, message: str, *, group: str = "", rule: str = ""):
        self.group, self.rule = group, rule
        where = ", ".join(x for x in (f"rule group {group}" if group else "", f"rule {rule}" if rule else "") if x)
        super().__init__(f"{where}: {message}" if where else message)


def name_of(rule: Record | Alert) -> str:
    return rule.record if isinstance(rule, Record) else rule.alert


def rule_groups(settings) -> tuple[Group, ...]:
    """The declared groups; a setting they cannot work with is a ConfigError (exit 2)."""
    try:
        return groups(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def rules_catalog(settings, declared: Iterable[Group]) -> Catalog:
    """The metric catalog plus what rules may also read: recorded series and Prometheus' `up`."""
    recorded = Source(SOURCE, "series recorded by our recording rules",
                      [r.metric for g in declared for r in g.records])
    return Catalog([*default_catalog(settings.spanmetrics_namespace).sources, SCRAPE, recorded])


def check(declared: Iterable[Group], catalog: Catalog) -> None:
    """Every metric and label a rule names exists; names are unique. Raises RuleError naming the rule."""
    seen: dict[str, str] = {}
    for g in declared:
        for rule in g.rules:
            name = name_of(rule)
            key = f"{type(rule).__name__}:{name}"
            if key in seen and isinstance(rule, Record):
                raise RuleError(f"recorded twice (also in group {seen[key]})", group=g.name, rule=name)
            seen.setdefault(key, g.name)
            for metric, labels in rule.expr.refs():
                if not catalog.knows(metric):
                    raise RuleError(f"unknown metric {metric.name}: not in the metric catalog", group=g.name, rule=name)
                for lab in labels:
                    if lab not in metric.all_labels:
                        raise RuleError(f"{metric.name} has no label {lab!r} (its labels: "
                                        f"{', '.join(metric.all_labels)})", group=g.name, rule=name)


def panel_ids(dashboards) -> dict[str, dict[str, int]]:
    """uid -> panel title -> panel id, from compiled dashboards (rows' children included)."""
    out: dict[str, dict[str, int]] = {}
    for d in dashboards:
        titles = out.setdefault(d.uid, {})
        for p in d.model.get("panels", []):
            for panel in (p, *(p.get("panels") or [])):
                if panel.get("type") != "row":
                    titles.setdefault(panel.get("title", ""), panel.get("id"))
    return out


def render_expr(expr: q.Expr, settings) -> str:
    return expr.render(q.Context(jobs=settings.jobs, unbound=True))


def rule_dict(rule: Record | Alert, group: str, settings, panels: dict[str, dict[str, int]]) -> dict:
    if isinstance(rule, Record):
        return {"record": rule.record, "expr": render_expr(rule.expr, settings)}
    board = panels.get(rule.dashboard)
    if board is None:
        raise RuleError(f"links to dashboard {rule.dashboard!r}, which no dashboard module builds", group=group,
                        rule=rule.alert)
    panel_id = board.get(rule.panel)
    if panel_id is None:
        raise RuleError(f"links to panel {rule.panel!r}, which dashboard {rule.dashboard} does not have",
                        group=group, rule=rule.alert)
    base = settings.alert_grafana_url.rstrip("/")
    return {
        "alert": rule.alert,
        "expr": render_expr(rule.expr, settings),
        "for": rule.for_,
        "labels": {"severity": rule.severity},
        "annotations": {
            "summary": rule.summary,
            "description": rule.description,
            "runbook_url": f"{settings.alert_runbook_url}#{rule.alert.lower()}",
            "dashboard_uid": rule.dashboard,
            "panel_id": str(panel_id),
            "dashboard_url": f"{base}/d/{rule.dashboard}?viewPanel={panel_id}",
        },
    }


def group_dict(g: Group, settings, panels) -> dict:
    return {"name": g.name, "interval": g.interval, "rules": [rule_dict(r, g.name, settings, panels) for r in g.rules]}


def dump(doc: dict) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=10_000).encode()


def prometheus_rule(group: dict) -> dict:
    """A PrometheusRule object holding one group (metadata.name: a DNS-1123 name)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "PrometheusRule",
        "metadata": {"name": f"llm-gateway-{group['name']}",
                     "labels": {"app.kubernetes.io/part-of": "llm-gateway", "role": "alert-rules"}},
        "spec": {"groups": [group]},
    }


def rule_files(settings, dashboards, fmt: str = "prometheus") -> dict[str, bytes]:
    """{`<group>.yaml`: bytes} for every group, checked; raises RuleError or ConfigError."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown rules format {fmt!r} (known: {', '.join(FORMATS)})")
    declared = rule_groups(settings)
    check(declared, rules_catalog(settings, declared))
    panels = panel_ids(dashboards)
    out = {}
    for g in declared:
        doc = group_dict(g, settings, panels)
        out[f"{g.name}.yaml"] = dump(prometheus_rule(doc) if fmt == "prometheusrule" else {"groups": [doc]})
    return out
