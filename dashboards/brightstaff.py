"""Brightstaff (Plano dataplane): the 15 panels of the upstream overview, each improved, plus the
newer metrics it had no panel for, under the golden signals, the SLO and a provider/model
scorecard. Same uid: replaces the upstream one in place."""

from llm_gateway_dashboards.panels import kit, scorecard, signals
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import variables as v
from llm_gateway_dashboards.panels.prices import load_prices


def dashboard(s):
    prices = load_prices(s.prices_file)
    return kit.board(
        s, uid="brightstaff", title="Brightstaff (Plano dataplane)", folder=s.plano_folder,
        desc="Plano's brightstaff dataplane at a glance: golden signals, SLO, provider/model scorecard, HTTP RED, "
             "LLM upstreams, routing, process and Envoy link.",
        variables=(v.instance(p.BUILD_INFO), v.provider(p.UPSTREAM), v.model(p.UPSTREAM)),
        tags=("plano", "brightstaff"), links=[kit.dashboard_link("Plano", ["plano"])],
        marks=[p.restarts(s)], lint_exceptions=signals.slo_lint_exceptions(s),
        rows=[
            kit.row("Golden signals", *signals.golden_signals(s)),
            kit.row("LLM upstream SLO", *signals.slo_row(s)),
            kit.row("Providers and models", scorecard.scorecard(s, prices)),
            kit.row("HTTP RED",
                    p.http_rate_by_handler(s), p.http_error_ratio_stat(s, "5xx", w=12),
                    p.http_duration(s), p.in_flight(s, w=24)),
            kit.row("LLM upstream",
                    p.upstream_latency(s, qs=(0.95,), title="LLM upstream p95 by provider / model"),
                    p.upstream_errors(s),
                    p.ttft(s, qs=(0.95,), title="Time to first byte p95 (every response with a body)"),
                    p.upstream_error_ratio(s),
                    p.tokens_rate(s), p.usage_missing(s),
                    p.prompt_cache_read_share(s), p.prompt_cache_active(s)),
            kit.row("Routing service",
                    p.model_selection(s), p.fallback_ratio(s),
                    p.decision_latency(s), p.session_cache_hit_stat(s), p.routing_outcomes(s),
                    p.session_switch(s), p.router_skips(s)),
            kit.row("Process & Envoy link",
                    p.envoy_link(s), p.process_rss_cpu(s), p.build_version(s, w=12), p.process_uptime(s, w=12)),
        ],
    )
