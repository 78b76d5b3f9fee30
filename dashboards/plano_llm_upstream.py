"""Plano - LLM upstream: traffic, errors, latency, TTFT and tokens per provider and model."""

from llm_gateway_dashboards.panels import kit, scorecard
from llm_gateway_dashboards.panels import plano as p
from llm_gateway_dashboards.panels import variables as v
from llm_gateway_dashboards.panels.prices import load_prices


def dashboard(s):
    prices = load_prices(s.prices_file)
    return kit.board(
        s, uid="plano-llm-upstream", title="Plano - LLM upstream", folder=s.plano_folder,
        desc="What brightstaff's LLM providers do: a scorecard per provider and model, request rate, errors "
             "(status, transport and stream), latency, time to first byte, Envoy's streaming TTFT and token "
             "estimates, tokens and prompt caching.",
        variables=(v.instance(p.BUILD_INFO), v.provider(p.UPSTREAM), v.model(p.UPSTREAM)),
        tags=("plano", "llm"), links=p.llm_links(), marks=[p.restarts(s)],
        rows=[
            kit.row("Scorecard", scorecard.scorecard(s, prices)),
            kit.row("Traffic and errors",
                    p.upstream_rate(s), p.upstream_errors(s), p.upstream_error_ratio(s, w=24)),
            kit.row("Latency", p.upstream_latency(s), p.ttft(s)),
            kit.row("Envoy LLM filter (all models; token counts are estimates)",
                    p.envoy_streaming_ttft(s), p.envoy_time_per_output_token(s), p.envoy_request_latency(s),
                    p.envoy_tokens_per_second(s), p.envoy_sequence_lengths(s)),
            kit.row("Tokens and caching",
                    p.tokens_rate(s, w=24, by=("kind",), title="Tokens per second by kind"),
                    p.tokens_rate(s), p.usage_missing(s),
                    p.prompt_cache_read_share(s), p.prompt_cache_active(s)),
        ],
    )
