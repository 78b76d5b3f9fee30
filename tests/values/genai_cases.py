"""The OTel GenAI dashboards' cases, per attribute generation: `new` shows the apps that write
gen_ai_provider_name, `old` those that write gen_ai_system, `both` every app, each call once.
values/cases.py checks the `new` build (the default settings, so the mutation test covers it too);
tests/test_otel_genai.py builds `old` and `both` and checks them on the same Prometheus."""

from __future__ import annotations

from llm_gateway_dashboards.panels import otel_genai as g
from llm_gateway_dashboards.panels.catalog import (
    GENAI_DURATION_BUCKETS,
    GENAI_SERVER_TPOT_BUCKETS,
    GENAI_SERVER_TTFT_BUCKETS,
)
from llm_gateway_dashboards.panels.prices import load_prices
from values.harness import Case
from values.truth import Fn, Observed, facts, observed_quantile

GENERATIONS = ("new", "old", "both")
UIDS = (g.OVERVIEW_UID, g.LATENCY_UID, g.TOKENS_UID)
PRICES = {m.model: m.per_kind() for m in load_prices().models}
KIND = {"input": "prompt", "output": "completion"}  # the price file's kind of a token type
FAILED = lambda error_type: error_type != ""  # noqa: E731 - successful calls have no error_type
PRICED = lambda model: model in PRICES  # noqa: E731
UNPRICED = lambda model: model not in PRICES  # noqa: E731
OP, MODEL, TT = "gen_ai_operation_name", "gen_ai_request_model", "gen_ai_token_type"
RENAME = {OP: "operation", MODEL: "model", TT: "token_type", "gen_ai_provider_name": "provider",
          "gen_ai_system": "provider"}
QS = (0.5, 0.95, 0.99)


def _match(generation: str) -> dict:
    return {} if generation == "both" else {"generation": generation}


def _provider(generation: str) -> str:
    return "gen_ai_system" if generation == "old" else "gen_ai_provider_name"


# --- truths not written with the combinators ---------------------------------------------------------
def _error_ratio(match: dict, by: tuple[str, ...]):
    """Failed calls / calls, per the panel's labels; `error_type` as a key: the failed calls' types."""
    def fn(f):
        view = f.truth.span(f.rate.t0, f.rate.t1)
        dims = tuple(RENAME.get(b, b) for b in f.by)
        if "error_type" in dims:
            whole = view.count("genai_call", (), **match)
            part = view.count("genai_call", dims, error_type=FAILED, **match)
            return {k: n / whole for k, n in part.items()} if whole else {}
        whole = view.count("genai_call", dims, **match) if dims else {(): view.count("genai_call", (), **match)}
        part = view.count("genai_call", dims, error_type=FAILED, **match) if dims else {
            (): view.count("genai_call", (), error_type=FAILED, **match)}
        key = lambda k: k if isinstance(k, tuple) else (k,)  # noqa: E731
        return {key(k): part.get(k, 0) / n for k, n in whole.items() if n}
    return Fn(fn, "ratio")


def _usd(match: dict, per_hour: bool):
    """USD of the calls' tokens at the price file (request model; input at the input price, output at the
    output price), per hour over the rate window or over the range."""
    def fn(f):
        span = f.rate if per_hour else f.range
        view = f.truth.span(span.t0, span.t1)
        dims = tuple(RENAME.get(b, b) for b in f.by)
        tokens = view.total("genai_tokens", ("provider", "model", "token_type"), model=PRICED, **match)
        out: dict = {}
        for (provider, model, token_type), n in tokens.items():
            values = {"provider": provider, "model": model}
            key = tuple(values[d] for d in dims)
            usd = span.per_window(n) * PRICES[model][KIND[token_type]] / 1e6
            out[key] = out.get(key, 0.0) + (usd / span.seconds * 3600 if per_hour else usd)
        return out
    return Fn(fn)


def _tokens_per_call(match: dict):
    def fn(f):
        view = f.truth.span(f.rate.t0, f.rate.t1)
        summed = view.total("genai_tokens", ("model", "token_type"), **match)
        calls = view.count("genai_tokens", ("model", "token_type"), **match)
        return {k: v / calls[k] for k, v in summed.items() if calls.get(k)}
    return Fn(fn)


def _mean(fact: str, match: dict) -> Observed:
    return Observed(fact, None, (), tuple(match.items()), 1.0, tuple(RENAME.items()), stat="mean")


def _quantiles(uid, panel, fact, buckets, by, generation, qs=QS, refs="ABC", **kw) -> list[Case]:
    match = {**_match(generation), **kw.pop("match", {})}
    return [Case(uid, panel, observed_quantile(fact, x, buckets, rename=RENAME, **match), by, ref=ref, **kw)
            for ref, x in zip(refs, qs, strict=False)]


def cases(generation: str) -> list[Case]:
    m, prov = _match(generation), _provider(generation)
    per_second = dict(rename=RENAME, **m)
    o, lat, tok = g.OVERVIEW_UID, g.LATENCY_UID, g.TOKENS_UID
    client_chunks = {} if generation != "old" else {"empty": "the chunk metrics exist in the new generation only"}
    return [
        # overview
        Case(o, "Requests/s by operation", facts("genai_call", **per_second), (OP,)),
        Case(o, "Error ratio by error type", _error_ratio(m, ("error_type",)), ("error_type",)),
        Case(o, "Error ratio by error type", _error_ratio(m, ()), (), ref="B"),
        *_quantiles(o, "Latency p50 / p95 / p99 (all calls)", "genai_duration", GENAI_DURATION_BUCKETS, (),
                    generation),
        Case(o, "Latency p50 / p95 / p99 (all calls)", _mean("genai_duration", m), (), ref="D"),
        Case(o, "Token throughput (input / output)", facts("genai_tokens", summed=True, **per_second), (TT,)),
        Case(o, "Provider / model scorecard (now)", facts("genai_call", **per_second), (prov, MODEL)),
        Case(o, "Provider / model scorecard (now)", _error_ratio(m, (prov, MODEL)), (prov, MODEL), ref="B"),
        *_quantiles(o, "Provider / model scorecard (now)", "genai_duration", GENAI_DURATION_BUCKETS, (prov, MODEL),
                    generation, qs=(0.5, 0.95), refs="CD"),
        Case(o, "Provider / model scorecard (now)", facts("genai_tokens", summed=True, **per_second), (prov, MODEL),
             ref="E"),
        Case(o, "Provider / model scorecard (now)", _usd(m, per_hour=True), (prov, MODEL), ref="F"),
        # latency
        *_quantiles(lat, "Client operation duration p50 / p95 / p99 by model", "genai_duration",
                    GENAI_DURATION_BUCKETS, (MODEL,), generation),
        *_quantiles(lat, "Client operation duration p95 by operation", "genai_duration", GENAI_DURATION_BUCKETS,
                    (OP,), generation, qs=(0.95,)),
        *_quantiles(lat, "Successful calls p95 by model", "genai_duration", GENAI_DURATION_BUCKETS, (MODEL,),
                    generation, qs=(0.95,), match={"error_type": ""}),
        Case(lat, "Mean client duration by model and operation", _mean("genai_duration", m), (MODEL, OP)),
        *_quantiles(lat, "Server request duration p50 / p95 / p99 by model", "genai_server_duration",
                    GENAI_DURATION_BUCKETS, (MODEL,), generation),
        *_quantiles(lat, "Time to first token p95 by model: client (streaming) and server", "genai_ttfc",
                    GENAI_DURATION_BUCKETS, (MODEL,), generation, qs=(0.95,), **client_chunks),
        *_quantiles(lat, "Time to first token p95 by model: client (streaming) and server", "genai_server_ttft",
                    GENAI_SERVER_TTFT_BUCKETS, (MODEL,), generation, qs=(0.95,), refs="B"),
        *_quantiles(lat, "Time per output token p95 by model: client chunks and server", "genai_tpoc",
                    GENAI_DURATION_BUCKETS, (MODEL,), generation, qs=(0.95,), **client_chunks),
        *_quantiles(lat, "Time per output token p95 by model: client chunks and server", "genai_server_tpot",
                    GENAI_SERVER_TPOT_BUCKETS, (MODEL,), generation, qs=(0.95,), refs="B"),
        # tokens and cost
        Case(tok, "Input / output tokens/s by model", facts("genai_tokens", summed=True, **per_second), (MODEL, TT)),
        Case(tok, "Tokens per call by model", _tokens_per_call(m), (MODEL, TT)),
        Case(tok, "Spend (selected range)", _usd(m, per_hour=False), ()),
        Case(tok, "USD/hour by model", _usd(m, per_hour=True), (MODEL,)),
        Case(tok, "USD by model (selected range)", _usd(m, per_hour=False), (MODEL,)),
        Case(tok, "Tokens without a price by model", facts("genai_tokens", summed=True, model=UNPRICED, **per_second),
             (MODEL, TT)),
    ]
