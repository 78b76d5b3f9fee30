"""OTel GenAI - Overview: is every app's LLM traffic healthy, and which provider or model is not?

For any app instrumented with the OpenTelemetry GenAI semantic conventions (settings genai_attributes,
genai_names, genai_job choose how its metrics are read).
"""

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import otel_genai as g
from llm_gateway_dashboards.panels.prices import load_prices


def dashboard(s):
    prices = load_prices(s.prices_file)
    return g.board(
        s, uid=g.OVERVIEW_UID, title="OTel GenAI - Overview",
        what="Golden signals of LLM calls (requests, errors, latency, tokens) and a provider/model scorecard.",
        rows=[
            kit.row("Golden signals",
                    g.requests_by_operation(s), g.error_ratio_by_type(s),
                    g.latency(s), g.token_throughput(s)),
            kit.row("Providers and models", g.scorecard(s, prices)),
        ],
    )
