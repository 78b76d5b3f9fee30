"""What lint reads and writes: a query of a panel, a finding, the panels and variables of a model."""

from __future__ import annotations

import re
from typing import Iterator

import attrs

from dashctl.compile import Compiled


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


def iter_panels(model: dict) -> Iterator[dict]:
    for p in model.get("panels", []):
        yield p
        yield from p.get("panels", []) or []


def variables(model: dict) -> dict:
    return {v.get("name"): v for v in (model.get("templating") or {}).get("list", [])}


LABEL_VALUES = re.compile(r"^\s*label_values\((.*?)(?:,\s*([a-zA-Z_][a-zA-Z0-9_]*))?\s*\)\s*$", re.S)


def queries(c: Compiled) -> Iterator[Query]:
    vars_ = variables(c.model)
    for p in iter_panels(c.model):
        for t in p.get("targets") or []:
            expr = t.get("expr")
            if isinstance(expr, str) and expr.strip():
                yield Query(c.uid, p.get("title", ""), t.get("refId", "?"), expr, vars_)

