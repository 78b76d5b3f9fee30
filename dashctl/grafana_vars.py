"""Grafana's template variables in a PromQL query, replaced so a real PromQL parser or a real
Prometheus can read the query. Shared by `dashctl lint` and `dashctl verify`.

Outside string literals, Grafana's duration variables (`$__rate_interval`, `$__interval`,
`$__range`, with their `_ms`/`_s` forms) become durations or numbers, and a dashboard
variable (`$var`, `${var}`, `${var:fmt}`, `[[var]]`) becomes its value. Inside string
literals (label matcher values) variables are left alone unless `strings` maps them: lint
reads `model=~"$model"` as it stands; verify sets each variable to All (`.*`) there.
"""

from __future__ import annotations

import re
from typing import Mapping

import attrs

# Grafana's own pattern for a variable reference (public/app/features/variables/utils.ts)
VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")
CLAUSE = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\($")


@attrs.frozen
class Durations:
    """What Grafana puts for its interval variables; all in seconds."""

    rate_interval: float = 60.0
    interval: float = 15.0
    range: float = 3600.0

    def values(self) -> dict[str, str]:
        return {
            "__rate_interval": duration(self.rate_interval), "__rate_interval_ms": _num(self.rate_interval * 1000),
            "__interval": duration(self.interval), "__interval_ms": _num(self.interval * 1000),
            "__range": duration(self.range), "__range_s": _num(self.range), "__range_ms": _num(self.range * 1000),
        }


def grafana_durations(range_seconds: float, scrape_interval: float = 15.0, max_points: int = 1000) -> Durations:
    """Grafana's choice: $__interval = range / max data points, at least the scrape interval, rounded;
    $__rate_interval = max($__interval + scrape interval, 4 x scrape interval)."""
    interval = max(scrape_interval, _round_interval(range_seconds / max_points))
    return Durations(rate_interval=max(interval + scrape_interval, 4 * scrape_interval), interval=interval,
                     range=range_seconds)


_NICE = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200,
         1800, 3600, 7200, 10800, 21600, 43200, 86400)


def _round_interval(seconds: float) -> float:
    return min((n for n in _NICE if n >= seconds), default=seconds)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def duration(seconds: float) -> str:
    """60 -> "1m", 0.5 -> "500ms", 3723.007 -> "1h2m3s7ms" (a PromQL duration)."""
    ms = round(seconds * 1000)
    if ms <= 0:
        return "0s"
    out = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(out)


STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|`[^`]*`?', re.S)


def split_strings(expr: str) -> list[tuple[bool, str]]:
    """The query cut into (is_string_literal, text) pieces; quotes stay with their string (an
    unterminated one runs to the end). `#` comments count as code."""
    pieces, last = [], 0
    for m in STRING.finditer(expr):
        if m.start() > last:
            pieces.append((False, expr[last:m.start()]))
        pieces.append((True, m.group(0)))
        last = m.end()
    if last < len(expr):
        pieces.append((False, expr[last:]))
    return pieces


def names(text: str) -> list[str]:
    """Names of the variables referenced in a text, in order."""
    return [next(g for g in (m.group(1), m.group(2), m.group(4)) if g) for m in VARIABLE.finditer(text)]


def _code(text: str, before: str, builtins: dict[str, str], variables: Mapping[str, str]) -> str:
    out, last = [], 0
    for m in VARIABLE.finditer(text):
        name = m.group(1) or m.group(2) or m.group(4)
        out.append(text[last:m.start()])
        last = m.end()
        if name in builtins:
            out.append(builtins[name])
            continue
        if name in variables:
            out.append(variables[name])
            continue
        head = (before + "".join(out)).rstrip()
        if head.endswith(("[", ":")) and head.rfind("[") > head.rfind("]"):
            out.append("5m")  # a duration variable: [$window]
        elif CLAUSE.search(head) or (head.endswith(",") and CLAUSE.search(head[:head.rfind("(") + 1])):
            out.append(name)  # a label name: by ($label)
        else:
            out.append("1")  # a number: topk($n, ...)
    out.append(text[last:])
    return "".join(out)


def _string(text: str, strings: Mapping[str, str]) -> str:
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(4)
        return strings.get(name, m.group(0)) if not name.startswith("__") else m.group(0)

    return VARIABLE.sub(repl, text)


def substitute(expr: str, durations: Durations | None = None, variables: Mapping[str, str] | None = None,
               strings: Mapping[str, str] | None = None) -> str:
    """The query with Grafana's variables replaced.

    `durations`: the interval variables (default: Grafana's choice for a 1 h range and a 15 s
    scrape interval). `variables`: values of dashboard variables outside strings (those not
    given get a placeholder that parses: a duration in `[...]`, the name in `by (...)`, else 1).
    `strings`: values of dashboard variables inside string literals (default: left alone).
    """
    builtins = (durations or grafana_durations(3600)).values()
    variables = variables or {}
    out: list[str] = []
    for is_string, text in split_strings(expr):
        if is_string:
            out.append(_string(text, strings) if strings else text)
        else:
            out.append(_code(text, "".join(out), builtins, variables))
    return "".join(out)
