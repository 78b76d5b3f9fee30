"""dashctl: compile dashboards to Grafana JSON and deliver them.

The public API is what `__all__` lists; every other module and name is private and may
change. Names load lazily, so `import dashctl` stays cheap.

    from dashctl import build, provision, push
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "build": "dashctl.builder:build",
    "BuildReport": "dashctl.builder:BuildReport",
    "Compiled": "dashctl.compile:Compiled",
    "compile_board": "dashctl.compile:compile_board",
    "provision": "dashctl.provisioner:provision",
    "push": "dashctl.pusher:push",
    "GrafanaClient": "dashctl.grafana_client:GrafanaClient",
    "Override": "dashctl.overrides:Override",
    "replace_panel": "dashctl.overrides:replace_panel",
    "add_panel": "dashctl.overrides:add_panel",
    "remove_panel": "dashctl.overrides:remove_panel",
    "DashctlError": "dashctl.errors:DashctlError",
    "BuildError": "dashctl.errors:BuildError",
    "ConfigError": "dashctl.errors:ConfigError",
    "RemoteError": "dashctl.errors:RemoteError",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    target = _PUBLIC.get(name)
    if target is None:
        raise AttributeError(f"module 'dashctl' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return __all__
