"""llm-gateway-dashboards: Grafana dashboards as code for LLM gateways.

    from llm_gateway_dashboards.panels import kit, queries as q, catalog
    from llm_gateway_dashboards.dashctl import build, push, provision
"""
