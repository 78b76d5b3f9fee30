"""What lint reads and writes: a query of a panel, a finding, the panels and variables of a model."""

from __future__ import annotations

import re
from typing import Iterator

import attrs

from llm_gateway_dashboards.dashctl.compile import Compiled


@attrs.frozen(order=True)
class Finding:
    """One problem: where (dashboard uid, panel title; "" for the dashboard), which rule, what."""

    dashboard: str
    panel: str
    rule: str
    message: str

    def line(self) -> str:
        where = f'{self.dashboard}: "{self.panel}"' if self.panel else self.dashboard
        return f"{where}: [{self.rule}] {self.message}"

    def as_dict(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class Query:
    """One target of a panel (or a variable's query) on one dashboard."""

    dashboard: str
    panel: str
    ref: str
    expr: str
    variables: dict = attrs.field(hash=False, eq=False)  # name -> templating entry
    thresholds: tuple = attrs.field(default=(), eq=False)  # the panel's threshold values that apply to it


def iter_panels(model: dict) -> Iterator[dict]:
    for p in model.get("panels", []):
        yield p
        yield from p.get("panels", []) or []


def variables(model: dict) -> dict:
    return {v.get("name"): v for v in (model.get("templating") or {}).get("list", [])}


LABEL_VALUES = re.compile(r"^\s*label_values\((.*?)(?:,\s*([a-zA-Z_][a-zA-Z0-9_]*))?\s*\)\s*$", re.S)


def _steps(thresholds) -> list[float]:
    steps = thresholds.get("steps") or [] if isinstance(thresholds, dict) else []
    return [s["value"] for s in steps if isinstance(s, dict) and isinstance(s.get("value"), (int, float))]


def thresholds(panel: dict, ref: str) -> tuple[float, ...]:
    """The threshold values drawn on a target's series: the panel's defaults, and overrides of its refId."""
    config = panel.get("fieldConfig") or {}
    values = _steps((config.get("defaults") or {}).get("thresholds"))
    for o in config.get("overrides") or []:
        matcher = o.get("matcher") or {}
        if matcher.get("id") == "byFrameRefID" and matcher.get("options") == ref:
            for prop in o.get("properties") or []:
                if prop.get("id") == "thresholds":
                    values += _steps(prop.get("value"))
    return tuple(sorted(set(values)))


def queries(c: Compiled) -> Iterator[Query]:
    vars_ = variables(c.model)
    for p in iter_panels(c.model):
        for t in p.get("targets") or []:
            expr, ref = t.get("expr"), t.get("refId", "?")
            if isinstance(expr, str) and expr.strip():
                yield Query(c.uid, p.get("title", ""), ref, expr, vars_, thresholds(p, ref))

