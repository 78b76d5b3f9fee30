"""The panel kit: metric catalog, settings, query helpers, variables and panel factories.

Public: the names in `__all__` (and the modules kit, queries, variables, catalog):

    from panels import kit, queries as q, variables as v, catalog, Settings
"""

from panels import catalog, kit, queries, variables
from panels.catalog import Catalog, Metric, Source, default_catalog, register
from panels.settings import Settings, SettingsError, load_settings

__all__ = [
    "Catalog", "Metric", "Settings", "SettingsError", "Source", "catalog", "default_catalog", "kit",
    "load_settings", "queries", "register", "variables",
]
