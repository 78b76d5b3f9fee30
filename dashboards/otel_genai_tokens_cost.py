"""OTel GenAI - Tokens and cost: how many tokens do calls use, per model, and what do they cost at the
prices the Plano cost dashboard uses (one price model, two sources)?"""

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import otel_genai as g
from llm_gateway_dashboards.panels.prices import load_prices


def dashboard(s):
    prices = load_prices(s.prices_file)
    return g.board(
        s, uid=g.TOKENS_UID, title="OTel GenAI - Tokens and cost", tags=("cost",),
        what=f"Input and output tokens per model, tokens per call, and USD from the price file (version "
             f"{prices.version}, {len(prices.models)} models).",
        rows=[
            kit.row("Tokens",
                    g.tokens_by_model(s), g.tokens_per_call(s)),
            kit.row("Cost",
                    g.spend_total(s, prices), g.spend_rate_by_model(s, prices, w=18),
                    g.spend_by_model(s, prices), g.unpriced_tokens(s, prices)),
        ],
    )
