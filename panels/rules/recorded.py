"""Dashboards read recording rules instead of computing the same expression again.

Off by default (setting `dashboards_read_recording_rules`): the dashboards then work where the
rules are not loaded. On, a panel query that is exactly an expression a recording rule records
(`Record.reads`: the ratio, the denominator, the spend of the rule, in the panels' own
`$__rate_interval` form) becomes the recorded series, filtered by the dashboard's variables on
the labels it keeps (never `instance` or `job`: the rule aggregated them away). Only whole
queries: a query that merely contains a recorded part would mix two windows.
"""

from __future__ import annotations

import functools

import attrs

from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import SCRAPE_LABELS
from llm_gateway_dashboards.panels.errors import LibraryError
from llm_gateway_dashboards.panels.rules.groups import groups
from llm_gateway_dashboards.panels.rules.model import Record


@functools.lru_cache(maxsize=8)
def recorded(settings) -> dict[q.Expr, Record]:
    """Panel expression -> the recording rule that records it ({} when the rules cannot be declared)."""
    try:
        declared = groups(settings)
    except (ValueError, LibraryError):
        return {}
    return {r.reads: r for g in declared for r in g.records if r.reads is not None}


def read_recorded(settings, expr: q.Expr) -> q.Expr:
    """The query a panel renders: with recorded series where the setting asks for them."""
    if not getattr(settings, "dashboards_read_recording_rules", False):
        return expr
    rule = recorded(settings).get(expr)
    return expr if rule is None else attrs.evolve(rule.sel(), unbind=SCRAPE_LABELS)
