"""The panel kit: metric catalog, settings, query helpers, variables and panel factories.

Public: the names in `__all__` (and the modules kit, queries, variables, catalog):

    from llm_gateway_dashboards.panels import kit, queries as q, variables as v, catalog, Settings
"""

from llm_gateway_dashboards.panels import catalog, kit, queries, variables
from llm_gateway_dashboards.panels.catalog import Catalog, Metric, Source, default_catalog, register
from llm_gateway_dashboards.panels.settings import Settings, SettingsError, load_settings

__all__ = [
    "Catalog", "Metric", "Settings", "SettingsError", "Source", "catalog", "default_catalog", "kit",
    "load_settings", "queries", "register", "variables",
]
