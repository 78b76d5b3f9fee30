"""LLM Latency & TTFT: how fast the SDK-instrumented LLM calls answer, per model.

Keeps the SDK's uid, so it replaces the SDK's own dashboard in place.
"""

from llm_gateway_dashboards.panels import kit, llm


def dashboard(s):
    return kit.board(
        s, uid="llm-latency-ttft-dashboard", title="LLM Latency & TTFT", folder=s.llm_folder,
        desc="End-to-end latency and time to first token of LLM calls per model (LLM instrumentation SDK), "
             "with the traffic and token throughput that explain them.",
        variables=llm.variables(s), marks=[llm.restarts(s)], tags=("llm", "llm-observability"),
        links=[kit.dashboard_link("LLM Observability", ["llm-observability"])],
        rows=[
            kit.row("Latency",
                    llm.latency(s), llm.ttft(s),
                    llm.avg_latency_vs_ttft(s), llm.time_per_output_token(s)),
            kit.row("Traffic and throughput",
                    llm.request_rate(s), llm.token_rate(s)),
        ],
    )
