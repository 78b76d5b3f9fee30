"""The simulated deployment: who calls what, how often, and the switches of the emitting code.

Numbers are per second (rates), seconds (latencies, medians of log-normal draws) and tokens
(medians). Everything here is data; `events.py` draws requests from it.
"""

from __future__ import annotations

import attrs
from attrs.validators import in_

from llm_gateway_dashboards.panels.catalog import OTEL_GENAI

# --- who emits what (scrape labels) ---------------------------------------------------------
DEFAULT_JOBS = {"brightstaff": "brightstaff", "envoy": "envoy", "spanmetrics": "otel-collector", "llm": "llm-sdk",
                "otel-genai": "genai-apps"}
INSTANCES = {"brightstaff": "brightstaff:9092", "envoy": "envoy:9901", "spanmetrics": "otel-collector:8889",
             "llm": "llm-app:9464", "otel-genai": "genai-app:9464"}

# Exporter versions of opentelemetry-exporter-prometheus the SDK may run with (see Config.sdk_exporter).
SDK_EXPORTERS = ("0.45b0", "0.46b0", "0.63b0", "0.64b0", "0.66b2")


@attrs.frozen
class Config:
    """Switches for behaviours of the emitting code that differ between deployments.

    routing_preferences: brightstaff has routing preferences configured; False: every router
        decision is selected_model="none", fallback="true" (the default of a gateway without routing).
    route_on_user_only: `routing.route_on_user_only` is on, so non-user turns replay the previous
        decision and count `brightstaff_router_skips_total{reason="not_user_turn"}` instead.
    brightstaff_process_metrics: brightstaff exports `process_*` (a future build with the crate
        versions aligned); False (0.4.36): no `process_*` with brightstaff's job.
    sdk_exporter: opentelemetry-exporter-prometheus of the SDK: "0.45b0" names the four unit="1"
        counters `llm_*_1_total`; >= "0.64b0" adds `otel_scope_*` labels to every SDK series.
    span_buckets: "ms" (buckets written with units) or "ns" (Plano's demo config writes bare
        numbers: bounds 5e-06 ... 0.01 ms, every span lands in +Inf).
    """

    routing_preferences: bool = True
    route_on_user_only: bool = True
    brightstaff_process_metrics: bool = False
    sdk_exporter: str = attrs.field(default="0.66b2", validator=in_(SDK_EXPORTERS))
    span_buckets: str = attrs.field(default="ms", validator=in_(("ms", "ns")))

    @property
    def sdk_unit_suffix(self) -> bool:
        return self.sdk_exporter == "0.45b0"

    @property
    def sdk_scope_labels(self) -> bool:
        return tuple(int(x) for x in self.sdk_exporter[2:].split("b")) >= (64, 0)

    @property
    def sdk_version(self) -> str:
        """The opentelemetry-sdk that comes with the exporter (target_info's telemetry_sdk_version)."""
        return {"0.45b0": "1.24.0", "0.46b0": "1.25.0", "0.63b0": "1.42.0", "0.64b0": "1.43.0"}.get(
            self.sdk_exporter, "1.45.2")


# catalog metrics the emitting code does not export (with a Config): no data by design
LEGACY_RATELIMIT_NAMES = frozenset({"envoy_ratelimited_rq", "envoy_wasmcustom_ratelimited_rq"})
# the SDK's unit="1" counters, named llm_*_1_total by exporter 0.45b0
SDK_UNIT_ONE = frozenset({"llm_finish_reason_total", "llm_spans_total", "llm_pii_detected_total",
                          "llm_injection_attempts_total"})
BRIGHTSTAFF_PROCESS = frozenset({"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
                                 "process_max_fds", "process_threads", "process_start_time_seconds",
                                 "process_cpu_seconds_total"})


# OpenTelemetry GenAI under UTF-8 names (Prometheus >= 3 only): the simulator writes the default translation
GENAI_UTF8 = frozenset(m.name for m in OTEL_GENAI.metrics if "." in m.name)


def absent_by_design(config: Config | None = None) -> frozenset:
    """Catalog metrics with no series from the source the catalog assigns them to: brightstaff 0.4.36
    exports no process_* (the SDK's endpoint does, under its own job), Envoy >= 1.20 only
    `ratelimited_rq`, the SDK names four counters llm_*_1_total with exporter 0.45b0 and llm_*_total
    with any later one (a catalog may list both spellings); OpenTelemetry GenAI's UTF-8 names."""
    config = config or Config()
    out = LEGACY_RATELIMIT_NAMES | (frozenset() if config.brightstaff_process_metrics else BRIGHTSTAFF_PROCESS)
    suffixed = frozenset(n[: -len("_total")] + "_1_total" for n in SDK_UNIT_ONE)
    return out | GENAI_UTF8 | (SDK_UNIT_ONE if config.sdk_unit_suffix else suffixed)


@attrs.frozen
class Traffic:
    """One model behind the gateway, as brightstaff labels it (`provider`/`model`)."""

    provider: str
    model: str
    rate: float  # requests/s
    stream: float  # share of streaming requests
    apis: tuple[tuple[str, float], ...]  # client API shape: chat (completions), messages, responses
    latency: float  # median seconds to the end of the response
    ttft: float  # median seconds to the first streamed byte
    prompt: int  # median prompt tokens (all of them, cached included)
    completion: int  # median completion tokens
    cache: float  # share of requests that read the provider's prompt cache
    cache_write: float = 0.0  # share that write it (Anthropic reports cache_creation_input_tokens)
    cached_field: bool = True  # the usage carries a cached-token field (even 0); ollama: none
    snapshot: str = ""  # the model name the provider reports back (dated snapshot)
    enabled: bool = True  # False: only a scenario (Effect.enable) turns it on


MODELS = (
    Traffic("openai", "gpt-4o", 1.5, 0.6, (("chat", 0.7), ("responses", 0.3)), 2.0, 0.45, 1500, 300, 0.4,
            snapshot="gpt-4o-2024-08-06"),
    Traffic("openai", "gpt-4o-mini", 1.8, 0.5, (("chat", 1.0),), 1.0, 0.3, 800, 200, 0.3,
            snapshot="gpt-4o-mini-2024-07-18"),
    Traffic("anthropic", "claude-sonnet-4-5", 1.2, 0.7, (("messages", 1.0),), 2.5, 0.6, 2500, 400, 0.5,
            cache_write=0.12, snapshot="claude-sonnet-4-5-20250929"),
    Traffic("ollama", "llama3.1-8b", 0.4, 0.3, (("chat", 1.0),), 0.7, 0.15, 600, 150, 0.0, cached_field=False,
            snapshot="llama3.1:8b"),
    Traffic("openai", "gpt-4.1", 0.8, 0.5, (("chat", 1.0),), 1.8, 0.4, 1200, 250, 0.3,
            snapshot="gpt-4.1-2025-04-14", enabled=False),
)
UNPRICED_MODEL = "llama3.1-8b"
# brightstaff's `prompt` token kind excludes the cached tokens only for these providers (Anthropic's
# input_tokens); for every other provider it includes cache_read (OpenAI's prompt_tokens).
PROMPT_EXCLUDES_CACHE = frozenset({"anthropic"})
API_PATHS = {"chat": "/v1/chat/completions", "messages": "/v1/messages", "responses": "/v1/responses"}

# failure outcomes of an LLM request: base probability (stream and disconnect: of streaming requests)
BASE_OUTCOMES = {"4xx": 0.006, "5xx": 0.004, "connect": 0.0, "other": 0.001, "stream": 0.006,
                 "disconnect": 0.004, "router_error": 0.003}
STATUS_4XX = ((404, 0.4), (429, 0.6))  # 404: model not_found; 429: the provider's own rate limit
STATUS_5XX = ((500, 0.4), (503, 0.6))
OUTAGE_5XX = ((503, 1.0),)  # a provider outage arrives through Envoy as 503
BASE_RATELIMIT = 0.002  # share of requests Envoy's filter answers 429
INCLUDE_USAGE = 0.7  # share of streaming chat requests sent with stream_options.include_usage
ANTHROPIC_DELTA_OUTPUT_ONLY = 0.5  # messages streams whose last usage event carries only output_tokens
SESSION_SHARE = 0.6  # LLM requests that belong to a session
NOT_USER_TURN = 0.15  # session requests that are not user turns (replayed when route_on_user_only)
NO_ROUTE = 0.2  # requests no routing preference matches (selected_model="none")
SESSION_LOOKUP = (("hit", 0.75), ("miss", 0.245), ("error", 0.005))
SWITCHES = ((("allowed", "same_anchor"), 0.6), (("allowed", "free"), 0.2), (("allowed", "within_cap"), 0.1),
            (("allowed", "no_pricing"), 0.05), (("retained", "over_cap"), 0.05))
STORE_ERROR = 0.002
BRIGHTSTAFF_VERSION, BRIGHTSTAFF_GIT_SHA = "0.1.0", "unknown"

# brightstaff's other handlers: (handler, method, requests/s, median seconds, status mix)
HTTP_ROUTES = (
    ("routing_decision", "POST", 0.5, 0.05, {"2xx": 0.975, "4xx": 0.015, "5xx": 0.01}),
    ("agent_chat", "POST", 0.5, 2.5, {"2xx": 0.97, "4xx": 0.01, "5xx": 0.02}),
    ("function_calling", "POST", 0.3, 0.8, {"2xx": 0.97, "4xx": 0.02, "5xx": 0.01}),
    ("list_models", "GET", 0.3, 0.01, {"2xx": 1.0}),
    ("cors_preflight", "OPTIONS", 0.2, 0.002, {"2xx": 1.0}),
    ("not_found", "GET", 0.1, 0.002, {"2xx": 0.5, "4xx": 0.5}),  # GET /debug/memstats is 2xx, labelled not_found
    ("not_found", "POST", 0.02, 0.001, {"4xx": 1.0}),
)
ROUTING_OUTCOMES = (("decision_served", 0.96), ("no_candidates", 0.03), ("policy_error", 0.01))
AGENTS = (("weather_agent", 0.5), ("flight_agent", 0.3))

# --- the LLM instrumentation SDK ------------------------------------------------------------
# (service_name, how it records, provider, model, calls/s). how: "decorator" (@llm_observe: status
# success/error, no finish reason), "rest" (the REST API: free strings), "auto" (auto-instrumentation:
# service_name "unknown", the response's dated model name, FinishReason enum strings).
SDK_CALLS = (
    ("chat-api", "decorator", "openai", "gpt-4o", 0.5),
    ("chat-api", "decorator", "openai", "gpt-4o-mini", 0.6),
    ("chat-api", "decorator", "anthropic", "claude-sonnet-4-5", 0.3),
    ("support-bot", "rest", "openai", "gpt-4o-mini", 0.4),
    ("support-bot", "rest", "anthropic", "claude-sonnet-4-5", 0.2),
    ("support-bot", "rest", "ollama", "llama3.1-8b", 0.15),
    ("unknown", "auto", "openai", "gpt-4o", 0.3),
    ("unknown", "auto", "anthropic", "claude-sonnet-4-5", 0.2),
)
SDK_SERVICES = ("chat-api", "support-bot")
# The SDK's own config/model_prices.yaml (not ours): USD per 1M tokens (input, output).
SDK_PRICES = {("openai", "gpt-4o"): (5.00, 15.00), ("openai", "gpt-3.5-turbo"): (0.50, 1.50)}
SDK_STATUS = {"decorator": (("success", 0.985), ("error", 0.015)),
              "rest": (("success", 0.965), ("error", 0.015), ("timeout", 0.015), ("unknown", 0.005)),
              "auto": (("success", 0.98), ("error", 0.02))}
SDK_RETRIES = 0.03
FINISH_AUTO = (("FinishReason.STOP", 0.85), ("FinishReason.LENGTH", 0.05), ("FinishReason.TOOL_CALLS", 0.08),
               ("FinishReason.CONTENT_FILTER", 0.01), ("FinishReason.UNSPECIFIED", 0.01))
FINISH_REST = {"anthropic": (("end_turn", 0.85), ("max_tokens", 0.05), ("tool_use", 0.09), ("refusal", 0.01)),
               "": (("stop", 0.85), ("length", 0.05), ("tool_calls", 0.09), ("content_filter", 0.01))}
SDK_DETECTIONS = {"chat-api": (0.01, 0.005, 0.004), "support-bot": (0.03, 0.01, 0.01)}  # pii, injection, toxicity
SDK_NO_USAGE = 0.05  # auto-instrumented responses without usage (recorded as prompt_tokens=1)
SDK_TTFT = {"decorator": 0.0, "rest": 0.4, "auto": 0.5}  # share of calls with a TTFT (REST field / stream wrapper)


# --- apps instrumented with the OpenTelemetry GenAI conventions (source otel-genai) ------------------
@attrs.frozen
class GenAIApp:
    """One instrumented app (or model server) and the model it calls, as its instrumentation records it.

    generation: "new" writes gen_ai_provider_name, "old" gen_ai_system. snapshot: the response model
    ("" = the instrumentation records none: google-genai). chunks: the client records the streaming
    chunk metrics (new generation only; no Python instrumentation does). server: a model server that
    records gen_ai.server.* (and no client metrics)."""

    service: str
    generation: str = attrs.field(validator=in_(("new", "old")))
    provider: str
    model: str
    snapshot: str
    operation: str
    rate: float  # calls/s
    stream: float  # share of streaming calls
    latency: float  # median s
    prompt: int  # median input tokens
    completion: int  # median output tokens (0: embeddings, no output)
    scope: str  # the instrumentation (otel_scope_name)
    server_address: str = ""
    chunks: bool = False
    server: bool = False


GENAI_APPS = (
    GenAIApp("chat-web", "new", "openai", "gpt-4o", "gpt-4o-2024-08-06", "chat", 0.8, 0.7, 1.6, 1200, 250,
             "opentelemetry.util.genai", "api.openai.com", chunks=True),
    GenAIApp("agents", "new", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "invoke_agent", 0.3, 0.0, 3.0, 2000,
             300, "opentelemetry.instrumentation.openai_agents"),
    GenAIApp("support", "new", "anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "chat", 0.5, 0.6, 2.2,
             2500, 400, "opentelemetry.util.genai", "api.anthropic.com", chunks=True),
    GenAIApp("search", "new", "openai", "text-embedding-3-small", "text-embedding-3-small", "embeddings", 0.5, 0.0,
             0.15, 300, 0, "opentelemetry.util.genai", "api.openai.com"),
    GenAIApp("legacy-chat", "old", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chat", 0.7, 0.5, 1.0, 800, 200,
             "opentelemetry.instrumentation.openai_v2", "api.openai.com"),
    GenAIApp("legacy-support", "old", "anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "chat", 0.3,
             0.4, 2.4, 2400, 380, "opentelemetry.instrumentation.openai_v2", "api.anthropic.com"),
    GenAIApp("gemini-app", "old", "gemini", "gemini-2.0-flash", "", "generate_content", 0.4, 0.3, 0.9, 900, 200,
             "opentelemetry.instrumentation.google_genai"),
    GenAIApp("model-server", "new", "vllm", "llama3.1-8b", "llama3.1-8b", "chat", 0.4, 0.8, 1.2, 700, 180,
             "vllm", server=True),
    GenAIApp("model-server-legacy", "old", "vllm", "llama3.1-8b", "llama3.1-8b", "chat", 0.2, 0.8, 1.3, 700, 180,
             "vllm", server=True),
)
# a failed call's error_type (the exception class) outside an outage; an outage adds InternalServerError
GENAI_ERROR = 0.01
GENAI_ERRORS = (("RateLimitError", 0.4), ("APITimeoutError", 0.2), ("InternalServerError", 0.4))
GENAI_CHUNK_TOKENS = 8  # output tokens per streamed chunk
