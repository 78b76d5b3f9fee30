"""One dashboard compiled: `compile_board` reads the grafanalib objects into our model
(read.py) and writes the classic JSON (classic.py); `to_v2` writes the v2 resource of the same
model (v2.py). Output is sorted, indented JSON: the same sources give byte-identical bytes.
"""

from __future__ import annotations

import attrs
import grafanalib.core as g
import orjson

from llm_gateway_dashboards.dashctl.compile import classic, v2
from llm_gateway_dashboards.dashctl.compile import model as m
from llm_gateway_dashboards.dashctl.compile.read import Reader
from llm_gateway_dashboards.dashctl.errors import BuildError
from llm_gateway_dashboards.panels.catalog import Catalog, default_catalog
from llm_gateway_dashboards.panels.kit import Board
from llm_gateway_dashboards.panels.settings import SCHEMAS

JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


@attrs.frozen
class Compiled:
    """One dashboard ready to write: its classic model, the exact bytes of its file, and our model of it."""

    uid: str
    title: str
    folder: str
    model: dict = attrs.field(eq=False, hash=False, repr=False)
    data: bytes = attrs.field(repr=False)
    panel_count: int
    source: str = ""  # the module that declared it
    origin: str = "shipped"  # where that module was found (dashctl/discover.py)
    lint_exceptions: tuple = ()  # ((panel title, rule, reason), ...) from the Board, for `dashctl lint`
    board: m.Board | None = attrs.field(default=None, eq=False, hash=False, repr=False)  # v2 is emitted from it

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.uid}.json"


def dumps(model: dict) -> bytes:
    return orjson.dumps(model, option=JSON_OPTIONS) + b"\n"


def compile_board(board: Board, settings, catalog: Catalog | None = None, source: str = "",
                  origin: str = "shipped") -> Compiled:
    """One dashboard -> Compiled (model + bytes). Raises BuildError naming dashboard, panel, field."""
    if not isinstance(board, g.Dashboard):
        raise BuildError(f"expected a Dashboard, got {type(board).__name__}", dashboard=source)
    catalog = catalog or default_catalog(settings.spanmetrics_namespace)
    reader = Reader(board, settings, catalog)
    ours = reader.board_model(getattr(board, "folder", "General") or "General")
    model = classic.emit(ours)
    return Compiled(board.uid, board.title, ours.folder, model, dumps(model), reader.panel_count, source, origin,
                    tuple(tuple(e) for e in getattr(board, "lint_exceptions", ())), ours)


def to_v2(compiled: Compiled, api_version: str = v2.API_VERSION) -> dict:
    """The `dashboard.grafana.app/<api_version>` resource ("v2", Grafana 13; "v2beta1", Grafana 12.x and 13)
    of a compiled dashboard: what `build --schema v2` writes and a resource-API push sends."""
    if compiled.board is None:
        raise BuildError("compiled without our model: rebuild it with compile_board to emit v2",
                         dashboard=compiled.uid)
    return v2.emit(compiled.board, api_version)


def file_bytes(compiled: Compiled, schema: str = "v1") -> bytes:
    """The bytes of a dashboard's file in `schema`: the classic model (v1), or its v2 resource."""
    if schema == "v1":
        return compiled.data
    if schema == "v2":
        return dumps(to_v2(compiled))
    raise ValueError(f"schema {schema!r}: one of {', '.join(SCHEMAS)}")
