"""`dashctl import`: Grafana dashboard JSON of any era -> a dashboard module like those in dashboards/.

read (what the user gave) -> migrate (legacy -> modern, noted) -> codegen (kit calls, catalog
queries, the escape hatch for the rest) -> format (ruff) -> verify (the module builds the
imported JSON: canonical forms equal, see normalise.py) -> a fidelity report.
"""

from __future__ import annotations

import keyword
import os
import re
import time

import attrs

from llm_gateway_dashboards.dashctl.compile import compile_board
from llm_gateway_dashboards.dashctl.errors import BuildError
from llm_gateway_dashboards.dashctl.importer import codegen, normalise
from llm_gateway_dashboards.dashctl.importer.format import format_source
from llm_gateway_dashboards.dashctl.importer.migrate import Note, modernise
from llm_gateway_dashboards.dashctl.importer.read import ImportInputError, Source, read, unwrap
from llm_gateway_dashboards.dashctl.importer.report import Fidelity, fidelity
from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels.catalog import default_catalog

__all__ = ["ImportInputError", "Imported", "import_source", "module_name", "read", "roundtrip_settings", "unwrap"]


def roundtrip_settings(settings):
    """The settings a module is verified with: no job matcher, tag or title prefix of ours added,
    so that what it builds is the imported dashboard itself."""
    return attrs.evolve(settings, brightstaff_job="", envoy_job="", spanmetrics_job="", llm_job="", tags=(),
                        title_prefix="")


def module_name(uid: str) -> str:
    """`y0KGL0iZz` -> `y0kgl0izz`, `rgw-sync-overview` -> `rgw_sync_overview` (a Python module name)."""
    name = re.sub(r"[^a-z0-9_]", "_", uid.lower()).strip("_")
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"d_{name}"
    return name


@attrs.frozen
class Imported:
    uid: str
    module: str
    source: str  # the module's Python source
    notes: tuple[Note, ...]
    fidelity: Fidelity
    queries_translated: int
    queries_kept: int
    seconds: float
    compiled: dict = attrs.field(eq=False, repr=False)

    def report_lines(self) -> list[str]:
        f = self.fidelity
        lines = [f"{self.module}: {f.percent:.1f}% of {f.total} values exact, {f.idiomatic_percent:.1f}% "
                 f"without the escape hatch; queries: {self.queries_translated} catalog, "
                 f"{self.queries_kept} PromQL; {self.seconds * 1000:.0f} ms"]
        lines += [f"  {n.line()}" for n in self.notes]
        lines += [f"  differs  {path}" for path in f.different]
        return lines


def _datasource_variable(settings) -> dict:
    board = kit.board(settings, uid="x", title="x", folder="x", desc="", rows=[])
    return compile_board(board, settings).model["templating"]["list"][0]


def _walk(panels: list):
    """Panels in compile's order: a collapsed row's children right after it."""
    for p in panels:
        yield p
        if p.get("type") == "row":
            yield from p.get("panels") or []


class _Generator:
    def __init__(self, src: Source, settings):
        self.src, self.settings = src, roundtrip_settings(settings)
        self.catalog = default_catalog(settings.spanmetrics_namespace)
        self.ds_var = _datasource_variable(self.settings)
        model = dict(src.model, schemaVersion=self.settings.schema_version) if src.v2 else src.model
        self.target, notes = modernise(model, self.ds_var)
        self.notes = [Note("derived", "uid", n) for n in src.notes] + list(src.losses) + notes
        self.queries = codegen.Queries(self.catalog, self.settings)

    def calls(self) -> list[tuple[dict, str]]:
        """(target panel, kit call) in compile's order."""
        out = []
        for p in _walk(self.target.get("panels") or []):
            if p.get("type") == "row":
                out.append((p, ""))
            else:
                out.append((p, codegen.panel_call(p, self.queries)))
                if not p.get("type") and isinstance(p.get("libraryPanel"), dict):
                    self.notes.append(Note("kept", p.get("title", ""), "library panel, kept as a reference "
                                           f"(uid {p['libraryPanel'].get('uid')!r})"))
                elif p.get("type") not in (*codegen.KIT_SIZES, "text"):
                    self.notes.append(Note("kept", p.get("title", ""),
                                           f"panel type {p.get('type')!r} has no kit factory: imported.panel()"))
        return out

    def board_source(self, calls, patches=None, board_patch=None) -> str:
        """kit.board(...) with the rows in screen order; an expanded row takes the panels after it."""
        patches = patches or {}
        index = {id(p): n for n, (p, _) in enumerate(calls)}

        def call(p):
            return codegen.with_extra(calls[index[id(p)]][1], patches.get(index[id(p)]))

        def row(p, children):
            return codegen.with_extra(codegen.row_call(p, children), patches.get(index[id(p)]))

        parts, current = [], None
        for p in self.target.get("panels") or []:
            if p.get("type") == "row":
                if current:
                    parts.append(row(*current))
                current = None
                if p.get("collapsed") or p.get("panels"):
                    parts.append(row(p, [call(c) for c in p.get("panels") or []]))
                else:
                    current = (p, [])
            elif current:
                current[1].append(call(p))
            else:
                parts.append(call(p))
        if current:
            parts.append(row(*current))
        t = self.target
        args = ["s", f"uid={t['uid']!r}", f"title={t.get('title', '')!r}", f"folder={self.src.folder!r}",
                f"desc={t.get('description') or ''!r}"]
        if t.get("tags"):
            args.append(f"tags={codegen.pyrepr(tuple(t['tags']))}")
        if t.get("links"):
            args.append(f"links={codegen.pyrepr(t['links'])}")
        args.append(f"rows=[{', '.join(parts)}]")
        return codegen.with_extra(f"kit.board({', '.join(args)})", board_patch)

    def doc(self) -> str:
        t = self.target
        upgrades = sum(1 for n in self.notes if n.kind == "upgrade")
        losses = sum(1 for n in self.notes if n.kind == "loss")
        return (f"{t.get('title', '')}: imported by `dashctl import` from {os.path.basename(self.src.origin)}.\n\n"
                f"{upgrades} upgrade(s) and {losses} loss(es) of legacy fields (see `dashctl import --report`); "
                "what the kit has no\nargument for is in `imported.extra(...)`.\n")

    def build(self, source: str) -> dict:
        env: dict = {}
        try:
            exec(compile(source, f"<import {self.target['uid']}>", "exec"), env)  # noqa: S102 - our own output
            board = env["dashboard"](self.settings)
            return compile_board(board, self.settings, self.catalog).model
        except BuildError:
            raise
        except Exception as exc:
            raise BuildError(f"the generated module does not build: {type(exc).__name__}: {exc}",
                             dashboard=self.target.get("uid", "")) from exc


def import_source(src: Source, settings, *, output_path: str | None = None) -> Imported:
    """One dashboard -> its module source, verified to build the same dashboard, and the report."""
    start = time.perf_counter()
    gen = _Generator(src, settings)
    calls = gen.calls()
    plain = gen.board_source(calls)
    built = gen.build(codegen.module_source(gen.doc(), plain))
    compiled_panels = list(_walk(built.get("panels") or []))
    if len(compiled_panels) != len(calls):
        raise BuildError(f"the module has {len(compiled_panels)} panels, the dashboard {len(calls)}",
                         dashboard=gen.target["uid"])
    patches = {}
    for n, ((p, _), c) in enumerate(zip(calls, compiled_panels, strict=True)):
        if p.get("type") == "row":
            c, p = dict(c, panels=[]), dict(p, panels=[])
        d = normalise.patch(c, p)
        if d is not normalise.UNCHANGED:
            patches[n] = d
    board_target = {k: v for k, v in gen.target.items() if k != "panels"}
    board_built = {k: v for k, v in built.items() if k != "panels"}
    board_patch = normalise.patch(board_built, board_target)
    board_patch = None if board_patch is normalise.UNCHANGED else board_patch
    source = codegen.module_source(gen.doc(), gen.board_source(calls, patches, board_patch))
    source = format_source(source, output_path)
    final = gen.build(source)
    fid = fidelity(normalise.clean(gen.target), normalise.clean(final), normalise.clean(built))
    return Imported(gen.target["uid"], module_name(gen.target["uid"]), source, tuple(gen.notes), fid,
                    gen.queries.translated, gen.queries.kept, time.perf_counter() - start, final)
