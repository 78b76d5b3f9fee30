"""Plano - Routing: model selection, fallbacks, decision latency, routing service and caches."""

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import variables as v


def dashboard(s):
    return kit.board(
        s, uid="plano-routing", title="Plano - Routing", folder=s.plano_folder,
        desc="How brightstaff routes: which models it selects, how often it falls back, how long deciding "
             "takes, the routing service's outcomes, the session cache and model-switch decisions.",
        variables=(v.instance(p.BUILD_INFO),), tags=("plano", "routing"),
        links=[kit.dashboard_link("Plano", ["plano"])], marks=[p.restarts(s)],
        rows=[
            kit.row("Decisions",
                    p.model_selection(s), p.fallback_ratio(s), p.decision_latency(s), p.routing_outcomes(s, w=12)),
            kit.row("Session cache",
                    p.session_cache_hit_stat(s, w=6), p.session_cache_events(s, w=18)),
            kit.row("Switches and skips", p.session_switch(s), p.router_skips(s)),
        ],
    )
