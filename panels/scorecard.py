"""One row per provider and model: the numbers an on-call engineer compares first, each with its
unit and thresholds, from the same expressions as the detail panels, with a drill-down link to
the LLM upstream dashboard filtered to the clicked provider and model."""

from __future__ import annotations

from llm_gateway_dashboards.panels import cost, kit
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import tokens as tk
from llm_gateway_dashboards.panels.prices import PriceList

BY = ("provider", "model")
UPSTREAM_UID = "plano-llm-upstream"


def columns(s, prices: PriceList):
    """(query, column title, unit, thresholds) per cell, in screen order."""
    lat = p._latency_steps(s)
    return (
        (p.upstream_total_expr(BY), "requests/s", "reqps", None),
        (p.upstream_error_ratio_expr(BY), "error %", "percentunit", p.RATIO_STEPS),
        (q.histogram_quantile(0.5, p.UPSTREAM_DURATION, BY), "p50 latency", "s", lat),
        (q.histogram_quantile(0.95, p.UPSTREAM_DURATION, BY), "p95 latency", "s", lat),
        (q.histogram_quantile(0.95, p.TTFT, BY), "p95 first byte", "s", lat),
        (tk.all_tokens(s, BY), "tokens/s", p.TOKEN_RATE, None),
        (cost.spend_rate(prices, BY, s), "USD/h", "currencyUSD", None),
        (tk.cache_read_share(s, BY), "cache-read share", "percentunit", p.HIT_STEPS),
    )


def scorecard(s, prices: PriceList, w=24, h=9):
    cols = columns(s, prices)
    targets = [kit.target(expr, title, instant=True, table=True) for expr, title, _, _ in cols]
    cells = [kit.column(f"Value #{chr(ord('A') + i)}", title, unit, steps, 2 if unit != "reqps" else 3)
             for i, (_, title, unit, steps) in enumerate(cols)]
    link = kit.drill_down("Open in Plano - LLM upstream", UPSTREAM_UID, BY)
    return kit.table(
        "Provider / model scorecard (now)", *targets, unit="none", w=w, h=h, cells=cells,
        sort_by="requests/s", links={"provider": link, "model": link},
        desc="Per provider and model, now (rates over the last rate interval): requests/s and error % (each "
             "request and failure once), p50/p95 time to the end of the answer, p95 time to first byte "
             "(brightstaff records it for every response with a body: Envoy's streaming TTFT has no model label), "
             "tokens/s (input cached or not plus completion, each once), USD/h from the price file, and the share "
             "of input tokens read from the prompt cache. Click a provider or model to open the LLM upstream "
             "dashboard filtered to it. Sortable by any column.")
