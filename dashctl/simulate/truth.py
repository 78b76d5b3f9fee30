"""Ground truth: what really happened, from the same events the series are emitted from.

Every event of a scrape step (t - step, t] is filed under the step's end t as a *fact*: a
named family, a key (a tuple of named dimensions) and a count `n` and value `v` (tokens,
USD, ...), or a raw observation (seconds, ms, tokens) for quantiles. A `View` sums the facts
of the steps in (t0, t1]; counts are exact integers, so a correct PromQL query over the
emitted series can match them to the last request (see the module docstring of
dashctl.simulate for the list of facts and their units).
"""

from __future__ import annotations

import bisect
import math
from typing import Callable, Iterable

# fact -> its dimensions, in key order
FACTS = {
    # brightstaff: one per real LLM request (each counted once, stream failures included)
    "llm_request": ("provider", "model", "api", "stream", "outcome", "status", "status_class", "ratelimited"),
    # brightstaff_llm_tokens_total increments, as emitted (kind: prompt, completion, cache_read, cache_write)
    "llm_tokens": ("provider", "model", "kind"),
    # the recorded tokens read with the provider's convention (kind: input_uncached, cache_read,
    # cache_write, completion): what a correct token/cost query shows
    "tokens": ("provider", "model", "kind"),
    # what the provider billed, recorded by brightstaff or not (same kinds)
    "billed_tokens": ("provider", "model", "kind"),
    "usd": ("provider", "model"),  # USD of `tokens` at panels/data/model_prices.yaml (priced models only)
    "billed_usd": ("provider", "model"),  # USD of `billed_tokens`
    "usage_missing": ("provider", "model"),  # brightstaff_llm_tokens_usage_missing_total increments
    "prompt_cache": ("provider", "model", "outcome"),  # brightstaff_prompt_cache_requests_total (hit, miss)
    "upstream": ("provider", "model", "status_class", "error_class"),  # the counter's increments (double count incl.)
    "ratelimited": ("provider", "model"),  # Envoy's filter answered 429 (ratelimited_rq)
    "router": ("selected_model", "fallback"),  # brightstaff_router_decisions_total{route="llm"}
    "router_skip": ("reason",),
    "routing_service": ("outcome",),
    "session_cache": ("outcome",),
    "session_switch": ("decision", "reason"),
    "binding_refresh": ("event",),
    "http": ("handler", "method", "status_class"),  # brightstaff_http_requests_total
    "envoy_upstream": ("cluster", "code_class"),  # envoy_cluster_upstream_rq_xx (code_class "2", "4", "5")
    "span": ("service_name", "span_name", "span_kind", "status_code"),  # spanmetrics calls
    "sdk_call": ("service_name", "provider", "model", "status", "has_retries", "how"),
    "sdk_tokens": ("service_name", "provider", "model", "token_type"),
    "sdk_cost": ("service_name", "provider", "model"),  # micro-USD, as the SDK adds it (integers)
    "sdk_finish": ("service_name", "provider", "model", "finish_reason"),
    "sdk_detection": ("service_name", "kind"),  # kind: pii, injection, toxicity
    "restart": ("source",),
    # OpenTelemetry GenAI: one per client call (error_type "" = success), tokens per call and type, and one
    # per model-server request; generation: new (gen_ai_provider_name) or old (gen_ai_system)
    "genai_call": ("service", "generation", "provider", "model", "operation", "stream", "error_type"),
    "genai_tokens": ("generation", "provider", "model", "operation", "token_type"),
    "genai_server_request": ("generation", "provider", "model", "error_type"),
}
# observation families -> dimensions (values: see the module docstring of dashctl.simulate for units)
SAMPLES = {
    "latency": ("provider", "model", "stream", "outcome"),  # s, one per real request, end to end
    "upstream_duration": ("provider", "model"),  # s, brightstaff's observations (two per stream failure)
    "ttfb": ("provider", "model", "stream"),  # s, brightstaff TTFT: every response with a body
    "envoy_ttft": ("provider", "model"),  # ms (integer), streaming responses only
    "envoy_request_latency": ("provider", "model"),  # ms (integer)
    "envoy_tpot": ("provider", "model"),  # ms per estimated output token (integer)
    "envoy_tokens_per_second": ("provider", "model"),
    "envoy_input_length": ("provider", "model"),  # estimated tokens
    "envoy_output_length": ("provider", "model"),  # estimated tokens
    "envoy_rq_time": ("cluster",),  # ms
    "http_duration": ("handler",),  # s, to the response headers
    "router_duration": ("selected",),  # s; selected: model, none, unknown
    "span_duration": ("service_name", "span_name", "status_code"),  # ms
    "sdk_latency": ("service_name", "provider", "model"),  # ms (integer, > 0), including calls over 10 s
    "sdk_ttft": ("service_name", "provider", "model"),  # ms
    "sdk_toxicity_score": ("service_name", "provider", "model"),  # 0..1
    "genai_duration": ("generation", "provider", "model", "operation", "error_type"),  # s, every client call
    "genai_ttfc": ("generation", "provider", "model"),  # s, streaming calls of chunk-recording clients
    "genai_tpoc": ("generation", "provider", "model"),  # s, one per chunk after the first
    "genai_server_duration": ("generation", "provider", "model", "error_type"),  # s
    "genai_server_ttft": ("generation", "provider", "model"),  # s, successful requests
    "genai_server_tpot": ("generation", "provider", "model"),  # s, successful requests
}
FAILED_OUTCOMES = ("4xx", "5xx", "connect", "other", "stream")


class Recorder:
    """Collects the facts of each step while the simulation runs: per step, (fact, key) -> [n, v]
    and (observation family, key) -> [values]."""

    def __init__(self):
        self.facts: dict[int, dict[tuple, list]] = {}
        self.samples: dict[int, dict[tuple, list]] = {}
        self._f: dict[tuple, list] = {}
        self._s: dict[tuple, list] = {}

    def step(self, t: int) -> None:
        self._f = self.facts.setdefault(t, {})
        self._s = self.samples.setdefault(t, {})

    def add(self, fact: str, key: tuple, v: float = 1, n: int = 1) -> None:
        k = (fact, key)
        row = self._f.get(k)
        if row is None:
            self._f[k] = [n, v]
        else:
            row[0] += n
            row[1] += v

    def sample(self, fact: str, key: tuple, x: float) -> None:
        k = (fact, key)
        xs = self._s.get(k)
        if xs is None:
            self._s[k] = [x]
        else:
            xs.append(x)


Match = object  # a value, a tuple/list/set/frozenset of values, or a predicate


def _matcher(dims: tuple, match: dict) -> Callable[[tuple], bool]:
    unknown = set(match) - set(dims)
    if unknown:
        raise KeyError(f"truth: no dimension(s) {sorted(unknown)}; known: {dims}")
    tests = []
    for name, want in match.items():
        i = dims.index(name)
        if callable(want):
            tests.append(lambda k, i=i, f=want: f(k[i]))
        elif isinstance(want, (tuple, list, set, frozenset)):
            tests.append(lambda k, i=i, w=frozenset(want): k[i] in w)
        else:
            tests.append(lambda k, i=i, w=want: k[i] == w)
    return lambda k: all(t(k) for t in tests)


def quantile(values: Iterable[float], q: float) -> float:
    """The q-quantile of raw observations (linear between order statistics); nan when empty."""
    xs = sorted(values)
    if not xs:
        return math.nan
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


class View:
    """The truth of the steps in (t0, t1]: counts, sums and observations of every fact."""

    def __init__(self, recorder: Recorder, t0: int, t1: int, step: int):
        if t0 > t1 or (t1 - t0) % step:
            raise ValueError(f"truth: {t0}..{t1} is not a span on the {step}s grid")
        self.t0, self.t1 = t0, t1
        steps = [t for t in recorder.facts if t0 < t <= t1]
        self._facts = [recorder.facts[t] for t in steps]
        self._samples = [recorder.samples[t] for t in steps]

    # --- generic ---------------------------------------------------------------------------
    def _rows(self, fact: str, match: dict):
        dims = FACTS[fact]
        ok = _matcher(dims, match)
        for step in self._facts:
            for (f, key), row in step.items():
                if f == fact and ok(key):
                    yield key, row

    def count(self, fact: str, by: str | tuple = (), **match) -> int | dict:
        """How many events of `fact` (matching), in total or as {key: n} grouped by dimension(s) `by`."""
        return self._sum(fact, 0, by, match)

    def total(self, fact: str, by: str | tuple = (), **match) -> float | dict:
        """The summed value (tokens, USD, micro-USD) of `fact`, in total or grouped by `by`."""
        return self._sum(fact, 1, by, match)

    def _sum(self, fact, col, by, match):
        dims = FACTS[fact]
        single = isinstance(by, str)
        by = (by,) if single else tuple(by)
        idx = [dims.index(b) for b in by]
        if not by:
            return sum(row[col] for _, row in self._rows(fact, match))
        out: dict = {}
        for key, row in self._rows(fact, match):
            k = key[idx[0]] if single else tuple(key[i] for i in idx)
            out[k] = out.get(k, 0) + row[col]
        return out

    def samples(self, fact: str, **match) -> list[float]:
        """Every raw observation of `fact` (matching), in step order."""
        ok = _matcher(SAMPLES[fact], match)
        return [x for step in self._samples for (f, key), xs in step.items() if f == fact and ok(key) for x in xs]

    def samples_by(self, fact: str, by: str | tuple = (), **match) -> dict:
        """Raw observations of `fact` grouped by dimension(s) `by`: {value (or tuple of values): [x, ...]}."""
        dims = SAMPLES[fact]
        ok = _matcher(dims, match)
        single = isinstance(by, str)
        idx = [dims.index(b) for b in ((by,) if single else tuple(by))]
        out: dict = {}
        for step in self._samples:
            for (f, key), xs in step.items():
                if f == fact and ok(key):
                    k = key[idx[0]] if single else tuple(key[i] for i in idx)
                    out.setdefault(k, []).extend(xs)
        return out

    def quantile(self, fact: str, q: float, **match) -> float:
        return quantile(self.samples(fact, **match), q)

    def buckets(self, fact: str, bounds: Iterable[float], **match) -> list[int]:
        """Observations per bucket as a histogram would count them: [<= b0, (b0, b1], ..., > b_last]."""
        bounds = list(bounds)
        out = [0] * (len(bounds) + 1)
        for x in self.samples(fact, **match):
            out[bisect.bisect_left(bounds, x)] += 1
        return out

    # --- headline numbers --------------------------------------------------------------------
    def requests(self, by: str | tuple = (), **match):
        """Real LLM requests through brightstaff, each once (the stream double count removed)."""
        return self.count("llm_request", by, **match)

    def failed(self, by: str | tuple = (), **match):
        """Failed LLM requests, each once: 4xx, 5xx, transport errors (connect, other), broken streams."""
        return self.count("llm_request", by, outcome=match.pop("outcome", FAILED_OUTCOMES), **match)

    def error_ratio(self, **match) -> float:
        n = self.requests(**match)
        return self.failed(**match) / n if n else math.nan

    def stream_failures(self, by: str | tuple = (), **match):
        return self.count("llm_request", by, outcome="stream", **match)

    def tokens(self, by: str | tuple = "kind", **match):
        """Recorded tokens by kind: input_uncached, cache_read, cache_write, completion."""
        return self.total("tokens", by, **match)

    def usd(self, by: str | tuple = (), **match):
        """USD of the recorded tokens at our price file (priced models only)."""
        return self.total("usd", by, **match)

    def routing(self) -> dict:
        """Router decisions: real (a model chosen), none (no route), unknown (router failed), the
        fallback share among real decisions, and skips."""
        by = self.count("router", ("selected_model", "fallback"))
        real = {k: n for k, n in by.items() if k[0] not in ("none", "unknown")}
        total_real = sum(real.values())
        return {"decisions": sum(by.values()), "real": total_real,
                "none": sum(n for k, n in by.items() if k[0] == "none"),
                "unknown": sum(n for k, n in by.items() if k[0] == "unknown"),
                "fallback_among_real": (sum(n for k, n in real.items() if k[1] == "true") / total_real
                                        if total_real else math.nan),
                "skips": self.count("router_skip")}

    def restarts(self) -> int:
        return self.count("restart")
