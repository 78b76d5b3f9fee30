"""Parse the queries of built dashboards with a real PromQL parser (test helper)."""

from __future__ import annotations

import re

import promql_parser as pp

GRAFANA_VARS = {"$__rate_interval": "5m", "$__range": "1h", "$__interval": "1m"}


def substitute(expr: str) -> str:
    for k, v in GRAFANA_VARS.items():
        expr = expr.replace(k, v)
    return expr


def parse(expr: str):
    return pp.parse(substitute(expr))


def nodes(expr: str) -> list:
    out = []
    pp.walk(parse(expr), lambda n: out.append(n))
    return out


def selectors(expr: str) -> list:
    return [n for n in nodes(expr) if isinstance(n, pp.VectorSelector)]


def range_windows(expr: str) -> list[tuple[str, str]]:
    """(function, raw window text) for each range function call, read from the raw text."""
    return re.findall(r"\b(rate|irate|increase|delta|deriv|\w+_over_time)\([^\[]*\[([^\]]+)\]", expr)
