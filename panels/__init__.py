"""The panel kit: metric catalog, settings, query helpers, variables and panel factories.

Public: the names in `__all__` (and the modules kit, queries, variables, catalog):

    from llm_gateway_dashboards.panels import kit, queries as q, variables as v, catalog, Settings

Every name loads on first use, so importing one module of the package (the settings, say)
does not import grafanalib through the kit.
"""

from __future__ import annotations

from llm_gateway_dashboards import lazy_exports

_PUBLIC = {
    "catalog": "llm_gateway_dashboards.panels.catalog",
    "kit": "llm_gateway_dashboards.panels.kit",
    "queries": "llm_gateway_dashboards.panels.queries",
    "variables": "llm_gateway_dashboards.panels.variables",
    "Catalog": "llm_gateway_dashboards.panels.catalog:Catalog",
    "Metric": "llm_gateway_dashboards.panels.catalog:Metric",
    "Source": "llm_gateway_dashboards.panels.catalog:Source",
    "default_catalog": "llm_gateway_dashboards.panels.catalog:default_catalog",
    "register": "llm_gateway_dashboards.panels.catalog:register",
    "Settings": "llm_gateway_dashboards.panels.settings:Settings",
    "SettingsError": "llm_gateway_dashboards.panels.settings:SettingsError",
    "load_settings": "llm_gateway_dashboards.panels.settings:load_settings",
}
__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
