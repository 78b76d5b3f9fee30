"""What brightstaff's token kinds mean, per provider: the one place the token convention lives.

`kind="prompt"` follows the provider's API: OpenAI's `prompt_tokens` include the cached tokens
that are also counted as `cache_read`; Anthropic's `input_tokens` exclude them (and the cache
writes). Which providers follow Anthropic is `settings.prompt_excludes_cache`. So:

    uncached prompt = prompt - cache_read   (OpenAI convention, the default)
                    = prompt                (providers in prompt_excludes_cache)
    input tokens    = prompt                (OpenAI convention)
                    = prompt + cache_read + cache_write (providers in prompt_excludes_cache)

Everything is expressed as disjoint terms of one union, summed by the caller's labels: the
correction is the OpenAI-convention providers' cache_read series relabelled `kind="prompt"`
(marked `counted_in="prompt"`, so the union keeps it beside the real prompt series) and weighted
-1. A sum by kind then shows the uncached prompt; a sum over kinds counts each token once.
"""

from __future__ import annotations

from typing import Callable

import attrs

from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import BRIGHTSTAFF

TOKENS = BRIGHTSTAFF["brightstaff_llm_tokens_total"]


def tokens(**matchers) -> q.Sel:
    """Token selector that still honours the dashboard's provider/model variables."""
    return attrs.evolve(q.sel(TOKENS, **matchers), bind_explicit=True)


def _anthropic_style(s) -> str:
    return "|".join(q.regex_escape(p) for p in s.prompt_excludes_cache)


def cached_in_prompt(s, counter: Callable = q.rate, **matchers) -> q.Expr:
    """The cache_read tokens already inside `prompt` (OpenAI-convention providers), as kind="prompt"
    series marked counted_in="prompt": multiply by -1 (or -input price) to take them out again."""
    excl = _anthropic_style(s)
    extra = {"provider": q.nre(excl)} if excl else {}
    inner = counter(tokens(**{**matchers, "kind": "cache_read", **extra}))
    return q.label_set(q.label_set(inner, "kind", "prompt"), "counted_in", "prompt")


def by_kind_terms(s, counter: Callable = q.rate, **matchers) -> list[q.Expr]:
    """Terms whose sum by (..., kind) is tokens by kind with `prompt` = uncached prompt for every provider."""
    return [counter(tokens(**matchers)), cached_in_prompt(s, counter, **matchers) * -1]


def by_kind(s, by=("provider", "model", "kind"), counter: Callable = q.rate, **matchers) -> q.Expr:
    return q.add_disjoint(by_kind_terms(s, counter, **matchers), by)


def input_terms(s, counter: Callable = q.rate, **matchers) -> list[q.Expr]:
    """Terms whose sum is every prompt-side token once, cached or not."""
    excl = _anthropic_style(s)
    terms = [counter(tokens(**matchers, kind="prompt"))]
    if excl:
        terms.append(counter(tokens(**matchers, kind=q.one_of("cache_read", "cache_write"), provider=q.rx(excl))))
    return terms


def input_tokens(s, by=("provider", "model"), counter: Callable = q.rate) -> q.Expr:
    return q.add_disjoint(input_terms(s, counter), by)


def all_tokens(s, by=("provider", "model"), counter: Callable = q.rate) -> q.Expr:
    """Input (cached or not) plus completion tokens, each counted once."""
    return q.add_disjoint(input_terms(s, counter) + [counter(tokens(kind="completion"))], by)


def cache_read_share(s, by=("provider", "model"), counter: Callable = q.rate) -> q.Expr:
    """Share of input tokens served from the provider's prompt cache."""
    return q.ratio(q.sum_(counter(tokens(kind="cache_read")), by), input_tokens(s, by, counter))
