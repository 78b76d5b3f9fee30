"""llm-gateway-dashboards: Grafana dashboards as code for LLM gateways.

    from llm_gateway_dashboards.panels import kit, queries as q, catalog
    from llm_gateway_dashboards.dashctl import build, push, provision
"""

import importlib
import sys


def lazy_exports(package: str, public: dict[str, str]):
    """`(__getattr__, __dir__)` for a package whose public names load on first use (PEP 562), so
    importing one of its modules does not import them all: `public` maps each name to
    "module" (the name is that module) or "module:attribute"."""

    def __getattr__(name: str):
        target = public.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = target.partition(":")
        value = importlib.import_module(module)
        if attr:
            value = getattr(value, attr)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(public)

    return __getattr__, __dir__
