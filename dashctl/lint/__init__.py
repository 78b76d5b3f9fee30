"""`dashctl lint`: what makes a dashboard that compiles still show "No data", or a wrong number,
found before it ships.

Rules are small functions over the compiled dashboard models and the metric catalog. Each
query is parsed by a real PromQL parser (promql-parser) after Grafana's variables are
substituted outside string literals (dashctl.grafana_vars). A finding names the dashboard,
the panel and the rule; a dashboard silences one with `lint_exceptions=((panel title, rule,
reason), ...)` on `kit.board`, and a suppression without a reason is itself a finding.

Modules: `tree` (the parsed query and the labels of its series), `model` (queries, findings,
panels), `catalog_rules` (the query against the catalog and PromQL), `board_rules` (the
dashboard itself), `run` (the rule set, exceptions, the run).
"""

from llm_gateway_dashboards.dashctl.lint.model import LABEL_VALUES, Finding, Query, iter_panels, queries, variables
from llm_gateway_dashboards.dashctl.lint.run import RULES, lint, lint_dashboard, lint_query

__all__ = ["LABEL_VALUES", "RULES", "Finding", "Query", "iter_panels", "lint", "lint_dashboard", "lint_query",
           "queries", "variables"]
