"""Apps instrumented with the OpenTelemetry GenAI conventions, emitted as their instrumentations do
(metrics-reference.md, Source `otel-genai`), under the default translation (underscores, unit
suffixes):

- every client call observes gen_ai_client_operation_duration_seconds (its _count is the call
  count); a failed call carries error_type (the exception class) and no gen_ai_response_model, a
  successful one has no error_type label at all;
- a successful call observes gen_ai_client_token_usage once per token type it reported (input, and
  output unless an embedding): failed calls record no tokens;
- the provider is gen_ai_provider_name (new generation) or gen_ai_system (old), never both;
  google-genai (old) records no response model and no server_* labels;
- streaming calls of a chunk-recording client (new generation only) observe time_to_first_chunk
  once and time_per_output_chunk once per chunk after the first;
- a model server records gen_ai_server_request_duration_seconds (error_type on failures) and, for
  successful requests only, time_to_first_token and time_per_output_token.

Every observation falls on the catalog's advisory buckets. Draws use their own random stream, so
the other sources' events do not change with this one.
"""

from __future__ import annotations

import math
import random

from llm_gateway_dashboards.panels.catalog import GENAI_PROVIDER, OTEL_GENAI, genai_name

from . import traffic as tf

SCOPE_VERSION = "0.2b0"


class GenAIEmitter:
    """Emits the GenAI apps' calls of one step into the world's registry and files their truth."""

    def __init__(self, world, seed: int):
        self.world = world
        self.rng = random.Random(f"{seed}|genai")
        fam = {otel: world._fam(genai_name(otel), "histogram", OTEL_GENAI.name)  # noqa: SLF001 (its own world)
               for otel in ("gen_ai.client.token.usage", "gen_ai.client.operation.duration",
                            "gen_ai.client.operation.time_to_first_chunk",
                            "gen_ai.client.operation.time_per_output_chunk", "gen_ai.server.request.duration",
                            "gen_ai.server.time_to_first_token", "gen_ai.server.time_per_output_token")}
        self.usage, self.duration = fam["gen_ai.client.token.usage"], fam["gen_ai.client.operation.duration"]
        self.ttfc = fam["gen_ai.client.operation.time_to_first_chunk"]
        self.tpoc = fam["gen_ai.client.operation.time_per_output_chunk"]
        self.server = fam["gen_ai.server.request.duration"]
        self.server_ttft = fam["gen_ai.server.time_to_first_token"]
        self.server_tpot = fam["gen_ai.server.time_per_output_token"]

    def warm(self) -> None:
        """Before the data starts (not recorded): every app's series once, each error type included, as a
        long-running app has them, so no series is born later on a rare error (rate() cannot count a
        series' first observation)."""
        calm = _Calm()
        for app in tf.GENAI_APPS:
            for error in ("",) + tuple(name for name, _ in tf.GENAI_ERRORS):
                self.call(app, calm, error=error, stream=app.stream > 0)

    def _ln(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.rng.gauss(0.0, 1.0))

    def count(self, rate: float, dt: float) -> int:
        lam = rate * dt * (1 + 0.2 * (2 * self.rng.random() - 1))
        return int(lam + self.rng.random())

    def _error(self, fx) -> str:
        """"" for a successful call, else the exception class the instrumentation writes."""
        outage = fx.outcomes["5xx"] - tf.BASE_OUTCOMES["5xx"]
        if outage > 0 and self.rng.random() < outage:
            return "InternalServerError"
        if self.rng.random() < tf.GENAI_ERROR:
            r, acc = self.rng.random(), 0.0
            for name, p in tf.GENAI_ERRORS:
                acc += p
                if r < acc:
                    return name
            return tf.GENAI_ERRORS[-1][0]
        return ""

    def _labels(self, app: tf.GenAIApp, error: str, **extra) -> tuple:
        d = {"gen_ai_operation_name": app.operation, GENAI_PROVIDER[app.generation]: app.provider,
             "gen_ai_request_model": app.model, "otel_scope_name": app.scope, "otel_scope_version": SCOPE_VERSION,
             "otel_scope_schema_url": "", **extra}
        if app.server_address:
            d.update(server_address=app.server_address, server_port="443")
        if error:
            d["error_type"] = error
        elif app.snapshot:
            d["gen_ai_response_model"] = app.snapshot
        return tuple(sorted(d.items()))

    def call(self, app: tf.GenAIApp, fx, error: str | None = None, stream: bool | None = None) -> None:
        w, rng = self.world, self.rng
        stream = rng.random() < app.stream if stream is None else stream
        error = self._error(fx) if error is None else error
        if not error:
            latency = self._ln(app.latency * fx.latency, 0.5)
        elif error == "APITimeoutError":
            latency = rng.uniform(30.0, 60.0)
        elif error == "RateLimitError":
            latency = self._ln(0.15, 0.4)
        else:
            latency = self._ln(0.6 * fx.latency, 0.6)
        prompt = max(1, int(self._ln(app.prompt * fx.tokens, 0.6)))
        completion = max(1, int(self._ln(app.completion * fx.tokens, 0.7))) if app.completion else 0
        g, p, m = app.generation, app.provider, app.model
        labels = self._labels(app, error)
        if app.server:
            self._server(app, labels, error, latency, completion, stream)
            return
        w.reg.observe(self.duration, labels, latency)
        w._fact("genai_call", (app.service, g, p, m, app.operation, stream, error))  # noqa: SLF001
        w._obs("genai_duration", (g, p, m, app.operation, error), latency)  # noqa: SLF001
        if error:
            return
        for token_type, n in (("input", prompt), ("output", completion)):
            if n:
                w.reg.observe(self.usage, self._labels(app, "", gen_ai_token_type=token_type), n)
                w._fact("genai_tokens", (g, p, m, app.operation, token_type), n)  # noqa: SLF001
        if stream and app.chunks and g == "new":
            ttfc = min(self._ln(0.35 * fx.latency, 0.4), latency * 0.9)
            chunks = max(2, completion // tf.GENAI_CHUNK_TOKENS)
            per_chunk = (latency - ttfc) / (chunks - 1)
            w.reg.observe(self.ttfc, labels, ttfc)
            w.reg.observe(self.tpoc, labels, per_chunk, chunks - 1)
            w._obs("genai_ttfc", (g, p, m), ttfc)  # noqa: SLF001
            for _ in range(chunks - 1):
                w._obs("genai_tpoc", (g, p, m), per_chunk)  # noqa: SLF001

    def _server(self, app, labels, error, latency, completion, stream) -> None:
        w, g, p, m = self.world, app.generation, app.provider, app.model
        w.reg.observe(self.server, labels, latency)
        w._fact("genai_server_request", (g, p, m, error))  # noqa: SLF001
        w._obs("genai_server_duration", (g, p, m, error), latency)  # noqa: SLF001
        if error:
            return
        ttft = min(self._ln(0.12 if stream else 0.3, 0.5), latency * 0.8)
        w.reg.observe(self.server_ttft, labels, ttft)
        w._obs("genai_server_ttft", (g, p, m), ttft)  # noqa: SLF001
        if completion > 1:
            tpot = (latency - ttft) / (completion - 1)
            w.reg.observe(self.server_tpot, labels, tpot)
            w._obs("genai_server_tpot", (g, p, m), tpot)  # noqa: SLF001


class _Calm:
    """The effects of no scenario."""

    outcomes = tf.BASE_OUTCOMES
    latency = tokens = rate = 1.0
