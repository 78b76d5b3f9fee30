"""Cost from tokens and a price file: brightstaff counts tokens, never money.

The price file becomes a table of constant series, one per model and token kind, valued at the
price in USD per million tokens exactly as the file gives it; every token series is multiplied by
its row (`* on (model, kind) group_left`), then summed by what the panel shows and scaled once:

    USD/hour        sum by (provider, model) (rate(tokens[..]) * on (model, kind) group_left ()
                                              (label_replace(label_replace(vector(10), "model", "gpt-4o", ..),
                                                             "kind", "completion", ..) or ...)) * 3600 / 1000000
    USD over range  the same over the tokens' growth in the range (series born inside it counted) / 1000000

Cache-read and cache-write tokens cost the model's input price unless the file gives a cache
price. The token convention (panels/tokens.py) applies: for OpenAI-convention providers `prompt`
already holds the cached tokens, so each model gets one more term, its cache_read tokens counted
inside prompt (relabelled kind="prompt") times minus the input price: every token is billed once,
prompt at the input price for the uncached part only. Tokens of models the file does not price,
and of token kinds it cannot price, are never counted as 0 USD: `unpriced_tokens` lists them for
their own panel.
"""

from __future__ import annotations

from typing import Callable

from llm_gateway_dashboards.panels import kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import tokens as tk
from llm_gateway_dashboards.panels.catalog import LLM, TOKEN_KINDS
from llm_gateway_dashboards.panels.prices import PriceList

TOKENS = tk.TOKENS
PER_MILLION = 1_000_000
HOUR = 3600
MODEL = ("provider", "model")
_tokens = tk.tokens


def price_table(prices: PriceList, price_of: Callable | None = None) -> q.Expr:
    """The price file as constant series, one per (model, kind), labelled model and kind:
    `label_replace(label_replace(vector(2.5), "model", "gpt-4o", ...), "kind", "prompt", ...) or ...`.
    `price_of(model_price, kind)` overrides the price (None leaves the pair out)."""
    terms = []
    for m in prices.models:
        for kind, price in m.per_kind().items():
            price = price if price_of is None else price_of(m, kind)
            if price is not None:
                terms.append(q.label_set(q.label_set(q.Vector(price), "model", m.model), "kind", kind))
    return q.or_all(terms)


def priced(tokens: q.Expr, table: q.Expr) -> q.Expr:
    """tokens * on (model, kind) group_left table: each token series at its model and kind's price;
    tokens no price applies to have no match and drop out (they show in their own panel)."""
    return q.Bin("*", tokens, table, on=("model", "kind"), group="group_left")


def price_terms(prices: PriceList, counter: Callable = q.rate, s=None) -> list[q.Expr]:
    """Token counts times their price, and, with the settings' token convention, the cache_read tokens
    counted inside an OpenAI-convention prompt (relabelled kind="prompt") at minus the input price."""
    terms = [priced(counter(_tokens()), price_table(prices))]
    if s is not None:
        prompt_only = price_table(prices, lambda m, kind: m.input_price_per_1m if kind == "prompt" else None)
        terms.append(priced(tk.cached_in_prompt(s, counter), prompt_only) * -1)
    return terms


def spend_rate(prices: PriceList, by=MODEL, s=None) -> q.Expr:
    """USD per hour, by the given labels."""
    return q.sum_(q.or_all(price_terms(prices, q.rate, s)), by) * HOUR / PER_MILLION


def spend(prices: PriceList, by=MODEL, s=None) -> q.Expr:
    """USD over the selected range, by the given labels (series born inside it counted)."""
    return q.sum_(q.or_all(price_terms(prices, q.grown, s)), by) / PER_MILLION


def unpriced_tokens(prices: PriceList, s, by=MODEL + ("kind",), counter: Callable = q.rate) -> q.Expr:
    """Tokens no price applies to: models missing from the file, and token kinds it cannot price;
    each token once (the cache reads inside an OpenAI-convention `prompt` taken out again)."""
    unpriced = q.nre("|".join(q.regex_escape(name) for name in prices.names))
    return q.sum_(q.or_all([counter(_tokens(model=unpriced)),
                            counter(_tokens(kind=q.nre("|".join(TOKEN_KINDS)))),
                            tk.cached_in_prompt(s, counter, model=unpriced) * -1]), by)


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
        "Spend (selected range)", kit.target(spend(prices, (), s), "USD", instant=True),
        unit="currencyUSD", w=w, h=5, graph=False, decimals=2,
        desc="USD spent on priced models over the selected range: tokens x list price, each token once (the "
             "cached tokens inside an OpenAI-convention prompt count at the cache-read price only). Tokens without "
             "a price are not in it (see that panel); responses without usage add no tokens, so it is a lower bound.")


def spend_rate_now(s, prices: PriceList, w=6):
    return kit.stat(
        "Spend rate now (USD/hour)", kit.target(spend_rate(prices, (), s), "USD/hour"),
        unit="currencyUSD", w=w, h=5, decimals=2,
        desc="Current spending speed in USD per hour, from the last point of the token rate; the "
             "sparkline shows its course over the range.")


def unpriced_total(s, prices: PriceList, w=6):
    return kit.stat(
        "Tokens without a price (selected range)",
        kit.target(unpriced_tokens(prices, s, (), q.grown).or_(q.Vector(0)), "tokens",
                   instant=True),
        unit="suffix: tok", w=w, h=5, graph=False, decimals=0, thresholds=((None, kit.GREEN), (1, kit.ORANGE)),
        desc="Tokens over the selected range that no price applies to, so missing from the spend. Orange "
             "when any: add their models to the price file.")


def spend_rate_by_model(s, prices: PriceList, w=12):
    return kit.timeseries(
        "Spend rate by provider / model (USD/hour)",
        kit.target(spend_rate(prices, MODEL, s), "{{provider}}/{{model}}"), unit="currencyUSD", w=w, h=9, stack=True,
        desc="USD per hour per provider and model, stacked: the height is the total burn rate. Prompt, "
             "completion and cache tokens each at their own price.")


def spend_by_model(s, prices: PriceList, w=12):
    return kit.bargauge(
        "Spend by provider / model (selected range)",
        kit.target(spend(prices, MODEL, s), "{{provider}}/{{model}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="USD each provider and model cost over the selected range, largest first.")


def spend_by_provider(s, prices: PriceList, w=8):
    return kit.piechart(
        "Spend by provider (selected range)",
        kit.target(spend(prices, ("provider",), s), "{{provider}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="Each provider's share of the USD spent over the selected range.")


def spend_by_kind(s, prices: PriceList, w=8):
    return kit.piechart(
        "Prompt vs completion spend (selected range)",
        kit.target(spend(prices, ("kind",), s), "{{kind}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="USD over the selected range by token kind: prompt (the uncached input, at the input price), "
             "completion (output), cache_read and cache_write at their cache prices. A large prompt share: long "
             "contexts; prompt caching would cut it.")


def spend_rate_by_kind(s, prices: PriceList, w=16):
    return kit.timeseries(
        "Spend rate by token kind (USD/hour)", kit.target(spend_rate(prices, ("kind",), s), "{{kind}}"),
        unit="currencyUSD", w=w, h=9, stack=True,
        desc="USD per hour by token kind, stacked: what prompts, completions and cache traffic cost.")


def unpriced_rate(s, prices: PriceList, w=12):
    return kit.timeseries(
        "Tokens without a price",
        kit.target(unpriced_tokens(prices, s), "{{provider}}/{{model}} {{kind}}"), unit="suffix: tok/s", w=w, h=9,
        desc="Tokens per second of models the price file does not list (or of token kinds it cannot price): "
             "they are not in any spend panel. Should be empty; add a line per model to the price file.")


# --- what the cache saves and what a request costs ---------------------------------------------
def _saving(m, kind):
    """USD per million cache_read tokens the cache saves on a model (None where it saves nothing)."""
    saved = m.input_price_per_1m - m.per_kind()["cache_read"]
    return saved if kind == "cache_read" and saved > 0 else None


def cache_savings(s, prices: PriceList, w=8):
    if any(_saving(m, "cache_read") for m in prices.models):
        table = price_table(prices, _saving)
        expr = q.sum_(priced(q.grown(_tokens(kind="cache_read")), table), MODEL) / PER_MILLION
    else:
        expr = q.Vector(0)
    return kit.bargauge(
        "Prompt cache savings by provider / model (selected range)",
        kit.target(expr, "{{provider}}/{{model}}", instant=True), unit="currencyUSD", w=w, h=9,
        desc="USD the provider's prompt cache saved over the selected range: cache_read tokens x (input price - "
             "cache-read price), per model whose price file entry has a cheaper cache price. Largest first.")


def _per(numerator: q.Expr, denominator: q.Expr) -> q.Expr:
    return numerator / q.Bin(">", denominator, q.Num(0))


def cost_per_request(s, prices: PriceList, w=8):
    from llm_gateway_dashboards.panels import plano

    requests = plano.upstream_total_expr(MODEL, q.grown)
    return kit.bargauge(
        "Cost per request by provider / model (selected range)",
        kit.target(_per(spend(prices, MODEL, s), requests), "{{provider}}/{{model}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD per upstream request over the selected range: spend / requests (each request once, stream "
             "copies left out; failed requests count as requests). Largest first.")


def cost_per_1k_tokens(s, prices: PriceList, w=8):
    tokens = tk.all_tokens(s, MODEL, q.grown)
    return kit.bargauge(
        "Cost per 1,000 tokens by provider / model (selected range)",
        kit.target(_per(spend(prices, MODEL, s) * 1000, tokens), "{{provider}}/{{model}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD per 1,000 tokens (input, cached or not, plus completion; each token once by the provider's "
             "convention) over the selected range. Largest first.")


SDK_COST = LLM["llm_cost_usd_micro_total"]


def sdk_spend_by_service(s, w=12):
    return kit.bargauge(
        "SDK-reported spend by service (selected range)",
        kit.target(q.range_total(SDK_COST, ("service_name",)) / PER_MILLION, "{{service_name}}", instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="USD the LLM instrumentation SDK reports per service (its micro-USD counter / 1e6), priced with the "
             "SDK's own price file (gpt-4o at 5/15 USD, two models): a different source and different prices "
             "than the panels above. Never add the two. Calls without a price match record no cost.")


# --- annotations -----------------------------------------------------------------------------------
def _version_time(version: str) -> int | None:
    import datetime

    try:
        day = datetime.date.fromisoformat(version)
    except ValueError:
        return None
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp())


def price_versions(s, prices: PriceList):
    """One mark per dated price-file version, at its date (versions that are not dates get none)."""
    out = []
    for version in sorted({m.version for m in prices.models}):
        at = _version_time(version)
        if at is None:
            continue
        models = ", ".join(m.model for m in prices.models if m.version == version)
        near = q.Bin("<", q.Call("abs", (q.Bin("-", q.Call("vector", (q.Call("time"),)), q.Num(at)),)), q.Num(60))
        out.append(kit.annotation(f"price file {version}", near, f"prices version {version}",
                                  f"model prices of this version: {models}", kit.BLUE))
    return out
