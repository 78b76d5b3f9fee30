"""Our model of one compiled dashboard: what read.py takes from the grafanalib objects, what the
emitters (classic.py: the v1 JSON model, v2.py: the dashboard.grafana.app/v2 resource) write.

Frozen and schema-neutral: positions are the absolute 24-column grid (v2 makes them relative to
their row), queries are rendered PromQL, ids and refIds are assigned. The JSON-shaped members
(`options`, `FieldConfig.defaults`, `overrides`, transformations, links) are Grafana's own panel
vocabulary, the same in v1 and v2 (v2 puts them under `vizConfig`); they are never mutated after
read. `patches` are the `panels.imported.extra` escape hatch of an imported object: JSON the
classic emitter merges into what it writes (v1 JSON by definition).
"""

from __future__ import annotations

import attrs

GRID_COLUMNS = 24


@attrs.frozen
class Datasource:
    type: str
    uid: str


@attrs.frozen
class Grid:
    """A position on the 24-column grid, absolute (y counts from the top of the dashboard)."""

    x: int
    y: int
    w: int
    h: int


@attrs.frozen
class Query:
    """One Prometheus query of a panel (a v1 target, a v2 PanelQuery)."""

    ref_id: str
    expr: str
    legend: str
    instant: bool
    datasource: Datasource
    table: bool = False  # format "table" (instant tables) instead of time series


@attrs.frozen
class FieldConfig:
    defaults: dict
    overrides: tuple = ()


@attrs.frozen
class Panel:
    id: int
    type: str
    title: str
    description: str | None
    grid: Grid
    queries: tuple[Query, ...] = ()
    datasource: Datasource | dict | None = None  # the panel's datasource (a dict: as a foreign panel set it)
    options: dict = attrs.field(factory=dict)
    field_config: FieldConfig | None = None  # None: the panel type has none (text)
    links: tuple = ()
    transformations: tuple = ()
    patches: tuple = ()


@attrs.frozen
class Row:
    """A row header and the panels under it (in screen order, whether collapsed or not)."""

    id: int
    title: str
    collapsed: bool
    grid: Grid
    panels: tuple[Panel, ...] = ()
    patches: tuple = ()


@attrs.frozen
class DatasourceVariable:
    name: str
    label: str
    plugin: str  # the datasource type offered
    current_text: str
    current_value: str


@attrs.frozen
class QueryVariable:
    """label_values(<selector>, <label>) on the dashboard's datasource."""

    name: str
    label: str
    definition: str
    datasource: Datasource
    multi: bool
    include_all: bool
    all_value: str | None = None


@attrs.frozen
class Annotation:
    """Grafana's built-in annotation (`builtin`) or a Prometheus query drawn as marks."""

    name: str
    datasource: Datasource
    enable: bool
    icon_color: str
    hide: bool | None = None  # None: not written (Grafana's default, shown)
    builtin: bool = False
    expr: str = ""
    interval: str = ""
    ref_id: str = "Anno"
    title_format: str | None = None  # the Prometheus annotation editor's title/text templates
    text_format: str | None = None


@attrs.frozen
class Board:
    uid: str
    title: str
    folder: str
    description: str
    tags: tuple[str, ...]
    links: tuple  # dashboard links, Grafana's DashboardLink objects
    refresh: str
    time_from: str
    time_to: str
    timezone: str
    graph_tooltip: int  # 0 off, 1 shared crosshair, 2 shared tooltip
    schema_version: int  # of the v1 model
    items: tuple[Panel | Row, ...]  # screen order: loose panels and rows (each with its panels)
    variables: tuple[DatasourceVariable | QueryVariable, ...]
    annotations: tuple[Annotation, ...]
    patches: tuple = ()

    def panels(self):
        """Every panel, rows' panels included, in screen order (rows themselves left out)."""
        for item in self.items:
            if isinstance(item, Row):
                yield from item.panels
            else:
                yield item
