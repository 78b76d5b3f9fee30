"""Plano - HTTP RED: brightstaff's rate, errors and duration, and the Envoy link in front of it."""

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import variables as v


def dashboard(s):
    return kit.board(
        s, uid="plano-http-red", title="Plano - HTTP RED", folder=s.plano_folder,
        desc="Rate, errors and duration of brightstaff's HTTP API, and what Envoy sees of it.",
        variables=(v.instance(p.BUILD_INFO),), tags=("plano", "brightstaff"),
        links=[kit.dashboard_link("Plano", ["plano"])], marks=[p.restarts(s)],
        rows=[
            kit.row("Rate",
                    p.http_rate_detail(s, w=18), p.http_error_ratio_stat(s, "5xx", w=6),
                    p.in_flight(s, w=18), p.http_error_ratio_stat(s, "4xx", w=6)),
            kit.row("Errors",
                    p.http_error_ratio_by_handler(s, "5xx"), p.http_error_ratio_by_handler(s, "4xx")),
            kit.row("Duration", p.http_duration(s)),
            kit.row("Envoy → brightstaff", p.envoy_link(s), p.envoy_response_classes(s)),
        ],
    )
