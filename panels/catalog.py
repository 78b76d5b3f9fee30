"""The metric catalog: every metric of shared/docs/metrics-reference.md as validated data.

Dashboards, lint, the traffic simulator and the tests all read this one table. A query
names a `Metric` object from here, never a bare string; compile checks each query's
metrics and labels against the registered catalog and names the dashboard and panel at
fault when one is unknown.

Another repo declares its own source with `register(Source(...))` (see README).
"""

from __future__ import annotations

import re

import attrs
from attrs.validators import deep_iterable, in_, instance_of, matches_re

KINDS = ("counter", "gauge", "histogram")
SCRAPE_LABELS = ("job", "instance")  # added by Prometheus to every series

_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
# Prometheus 3 can keep OpenTelemetry's dotted names (the OTLP receiver's NoUTF8EscapingWithSuffixes);
# queries quote them: {"gen_ai.client.token.usage_bucket", "gen_ai.provider.name"="x"} (queries.quoted).
_DOTTED_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:.]*$"
_DOTTED_LABEL = r"^[a-zA-Z_][a-zA-Z0-9_.]*$"


class CatalogError(ValueError):
    """A metric or label that the catalog does not know."""


def _labels_tuple(value) -> tuple[str, ...]:
    return tuple(value)


def _values_map(value) -> tuple[tuple[str, tuple[str, ...]], ...]:
    items = value.items() if isinstance(value, dict) else value
    return tuple(sorted((k, tuple(v)) for k, v in items))


@attrs.frozen
class Metric:
    """One metric family as Prometheus exposes it.

    `name` is the family name: a counter's series is `name` itself (they end in
    `_total`), a histogram's series are `name_bucket`, `name_sum`, `name_count`.
    """

    name: str = attrs.field(validator=matches_re(_DOTTED_NAME))
    kind: str = attrs.field(validator=in_(KINDS))
    source: str = attrs.field(validator=instance_of(str))
    unit: str = attrs.field(validator=instance_of(str))  # a Grafana unit id: s, ms, bytes, short, ...
    help: str = attrs.field(validator=instance_of(str))
    labels: tuple[str, ...] = attrs.field(
        default=(), converter=_labels_tuple, validator=deep_iterable(matches_re(_DOTTED_LABEL))
    )
    values: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(default=(), converter=_values_map)
    buckets: tuple[float, ...] = attrs.field(default=(), converter=tuple)
    # Values the code emits only under some configuration or from some callers (a router option,
    # an Envoy tracer, auto-instrumentation, the REST API), or free-form labels' well-known
    # spellings: a deployment may never show them, so nothing must require them.
    sometimes: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(default=(), converter=_values_map)

    def __attrs_post_init__(self):
        unknown = [k for k, _ in self.values + self.sometimes if k not in self.labels]
        if unknown:
            raise CatalogError(f"metric {self.name}: known values given for labels it lacks: {unknown}")
        if self.kind == "histogram" and not self.buckets:
            raise CatalogError(f"histogram {self.name} needs its buckets")

    @property
    def all_labels(self) -> tuple[str, ...]:
        """Labels a query may name: the metric's own, the scrape labels, and `le` on buckets."""
        extra = ("le",) if self.kind == "histogram" else ()
        return self.labels + SCRAPE_LABELS + extra

    def known(self, label: str) -> tuple[str, ...]:
        """Known values of one label ((), when free-form)."""
        return dict(self.values).get(label, ())

    def possible(self, label: str) -> tuple[str, ...]:
        """Every value the code can emit for a label: `known` plus the situational ones."""
        return self.known(label) + tuple(v for v in dict(self.sometimes).get(label, ()) if v not in self.known(label))

    @property
    def series(self) -> tuple[str, ...]:
        """The series names Prometheus stores for this family."""
        if self.kind == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)


@attrs.frozen
class Source:
    """A metric source: one emitter, scraped as one job (its selector is a setting)."""

    name: str = attrs.field(validator=matches_re(r"^[a-z][a-z0-9_-]*$"))
    help: str = attrs.field(validator=instance_of(str))
    metrics: tuple[Metric, ...] = attrs.field(converter=tuple)

    def __attrs_post_init__(self):
        for m in self.metrics:
            if m.source != self.name:
                raise CatalogError(f"metric {m.name} says source {m.source!r}, declared in {self.name!r}")

    def __getitem__(self, name: str) -> Metric:
        """The source's metric by name: BRIGHTSTAFF["brightstaff_llm_tokens_total"]."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise CatalogError(f"source {self.name!r} has no metric {name!r}")


class Catalog:
    """Sources and metrics by name. Lookups raise CatalogError naming what is missing."""

    def __init__(self, sources=()):
        self._sources: dict[str, Source] = {}
        self._metrics: dict[str, Metric] = {}
        self._series: dict[str, Metric] = {}
        for s in sources:
            self.register(s)

    def register(self, source: Source) -> Source:
        if source.name in self._sources and self._sources[source.name] != source:
            raise CatalogError(f"source {source.name!r} is declared twice")
        for m in source.metrics:
            have = self._metrics.get(m.name)
            if have is not None and have != m:
                raise CatalogError(f"metric {m.name} is declared twice ({have.source}, {m.source})")
        self._sources[source.name] = source
        for m in source.metrics:
            self._metrics[m.name] = m
            for s in m.series:
                self._series[s] = m
        return source

    def metric(self, name: str) -> Metric:
        try:
            return self._metrics[name]
        except KeyError:
            raise CatalogError(f"unknown metric {name!r}: not in the metric catalog") from None

    def by_series(self, series: str) -> Metric | None:
        """The family a stored series name belongs to (`x_bucket` -> x), or None."""
        return self._series.get(series)

    def knows(self, metric: Metric) -> bool:
        return self._metrics.get(metric.name) == metric

    def source(self, name: str) -> Source:
        try:
            return self._sources[name]
        except KeyError:
            raise CatalogError(f"unknown source {name!r}") from None

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(self._sources.values())

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return tuple(self._metrics.values())


def _m(name, kind, source, unit, help, labels=(), values=None, buckets=(), sometimes=None):
    return Metric(name, kind, source, unit, help, labels, values or {}, buckets, sometimes or {})


# --- label values, from metrics-reference.md ------------------------------------------------
HANDLERS = ("agent_chat", "routing_decision", "llm_chat", "function_calling", "list_models",
            "cors_preflight", "not_found")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "OTHER")
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx", "other")
UPSTREAM_STATUS_CLASSES = STATUS_CLASSES + ("error",)
ERROR_CLASSES = ("none", "timeout", "connect", "parse", "other", "stream")
TOKEN_KINDS = ("prompt", "completion", "cache_read", "cache_write")

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
LLM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
ROUTER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
SPAN_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
OTEL_BUCKETS_MS = (0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000)
# Envoy's default histogram buckets (source/common/stats/histogram_impl.cc defaultBuckets)
ENVOY_BUCKETS_MS = (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
                    1800000, 3600000)
# Plano's envoy.template.yaml: explicit buckets for the LLM filter's time_to_first_token (ms)
ENVOY_TTFT_BUCKETS_MS = (100, 500, 800, 1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400, 3000, 3500, 4000, 4500, 5000,
                         6000, 10000, 60000, 180000)

# Meanings below follow "Verified against the emitting code" (metrics-reference.md), which wins
# where it and the tables above it differ.
ROUTES = ("agent", "routing", "llm")  # constants in the code; only "llm" is ever emitted
EMITTED_ROUTES = ("llm",)
ROUTER_SKIP_REASONS = ("not_user_turn",)  # the only reason; only with routing.route_on_user_only
NOT_EXPORTED = ("not exported by brightstaff 0.4.36 (its metrics-process writes to a metrics 0.24 recorder "
                "nobody installs): no data by design; the SDK's endpoint exports its own process_*, so "
                "always filter by job")

B = "brightstaff"
BRIGHTSTAFF = Source(B, "Plano's dataplane, Prometheus endpoint :9092/metrics", [
    _m("brightstaff_http_requests_total", "counter", B, "reqps",
       "HTTP requests served; handler=not_found with 2xx is GET /debug/memstats, not an error",
       ("handler", "method", "status_class"),
       {"handler": HANDLERS, "method": METHODS, "status_class": STATUS_CLASSES}),
    _m("brightstaff_http_request_duration_seconds", "histogram", B, "s",
       "time to response headers per handler: a streamed LLM body is sent after it and not included",
       ("handler",), {"handler": HANDLERS}, HTTP_BUCKETS),
    _m("brightstaff_http_in_flight_requests", "gauge", B, "short",
       "HTTP requests before their response headers: drops while the LLM body still streams",
       ("handler",), {"handler": HANDLERS}),
    _m("brightstaff_llm_upstream_requests_total", "counter", B, "reqps",
       "requests to the LLM upstream (Plano's Envoy egress); 429/5xx answers are error_class=none, and a "
       "stream failing mid-body is counted twice (error_class=stream and again none): true requests = "
       "total - stream", ("provider", "model", "status_class", "error_class"),
       {"status_class": UPSTREAM_STATUS_CLASSES, "error_class": ERROR_CLASSES},
       sometimes={"provider": ("unknown",)}),
    _m("brightstaff_llm_upstream_duration_seconds", "histogram", B, "s",
       "LLM upstream duration to stream close (end to end); a failed stream is observed twice",
       ("provider", "model"), None, LLM_BUCKETS),
    _m("brightstaff_llm_time_to_first_token_seconds", "histogram", B, "s",
       "time to first byte of every response with a body, streaming or not, error bodies included "
       "(not a streaming TTFT: that is Envoy's time_to_first_token)", ("provider", "model"), None, LLM_BUCKETS),
    _m("brightstaff_llm_tokens_total", "counter", B, "short",
       "LLM tokens by kind; prompt includes cache_read for OpenAI-convention providers and excludes it "
       "for Anthropic (settings.prompt_excludes_cache); lower bounds: usage-missing responses add none",
       ("provider", "model", "kind"), {"kind": TOKEN_KINDS}),
    _m("brightstaff_llm_tokens_usage_missing_total", "counter", B, "reqps",
       "responses whose body yielded no token usage: error bodies, streams without include_usage, every "
       "Responses-API stream, bodies over 2 MiB; not 'the provider dropped usage'", ("provider", "model")),
    _m("brightstaff_router_decisions_total", "counter", B, "ops",
       "routing decisions; selected_model=none (fallback=true) is the normal no-routing-preferences case, "
       "unknown (fallback=true) a router error", ("route", "selected_model", "fallback"),
       {"route": EMITTED_ROUTES, "fallback": ("true", "false")},
       sometimes={"route": ROUTES, "selected_model": ("none", "unknown")}),
    _m("brightstaff_router_decision_duration_seconds", "histogram", B, "s",
       "routing decision duration, diluted by the ~0 s no-op 'none' decisions", ("route",),
       {"route": EMITTED_ROUTES}, ROUTER_BUCKETS, sometimes={"route": ROUTES}),
    _m("brightstaff_routing_service_requests_total", "counter", B, "reqps",
       "/routing/* requests by outcome (rejected bad JSON is not counted)",
       ("outcome",), {"outcome": ("decision_served", "no_candidates", "policy_error")}),
    _m("brightstaff_session_cache_events_total", "counter", B, "ops",
       "session cache lookups (hit, miss, error) and writes (store, store_error)",
       ("outcome",), {"outcome": ("hit", "miss", "error", "store", "store_error")}),
    _m("brightstaff_prompt_cache_requests_total", "counter", B, "reqps",
       "responses with parsed usage by prompt-cache outcome: hit = cache_read > 0 or cache_write > 0 (the "
       "turn that writes the cache is a hit): 'cache active', not a read share",
       ("provider", "model", "outcome"), {"outcome": ("hit", "miss")}),
    _m("brightstaff_session_switch_decisions_total", "counter", B, "ops",
       "session model-switch decisions, warm bindings only", ("decision", "reason"),
       {"decision": ("allowed", "retained"),
        "reason": ("same_anchor", "free", "within_cap", "over_cap", "no_pricing")}),
    _m("brightstaff_router_skips_total", "counter", B, "ops",
       "replayed routing decisions (router skipped); absent unless routing.route_on_user_only is on",
       ("reason",), sometimes={"reason": ROUTER_SKIP_REASONS}),
    _m("brightstaff_session_binding_events_total", "counter", B, "ops",
       "session bindings rewritten from a 2xx LLM response's usage (each also writes the session cache)",
       ("event",), {"event": ("refresh",)}),
    _m("brightstaff_build_info", "gauge", B, "short",
       "always 1; version is the crate version (0.1.0, never the Plano release), git_sha 'unknown' in "
       "published builds", ("version", "git_sha"), sometimes={"version": ("0.1.0",), "git_sha": ("unknown",)}),
    _m("process_resident_memory_bytes", "gauge", B, "bytes", "resident memory; " + NOT_EXPORTED),
    _m("process_virtual_memory_bytes", "gauge", B, "bytes", "virtual memory; " + NOT_EXPORTED),
    _m("process_open_fds", "gauge", B, "short", "open file descriptors; " + NOT_EXPORTED),
    _m("process_max_fds", "gauge", B, "short", "file descriptor limit; " + NOT_EXPORTED),
    _m("process_threads", "gauge", B, "short", "OS threads; " + NOT_EXPORTED),
    _m("process_start_time_seconds", "gauge", B, "dateTimeAsIso", "process start time, unix seconds; " + NOT_EXPORTED),
    _m("process_cpu_seconds_total", "counter", B, "percentunit", "CPU time consumed; " + NOT_EXPORTED),
])

E = "envoy"
ESTIMATE = "an estimate (tiktoken count of the request, len(delta)/4 per streamed delta), not provider usage"
ENVOY = Source(E, "Plano's Envoy, admin :9901/stats?format=prometheus", [
    _m("envoy_cluster_upstream_rq_total", "counter", E, "reqps", "requests Envoy sent upstream",
       ("envoy_cluster_name",)),
    _m("envoy_cluster_upstream_rq_xx", "counter", E, "reqps", "upstream responses by class",
       ("envoy_cluster_name", "envoy_response_code_class"),
       {"envoy_response_code_class": ("1", "2", "3", "4", "5")}),
    _m("envoy_cluster_upstream_rq_time", "histogram", E, "ms", "upstream request time",
       ("envoy_cluster_name",), None, ENVOY_BUCKETS_MS),
    _m("ratelimited_rq", "counter", E, "reqps",
       "requests the LLM filter answered 429 for an exceeded token rate limit (Envoy >= 1.20)"),
    _m("envoy_ratelimited_rq", "counter", E, "reqps", "rate-limited requests, Prometheus name before Envoy 1.20"),
    _m("envoy_wasmcustom_ratelimited_rq", "counter", E, "reqps",
       "rate-limited requests, the StatsD spelling (only Plano's unmerged PR #883 dashboard queries it)"),
    _m("active_http_calls", "gauge", E, "short",
       "the LLM and prompt filters' own out-of-band callouts in flight (one merged series), not client requests"),
    _m("time_to_first_token", "histogram", E, "ms", "time to first token, streaming responses only",
       (), None, ENVOY_TTFT_BUCKETS_MS),
    _m("time_per_output_token", "histogram", E, "ms",
       "request latency / output tokens (integer ms; output tokens " + ESTIMATE + ")", (), None, ENVOY_BUCKETS_MS),
    _m("request_latency", "histogram", E, "ms", "LLM request latency, recorded at end of stream", (), None,
       ENVOY_BUCKETS_MS),
    _m("tokens_per_second", "histogram", E, "short", "output tokens per second, " + ESTIMATE, (), None,
       ENVOY_BUCKETS_MS),
    _m("input_sequence_length", "histogram", E, "short", "prompt tokens per request, " + ESTIMATE, (), None,
       ENVOY_BUCKETS_MS),
    _m("output_sequence_length", "histogram", E, "short", "completion tokens per request, " + ESTIMATE, (), None,
       ENVOY_BUCKETS_MS),
])

SPAN_LABELS = ("service_name", "span_name", "span_kind", "status_code", "llm_model", "agent_id",
               "selection_listener", "http_method", "http_status_code")
# brightstaff exports plano and plano(inbound|routing|orchestrator|filter|agent|llm); Envoy adds
# plano(inbound) and plano(outbound). plano(handoff) is defined but never emitted.
SPAN_SERVICES = ("plano", "plano(inbound)", "plano(routing)", "plano(orchestrator)", "plano(filter)",
                 "plano(agent)", "plano(llm)", "plano(outbound)")
SPAN_VALUES = {
    "status_code": ("STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"),
    "service_name": ("plano(inbound)", "plano(routing)", "plano(orchestrator)", "plano(filter)", "plano(agent)",
                     "plano(llm)"),
}
SPAN_SOMETIMES = {"service_name": SPAN_SERVICES}  # plano and plano(outbound): default spans, Envoy's tracer


def spanmetrics_source(namespace: str = "") -> Source:
    """The spanmetrics connector's metrics; their names depend on the collector's namespace.

    "" -> calls_total (collector before v0.109); "traces_span_metrics" ->
    traces_span_metrics_calls_total (v0.109 and later). The whole setup (names, buckets,
    dimensions) is the operator's collector configuration.
    """
    prefix = f"{namespace}_" if namespace else ""
    S = "spanmetrics"
    return Source(S, "OpenTelemetry collector spanmetrics connector", [
        _m(f"{prefix}calls_total", "counter", S, "reqps", "spans (calls)", SPAN_LABELS, SPAN_VALUES,
           sometimes=SPAN_SOMETIMES),
        _m(f"{prefix}duration_milliseconds", "histogram", S, "ms",
           "span duration; buckets written as bare numbers are nanoseconds (every span in +Inf): check le >= 1 "
           "before reading quantiles, _sum/_count stay right", SPAN_LABELS, SPAN_VALUES, SPAN_BUCKETS_MS,
           sometimes=SPAN_SOMETIMES),
    ])


L = "llm"
_LLM = ("model", "provider", "service_name")
# finish_reason as emitted: auto-instrumentation writes the enum member (FinishReason.STOP), the REST
# API passes the provider's string through (end_turn); match case-insensitively, prefix optional.
FINISH_REASONS = {"stop": ("stop", "end_turn", "stop_sequence"), "length": ("length", "max_tokens"),
                  "tool_calls": ("tool_calls", "tool_use"), "content_filter": ("content_filter",)}
FINISH_REASON_ENUM = ("FinishReason.STOP", "FinishReason.LENGTH", "FinishReason.CONTENT_FILTER",
                      "FinishReason.TOOL_CALLS", "FinishReason.UNSPECIFIED")
# opentelemetry-exporter-prometheus 0.45b0 (the SDK's declared floor) appends the unit "1":
# llm_spans_1_total, ...; 0.46b0 and later do not (settings.sdk_unit_suffix picks).
UNIT_ONE = ("llm_finish_reason_total", "llm_spans_total", "llm_pii_detected_total", "llm_injection_attempts_total")


def unit_suffixed(name: str) -> str:
    """llm_spans_total -> llm_spans_1_total (exporter 0.45b0)."""
    return name[: -len("_total")] + "_1_total"


def _llm_metrics():
    calls = ("spans, one per LLM call; status is a free string: success, error, unknown (no status), "
             "anything a REST caller sends")
    base = [
        _m("llm_tokens_total", "counter", L, "short",
           "tokens, incremented by token count (prompt, completion; no cache split; prompt=1 when a response "
           "had no usage)", _LLM + ("token_type",), {"token_type": ("prompt", "completion")}),
        _m("llm_cost_usd_micro_total", "counter", L, "short",
           "cost in micro-USD (divide by 1e6), from the SDK's own price file, only for calls with a price match",
           _LLM),
        _m("llm_latency_ms_total", "histogram", L, "ms",
           "end-to-end call latency (a histogram whose name ends in _total); over 10 s lands in +Inf", _LLM, None,
           OTEL_BUCKETS_MS),
        _m("llm_latency_ms_ttft", "histogram", L, "ms", "time to first token, streaming calls only", _LLM, None,
           OTEL_BUCKETS_MS),
        _m("llm_pii_detected_total", "counter", L, "short", "PII detections", ("service_name",)),
        _m("llm_injection_attempts_total", "counter", L, "short", "prompt-injection attempts", ("service_name",)),
        _m("llm_finish_reason_total", "counter", L, "short",
           "calls by finish reason, free-form: FinishReason.STOP from auto-instrumentation, the provider's "
           "string from the REST API", _LLM + ("finish_reason",),
           {"finish_reason": ("stop", "length", "content_filter", "tool_calls")},
           sometimes={"finish_reason": FINISH_REASON_ENUM + ("end_turn",)}),
        _m("llm_spans_total", "counter", L, "short", calls, _LLM + ("status", "has_retries"),
           {"status": ("success", "error"), "has_retries": ("true", "false")},
           sometimes={"status": ("unknown",), "service_name": ("unknown",)}),
        _m("llm_toxicity_detected_total", "counter", L, "short", "toxicity detections", ("service_name",)),
        _m("llm_toxicity_score", "histogram", L, "percentunit",
           "toxicity score 0-1 on the millisecond default buckets: use _sum/_count only", _LLM, None, OTEL_BUCKETS_MS),
        _m("llm_forecast_cost_mean_usd_micro", "gauge", L, "short", "forecast cost, mean, micro-USD", _LLM),
        _m("llm_forecast_cost_p10_usd_micro", "gauge", L, "short", "forecast cost, 10th percentile, micro-USD", _LLM),
        _m("llm_forecast_cost_p90_usd_micro", "gauge", L, "short", "forecast cost, 90th percentile, micro-USD", _LLM),
    ]
    legacy = [attrs.evolve(m, name=unit_suffixed(m.name), help=m.help + " (name under exporter 0.45b0)")
              for m in base if m.name in UNIT_ONE]
    return base + legacy


LLM = Source(L, "LLM instrumentation SDK, OpenTelemetry meter, :9464/metrics", _llm_metrics())


# --- OpenTelemetry GenAI semantic conventions (metrics-reference.md, Source `otel-genai`) --------------
G = "otel-genai"
# The attribute generations: old (semconv <= 1.36.0, the default of existing instrumentations) writes
# gen_ai_system, new (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental) gen_ai_provider_name.
# Each series carries one or the other (settings.genai_attributes picks; "both" merges them).
GENAI_PROVIDER = {"new": "gen_ai_provider_name", "old": "gen_ai_system"}
# attribute -> label, under the default translation (underscores) and under UTF-8 names (Prometheus 3)
GENAI_ATTRIBUTES = {
    "gen_ai_operation_name": "gen_ai.operation.name", "gen_ai_provider_name": "gen_ai.provider.name",
    "gen_ai_system": "gen_ai.system", "gen_ai_token_type": "gen_ai.token.type",
    "gen_ai_request_model": "gen_ai.request.model", "gen_ai_response_model": "gen_ai.response.model",
    "server_address": "server.address", "server_port": "server.port", "error_type": "error.type",
    "gen_ai_openai_response_service_tier": "gen_ai.openai.response.service_tier",
    "gen_ai_openai_response_system_fingerprint": "gen_ai.openai.response.system_fingerprint",
    "gen_ai_embeddings_dimension_count": "gen_ai.embeddings.dimension.count",
    # added by the Python exporter >= 0.64b0 under these names in every translation
    "otel_scope_name": "otel_scope_name", "otel_scope_version": "otel_scope_version",
    "otel_scope_schema_url": "otel_scope_schema_url",
}
GENAI_OPERATIONS = ("chat", "create_agent", "embeddings", "execute_tool", "generate_content", "invoke_agent",
                    "invoke_workflow", "retrieval", "text_completion")
GENAI_PROVIDERS_NEW = ("anthropic", "aws.bedrock", "azure.ai.inference", "azure.ai.openai", "cohere", "deepseek",
                       "gcp.gemini", "gcp.gen_ai", "gcp.vertex_ai", "groq", "ibm.watsonx.ai", "mistral_ai", "openai",
                       "perplexity", "x_ai")
# old generation: xai instead of x_ai, and google-genai writes the enum names gemini / vertex_ai
GENAI_PROVIDERS_OLD = tuple("xai" if p == "x_ai" else p for p in GENAI_PROVIDERS_NEW) + ("gemini", "vertex_ai")
GENAI_TOKEN_TYPES = ("input", "output")
# advisory bucket boundaries (semconv); google-genai and openai-agents record on the SDK defaults instead
GENAI_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
GENAI_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
GENAI_SERVER_TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
                             10.0)
GENAI_SERVER_TPOT_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)
_GENAI_SCOPE = ("otel_scope_name", "otel_scope_version", "otel_scope_schema_url")
_GENAI_COMMON = ("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_system", "gen_ai_request_model",
                 "gen_ai_response_model", "server_address", "server_port") + _GENAI_SCOPE
_GENAI_OPENAI = ("gen_ai_openai_response_service_tier", "gen_ai_openai_response_system_fingerprint",
                 "gen_ai_embeddings_dimension_count")
# free-form, custom values allowed: the well-known spellings
_GENAI_SOMETIMES = {"gen_ai_operation_name": GENAI_OPERATIONS, "gen_ai_provider_name": GENAI_PROVIDERS_NEW,
                    "gen_ai_system": GENAI_PROVIDERS_OLD}
NO_PYTHON_EMITTER = ("no Python instrumentation emits it (python-contrib 466ae4c): only a server or client that "
                     "implements this convention does, so the panel may be empty")
# (OTel name, unit suffix, kind of values, labels beyond the common ones, buckets, help)
_GENAI_TABLE = (
    ("gen_ai.client.token.usage", "", "short", ("gen_ai_token_type",) + _GENAI_OPENAI, GENAI_TOKEN_BUCKETS,
     "tokens per call and token type (input, output; reasoning folded into output, no cached type): _sum is "
     "tokens, _count calls that reported usage (failed calls record none: not the request rate); no error_type"),
    ("gen_ai.client.operation.duration", "_seconds", "s", ("error_type",) + _GENAI_OPENAI, GENAI_DURATION_BUCKETS,
     "client operation duration; _count is the call count; failed calls carry error_type (the exception class), "
     "successful ones have no error_type label at all; no response model on errors; google-genai and "
     "openai-agents record on the SDK default buckets (0 ... 10000), so their quantiles are coarse"),
    ("gen_ai.client.operation.time_to_first_chunk", "_seconds", "s", (), GENAI_DURATION_BUCKETS,
     "time to the first chunk of a streaming call (new generation only, defined 2026-02); " + NO_PYTHON_EMITTER),
    ("gen_ai.client.operation.time_per_output_chunk", "_seconds", "s", (), GENAI_DURATION_BUCKETS,
     "time since the previous chunk, one observation per chunk after the first (new generation only); "
     + NO_PYTHON_EMITTER),
    ("gen_ai.server.request.duration", "_seconds", "s", ("error_type",), GENAI_DURATION_BUCKETS,
     "model server request duration, to the last byte; " + NO_PYTHON_EMITTER),
    ("gen_ai.server.time_to_first_token", "_seconds", "s", (), GENAI_SERVER_TTFT_BUCKETS,
     "model server time to first token (queue + prefill), successful responses only; " + NO_PYTHON_EMITTER),
    ("gen_ai.server.time_per_output_token", "_seconds", "s", (), GENAI_SERVER_TPOT_BUCKETS,
     "model server (duration - TTFT) / (output tokens - 1), one per successful request; " + NO_PYTHON_EMITTER),
)
GENAI_NAMES = ("underscore", "utf8")
# UnderscoreEscapingWithoutSuffixes and NoTranslation: the duration histograms lose _seconds. No panel
# reads these names (lint names the fix); listed so the contract is complete.
GENAI_UNSUFFIXED = tuple(name for otel, unit, *_ in _GENAI_TABLE if unit for name in (otel.replace(".", "_"), otel))


def genai_name(otel: str, names: str = "underscore") -> str:
    """gen_ai.client.operation.duration -> gen_ai_client_operation_duration_seconds (default translation)
    or gen_ai.client.operation.duration_seconds (UTF-8 names kept, suffixes added)."""
    unit = next(u for o, u, *_ in _GENAI_TABLE if o == otel)
    return (otel.replace(".", "_") if names == "underscore" else otel) + unit


def genai_label(attribute: str, names: str = "underscore") -> str:
    """A GenAI attribute's label as Prometheus stores it: gen_ai_provider_name or gen_ai.provider.name."""
    return attribute if names == "underscore" else GENAI_ATTRIBUTES[attribute]


def _genai_metrics(names: str) -> list[Metric]:
    out = []
    for otel, _unit, unit, extra, buckets, help_ in _GENAI_TABLE:
        labels = _GENAI_COMMON + extra
        values = {"gen_ai_token_type": GENAI_TOKEN_TYPES} if "gen_ai_token_type" in extra else {}
        out.append(_m(genai_name(otel, names), "histogram", G, unit, f"{otel}: {help_}",
                      tuple(genai_label(x, names) for x in labels),
                      {genai_label(k, names): v for k, v in values.items()}, buckets,
                      {genai_label(k, names): v for k, v in _GENAI_SOMETIMES.items()}))
    return out


# Both translations are in the catalog (as the SDK's two spellings are); settings.genai_names picks the
# one panels query. Prometheus 2 cannot store the UTF-8 ones: the simulator emits only the underscore names.
OTEL_GENAI = Source(G, "apps and model servers instrumented with the OpenTelemetry GenAI semantic conventions "
                       "(OTel SDK Prometheus exporter :9464, the Collector, or Prometheus' OTLP receiver)",
                    _genai_metrics("underscore") + _genai_metrics("utf8"))


_EXTRA: list[Source] = []


def register(source: Source) -> Source:
    """Declare another metric source (another repo's exporter) for every catalog built after."""
    Catalog([*_EXTRA, source])  # validates: no metric declared twice among extras
    if source not in _EXTRA:
        _EXTRA.append(source)
    return source


def default_catalog(spanmetrics_namespace: str = "") -> Catalog:
    """The five shipped sources (spanmetrics under the given namespace), plus registered ones."""
    return Catalog([BRIGHTSTAFF, ENVOY, spanmetrics_source(spanmetrics_namespace), LLM, OTEL_GENAI, *_EXTRA])


def is_valid_metric_name(name: str) -> bool:
    return re.match(_NAME, name) is not None
