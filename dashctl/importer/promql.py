"""PromQL of imported panels: a canonical text for comparing two queries, and the translation of a
query into a catalog query expression (Python source) where its metrics are in the catalog.

Grafana variables are not PromQL (`[$__rate_interval]`, `$__range_s`): they are swapped for
marker durations and numbers before parsing and swapped back when printing.
"""

from __future__ import annotations

import datetime
import keyword
import re

import promql_parser as pp

from llm_gateway_dashboards.panels import queries as q

_VAR = re.compile(r"\$\{[^}]+\}|\$\w+|\[\[\w+\]\]")
_MARK_MS = 987_654_000  # marker durations: 987654000ms + i
_MARK_NUM = 987_654_000.0


class Untranslatable(Exception):
    """A query that does not read as a catalog expression: it stays a PromQL string."""


class _Vars:
    def __init__(self):
        self.durations: dict[datetime.timedelta, str] = {}
        self.numbers: dict[float, str] = {}

    def substitute(self, expr: str) -> str:
        out, i, quote, depth = [], 0, "", 0
        while i < len(expr):
            c = expr[i]
            if quote:
                out.append(c)
                if c == "\\" and i + 1 < len(expr):
                    out.append(expr[i + 1])
                    i += 1
                elif c == quote:
                    quote = ""
                i += 1
                continue
            m = _VAR.match(expr, i)
            if m and not (m.group().startswith("[[") and depth):
                text = m.group()
                if depth:
                    key = datetime.timedelta(milliseconds=_MARK_MS + len(self.durations))
                    key = next((k for k, v in self.durations.items() if v == text), key)
                    self.durations[key] = text
                    out.append(f"{int(key.total_seconds() * 1000)}ms")
                else:
                    key = next((k for k, v in self.numbers.items() if v == text), _MARK_NUM + len(self.numbers))
                    self.numbers[key] = text
                    out.append(repr(key))
                i = m.end()
                continue
            if c in "\"'`":
                quote = c
            elif c == "[":
                depth += 1
            elif c == "]":
                depth = max(0, depth - 1)
            out.append(c)
            i += 1
        return "".join(out)

    def duration(self, d: datetime.timedelta) -> str:
        return self.durations.get(d) or pp.display_duration(d)

    def number(self, v: float) -> str:
        return self.numbers.get(v) or number(v)


def number(v: float) -> str:
    return q.Num(v).render(q.Context())


def parse(expr: str):
    """(AST, variables) or raise ValueError."""
    names = _Vars()
    try:
        return pp.parse(names.substitute(expr)), names
    except Exception as exc:  # the parser raises its own types
        raise ValueError(str(exc)) from None


# --- canonical text ------------------------------------------------------------------------
def canon(expr: str) -> str:
    """One text per query: matchers sorted, redundant parentheses and whitespace gone."""
    if not isinstance(expr, str):
        return expr
    try:
        node, names = parse(expr)
        return _print(node, names)
    except Exception:
        return " ".join(expr.split())


def _selector(n, names) -> str:
    ms = sorted(str(m) for m in n.matchers.matchers if not (m.name == "__name__" and n.name))
    text = (n.name or "") + ("{" + ",".join(ms) + "}" if ms or not n.name else "")
    if n.offset:
        text += f" offset {names.duration(n.offset)}"
    if n.at is not None:
        text += f" @ {n.at}"
    return text


def _print(n, names) -> str:  # noqa: C901 - one branch per node type
    if isinstance(n, pp.ParenExpr):
        return _print(n.expr, names)
    if isinstance(n, pp.VectorSelector):
        return _selector(n, names)
    if isinstance(n, pp.MatrixSelector):
        return f"{_selector(n.vector_selector, names)}[{names.duration(n.range)}]"
    if isinstance(n, pp.NumberLiteral):
        return names.number(n.val)
    if isinstance(n, pp.StringLiteral):
        return str(n)
    if isinstance(n, pp.Call):
        return f"{n.func.name}({', '.join(_print(a, names) for a in n.args)})"
    if isinstance(n, pp.AggregateExpr):
        mod = ""
        if n.modifier is not None:
            kind = "without" if "Without" in str(n.modifier.type) else "by"
            mod = f" {kind} ({', '.join(n.modifier.labels)})"
        param = f"{_print(n.param, names)}, " if n.param is not None else ""
        return f"{n.op}{mod} ({param}{_print(n.expr, names)})"
    if isinstance(n, pp.BinaryExpr):
        def side(x):
            while isinstance(x, pp.ParenExpr):
                x = x.expr
            text = _print(x, names)
            return f"({text})" if isinstance(x, pp.BinaryExpr) else text
        return f"{side(n.lhs)} {n.op}{_bin_modifier(n.modifier)} {side(n.rhs)}"
    if isinstance(n, pp.UnaryExpr):
        return f"-({_print(n.expr, names)})"
    if isinstance(n, pp.SubqueryExpr):
        step = names.duration(n.step) if n.step else ""
        text = f"({_print(n.expr, names)})[{names.duration(n.range)}:{step}]"
        return text + (f" offset {names.duration(n.offset)}" if n.offset else "")
    return str(n)


def _bin_modifier(m) -> str:
    if m is None:
        return ""
    out = " bool" if m.return_bool else ""
    if m.matching is not None:
        kind = "ignoring" if "Exclude" in str(m.matching.type) else "on"
        out += f" {kind} ({', '.join(m.matching.labels)})"
    card = str(m.card)
    if "ManyToOne" in card or "OneToMany" in card:
        out += f" {'group_left' if 'ManyToOne' in card else 'group_right'} ({', '.join(m.group_labels or ())})"
    return out


# --- translation to a catalog expression ---------------------------------------------------
_OPS = {"+": "+", "-": "-", "*": "*", "/": "/"}
_DEFAULT_WINDOW = {"rate": q.RATE_INTERVAL, "increase": q.RANGE}
_MATCH = {"MatchOp.Equal": "", "MatchOp.NotEqual": "q.ne", "MatchOp.Re": "q.rx", "MatchOp.NotRe": "q.nre"}


class Translator:
    """PromQL text -> Python source of a queries expression; `metric_code(name)` names a catalog metric
    in the module ((code, suffix) or None when it is not in the catalog)."""

    def __init__(self, metric_code):
        self.metric_code = metric_code

    def translate(self, expr: str) -> str:
        try:
            node, names = parse(expr)
        except ValueError:
            raise Untranslatable("does not parse") from None
        self.names = names
        code, _ = self._code(node)
        return code

    def _sel_parts(self, n):
        if n.offset or n.at is not None or not n.name or n.matchers.or_matchers:
            raise Untranslatable("offset, @, or no metric name")
        found = self.metric_code(n.name)
        if found is None:
            raise Untranslatable(f"{n.name} is not in the catalog")
        metric, suffix = found
        kwargs = []
        for m in n.matchers.matchers:
            if m.name == "__name__" or not m.name.isidentifier() or keyword.iskeyword(m.name) \
                    or m.name in ("metric", "suffix", "window", "by"):
                raise Untranslatable(f"label {m.name}")
            fn = _MATCH[str(m.op)]
            value = repr(m.value)
            kwargs.append(f"{m.name}={fn}({value})" if fn else f"{m.name}={value}")
        return metric, suffix, kwargs

    def _selector(self, n) -> str:
        metric, suffix, kwargs = self._sel_parts(n)
        args = [metric] + ([repr(suffix)] if suffix else []) + kwargs
        return f"q.sel({', '.join(args)})"

    def _window_call(self, fn: str, arg) -> str:
        metric, suffix, kwargs = self._sel_parts(arg.vector_selector)
        window = self.names.duration(arg.range)
        if fn in _DEFAULT_WINDOW:
            win = [] if window == _DEFAULT_WINDOW[fn] else [repr(window)]
            if suffix:
                return f"q.{fn}({', '.join([self._selector(arg.vector_selector), *win])})"
            return f"q.{fn}({', '.join([metric, *win, *kwargs])})"
        return f"q.Call({fn!r}, (q.Range({self._selector(arg.vector_selector)}, {window!r}),))"

    def _code(self, n) -> tuple[str, bool]:  # noqa: C901 - one branch per node type
        """(source, is a binary expression)."""
        if isinstance(n, pp.ParenExpr):
            return self._code(n.expr)
        if isinstance(n, pp.VectorSelector):
            return self._selector(n), False
        if isinstance(n, pp.Call):
            fn, args = n.func.name, list(n.args)
            if len(args) == 1 and isinstance(args[0], pp.MatrixSelector):
                return self._window_call(fn, args[0]), False
            if fn == "histogram_quantile" and len(args) == 2 and isinstance(args[0], pp.NumberLiteral):
                inner, _ = self._code(args[1])
                return f"q.Call('histogram_quantile', ({self.names.number(args[0].val)!r}, {inner}))", False
            parts = []
            for a in args:
                if isinstance(a, pp.NumberLiteral):
                    parts.append(repr(self.names.number(a.val)))
                elif isinstance(a, pp.StringLiteral):
                    parts.append(repr(str(a)))
                else:
                    parts.append(self._code(a)[0])
            return f"q.Call({fn!r}, ({', '.join(parts)},))", False
        if isinstance(n, pp.AggregateExpr):
            by = ()
            if n.modifier is not None:
                if "Without" in str(n.modifier.type):
                    raise Untranslatable("without()")
                by = tuple(n.modifier.labels)
            by_code = repr(by) if by else ""
            op = str(n.op)
            if n.param is not None:
                if not isinstance(n.param, pp.NumberLiteral):
                    raise Untranslatable("aggregation parameter")
                inner, _ = self._code(n.expr)
                return f"q.Agg({op!r}, {inner}, {by!r}, {self.names.number(n.param.val)!r})", False
            inner_node = n.expr
            while isinstance(inner_node, pp.ParenExpr):
                inner_node = inner_node.expr
            if op == "sum":
                inner, _ = self._code(inner_node)
                if inner.startswith("q.rate(") and not inner.startswith("q.rate(q.sel("):
                    rest = inner[len("q.rate("):-1]
                    metric, _, tail = rest.partition(", ")
                    if not tail.startswith("'"):  # default window: sum_rate(metric, by, **matchers)
                        args = [metric] + ([by_code] if by else []) + ([tail] if tail else [])
                        return f"q.sum_rate({', '.join(args)})", False
                return f"q.sum_({inner}{', ' + by_code if by else ''})", False
            inner, _ = self._code(inner_node)
            return f"q.Agg({op!r}, {inner}, {by!r})", False
        if isinstance(n, pp.BinaryExpr):
            op = str(n.op)
            lhs_num = isinstance(_unparen(n.lhs), pp.NumberLiteral)
            rhs_num = isinstance(_unparen(n.rhs), pp.NumberLiteral)
            if lhs_num and rhs_num:
                raise Untranslatable("number op number")
            lhs = self._operand(n.lhs, as_expr=lhs_num)
            rhs = self._operand(n.rhs, as_expr=False)
            m = n.modifier
            plain = m is None or (not m.return_bool and m.matching is None and "OneToOne" in str(m.card))
            if op in _OPS and plain and not lhs_num:
                return f"{lhs} {_OPS[op]} {rhs}", True
            on = None
            if m is not None:
                if m.return_bool or "OneToOne" not in str(m.card):
                    raise Untranslatable("bool or group modifier")
                if m.matching is not None:
                    if "Exclude" in str(m.matching.type):
                        raise Untranslatable("ignoring()")
                    on = tuple(m.matching.labels)
            lhs_code = self._operand(n.lhs, as_expr=True) if lhs_num else self._code(_unparen(n.lhs))[0]
            rhs_code = self._operand(n.rhs, as_expr=True) if rhs_num else self._code(_unparen(n.rhs))[0]
            extra = f", on={on!r}" if on is not None else ""
            return f"q.Bin({op!r}, {lhs_code}, {rhs_code}{extra})", False
        raise Untranslatable(type(n).__name__)

    def _operand(self, n, as_expr: bool) -> str:
        n = _unparen(n)
        if isinstance(n, pp.NumberLiteral):
            text = self.names.number(n.val)
            if not re.fullmatch(r"-?[0-9.e+]+", text):
                raise Untranslatable("variable in arithmetic")
            return f"q.Num({text})" if as_expr else text
        code, is_bin = self._code(n)
        return f"({code})" if is_bin else code


def _unparen(n):
    while isinstance(n, pp.ParenExpr):
        n = n.expr
    return n
