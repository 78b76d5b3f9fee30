"""Cost from tokens and a price file: brightstaff counts tokens, never money.

For every priced model, one term per price: the model's token counter (of the token kinds
billed at that price) times the price in USD per million tokens, exactly as the file gives it.
The terms are joined with `or` (each has its own model and kind labels, so all survive), then
summed by what the panel shows and scaled once:

    USD/hour        sum by (provider, model) (rate(tokens{model="gpt-4o", kind="completion"}[..]) * 10
                                              or ...) * 3600 / 1000000
    USD over range  sum by (provider, model) (increase(tokens{...}[$__range]) * 10 or ...) / 1000000

Cache-read and cache-write tokens cost the model's input price unless the file gives a cache
price. Tokens of models the file does not price, and of token kinds it cannot price, are never
counted as 0 USD: `unpriced_tokens` lists them for their own panel.
"""

from __future__ import annotations

from typing import Callable

import attrs

from panels import kit
from panels import queries as q
from panels.catalog import BRIGHTSTAFF, TOKEN_KINDS
from panels.prices import PriceList

TOKENS = {m.name: m for m in BRIGHTSTAFF.metrics}["brightstaff_llm_tokens_total"]
PER_MILLION = 1_000_000
HOUR = 3600
MODEL = ("provider", "model")


def _tokens(**matchers) -> q.Sel:
    """Token selector that still honours the dashboard's model/provider variables."""
    return attrs.evolve(q.sel(TOKENS, **matchers), bind_explicit=True)


def price_terms(prices: PriceList, counter: Callable = q.rate) -> list[q.Expr]:
    """counter(tokens of a model's kinds at one price) * that price, per model and distinct price."""
    terms = []
    for m in prices.models:
        kinds_at: dict[float, list[str]] = {}
        for kind, price in m.per_kind().items():
            kinds_at.setdefault(price, []).append(kind)
        for price, kinds in kinds_at.items():
            kind = kinds[0] if len(kinds) == 1 else q.one_of(*kinds)
            terms.append(counter(_tokens(model=m.model, kind=kind)) * q.Num(price))
    return terms


def spend_rate(prices: PriceList, by=MODEL) -> q.Expr:
    """USD per hour, by the given labels."""
    return q.sum_(q.or_all(price_terms(prices, q.rate)), by) * HOUR / PER_MILLION


def spend(prices: PriceList, by=MODEL) -> q.Expr:
    """USD over the selected range, by the given labels."""
    return q.sum_(q.or_all(price_terms(prices, q.increase)), by) / PER_MILLION


def unpriced_tokens(prices: PriceList, by=MODEL + ("kind",), counter: Callable = q.rate) -> q.Expr:
    """Tokens no price applies to: models missing from the file, and token kinds it cannot price."""
    priced = "|".join(q.regex_escape(name) for name in prices.names)
    return q.sum_(q.or_all([counter(_tokens(model=q.nre(priced))),
                            counter(_tokens(kind=q.nre("|".join(TOKEN_KINDS))))]), by)


# --- panels of the Plano - LLM Cost dashboard --------------------------------------------------
def _money(v) -> str:
    return "" if v is None else f"{v:g}"


def price_list(s, prices: PriceList, w=24):
    n = len(prices.models)
    rows = "\n".join(f"| {m.model} | {m.provider} | {_money(m.input_price_per_1m)} | "
                     f"{_money(m.output_price_per_1m)} | {_money(m.cache_read_price_per_1m) or '= input'} | "
                     f"{_money(m.cache_write_price_per_1m) or '= input'} | {m.version} |" for m in prices.models)
    where = s.prices_file or "config/model_prices.yaml (shipped)"
    content = (f"Costs below are computed from token counts and the price file `{where}`, version "
               f"**{prices.version}**, {n} models (USD per million tokens):\n\n"
               "| model | provider | input | output | cache read | cache write | version |\n"
               "|---|---|---|---|---|---|---|\n" + rows)
    return kit.text(f"Prices: version {prices.version} ({n} models)", content, w=w, h=n + 4,
                    desc="The model prices the cost queries of this dashboard were built with: edit the price "
                         "file and rebuild to change them.")


def spend_total(s, prices: PriceList, w=6):
    return kit.stat(
        "Spend (selected range)", kit.target(spend(prices, ()), "USD", instant=True),
        unit="currencyUSD", w=w, h=5, graph=False, decimals=2,
        desc="USD spent on priced models over the selected range: tokens x list price. Tokens without a "
             "price are not in it (see that panel).")


def spend_rate_now(s, prices: PriceList, w=6):
    return kit.stat(
        "Spend rate now (USD/hour)", kit.target(spend_rate(prices, ()), "USD/hour"),
        unit="currencyUSD", w=w, h=5, decimals=2,
        desc="Current spending speed in USD per hour, from the last point of the token rate; the "
             "sparkline shows its course over the range.")


def unpriced_total(s, prices: PriceList, w=6):
    return kit.stat(
        "Tokens without a price (selected range)",
        kit.target(unpriced_tokens(prices, (), q.increase).or_(q.Vector(0)), "tokens",
                   instant=True),
        unit="short", w=w, h=5, graph=False, decimals=0, thresholds=((None, kit.GREEN), (1, kit.ORANGE)),
        desc="Tokens over the selected range that no price applies to, so missing from the spend. Orange "
             "when any: add their models to the price file.")


def spend_rate_by_model(s, prices: PriceList, w=12):
    return kit.timeseries(
        "Spend rate by provider / model (USD/hour)",
        kit.target(spend_rate(prices), "{{provider}}/{{model}}"), unit="currencyUSD", w=w, h=9, stack=True,
        desc="USD per hour per provider and model, stacked: the height is the total burn rate. Prompt, "
             "completion and cache tokens each at their own price.")


def spend_by_model(s, prices: PriceList, w=12):
    return kit.bargauge(
        "Spend by provider / model (selected range)",
        kit.target(spend(prices), "{{provider}}/{{model}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="USD each provider and model cost over the selected range.")


def spend_by_provider(s, prices: PriceList, w=8):
    return kit.piechart(
        "Spend by provider (selected range)",
        kit.target(spend(prices, ("provider",)), "{{provider}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="Each provider's share of the USD spent over the selected range.")


def spend_by_kind(s, prices: PriceList, w=8):
    return kit.piechart(
        "Prompt vs completion spend (selected range)",
        kit.target(spend(prices, ("kind",)), "{{kind}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="USD over the selected range by token kind: prompt (input), completion (output), cache_read and "
             "cache_write. A large prompt share: long contexts; prompt caching would cut it.")


def spend_rate_by_kind(s, prices: PriceList, w=16):
    return kit.timeseries(
        "Spend rate by token kind (USD/hour)", kit.target(spend_rate(prices, ("kind",)), "{{kind}}"),
        unit="currencyUSD", w=w, h=9, stack=True,
        desc="USD per hour by token kind, stacked: what prompts, completions and cache traffic cost.")


def unpriced_rate(s, prices: PriceList, w=12):
    return kit.timeseries(
        "Tokens without a price",
        kit.target(unpriced_tokens(prices), "{{provider}}/{{model}} {{kind}}"), unit="short", w=w, h=9,
        desc="Tokens per second of models the price file does not list (or of token kinds it cannot price): "
             "they are not in any spend panel. Should be empty; add a line per model to the price file.")
