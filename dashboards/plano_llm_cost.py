"""Plano - LLM Cost: brightstaff's token counts priced with the model price file.

Brightstaff reports tokens but no money: each cost query multiplies a model's tokens by its
price from `settings.prices_file` (default: the shipped config/model_prices.yaml). Tokens of
unpriced models show in their own panel instead of costing 0.
"""

from llm_gateway_dashboards.panels import cost, kit
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import variables as v
from llm_gateway_dashboards.panels.prices import load_prices


def dashboard(s):
    prices = load_prices(s.prices_file)  # a malformed file stops the build, naming file, entry, field
    return kit.board(
        s, uid="plano-llm-cost", title="Plano - LLM Cost", folder=s.plano_folder,
        desc=f"What Plano's LLM traffic costs: brightstaff's tokens x list prices (price file version "
             f"{prices.version}, {len(prices.models)} models), by provider, model and token kind; each token billed "
             f"once (cached tokens inside an OpenAI-convention prompt only at the cache-read price; providers "
             f"{', '.join(s.prompt_excludes_cache) or '(none)'} report prompt without them).",
        variables=(v.provider(cost.TOKENS), v.model(cost.TOKENS)), tags=("plano", "llm", "cost"),
        links=p.llm_links(), marks=cost.price_versions(s, prices),
        rows=[
            kit.row("Spend",
                    cost.spend_total(s, prices, w=8), cost.spend_rate_now(s, prices, w=8),
                    cost.unpriced_total(s, prices, w=8),
                    cost.spend_rate_by_model(s, prices), cost.spend_by_model(s, prices)),
            kit.row("Providers and token kinds",
                    cost.spend_by_provider(s, prices), cost.spend_by_kind(s, prices),
                    cost.spend_rate_by_kind(s, prices, w=8)),
            kit.row("Per request, per token, and what the cache saves",
                    cost.cost_per_request(s, prices), cost.cost_per_1k_tokens(s, prices),
                    cost.cache_savings(s, prices)),
            kit.row("Coverage",
                    cost.unpriced_rate(s, prices), p.usage_missing(s)),
            kit.row("The SDK's own figures (another price file: never add)", cost.sdk_spend_by_service(s, w=24)),
            kit.row("Prices", cost.price_list(s, prices)),
        ],
    )
