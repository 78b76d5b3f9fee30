"""The event model: each scrape step, real requests and calls are drawn from the traffic
(`traffic.py`) and the active scenarios, and each event is emitted as the emitting code does
it (brightstaff, Envoy and its LLM filter, the collector's spanmetrics, the LLM SDK) into a
`Registry`, and filed as ground truth in a `Recorder`: the series and the truth come from the
same events.
"""

from __future__ import annotations

import functools
import math
import random
from collections import deque

from llm_gateway_dashboards.panels.catalog import Catalog, default_catalog

from . import traffic as tf
from .genai import GenAIEmitter
from .scenarios import SCENARIOS, Effect, Plan
from .series import Family, Registry
from .truth import Recorder

WARM_STEPS = 40  # scrape steps of traffic before the data starts (the processes have been up ~10 min)


@functools.lru_cache(maxsize=None)
def lab(**kw) -> tuple:
    """A label set: sorted (name, value) pairs."""
    return tuple(sorted(kw.items()))


def _status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


class Effects:
    """The active scenario effects for one kind of traffic (multipliers and probabilities)."""

    __slots__ = ("rate", "latency", "tokens", "outcomes", "ratelimit", "detections", "enabled")

    def __init__(self, effects: list[Effect], enabled_by_default: bool = True):
        self.rate = math.prod(e.rate for e in effects)
        self.latency = math.prod(e.latency for e in effects)
        self.tokens = math.prod(e.tokens for e in effects)
        self.detections = math.prod(e.detections for e in effects)
        self.ratelimit = max([tf.BASE_RATELIMIT] + [e.ratelimit for e in effects])
        self.outcomes = dict(tf.BASE_OUTCOMES)
        for e in effects:
            for k, p in e.outcomes:
                self.outcomes[k] = max(self.outcomes[k], p)
        self.enabled = enabled_by_default or any(e.enable for e in effects)


class World:
    """The simulated deployment, advanced one scrape step at a time."""

    def __init__(self, plan: Plan, seed: int = 1, config: tf.Config | None = None, catalog: Catalog | None = None,
                 namespace: str = "", registry: Registry | None = None, recorder: Recorder | None = None):
        self.plan, self.seed = plan, seed
        self.config = config or tf.Config()
        self.catalog = catalog or default_catalog(namespace)
        self.namespace = namespace
        self.reg = registry if registry is not None else Registry()
        self.truth = recorder if recorder is not None else Recorder()
        self.rng = random.Random(seed)
        self.phase = {k: random.Random(f"{seed}|phase|{k}").random() for k in range(64)}
        self.start_time = {"brightstaff": plan.start - WARM_STEPS * plan.step - 3600,
                           "llm": plan.start - WARM_STEPS * plan.step - 7200}
        self.sdk_cost_window: dict[tuple, deque] = {}  # SDK cost per step, trailing 15 minutes
        self._cost_now: dict[tuple, int] = {}
        self._sdk_fams: dict[str, Family] = {}
        self.detections: dict[str, float] = {}
        self._fact = self._obs = _drop
        self.handlers_seen: set[str] = set()
        self._families()
        self.genai = GenAIEmitter(self, seed)
        self._genai_warm = False
        absent = tf.absent_by_design(self.config)
        self.generic = [m for m in self.catalog.metrics if m.name not in self.reg.families and m.name not in absent]
        self._generic_series = [(self._fam(m.name, m.kind, m.source), labels, m)
                                for m in self.generic for labels in _generic_labels(m)]

    # --- families -------------------------------------------------------------------------
    def _fam(self, name: str, kind: str, source: str, bounds=None, help_: str = "") -> Family:
        metric = self.catalog._metrics.get(name)  # noqa: SLF001 (a lookup without the error)
        if bounds is None:
            bounds = metric.buckets if metric is not None else ()
        return self.reg.family(Family(name, kind, source, tuple(bounds), help_ or (metric.help if metric else name)))

    def _families(self) -> None:
        f, B, E, S, L = self._fam, "brightstaff", "envoy", "spanmetrics", "llm"
        self.f_http = f("brightstaff_http_requests_total", "counter", B)
        self.f_http_dur = f("brightstaff_http_request_duration_seconds", "histogram", B)
        self.f_inflight = f("brightstaff_http_in_flight_requests", "gauge", B)
        self.f_up = f("brightstaff_llm_upstream_requests_total", "counter", B)
        self.f_up_dur = f("brightstaff_llm_upstream_duration_seconds", "histogram", B)
        self.f_ttft = f("brightstaff_llm_time_to_first_token_seconds", "histogram", B)
        self.f_tokens = f("brightstaff_llm_tokens_total", "counter", B)
        self.f_missing = f("brightstaff_llm_tokens_usage_missing_total", "counter", B)
        self.f_router = f("brightstaff_router_decisions_total", "counter", B)
        self.f_router_dur = f("brightstaff_router_decision_duration_seconds", "histogram", B)
        self.f_routing = f("brightstaff_routing_service_requests_total", "counter", B)
        self.f_session = f("brightstaff_session_cache_events_total", "counter", B)
        self.f_pcache = f("brightstaff_prompt_cache_requests_total", "counter", B)
        self.f_switch = f("brightstaff_session_switch_decisions_total", "counter", B)
        self.f_skips = f("brightstaff_router_skips_total", "counter", B)
        self.f_binding = f("brightstaff_session_binding_events_total", "counter", B)
        self.f_build = f("brightstaff_build_info", "gauge", B)
        self.f_proc = {n: f(n, k, B) for n, k in PROCESS_FAMILIES}
        self.f_rq = f("envoy_cluster_upstream_rq_total", "counter", E)
        self.f_rq_xx = f("envoy_cluster_upstream_rq_xx", "counter", E)
        self.f_rq_time = f("envoy_cluster_upstream_rq_time", "histogram", E)
        self.f_ratelimited = f("ratelimited_rq", "counter", E)
        self.f_active = f("active_http_calls", "gauge", E)
        self.f_e = {n: f(n, "histogram", E) for n in ("time_to_first_token", "time_per_output_token",
                                                      "request_latency", "tokens_per_second",
                                                      "input_sequence_length", "output_sequence_length")}
        prefix = f"{self.namespace}_" if self.namespace else ""
        span_bounds = self.catalog.metric(f"{prefix}duration_milliseconds").buckets
        if self.config.span_buckets == "ns":
            span_bounds = tuple(b / 1e6 for b in span_bounds)
        self.f_calls = f(f"{prefix}calls_total", "counter", S)
        self.f_span_dur = f(f"{prefix}duration_milliseconds", "histogram", S, span_bounds)
        one = "_1" if self.config.sdk_unit_suffix else ""
        self.f_sdk_tokens = f("llm_tokens_total", "counter", L)
        self.f_sdk_cost = f("llm_cost_usd_micro_total", "counter", L)
        self.f_sdk_lat = f("llm_latency_ms_total", "histogram", L)
        self.f_sdk_ttft = f("llm_latency_ms_ttft", "histogram", L)
        self.f_sdk_pii = f(f"llm_pii_detected{one}_total", "counter", L, ())
        self.f_sdk_inj = f(f"llm_injection_attempts{one}_total", "counter", L, ())
        self.f_sdk_finish = f(f"llm_finish_reason{one}_total", "counter", L, ())
        self.f_sdk_spans = f(f"llm_spans{one}_total", "counter", L, ())
        self.f_sdk_tox = f("llm_toxicity_detected_total", "counter", L)
        self.f_sdk_tox_score = f("llm_toxicity_score", "histogram", L)
        self.f_sdk_forecast = {k: f(f"llm_forecast_cost_{k}_usd_micro", "gauge", L) for k in ("mean", "p10", "p90")}
        self.f_target = f("target_info", "gauge", L, (), "Target metadata")
        self.f_py_gc = f("python_gc_objects_collected_total", "counter", L, (), "Objects collected during gc")
        self.f_py_gcn = f("python_gc_collections_total", "counter", L, (), "Number of times this generation was "
                                                                               "collected")
        self.f_py_info = f("python_info", "gauge", L, (), "Python platform information")
        self.scope = (lab(otel_scope_name="llm-observability", otel_scope_schema_url="", otel_scope_version="")
                      if self.config.sdk_scope_labels else ())

    # --- random helpers -------------------------------------------------------------------
    def _ln(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.rng.gauss(0.0, 1.0))

    def _pick(self, options):
        r = self.rng.random()
        acc = 0.0
        for value, p in options:
            acc += p
            if r < acc:
                return value
        return options[-1][0]

    def _count(self, rate: float, dt: float, t: float, k: int) -> int:
        wave = 1 + 0.15 * math.sin(2 * math.pi * ((t - self.plan.start) / 3600 + self.phase[k % 64]))
        lam = rate * dt * wave * (1 + 0.2 * (2 * self.rng.random() - 1))
        return int(lam + self.rng.random())

    # --- one step -----------------------------------------------------------------------------
    def step(self, t: int, dt: int, record: bool = True, scrape: bool = True) -> None:
        """Draw and emit the events of (t - dt, t]; `record` files them as truth under t, `scrape`
        takes the samples at t."""
        # file the step's events as truth (or drop them: warm-up and live steps)
        self._fact, self._obs = (self.truth.add, self.truth.sample) if record else (_drop, _drop)
        if record:
            self.truth.step(t)
        if not self._genai_warm:
            self.genai.warm()  # the first (warm-up) step
            self._genai_warm = True
        if dt and self.plan.restarts(t):
            self.reg.restart("brightstaff")
            self.handlers_seen.clear()
            self.start_time["brightstaff"] = t - dt // 2
            self._fact("restart", ("brightstaff",))
        active = [SCENARIOS[name] for name in self.plan.active(t)]
        effects = [e for sc in active for e in sc.effects]
        headers_time: dict[str, float] = {}
        self.detections = {svc: Effects([e for e in effects if e.matches(service=svc) and e.service]).detections
                           for svc in tf.SDK_SERVICES}
        if dt:
            for k, tr in enumerate(tf.MODELS):
                fx = Effects([e for e in effects if e.matches(tr.provider, tr.model)], tr.enabled)
                if not fx.enabled:
                    continue
                for _ in range(self._count(tr.rate * fx.rate, dt, t, k)):
                    self._llm_request(tr, fx, headers_time)
            for k, route in enumerate(tf.HTTP_ROUTES):
                for _ in range(self._count(route[2], dt, t, 20 + k)):
                    self._http_request(route, headers_time)
            for k, call in enumerate(tf.SDK_CALLS):
                service, how, provider, model, rate = call
                fx = Effects([e for e in effects if e.matches(provider, model, service)])
                for _ in range(self._count(rate * fx.rate, dt, t, 40 + k)):
                    self._sdk_call(call, fx)
            for app in tf.GENAI_APPS:
                fx = Effects([e for e in effects if e.matches(app.provider, app.model)])
                for _ in range(self.genai.count(app.rate * fx.rate, dt)):
                    self.genai.call(app, fx)
        self._gauges(t, dt, headers_time)
        for fam, labels, metric in self._generic_series:
            self._generic(fam, labels, metric, t, dt)
        if scrape:
            self.reg.scrape(t)

    # --- brightstaff, Envoy and spans for one LLM request ----------------------------------------
    def _llm_request(self, tr: tf.Traffic, fx: Effects, headers_time: dict) -> None:
        rng, reg, p, m = self.rng, self.reg, tr.provider, tr.model
        stream = rng.random() < tr.stream
        api = self._pick(tr.apis)
        o = fx.outcomes
        ratelimited = False
        status = 200
        if rng.random() < o["connect"]:
            outcome, status = "connect", 0
        elif rng.random() < fx.ratelimit:
            outcome, status, ratelimited = "4xx", 429, True
        elif rng.random() < o["5xx"]:
            outcome = "5xx"
            status = self._pick(tf.OUTAGE_5XX if o["5xx"] > tf.BASE_OUTCOMES["5xx"] else tf.STATUS_5XX)
        elif rng.random() < o["4xx"]:
            outcome, status = "4xx", self._pick(tf.STATUS_4XX)
        elif rng.random() < o["other"]:
            outcome, status = "other", 0
        elif stream and rng.random() < o["stream"]:
            outcome = "stream"
        elif stream and rng.random() < o["disconnect"]:
            outcome = "disconnect"
        else:
            outcome = "ok"
        transport = status == 0
        pm = lab(provider=p, model=m)

        # request side: session lookup, router decision or skip
        session = rng.random() < tf.SESSION_SHARE
        warm = False
        if session:
            look = self._pick(tf.SESSION_LOOKUP)
            warm = look == "hit"
            reg.inc(self.f_session, lab(outcome=look))
            self._fact("session_cache", (look,))
            if warm:
                decision, reason = self._pick(tf.SWITCHES)
                reg.inc(self.f_switch, lab(decision=decision, reason=reason))
                self._fact("session_switch", (decision, reason))
        self._route(tr, fx, warm)

        # timing (seconds): end-to-end latency, first body byte, response headers
        lat_m = fx.latency
        if outcome in ("ok", "stream", "disconnect"):
            latency = self._ln(tr.latency * lat_m, 0.5)
            if stream:
                ttfb = min(self._ln(tr.ttft * lat_m, 0.4), latency * 0.9)
                headers = ttfb * 0.97
            else:
                ttfb = latency * rng.uniform(0.9, 0.99)
                headers = ttfb * 0.98
            if outcome != "ok":
                latency = ttfb + (latency - ttfb) * rng.uniform(0.1, 0.9)
        elif outcome == "4xx":
            latency = 0.003 * math.exp(0.3 * rng.gauss(0, 1)) if ratelimited else self._ln(0.08, 0.5)
            ttfb = latency * 0.98
            headers = ttfb * 0.99
        elif outcome == "5xx":
            latency = self._ln(0.6 * lat_m, 0.7)
            ttfb = latency * 0.98
            headers = ttfb * 0.99
        elif outcome == "connect":
            latency = ttfb = headers = self._ln(0.002, 0.5)
        else:  # other transport error
            latency = ttfb = headers = self._ln(1.0, 0.8)

        # tokens the provider billed (uncached input, cache read, cache write, completion)
        billed = (0, 0, 0, 0)
        if outcome in ("ok", "stream", "disconnect"):
            total_in = max(1, int(self._ln(tr.prompt * fx.tokens, 0.6)))
            completion = max(1, int(self._ln(tr.completion * fx.tokens, 0.7)))
            cache_read = cache_write = 0
            if p in tf.PROMPT_EXCLUDES_CACHE:
                if rng.random() < tr.cache:
                    cache_read = int(total_in * rng.uniform(0.3, 0.9))
                if rng.random() < tr.cache_write:
                    cache_write = int((total_in - cache_read) * rng.uniform(0.3, 0.8))
            elif tr.cached_field and total_in >= 1024 and rng.random() < tr.cache:
                cache_read = int(total_in * rng.uniform(0.3, 0.9)) // 128 * 128
            if outcome != "ok":
                completion = int(completion * rng.uniform(0.1, 0.9))
            billed = (total_in - cache_read - cache_write, cache_read, cache_write, completion)
        else:
            total_in = max(1, int(self._ln(tr.prompt * fx.tokens, 0.6)))

        # --- brightstaff ------------------------------------------------------------------------
        cls = "5xx" if transport else _status_class(status)
        reg.inc(self.f_http, lab(handler="llm_chat", method="POST", status_class=cls))
        reg.observe(self.f_http_dur, lab(handler="llm_chat"), headers)
        headers_time["llm_chat"] = headers_time.get("llm_chat", 0.0) + headers
        self._fact("http", ("llm_chat", "POST", cls))
        self._obs("http_duration", ("llm_chat",), headers)
        up_cls = "error" if transport else _status_class(status)
        self._fact("llm_request", (p, m, api, stream, outcome, status, up_cls, ratelimited))
        self._obs("latency", (p, m, stream, outcome), latency)
        increments = [(up_cls, outcome)] if transport else (
            [(up_cls, "stream"), (up_cls, "none")] if outcome == "stream" else [(up_cls, "none")])
        for sc, ec in increments:
            reg.inc(self.f_up, lab(provider=p, model=m, status_class=sc, error_class=ec))
            reg.observe(self.f_up_dur, pm, latency)
            self._fact("upstream", (p, m, sc, ec))
            self._obs("upstream_duration", (p, m), latency)
        if not transport:
            reg.observe(self.f_ttft, pm, ttfb)
            self._obs("ttfb", (p, m, stream), ttfb)
            self._usage(tr, api, stream, outcome, billed, pm)
            if session and 200 <= status < 300:
                reg.inc(self.f_binding, lab(event="refresh"))
                self._fact("binding_refresh", ("refresh",))
                store = "store_error" if rng.random() < tf.STORE_ERROR else "store"
                reg.inc(self.f_session, lab(outcome=store))
                self._fact("session_cache", (store,))
        self._fact("billed_tokens", (p, m, "input_uncached"), billed[0])
        self._fact("billed_tokens", (p, m, "cache_read"), billed[1])
        self._fact("billed_tokens", (p, m, "cache_write"), billed[2])
        self._fact("billed_tokens", (p, m, "completion"), billed[3])
        price = PRICES().get(m)
        if price is not None:
            self._fact("billed_usd", (p, m), _usd(price, *billed))

        # --- Envoy (egress listener and its LLM filter) ---------------------------------------
        self._envoy(tr, stream, outcome, status, ratelimited, latency, ttfb, total_in, billed[3])
        # --- spans ---------------------------------------------------------------------------
        self._llm_spans(tr, api, stream, outcome, status, latency, ttfb)

    def _route(self, tr: tf.Traffic, fx: Effects, warm: bool) -> None:
        rng, reg, cfg = self.rng, self.reg, self.config
        if warm and cfg.route_on_user_only and rng.random() < tf.NOT_USER_TURN:
            reg.inc(self.f_skips, lab(reason="not_user_turn"))
            self._fact("router_skip", ("not_user_turn",))
            return
        if not cfg.routing_preferences:
            selected, fallback, dur = "none", "true", rng.uniform(0.00002, 0.0004)
        elif rng.random() < fx.outcomes["router_error"]:
            selected, fallback, dur = "unknown", "true", self._ln(0.8, 0.6)
        elif rng.random() < tf.NO_ROUTE:
            selected, fallback, dur = "none", "true", self._ln(0.03, 0.5)
        else:
            selected, fallback, dur = f"{tr.provider}/{tr.model}", "false", self._ln(0.12, 0.5)
        reg.inc(self.f_router, lab(route="llm", selected_model=selected, fallback=fallback))
        reg.observe(self.f_router_dur, lab(route="llm"), dur)
        self._fact("router", (selected, fallback))
        self._obs("router_duration", (selected,), dur)
        if cfg.routing_preferences:
            status = "STATUS_CODE_ERROR" if selected == "unknown" else "STATUS_CODE_OK"
            self._span(lab(service_name="plano(routing)", span_name="route", span_kind="SPAN_KIND_INTERNAL",
                           status_code=status), ("plano(routing)", "route", "SPAN_KIND_INTERNAL", status), dur * 1000)

    def _usage(self, tr, api, stream, outcome, billed, pm) -> None:
        """What brightstaff parses from the response body, recorded as it does (streaming.rs on_complete)."""
        p, m, reg = tr.provider, tr.model, self.reg
        uncached, cache_read, cache_write, completion = billed
        prompt = comp = cr = cw = None
        if outcome == "ok":
            if api == "responses":
                if not stream:  # input_tokens read through the Anthropic fallback; cached_tokens never read
                    prompt, comp = uncached + cache_read + cache_write, completion
            elif stream and api == "chat" and self.rng.random() >= tf.INCLUDE_USAGE:
                pass  # streamed without stream_options.include_usage: no usage chunk
            elif p in tf.PROMPT_EXCLUDES_CACHE:
                if api == "messages" and stream and self.rng.random() < tf.ANTHROPIC_DELTA_OUTPUT_ONLY:
                    comp = completion  # message_delta with output_tokens only
                else:
                    prompt, comp, cr, cw = uncached, completion, cache_read, cache_write
            else:
                prompt, comp = uncached + cache_read, completion
                cr = cache_read if tr.cached_field else None
        for kind, v in (("prompt", prompt), ("completion", comp), ("cache_read", cr), ("cache_write", cw)):
            if v is not None:
                reg.inc(self.f_tokens, lab(provider=p, model=m, kind=kind), v)
                self._fact("llm_tokens", (p, m, kind), v)
        if prompt is not None:
            hit = "hit" if (cr or 0) > 0 or (cw or 0) > 0 else "miss"
            reg.inc(self.f_pcache, lab(provider=p, model=m, outcome=hit))
            self._fact("prompt_cache", (p, m, hit))
        if prompt is None and comp is None:
            reg.inc(self.f_missing, pm)
            self._fact("usage_missing", (p, m))
        # the recorded tokens read with the provider's convention
        rec_in = (prompt or 0) - ((cr or 0) if p not in tf.PROMPT_EXCLUDES_CACHE else 0)
        rec = (rec_in, cr or 0, cw or 0, comp or 0)
        for kind, v in zip(("input_uncached", "cache_read", "cache_write", "completion"), rec, strict=True):
            self._fact("tokens", (p, m, kind), v)
        price = PRICES().get(m)
        if price is not None:
            self._fact("usd", (p, m), _usd(price, *rec))

    def _envoy(self, tr, stream, outcome, status, ratelimited, latency, ttfb, total_in, completion) -> None:
        reg, rng, p, m = self.reg, self.rng, tr.provider, tr.model
        cls = "5" if status == 0 else str(status // 100)
        brightstaff = lab(envoy_cluster_name="bright_staff")
        reg.inc(self.f_rq, brightstaff)
        reg.inc(self.f_rq_xx, lab(envoy_cluster_name="bright_staff", envoy_response_code_class=cls))
        ms = latency * 1000 + 1.0
        reg.observe(self.f_rq_time, brightstaff, ms)
        self._fact("envoy_upstream", ("bright_staff", cls))
        self._obs("envoy_rq_time", ("bright_staff",), ms)
        if outcome == "connect":
            return  # Envoy's egress listener was unreachable
        est_in = max(1, int(total_in * rng.uniform(0.9, 1.1)))  # tiktoken count of the request text
        reg.observe(self.f_e["input_sequence_length"], (), est_in)
        self._obs("envoy_input_length", (p, m), est_in)
        if ratelimited:
            reg.inc(self.f_ratelimited, ())
            self._fact("ratelimited", (p, m))
            return
        if outcome == "other":
            return
        cluster = lab(envoy_cluster_name=p)
        reg.inc(self.f_rq, cluster)
        reg.inc(self.f_rq_xx, lab(envoy_cluster_name=p, envoy_response_code_class=cls))
        reg.observe(self.f_rq_time, cluster, latency * 1000)
        self._fact("envoy_upstream", (p, cls))
        self._obs("envoy_rq_time", (p,), latency * 1000)
        if stream and status == 200:
            ttft_ms = int(max(ttfb - 0.002, 0.0) * 1000)
            reg.observe(self.f_e["time_to_first_token"], (), ttft_ms)
            self._obs("envoy_ttft", (p, m), ttft_ms)
        if outcome in ("stream", "disconnect"):
            return  # the stream was reset: no end-of-request metrics
        if status == 200:  # streamed: len(delta)/4 per delta; otherwise the body's completion_tokens
            tokens = int(completion * rng.uniform(0.8, 1.3)) if stream else completion
        else:
            tokens = 0
        lat_ms = int(latency * 1000)
        reg.observe(self.f_e["request_latency"], (), lat_ms)
        self._obs("envoy_request_latency", (p, m), lat_ms)
        if tokens > 0:
            tpot = lat_ms // tokens
            reg.observe(self.f_e["time_per_output_token"], (), tpot)
            self._obs("envoy_tpot", (p, m), tpot)
            if tpot > 0:
                reg.observe(self.f_e["tokens_per_second"], (), 1000 // tpot)
                self._obs("envoy_tokens_per_second", (p, m), 1000 // tpot)
        reg.observe(self.f_e["output_sequence_length"], (), tokens)
        self._obs("envoy_output_length", (p, m), tokens)

    def _span(self, labels: tuple, key: tuple, ms: float) -> None:
        self.reg.inc(self.f_calls, labels)
        self.reg.observe(self.f_span_dur, labels, ms)
        self._fact("span", key)
        self._obs("span_duration", (key[0], key[1], key[3]), ms)

    def _llm_spans(self, tr, api, stream, outcome, status, latency, ttfb) -> None:
        path = tf.API_PATHS[api]
        code = str(status) if status else ""
        client_code = code or "500"
        err, unset = "STATUS_CODE_ERROR", "STATUS_CODE_UNSET"
        inbound_status = err if int(client_code) >= 500 else unset
        self._span(lab(service_name="plano(inbound)", span_name=f"POST {path}", span_kind="SPAN_KIND_SERVER",
                       status_code=inbound_status, http_method="POST", http_status_code=client_code),
                   ("plano(inbound)", f"POST {path}", "SPAN_KIND_SERVER", inbound_status), latency * 1000 + 1)
        failed = outcome != "ok" and outcome != "disconnect"
        llm_status = err if failed else unset
        name = f"POST {path} {tr.model}"
        model = tr.snapshot if status == 200 and tr.snapshot else tr.model
        self._span(lab(service_name="plano(llm)", span_name=name, span_kind="SPAN_KIND_CLIENT", status_code=llm_status,
                       llm_model=model, http_status_code=code),
                   ("plano(llm)", name, "SPAN_KIND_CLIENT", llm_status), latency * 1000)
        if outcome != "connect":
            out_status = err if status >= 500 or status == 0 else unset
            self._span(lab(service_name="plano(outbound)", span_name=f"POST {path}", span_kind="SPAN_KIND_CLIENT",
                           status_code=out_status),
                       ("plano(outbound)", f"POST {path}", "SPAN_KIND_CLIENT", out_status), latency * 1000 - 1)

    # --- brightstaff's other handlers ---------------------------------------------------------
    def _http_request(self, route, headers_time: dict) -> None:
        handler, method, _, median, mix = route
        reg, rng = self.reg, self.rng
        cls = self._pick(tuple(mix.items()))
        dur = self._ln(median, 0.6)
        reg.inc(self.f_http, lab(handler=handler, method=method, status_class=cls))
        reg.observe(self.f_http_dur, lab(handler=handler), dur)
        headers_time[handler] = headers_time.get(handler, 0.0) + dur
        self._fact("http", (handler, method, cls))
        self._obs("http_duration", (handler,), dur)
        bright = lab(envoy_cluster_name="bright_staff")
        reg.inc(self.f_rq, bright)
        reg.inc(self.f_rq_xx, lab(envoy_cluster_name="bright_staff", envoy_response_code_class=cls[0]))
        reg.observe(self.f_rq_time, bright, dur * 1000 + 1)
        self._fact("envoy_upstream", ("bright_staff", cls[0]))
        self._obs("envoy_rq_time", ("bright_staff",), dur * 1000 + 1)
        ok, err = "STATUS_CODE_OK", "STATUS_CODE_ERROR"
        if handler == "routing_decision":
            if cls != "4xx":  # rejected early (bad JSON, 400): not counted by the routing service
                outcome = "policy_error" if cls == "5xx" else self._pick(tf.ROUTING_OUTCOMES[:2])
                reg.inc(self.f_routing, lab(outcome=outcome))
                self._fact("routing_service", (outcome,))
            status = err if cls == "5xx" else ok
            self._span(lab(service_name="plano", span_name="POST /routing/v1/chat/completions",
                           span_kind="SPAN_KIND_SERVER", status_code=status),
                       ("plano", "POST /routing/v1/chat/completions", "SPAN_KIND_SERVER", status), dur * 1000)
        elif handler == "agent_chat":
            status = err if cls == "5xx" else "STATUS_CODE_UNSET"
            self._span(lab(service_name="plano(inbound)", span_name="POST /agents/v1/chat/completions",
                           span_kind="SPAN_KIND_SERVER", status_code=status, http_method="POST",
                           http_status_code={"2xx": "200", "4xx": "400", "5xx": "500"}[cls]),
                       ("plano(inbound)", "POST /agents/v1/chat/completions", "SPAN_KIND_SERVER", status),
                       dur * 1000 + 1)
            o_status = err if cls == "5xx" else ok
            self._span(lab(service_name="plano(orchestrator)", span_name="orchestrate", span_kind="SPAN_KIND_INTERNAL",
                           status_code=o_status, selection_listener="agent_listener"),
                       ("plano(orchestrator)", "orchestrate", "SPAN_KIND_INTERNAL", o_status), self._ln(40, 0.5))
            blocked = rng.random() < 0.01 * self._detections("support-bot")
            f_status = err if blocked else ok
            self._span(lab(service_name="plano(filter)", span_name="input_guard", span_kind="SPAN_KIND_INTERNAL",
                           status_code=f_status),
                       ("plano(filter)", "input_guard", "SPAN_KIND_INTERNAL", f_status), self._ln(30, 0.5))
            agent = self._pick(tuple((a, r / sum(x for _, x in tf.AGENTS)) for a, r in tf.AGENTS))
            a_status = err if cls == "5xx" else ok
            self._span(lab(service_name="plano(agent)", span_name="invoke_agent", span_kind="SPAN_KIND_CLIENT",
                           status_code=a_status, agent_id=agent),
                       ("plano(agent)", "invoke_agent", "SPAN_KIND_CLIENT", a_status), dur * 1000 * 0.9)

    def _detections(self, service: str) -> float:
        return self.detections.get(service, 1.0)

    # --- the LLM SDK --------------------------------------------------------------------------
    def _sdk_call(self, call, fx: Effects) -> None:
        service, how, provider, model, _ = call
        rng, reg = self.rng, self.reg
        tr = next(x for x in tf.MODELS if x.model == model)
        label_model = tr.snapshot if how == "auto" else model
        base = lab(service_name=service, provider=provider, model=label_model) + self.scope
        base = tuple(sorted(base))
        status = self._pick(tf.SDK_STATUS[how])
        if rng.random() < fx.outcomes["5xx"] - tf.BASE_OUTCOMES["5xx"]:  # the provider is down
            status = "timeout" if how == "rest" and rng.random() < 0.3 else "error"
        retries = "true" if rng.random() < tf.SDK_RETRIES else "false"
        reg.inc(self.f_sdk_spans, tuple(sorted(base + (("status", status), ("has_retries", retries)))))
        self._fact("sdk_call", (service, provider, label_model, status, retries, how))
        ok = status == "success"
        prompt = completion = 0
        if ok:
            prompt = max(1, int(self._ln(tr.prompt * fx.tokens, 0.6)))
            completion = max(1, int(self._ln(tr.completion * fx.tokens, 0.7)))
            if how == "auto" and rng.random() < tf.SDK_NO_USAGE:
                prompt, completion = 1, 0  # no usage in the response: the mapper records prompt_tokens=1
        for tt, v in (("prompt", prompt), ("completion", completion)):
            if v > 0:
                reg.inc(self.f_sdk_tokens, tuple(sorted(base + (("token_type", tt),))), v)
                self._fact("sdk_tokens", (service, provider, label_model, tt), v)
        price = tf.SDK_PRICES.get((provider, label_model)) or next(
            (v for (_, mm), v in tf.SDK_PRICES.items() if mm == label_model), None)
        if price is not None:
            micro = int(prompt * price[0] + completion * price[1])
            if micro > 0:
                reg.inc(self.f_sdk_cost, base, micro)
                self._fact("sdk_cost", (service, provider, label_model), micro)
                self.sdk_cost_window.setdefault(base, deque(maxlen=60))
                self._cost_now[base] = self._cost_now.get(base, 0) + micro
        latency = int(self._ln(tr.latency * 1500 * fx.latency, 0.8))
        if latency > 0:
            reg.observe(self.f_sdk_lat, base, latency)
            self._obs("sdk_latency", (service, provider, label_model), latency)
        if rng.random() < tf.SDK_TTFT[how]:
            ttft = int(self._ln(tr.ttft * 1000 * fx.latency, 0.5))
            if ttft > 0:
                reg.observe(self.f_sdk_ttft, base, ttft)
                self._obs("sdk_ttft", (service, provider, label_model), ttft)
        finish = None
        det = fx.detections
        if how == "auto" and ok:
            finish = self._pick(tf.FINISH_AUTO)
        elif how == "rest":
            finish = self._pick(tf.FINISH_REST.get(provider, tf.FINISH_REST[""]))
        if finish is not None and det > 1 and rng.random() < min(0.5, 0.004 * det):
            finish = "FinishReason.CONTENT_FILTER" if how == "auto" else (
                "refusal" if provider == "anthropic" else "content_filter")
        if finish is not None:
            reg.inc(self.f_sdk_finish, tuple(sorted(base + (("finish_reason", finish),))))
            self._fact("sdk_finish", (service, provider, label_model, finish))
        if how != "auto":
            pii, inj, tox = tf.SDK_DETECTIONS[service]
            svc = tuple(sorted(lab(service_name=service) + self.scope))
            for kind, prob, fam in (("pii", pii, self.f_sdk_pii), ("injection", inj, self.f_sdk_inj),
                                    ("toxicity", tox, self.f_sdk_tox)):
                if rng.random() < min(0.9, prob * det):
                    reg.inc(fam, svc)
                    self._fact("sdk_detection", (service, kind))
                    if kind == "toxicity":
                        score = rng.uniform(0.7, 0.99)
                        break
            else:
                score = rng.betavariate(1.2, 14)
            reg.observe(self.f_sdk_tox_score, base, score)
            self._obs("sdk_toxicity_score", (service, provider, label_model), score)

    def _generic(self, fam: Family, labels: tuple, metric, t: int, dt: int) -> None:
        """A catalog metric the event model does not know (another repo's source): one event a second."""
        n = self._count(1.0, dt, t, 62)
        if fam.kind == "counter":
            self.reg.inc(fam, labels, n)
        elif fam.kind == "histogram":
            self.reg.observe(fam, labels, fam.bounds[len(fam.bounds) // 2], n)
        else:
            self.reg.set(fam, labels, 1)

    # --- gauges and process metrics, once per step ------------------------------------------
    def _gauges(self, t: int, dt: int, headers_time: dict) -> None:
        reg, rng = self.reg, self.rng
        step = self.plan.step
        reg.set(self.f_build, lab(version=tf.BRIGHTSTAFF_VERSION, git_sha=tf.BRIGHTSTAFF_GIT_SHA), 1)
        self.handlers_seen.update(headers_time)  # a gauge exists from its handler's first request on
        for handler in sorted(self.handlers_seen):  # Little's law: busy seconds per second waiting for headers
            reg.set(self.f_inflight, lab(handler=handler), int(headers_time.get(handler, 0.0) / step + rng.random()))
        reg.set(self.f_active, (), rng.randint(0, 3))
        if self.config.brightstaff_process_metrics:
            up = t - self.start_time["brightstaff"]
            f = self.f_proc
            reg.set(f["process_resident_memory_bytes"], (), int(150e6 + up * 2000 + rng.uniform(0, 4e6)))
            reg.set(f["process_virtual_memory_bytes"], (), int(1.2e9 + up * 4000))
            reg.set(f["process_open_fds"], (), 90 + rng.randint(0, 40))
            reg.set(f["process_max_fds"], (), 1048576)
            reg.set(f["process_threads"], (), 24)
            reg.set(f["process_start_time_seconds"], (), self.start_time["brightstaff"])
            reg.inc(f["process_cpu_seconds_total"], (), round(dt * rng.uniform(0.25, 0.45), 2))
        # the SDK's endpoint: prometheus_client's process_* and python_*, target_info
        for name, value in (("process_resident_memory_bytes", int(60e6 + rng.uniform(0, 2e6))),
                            ("process_virtual_memory_bytes", int(4.2e8)),
                            ("process_open_fds", 14 + rng.randint(0, 4)), ("process_max_fds", 1048576),
                            ("process_start_time_seconds", self.start_time["llm"])):
            reg.set(self._sdk_proc(name, "gauge"), (), value)
        reg.inc(self._sdk_proc("process_cpu_seconds_total", "counter"), (), round(dt * rng.uniform(0.02, 0.05), 2))
        for gen, per_s in (("0", 3.0), ("1", 0.3), ("2", 0.02)):
            reg.inc(self.f_py_gc, lab(generation=gen), self._count(per_s * 40, dt, t, 60))
            reg.inc(self.f_py_gcn, lab(generation=gen), self._count(per_s, dt, t, 61))
        reg.set(self.f_py_info, lab(implementation="CPython", major="3", minor="11", patchlevel="7",
                                    version="3.11.7"), 1)
        new = self.config.sdk_version != "1.24.0"
        target = dict(service_name="unknown_service:python" if new else "unknown_service",
                      telemetry_sdk_language="python", telemetry_sdk_name="opentelemetry",
                      telemetry_sdk_version=self.config.sdk_version)
        if new:
            target["service_instance_id"] = str(random.Random(f"{self.seed}|instance").getrandbits(128))
        reg.set(self.f_target, lab(**target), 1)
        # the SDK's cost forecast: next hour at the trailing 15 minutes' pace, with a band
        for key, window in self.sdk_cost_window.items():
            window.append(self._cost_now.get(key, 0))
            mean = sum(window) * 3600 / (len(window) * step)
            for k, f in (("mean", 1.0), ("p10", 0.8), ("p90", 1.3)):
                reg.set(self.f_sdk_forecast[k], key, int(mean * f))
        self._cost_now = {}

    def _sdk_proc(self, name: str, kind: str) -> Family:
        key = ("sdk", name)
        fam = self._sdk_fams.get(key)
        if fam is None:
            base = self.f_proc[name]
            fam = self._sdk_fams[key] = self.reg.family(Family(base.name, kind, "llm", (), base.help))
        return fam


def _drop(*_args) -> None:
    """Where the events of a step that is not recorded go."""


def _generic_labels(metric) -> list[tuple]:
    """One label set per known value of each label (cycled); free-form labels get "a", "b"."""
    pools = [metric.known(name) or ("a", "b") for name in metric.labels]
    n = max((len(p) for p in pools), default=1)
    return [tuple(sorted((name, pool[i % len(pool)]) for name, pool in zip(metric.labels, pools, strict=True)))
            for i in range(n)]


PROCESS_FAMILIES = (("process_resident_memory_bytes", "gauge"), ("process_virtual_memory_bytes", "gauge"),
                    ("process_open_fds", "gauge"), ("process_max_fds", "gauge"), ("process_threads", "gauge"),
                    ("process_start_time_seconds", "gauge"), ("process_cpu_seconds_total", "counter"))


@functools.lru_cache(maxsize=1)
def PRICES() -> dict:  # noqa: N802 (a constant, loaded once)
    """Our price file (panels/data/model_prices.yaml): model -> ModelPrice."""
    from llm_gateway_dashboards.panels.prices import load_prices

    return {m.model: m for m in load_prices().models}


def _usd(price, uncached: float, cache_read: float, cache_write: float, completion: float) -> float:
    per = price.per_kind()
    return (uncached * per["prompt"] + cache_read * per["cache_read"] + cache_write * per["cache_write"]
            + completion * per["completion"]) / 1e6
