"""Python source for one imported dashboard: kit calls with their arguments, catalog queries,
and the escape hatch (llm_gateway_dashboards.panels.imported.extra) for the rest.

Each panel is written as the kit call that says the most about it; the JSON compile writes
for that call is then compared with the imported panel, and the difference (if any) becomes
the call's `extra`. So the module builds the imported JSON, and reads like ours.
"""

from __future__ import annotations

import ast

from llm_gateway_dashboards.dashctl.importer.promql import Translator, Untranslatable, canon
from llm_gateway_dashboards.panels import imported, kit
from llm_gateway_dashboards.panels import llm as llm_panels
from llm_gateway_dashboards.panels import plano as plano_panels
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import spans as span_panels
from llm_gateway_dashboards.panels.catalog import Catalog

NAMESPACES = {"p": plano_panels, "llm": llm_panels, "spans": span_panels}
IMPORTS = {"imported": "imported", "kit": "kit", "llm": "llm", "p": "plano as p", "q": "queries as q",
           "spans": "spans"}


def pyrepr(v, indent: str = "") -> str:
    """A JSON value (and imported.each) as Python source."""
    if isinstance(v, imported.Each):
        return f"imported.each({', '.join(pyrepr(x) for x in v)})"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {pyrepr(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(pyrepr(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(pyrepr(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, str) and "\n" in v.rstrip("\n"):  # multi-line PromQL or markdown, one line each
        return "(" + " ".join(repr(line) for line in v.splitlines(keepends=True)) + ")"
    return repr(v)


def metric_names(catalog: Catalog) -> dict[str, str]:
    """metric name -> how a dashboard module names it (a constant of panels.plano/llm, or a lookup)."""
    consts = {}
    for alias, mod in NAMESPACES.items():
        for name, value in sorted(vars(mod).items()):
            if name.isupper() and hasattr(value, "kind") and hasattr(value, "source"):
                consts.setdefault(value.name, f"{alias}.{name}")
    out = {}
    for m in catalog.metrics:
        if m.name in consts:
            out[m.name] = consts[m.name]
        elif m.source in ("brightstaff", "envoy"):
            out[m.name] = f"p.M[{m.name!r}]"
        elif m.source == "llm":
            out[m.name] = f"llm.M[{m.name!r}]"
        elif m.source == "spanmetrics":
            out[m.name] = "spans.calls(s)" if m.name.endswith("calls_total") else "spans.duration(s)"
    return out


class Queries:
    """PromQL -> a catalog expression where it renders to the same query, else the string."""

    def __init__(self, catalog: Catalog, settings):
        self.catalog, self.settings = catalog, settings
        self.translated = self.kept = 0
        self.names = metric_names(self.catalog)
        self.translator = Translator(self._metric)
        self.ctx = q.Context(jobs=self.settings.jobs)
        self.env = {"q": q, "s": self.settings, **NAMESPACES}

    def _metric(self, series: str):
        m = self.catalog.by_series(series)
        if m is None or m.name not in self.names:
            return None
        return self.names[m.name], series[len(m.name):]

    def expression(self, expr: str) -> str | None:
        """Source of an equivalent catalog expression, or None."""
        try:
            code = self.translator.translate(expr)
            value = eval(code, dict(self.env))  # noqa: S307 - our own generated source
        except (Untranslatable, Exception):
            return None
        if not isinstance(value, q.Expr):
            return None
        for metric, labels in value.refs():
            if not self.catalog.knows(metric) or any(lb not in metric.all_labels for lb in labels):
                return None
        if canon(value.render(self.ctx)) != canon(expr):
            return None
        return code

    def target(self, t: dict) -> str:
        expr = t.get("expr", "")
        args = []
        legend = t.get("legendFormat") or ""
        if legend:
            args.append(repr(legend))
        if t.get("instant"):
            args.append("instant=True")
        if t.get("format") == "table":
            args.append("table=True")
        code = self.expression(expr)
        if code is not None:
            self.translated += 1
            return f"kit.target({', '.join([code, *args])})"
        self.kept += 1
        return f"imported.promql({', '.join([pyrepr(expr), *args])})"


def _steps(thresholds) -> str | None:
    steps = (thresholds or {}).get("steps") or []
    if not steps or (thresholds or {}).get("mode", "absolute") != "absolute":
        return None
    pairs = tuple((None if i == 0 else s.get("value"), s.get("color", "green")) for i, s in enumerate(steps))
    if pairs == ((None, kit.GREEN),):
        return None
    return pyrepr(pairs)


# the kit's panel factories and their default sizes
KIT_SIZES = {"timeseries": (12, 8), "stat": (6, 4), "gauge": (6, 6), "bargauge": (12, 8), "piechart": (8, 8),
             "barchart": (12, 8), "table": (24, 8)}


def panel_call(p: dict, queries: Queries) -> str:
    """Source of the kit call for one non-row panel (its queries inside it when each has an `expr`)."""
    kind = p.get("type") or ""
    title = p.get("title") or ""
    desc = p.get("description") or ""
    grid = p.get("gridPos") or {}
    defaults = (p.get("fieldConfig") or {}).get("defaults") or {}
    options = p.get("options") or {}
    targets = p.get("targets") or []
    with_targets = bool(targets) and all(isinstance(t.get("expr"), str) and t.get("expr") for t in targets)
    tcode = [queries.target(t) for t in targets] if with_targets else []
    kw: list[str] = []

    def arg(name, value, default):
        if value != default:
            kw.append(f"{name}={pyrepr(value)}")

    unit = defaults.get("unit") or ""
    w, h = int(grid.get("w") or 12), int(grid.get("h") or 8)
    calc = ((options.get("reduceOptions") or {}).get("calcs") or ["lastNotNull"])[0]
    steps = _steps(defaults.get("thresholds"))
    if not kind and isinstance(p.get("libraryPanel"), dict):
        lib = p["libraryPanel"]
        args = [repr(lib.get("uid", "")), repr(lib.get("name", ""))] + ([repr(title)] if title else [])
        return f"imported.library_panel({', '.join(args)}, w={w}, h={h})"
    if kind == "text":
        content = options.get("content", p.get("content", ""))
        return f"kit.text({title!r}, {content!r}, w={w}, h={h}" + (f", desc={desc!r}" if desc else "") + ")"
    desc_code = repr(desc) if desc else "imported.NO_DESCRIPTION"
    head = [repr(title), *tcode, f"unit={unit!r}", f"desc={desc_code}"]
    if kind not in KIT_SIZES:
        head = [repr(kind), repr(title), *tcode, f"desc={desc_code}"]
        return f"imported.panel({', '.join(head)}, w={w}, h={h})"
    dw, dh = KIT_SIZES[kind]
    arg("w", w, dw)
    arg("h", h, dh)
    if steps:
        kw.append(f"thresholds={steps}")
    custom = defaults.get("custom") or {}
    if kind in ("timeseries", "stat"):
        arg("min", defaults.get("min"), None)
        arg("max", defaults.get("max"), None)
        arg("decimals", defaults.get("decimals"), None)
    if kind == "timeseries":
        arg("stack", (custom.get("stacking") or {}).get("mode") == "normal", False)
        arg("bars", custom.get("drawStyle") == "bars", False)
        calcs = tuple((options.get("legend") or {}).get("calcs") or ())
        arg("legend_calcs", calcs, ("mean", "max", "lastNotNull"))
    elif kind == "stat":
        arg("calc", calc, "lastNotNull")
        arg("graph", options.get("graphMode", "area") == "area", True)
        arg("color_mode", options.get("colorMode", "value"), "value")
        arg("text_mode", options.get("textMode", "auto"), "auto")
    elif kind == "gauge":
        arg("min", defaults.get("min", 0), 0)
        arg("max", defaults.get("max", 1), 1)
        arg("calc", calc, "lastNotNull")
    elif kind == "bargauge":
        arg("horizontal", options.get("orientation") == "horizontal", True)
        arg("calc", calc, "lastNotNull")
        arg("min", defaults.get("min", 0), 0)
        arg("max", defaults.get("max"), None)
    elif kind == "piechart":
        arg("donut", options.get("pieType") == "donut", True)
        arg("calc", calc, "lastNotNull")
    elif kind == "barchart":
        arg("horizontal", options.get("orientation") == "horizontal", False)
    if kind not in ("timeseries", "stat"):
        kw = [k for k in kw if not k.startswith(("decimals=",))]
    if kind in ("piechart", "barchart", "table"):
        kw = [k for k in kw if not k.startswith("thresholds=")]
    return f"kit.{kind}({', '.join(head + kw)})"


def row_call(row: dict, children: list[str]) -> str:
    args = [repr(row.get("title") or "")] + children
    if row.get("collapsed"):
        args.append("collapsed=True")
    return f"kit.row({', '.join(args)})"


def with_extra(call: str, patch) -> str:
    return f"imported.extra({call}, {pyrepr(patch)})" if patch else call


def module_source(doc: str, board_call: str) -> str:
    body = f"def dashboard(s):\n    return {board_call}\n"
    used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name) and n.id in IMPORTS}
    doc = doc.replace("\\", "/").replace('"' * 3, "'" * 3)
    names = ", ".join(IMPORTS[u] for u in sorted(used, key=lambda u: IMPORTS[u]))
    # imported strings (descriptions, PromQL) are kept whole, however long
    return f'# ruff: noqa: E501\n"""{doc}"""\n\nfrom llm_gateway_dashboards.panels import {names}\n\n\n{body}'
