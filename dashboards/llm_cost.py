"""LLM Cost: what the SDK-instrumented LLM calls cost, per service and model (SDK uid kept)."""

from llm_gateway_dashboards.panels import kit, llm


def dashboard(s):
    return kit.board(
        s, uid="llm-cost-dashboard", title="LLM Cost", folder=s.llm_folder,
        desc="USD spent on LLM calls as the instrumentation SDK prices them (its micro-USD cost counter / 1e6): "
             "totals over the selected range, burn rate, and who spends it.",
        variables=llm.variables(s), marks=[llm.restarts(s)], tags=("llm", "llm-observability", "cost"),
        links=[kit.dashboard_link("LLM Observability", ["llm-observability"])],
        rows=[
            kit.row("Spend",
                    llm.cost_total(s, w=12), llm.cost_rate_stat(s, w=12),
                    llm.cumulative_cost(s)),
            kit.row("Where it goes",
                    llm.cost_by_model(s), llm.cost_by_service(s), llm.cost_per_call(s),
                    llm.cost_rate(s, w=24)),
            kit.row("Top spenders", llm.top_spenders(s)),
            kit.row("Forecast", llm.forecast_band(s)),
        ],
    )
