"""Panels for apps instrumented with the OpenTelemetry GenAI semantic conventions (source `otel-genai`).

Three settings decide every query, bound here once:

- `genai_names`: the metric and label names as Prometheus stores them (underscores with unit
  suffixes, or Prometheus 3's UTF-8 names, quoted in PromQL);
- `genai_attributes`: which label names the provider. "new" reads series with gen_ai_provider_name,
  "old" series with gen_ai_system; "both" reads each series once, whichever it has: the new ones as
  they are, the old ones (that have no gen_ai_provider_name) with gen_ai_provider_name copied from
  gen_ai_system, so a fleet in transition sums into one provider label and no call counts twice;
- `genai_job`: the scrape job (compile adds it).

What the metrics mean (metrics-reference.md, Source `otel-genai`): the duration histogram's _count is
the call count; failed calls carry `error_type`, successful ones have no such label; token usage is a
histogram (_sum = tokens, _count = calls that reported usage); the chunk metrics and gen_ai.server.* have
no Python emitter, so their panels say they may be empty.
"""

from __future__ import annotations

from llm_gateway_dashboards.panels import cost, kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels.catalog import OTEL_GENAI, Metric, genai_label, genai_name
from llm_gateway_dashboards.panels.prices import PriceList
from llm_gateway_dashboards.panels.variables import Var

USAGE = "gen_ai.client.token.usage"
DURATION = "gen_ai.client.operation.duration"
FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
PER_CHUNK = "gen_ai.client.operation.time_per_output_chunk"
SERVER_DURATION = "gen_ai.server.request.duration"
SERVER_TTFT = "gen_ai.server.time_to_first_token"
SERVER_TPOT = "gen_ai.server.time_per_output_token"

OPERATION, MODEL, TOKEN_TYPE, ERROR = "gen_ai_operation_name", "gen_ai_request_model", "gen_ai_token_type", "error_type"
PROVIDER = "provider"  # stands for the provider label of the settings' generation (provider_label)
TAGS = ("otel-genai", "llm-observability", "llm")
OVERVIEW_UID, LATENCY_UID, TOKENS_UID = "otel-genai-overview", "otel-genai-latency", "otel-genai-tokens-cost"
TOKEN_RATE = "suffix: tok/s"
RATIO_STEPS = ((None, kit.GREEN), (0.01, kit.ORANGE), (0.05, kit.RED))
LATENCY_STEPS = ((None, kit.GREEN), (10, kit.ORANGE), (30, kit.RED))
TTFT_STEPS = ((None, kit.GREEN), (1, kit.ORANGE), (3, kit.RED))
TPOT_STEPS = ((None, kit.GREEN), (0.05, kit.ORANGE), (0.1, kit.RED))
NO_EMITTER = ("No Python instrumentation records this metric (python-contrib, 2026-08): only a client or model server "
              "that implements this convention does, so the panel may be empty: that is not a fault.")
COARSE = ("google-genai and openai-agents record on the OpenTelemetry SDK's default buckets (0 ... 10000), not the "
          "advisory ones (0.01 ... 81.92 s): their quantiles are coarse (read the mean), and summing both layouts "
          "by le mixes them.")


# --- names and the provider label, bound to the settings ------------------------------------------------
def metric(s, otel: str) -> Metric:
    """The catalog metric of an OTel metric under the settings' name translation."""
    return OTEL_GENAI[genai_name(otel, s.genai_names)]


def label(s, attribute: str) -> str:
    """An attribute's label under the settings' translation; PROVIDER is the generation's provider label."""
    if attribute == PROVIDER:
        attribute = "gen_ai_system" if s.genai_attributes == "old" else "gen_ai_provider_name"
    return genai_label(attribute, s.genai_names)


def legend(s, *attributes: str) -> str:
    return " ".join(f"{{{{{label(s, a)}}}}}" for a in attributes)


def series(s, otel: str, suffix: str, counter=q.rate, **attributes) -> q.Expr:
    """Every series of one GenAI histogram series (`_count`, `_sum`, `_bucket`) through `counter`, each
    call once, for the settings' attribute generation: "both" adds the old series (no
    gen_ai_provider_name) with gen_ai_provider_name copied from gen_ai_system."""
    m = metric(s, otel)
    match = {label(s, a): v for a, v in attributes.items()}
    new, old = label(s, "gen_ai_provider_name"), label(s, "gen_ai_system")
    if s.genai_attributes == "old":
        return counter(q.sel(m, suffix, **match, **{old: q.ne("")}))
    current = counter(q.sel(m, suffix, **match, **{new: q.ne("")}))
    if s.genai_attributes == "new":
        return current
    legacy = q.label_from(counter(q.sel(m, suffix, **match, **{old: q.ne(""), new: ""})), new, old)
    return q.Union((current, legacy))


def total(s, otel: str, suffix: str, by=(), counter=q.rate, **attributes) -> q.Agg:
    """sum by (labels) of `series`."""
    return q.sum_(series(s, otel, suffix, counter, **attributes), [label(s, b) for b in by])


def quantile(s, x: float, otel: str, by=(), **attributes) -> q.Call:
    """histogram_quantile(x, sum by (le, ...) (rate(<bucket series>))) over both generations' series."""
    inner = q.sum_(series(s, otel, "_bucket", **attributes), ("le", *(label(s, b) for b in by)))
    return q.Call("histogram_quantile", (q.Num(x).render(q.Context()), inner))


def mean(s, otel: str, by=(), **attributes) -> q.Expr:
    """rate of _sum / rate of _count: the mean observation (tokens per call, seconds per call)."""
    return total(s, otel, "_sum", by, **attributes) / total(s, otel, "_count", by, **attributes)


def quantile_targets(s, otel: str, by, qs=(0.5, 0.95, 0.99), prefix: str = "", **attributes):
    return [kit.target(quantile(s, x, otel, by, **attributes),
                       f"{prefix}{q.quantile_label(x)} {legend(s, *by)}".strip()) for x in qs]


def variables(s):
    """Operation and request model (failed calls have no response model)."""
    m = metric(s, DURATION)
    return (Var("operation", label(s, OPERATION), m, "Operation"), Var("model", label(s, MODEL), m, "Model"))


def links():
    """To the other GenAI dashboards, and to Plano's and the SDK's where the same request may show."""
    return [kit.dashboard_link("OTel GenAI", ["otel-genai"]), kit.dashboard_link("Plano", ["plano"]),
            kit.dashboard_link("LLM Observability", ["llm-observability"])]


def _generation(s) -> str:
    return {"new": "gen_ai_provider_name (new attributes)", "old": "gen_ai_system (old attributes)",
            "both": "gen_ai_provider_name, or gen_ai_system where a series has only that (a fleet in transition; "
                    "each call counted once)"}[s.genai_attributes]


def board(s, *, uid: str, title: str, what: str, rows, tags=()):
    """A dashboard of the OTel GenAI folder: its variables, tags and links, and a description that says
    how the settings read the metrics."""
    names = "UTF-8, as Prometheus 3 keeps them" if s.genai_names == "utf8" else "underscores with unit suffixes"
    return kit.board(
        s, uid=uid, title=title, folder=s.genai_folder, variables=variables(s), tags=TAGS + tuple(tags),
        links=links(), rows=rows,
        desc=f"{what} From apps instrumented with the OpenTelemetry GenAI semantic conventions (still Development: "
             f"names may change). Provider label: {_generation(s)}; names: {names}.")


# --- golden signals --------------------------------------------------------------------------------------
def calls(s, by=()) -> q.Agg:
    """Client calls per second (the duration histogram's _count: every call, failed ones too)."""
    return total(s, DURATION, "_count", by)


def errors(s, by=()) -> q.Agg:
    """Failed calls per second: the duration series with an error_type label."""
    return total(s, DURATION, "_count", by, **{ERROR: q.ne("")})


def error_ratio(s, by=()) -> q.Expr:
    return q.ratio(errors(s, by), calls(s, by))


def requests_by_operation(s, w=12):
    return kit.timeseries(
        "Requests/s by operation", kit.target(calls(s, (OPERATION,)), legend(s, OPERATION)),
        unit="reqps", w=w,
        desc="Client calls per second per operation (chat, embeddings, invoke_agent, ...), failed ones included: "
             "the count of gen_ai.client.operation.duration, which every instrumentation records once per call. "
             "Not the token-usage count: that counts only calls that reported usage.")


def error_ratio_by_type(s, w=12):
    by_type = q.Bin("/", errors(s, (ERROR,)), q.Bin(">", calls(s), q.Num(0)), on=(), group="group_left")
    return kit.timeseries(
        "Error ratio by error type", kit.target(by_type, legend(s, ERROR)),
        kit.target(error_ratio(s), "all errors"),
        unit="percentunit", w=w, thresholds=RATIO_STEPS,
        desc="Share of client calls that failed, per error_type (the exception class the instrumentation writes, "
             "e.g. RateLimitError, APITimeoutError; a model server may write an HTTP code), and all errors "
             "together. Successful calls carry no error_type label at all, so errors are the series that have one.")


def latency(s, w=12):
    return kit.timeseries(
        "Latency p50 / p95 / p99 (all calls)", quantile_targets(s, DURATION, ()),
        kit.target(mean(s, DURATION), "mean"),
        unit="s", w=w, thresholds=LATENCY_STEPS,
        desc="Client operation duration over every call, failed ones included (a timeout is slow, a rate-limit "
             "answer fast). The top bucket is 81.92 s: slower calls clamp there. " + COARSE)


def token_throughput(s, w=12):
    return kit.timeseries(
        "Token throughput (input / output)", kit.target(total(s, USAGE, "_sum", (TOKEN_TYPE,)), legend(s, TOKEN_TYPE)),
        unit=TOKEN_RATE, w=w, stack=True,
        desc="Tokens per second reported by successful calls, input and output (reasoning tokens are folded into "
             "output; there is no cached-token type). Failed calls report none; embeddings have no output.")


# --- providers and models --------------------------------------------------------------------------------
SCORECARD_BY = (PROVIDER, MODEL)


def _drill(s, uid: str) -> dict:
    """A data link to another GenAI dashboard with the clicked row's model as its `model` variable."""
    return {"title": "Open in OTel GenAI - Latency", "targetBlank": False,
            "url": f"/d/{uid}?var-model=${{__data.fields[\"{label(s, MODEL)}\"]}}&${{__url_time_range}}"}


def scorecard(s, prices: PriceList, w=24, h=9):
    by = SCORECARD_BY
    cols = (
        (calls(s, by), "requests/s", "reqps", None),
        (error_ratio(s, by), "error %", "percentunit", RATIO_STEPS),
        (quantile(s, 0.5, DURATION, by), "p50 latency", "s", LATENCY_STEPS),
        (quantile(s, 0.95, DURATION, by), "p95 latency", "s", LATENCY_STEPS),
        (total(s, USAGE, "_sum", by), "tokens/s", TOKEN_RATE, None),
        (spend_rate(s, prices, by), "USD/h", "currencyUSD", None),
    )
    targets = [kit.target(expr, title, instant=True, table=True) for expr, title, _, _ in cols]
    cells = [kit.column(f"Value #{chr(ord('A') + i)}", title, unit, steps, 2 if unit != "reqps" else 3)
             for i, (_, title, unit, steps) in enumerate(cols)]
    return kit.table(
        "Provider / model scorecard (now)", *targets, unit="none", w=w, h=h, cells=cells, sort_by="requests/s",
        links={label(s, MODEL): _drill(s, LATENCY_UID)},
        desc="Per provider and request model, now: client calls/s, error % (calls with error_type), p50/p95 "
             "duration, tokens/s (input + output) and USD/h from the price file the Plano cost dashboard reads "
             "(request model x list price; models the file lacks show no USD). Grouped by the request model: "
             "failed calls have no response model. Click a model to open the latency dashboard filtered to it.")


# --- latency -------------------------------------------------------------------------------------------
def quantiles_panel(s, title: str, otel: str, by, desc: str, qs=(0.5, 0.95, 0.99), w=12, **attributes):
    """p50 / p95 / p99 (or `qs`) of a GenAI duration histogram by `by`, in seconds."""
    return kit.timeseries(title, quantile_targets(s, otel, by, qs, **attributes), unit="s", w=w, h=9,
                          thresholds=LATENCY_STEPS, desc=desc)


def duration_by_model(s, w=12):
    return quantiles_panel(
        s, "Client operation duration p50 / p95 / p99 by model", DURATION, (MODEL,), w=w,
        desc="gen_ai.client.operation.duration per request model, every call (failed ones too). Calls over "
             "81.92 s (the top bucket) clamp there. " + COARSE)


def duration_by_operation(s, w=12):
    return quantiles_panel(
        s, "Client operation duration p95 by operation", DURATION, (OPERATION,), qs=(0.95,), w=w,
        desc="p95 client duration per operation: chat and generate_content answers, embeddings, agent "
             "invocations (invoke_agent spans a whole agent turn, tool calls included), tool executions.")


def success_duration(s, w=12):
    return quantiles_panel(
        s, "Successful calls p95 by model", DURATION, (MODEL,), qs=(0.95,), w=w, **{ERROR: ""},
        desc="p95 duration of the calls that succeeded (no error_type label): what a user waits for an answer, "
             "without fast rate-limit refusals or slow timeouts pulling the quantile.")


def mean_duration(s, w=12):
    return kit.timeseries(
        "Mean client duration by model and operation", kit.target(mean(s, DURATION, (MODEL, OPERATION)),
                                                                  legend(s, MODEL, OPERATION)),
        unit="s", w=w, h=9, thresholds=LATENCY_STEPS,
        desc="Sum of durations / calls per request model and operation: exact whatever the buckets, so read it "
             "where quantiles are coarse. " + COARSE)


def server_duration(s, w=12):
    return quantiles_panel(
        s, "Server request duration p50 / p95 / p99 by model", SERVER_DURATION, (MODEL,), w=w,
        desc="gen_ai.server.request.duration: time to the last byte as the model server measures it (no network "
             "or client queueing), failed requests included. " + NO_EMITTER)


def client_and_server(s, title: str, client: str, server: str, thresholds, desc: str, w=12):
    """p95 by model of a client-side and a server-side metric of one idea, legends "client ..." / "server ..."."""
    return kit.timeseries(
        title, quantile_targets(s, client, (MODEL,), qs=(0.95,), prefix="client "),
        quantile_targets(s, server, (MODEL,), qs=(0.95,), prefix="server "), unit="s", w=w, h=9, desc=desc,
        thresholds=thresholds)


def time_to_first_token(s, w=12):
    return client_and_server(
        s, "Time to first token p95 by model: client (streaming) and server", FIRST_CHUNK, SERVER_TTFT, TTFT_STEPS, w=w,
        desc="client: gen_ai.client.operation.time_to_first_chunk, streaming calls only, new attribute generation "
             "only (the convention dates from 2026-02): what the app waited for the first chunk. server: "
             "gen_ai.server.time_to_first_token, successful requests only (queue + prefill), both generations. "
             + NO_EMITTER)


def time_per_output_token(s, w=12):
    return client_and_server(
        s, "Time per output token p95 by model: client chunks and server", PER_CHUNK, SERVER_TPOT, TPOT_STEPS, w=w,
        desc="client: gen_ai.client.operation.time_per_output_chunk, one observation per chunk after the first "
             "(time since the previous chunk; a chunk may hold several tokens), streaming calls, new generation "
             "only. server: gen_ai.server.time_per_output_token, (duration - TTFT) / (output tokens - 1) per "
             "successful request. " + NO_EMITTER)


# --- tokens and cost ---------------------------------------------------------------------------------------
def tokens_by_model(s, w=12):
    return kit.timeseries(
        "Input / output tokens/s by model", kit.target(total(s, USAGE, "_sum", (MODEL, TOKEN_TYPE)),
                                                       legend(s, MODEL, TOKEN_TYPE)),
        unit=TOKEN_RATE, w=w, h=9,
        desc="Tokens per second per request model and token type (the _sum of gen_ai.client.token.usage). "
             "Cached input tokens are inside input: the conventions have no cached type.")


def tokens_per_call(s, w=12):
    return kit.timeseries(
        "Tokens per call by model", kit.target(mean(s, USAGE, (MODEL, TOKEN_TYPE)), legend(s, MODEL, TOKEN_TYPE)),
        unit="suffix: tok", w=w, h=9,
        desc="Mean tokens per call that reported usage, per request model and token type (_sum / _count of "
             "gen_ai.client.token.usage). Failed calls report no usage and are not in the count.")


def _priced_tokens(s, prices: PriceList, by, counter) -> q.Expr:
    """Token series (by `by` plus model and token type) x their model's list price per million: the request
    model is the price file's `model`, token type input is its `prompt`, output its `completion`."""
    keep = [label(s, b) for b in by] + [label(s, MODEL), label(s, TOKEN_TYPE)]
    tokens = q.sum_(series(s, USAGE, "_sum", counter), dict.fromkeys(keep))
    as_price = q.label_from(tokens, "model", label(s, MODEL))
    for token_type, kind in (("input", "prompt"), ("output", "completion")):
        as_price = q.label_from(as_price, "kind", label(s, TOKEN_TYPE), token_type, kind)
    table = cost.price_table(prices, lambda m, kind: m.per_kind()[kind] if kind in ("prompt", "completion") else None)
    return cost.priced(as_price, table)


def spend_rate(s, prices: PriceList, by=(MODEL,)) -> q.Expr:
    """USD per hour by the given attributes."""
    return q.sum_(_priced_tokens(s, prices, by, q.rate), [label(s, b) for b in by]) * cost.HOUR / cost.PER_MILLION


def spend(s, prices: PriceList, by=(MODEL,)) -> q.Expr:
    """USD over the selected range (series born inside it counted)."""
    return q.sum_(_priced_tokens(s, prices, by, q.grown), [label(s, b) for b in by]) / cost.PER_MILLION


def _unpriced(s, prices: PriceList):
    return {MODEL: q.nre("|".join(q.regex_escape(name) for name in prices.names))}


def spend_rate_by_model(s, prices: PriceList, w=12):
    return kit.timeseries(
        "USD/hour by model", kit.target(spend_rate(s, prices), legend(s, MODEL)),
        unit="currencyUSD", w=w, h=9,
        desc=f"Spend rate per request model: input tokens x the input price, output tokens x the output price, from "
             f"the price file the Plano cost dashboard reads (version {prices.version}). The conventions report "
             f"no cached tokens, so cached input is priced as input (an upper bound where a cache is used). A model "
             f"the file lacks has no line: see the unpriced tokens.")


def spend_by_model(s, prices: PriceList, w=12):
    return kit.bargauge(
        "USD by model (selected range)", kit.target(spend(s, prices), legend(s, MODEL), instant=True),
        unit="currencyUSD", w=w, h=9,
        desc="Spend per request model over the selected range, priced as in 'USD/hour by model' (series that "
             "appeared inside the range counted from their first value).")


def spend_total(s, prices: PriceList, w=6, h=9):
    return kit.stat(
        "Spend (selected range)", kit.target(spend(s, prices, ()), instant=True), unit="currencyUSD", w=w, h=h,
        desc="Every priced GenAI call's tokens over the selected range, in USD at list prices.")


def unpriced_tokens(s, prices: PriceList, w=12):
    expr = total(s, USAGE, "_sum", (MODEL, TOKEN_TYPE), **_unpriced(s, prices))
    return kit.timeseries(
        "Tokens without a price by model", kit.target(expr, legend(s, MODEL, TOKEN_TYPE)),
        unit=TOKEN_RATE, w=w, h=9, no_value="every model priced",
        desc="Tokens/s of request models the price file does not list (embedding and self-hosted models, dated "
             "names): they cost something the USD panels cannot show. Add the model to the price file.")
