"""Plano - Requests Overview: the upstream demo's six trace-derived panels, fixed, plus error ratio.

Same uid as the observability demo's dashboard, so it replaces it in place. Spanmetrics names
follow the `spanmetrics_namespace` setting; the rate-limit panel reads every name in
`ratelimit_metrics`.
"""

from llm_gateway_dashboards.panels import kit, signals, spans
from llm_gateway_dashboards.panels import plano as p


def dashboard(s):
    return kit.board(
        s, uid="plano-requests-overview", title="Plano - Requests Overview", folder=s.plano_folder,
        desc="Plano gateway traffic from its traces (OpenTelemetry collector spanmetrics) and Envoy's "
             "rate limiter: requests per model, agent and service, latency, errors and rate limiting.",
        tags=("plano", "llm", "observability"), links=p.llm_links(),
        rows=[
            kit.row("Golden signals", *signals.span_golden_signals(s)),
            kit.row("Requests",
                    spans.llm_requests_by_model(s), spans.agent_requests_by_agent(s),
                    spans.requests_by_service(s), spans.ratelimited(s)),
            kit.row("Latency and volume",
                    spans.llm_latency(s), spans.llm_request_count(s)),
            kit.row("Errors", spans.error_ratio_by_service(s)),
        ],
    )
