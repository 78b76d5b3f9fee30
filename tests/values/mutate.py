"""Small rewrites of a PromQL query (as sent to Prometheus, variables substituted), the kind of
mistake a panel author makes: drop a label matcher, `+` <-> `or`, `rate` -> `irate`,
`increase` -> `rate`, swap or drop a label in `by (...)`, change a quantile or `le`, change a
range. Each rewrite is checked to parse (promql-parser); string literals are never touched
except by the matcher and `le` rewrites. Deterministic: the same query gives the same mutants,
at most `per_operator` of each operator (sampled with a seed from the query).
"""

from __future__ import annotations

import random
import re
from typing import Callable, Iterator

import attrs
import promql_parser as pp

from llm_gateway_dashboards.dashctl.grafana_vars import duration, split_strings
from llm_gateway_dashboards.dashctl.verify import parse_duration
from llm_gateway_dashboards.panels.catalog import default_catalog

MATCHER = re.compile(r'\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*')
BY = re.compile(r"\b(by|without)\s*\(([^()]*)\)")
QUANTILE = re.compile(r"\bhistogram_quantile\(\s*([0-9.]+)")
RANGE = re.compile(r"\[(\d+(?:\.\d+)?(?:ms|s|m|h|d))+\]")
NEXT_QUANTILE = {0.5: 0.75, 0.75: 0.5, 0.9: 0.75, 0.95: 0.75, 0.99: 0.9}


@attrs.frozen
class Mutant:
    operator: str
    query: str


def _code_spans(query: str) -> bytearray:
    """1 at each position of the query outside string literals."""
    mask, pos = bytearray(len(query)), 0
    for is_string, text in split_strings(query):
        if not is_string:
            mask[pos:pos + len(text)] = b"\x01" * len(text)
        pos += len(text)
    return mask


def _in_code(mask: bytearray, i: int) -> bool:
    return bool(mask[i])


def _selectors(query: str, code) -> Iterator[tuple[int, int]]:
    """(start, end) of the inside of each `{...}` selector."""
    depth_start = None
    for i, ch in enumerate(query):
        if not _in_code(code, i):
            continue
        if ch == "{":
            depth_start = i + 1
        elif ch == "}" and depth_start is not None:
            yield depth_start, i
            depth_start = None


def drop_matcher(query: str, code) -> Iterator[str]:
    for a, b in _selectors(query, code):
        inner = query[a:b]
        parts = [m for m in MATCHER.finditer(inner)]
        for i, m in enumerate(parts):
            if m.group(2) == "=~" and m.group(3) == '".*"':
                continue  # a variable set to All: dropping it changes nothing by design
            rest = [p.group(0).strip() for j, p in enumerate(parts) if j != i]
            yield query[:a] + ", ".join(rest) + query[b:]


def _replace_each(query: str, code, pattern: str, repl: str) -> Iterator[str]:
    for m in re.finditer(pattern, query):
        if _in_code(code, m.start()):
            yield query[:m.start()] + repl + query[m.end():]


def or_to_plus(query, code):
    yield from _replace_each(query, code, r"\bor\b", "+")


def plus_to_or(query, code):
    yield from _replace_each(query, code, r"(?<=\s)\+(?=\s)", "or")


def rate_to_irate(query, code):
    yield from _replace_each(query, code, r"(?<![\w])rate\(", "irate(")


def increase_to_rate(query, code):
    yield from _replace_each(query, code, r"\bincrease\(", "rate(")


def _labels_pool(query: str) -> list[str]:
    cat = default_catalog()
    names = set(re.findall(r"\b([a-zA-Z_:][\w:]*)\s*(?:\{|\[|\))", query))
    pool = set()
    for n in names:
        m = cat.by_series(n)
        if m is not None:
            pool.update(m.labels)
    return sorted(pool)


def _by_clauses(query, code):
    for m in BY.finditer(query):
        if _in_code(code, m.start()):
            labels = [x.strip() for x in m.group(2).split(",") if x.strip()]
            yield m, labels


def swap_by_label(query, code):
    pool = _labels_pool(query)
    rng = random.Random(query)
    for m, labels in _by_clauses(query, code):
        for i, lab in enumerate(labels):
            if lab == "le":
                continue
            others = [p for p in pool if p not in labels]
            if not others:
                continue
            new = labels[:i] + [rng.choice(others)] + labels[i + 1:]
            yield query[:m.start(2)] + ", ".join(new) + query[m.end(2):]


def drop_by_label(query, code):
    for m, labels in _by_clauses(query, code):
        for i in range(len(labels)):
            yield query[:m.start(2)] + ", ".join(labels[:i] + labels[i + 1:]) + query[m.end(2):]


def change_quantile(query, code):
    for m in QUANTILE.finditer(query):
        q = float(m.group(1))
        new = NEXT_QUANTILE.get(q, 0.5 if q != 0.5 else 0.9)
        yield query[:m.start(1)] + repr(new) + query[m.end(1):]
    for m in re.finditer(r'\ble="([^"]+)"', query):
        try:
            le = float(m.group(1))
        except ValueError:
            continue
        yield query[:m.start(1)] + repr(le * 2) + query[m.end(1):]


def change_range(query, code):
    for m in RANGE.finditer(query):
        if not _in_code(code, m.start()):
            continue
        seconds = _compound(m.group(0)[1:-1])
        new = seconds * 2 if seconds < 600 else seconds / 2
        yield query[:m.start()] + f"[{duration(new)}]" + query[m.end():]


def _compound(text: str) -> float:
    return sum(parse_duration(p) for p in re.findall(r"\d+(?:\.\d+)?(?:ms|s|m|h|d)", text))


OPERATORS: dict[str, Callable] = {
    "drop matcher": drop_matcher, "or -> +": or_to_plus, "+ -> or": plus_to_or, "rate -> irate": rate_to_irate,
    "increase -> rate": increase_to_rate, "swap by label": swap_by_label, "drop by label": drop_by_label,
    "change quantile/le": change_quantile, "change range": change_range,
}


def _parses(query: str) -> bool:
    try:
        pp.parse(query)
    except Exception:  # noqa: BLE001 - promql-parser raises plain exceptions for syntax errors
        return False
    return True


def mutants(query: str, per_operator: int = 4) -> list[Mutant]:
    """The rewrites of `query` that parse and differ from it, at most `per_operator` per operator
    (candidates shuffled with a seed from the query, then parsed in that order until enough parse)."""
    code = _code_spans(query)
    out, seen = [], {query}
    for name, op in OPERATORS.items():
        candidates = list(dict.fromkeys(q for q in op(query, code) if q not in seen))
        random.Random(f"{name}|{query}").shuffle(candidates)
        kept = 0
        for q in candidates:
            if kept == per_operator:
                break
            if _parses(q):
                seen.add(q)
                out.append(Mutant(name, q))
                kept += 1
    return out
