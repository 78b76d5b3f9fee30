"""dashctl: compile dashboards to Grafana JSON and deliver them.

The public API is what `__all__` lists; every other module and name is private and may
change. Names load lazily, so `import dashctl` stays cheap.

    from llm_gateway_dashboards.dashctl import build, provision, push
"""

from __future__ import annotations

from llm_gateway_dashboards import lazy_exports

_PUBLIC = {
    "build": "llm_gateway_dashboards.dashctl.builder:build",
    "BuildReport": "llm_gateway_dashboards.dashctl.builder:BuildReport",
    "Compiled": "llm_gateway_dashboards.dashctl.compile:Compiled",
    "compile_board": "llm_gateway_dashboards.dashctl.compile:compile_board",
    "provision": "llm_gateway_dashboards.dashctl.provisioner:provision",
    "push": "llm_gateway_dashboards.dashctl.pusher:push",
    "GrafanaClient": "llm_gateway_dashboards.dashctl.grafana_client:GrafanaClient",
    "Override": "llm_gateway_dashboards.dashctl.overrides:Override",
    "replace_panel": "llm_gateway_dashboards.dashctl.overrides:replace_panel",
    "add_panel": "llm_gateway_dashboards.dashctl.overrides:add_panel",
    "remove_panel": "llm_gateway_dashboards.dashctl.overrides:remove_panel",
    "DashctlError": "llm_gateway_dashboards.dashctl.errors:DashctlError",
    "BuildError": "llm_gateway_dashboards.dashctl.errors:BuildError",
    "ConfigError": "llm_gateway_dashboards.dashctl.errors:ConfigError",
    "RemoteError": "llm_gateway_dashboards.dashctl.errors:RemoteError",
}
__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
