"""Plano - LLM upstream: traffic, errors, latency, TTFT and tokens per provider and model."""

from panels import kit
from panels import plano as p
from panels import variables as v


def dashboard(s):
    return kit.board(
        s, uid="plano-llm-upstream", title="Plano - LLM upstream", folder=s.plano_folder,
        desc="What brightstaff's LLM providers do: request rate, errors (status and transport), latency, "
             "time to first token, tokens and prompt caching.",
        variables=(v.instance(p.BUILD_INFO), v.provider(p.UPSTREAM), v.model(p.UPSTREAM)),
        tags=("plano", "llm"), links=[kit.dashboard_link("Plano", ["plano"])],
        rows=[
            kit.row("Traffic and errors",
                    p.upstream_rate(s), p.upstream_errors(s), p.upstream_error_ratio(s, w=24)),
            kit.row("Latency", p.upstream_latency(s), p.ttft(s)),
            kit.row("Tokens and caching",
                    p.tokens_rate(s, w=24, by=("kind",), title="Tokens per second by kind"),
                    p.tokens_rate(s), p.prompt_cache_hit_ratio(s), p.usage_missing(s, w=24)),
        ],
    )
