"""One settings object, our `_config`: every knob a dashboard, query or writer reads.

Defaults work out of the box. `load_settings()` applies, in order: defaults, the
`[settings]` table of `dashctl.toml`, `DASHCTL_<FIELD>` environment variables, then
explicit overrides (CLI flags). Nothing else reads globals.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import attrs
from attrs.validators import deep_iterable, ge, in_, instance_of, matches_re

from llm_gateway_dashboards.panels.rules import fields as rule_fields


class SettingsError(ValueError):
    """A settings file, variable or flag that cannot be used; says which and why."""


_JOB = matches_re(r"^[^\"\\\n]*$")  # spliced into job="..."; no quotes or backslashes
_STR_TUPLE = deep_iterable(instance_of(str))


def _int(value):
    """Numbers from TOML, environment variables or flags; anything else is left for the validator to name."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _bool(value):
    """true/false, yes/no, on/off, 1/0 (environment variables and flags are strings)."""
    if isinstance(value, str):
        return {"true": True, "yes": True, "on": True, "1": True,
                "false": False, "no": False, "off": False, "0": False}.get(value.strip().lower(), value)
    return value


def _tuple(value):
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


SCHEMAS = ("v1", "v2")  # the `schema` setting: the classic dashboard JSON, or the dashboard.grafana.app/v2 resource


def _below_one(inst, attribute, value):
    if not value < 1:
        raise ValueError(f"'{attribute.name}' must be below 1 (a share, e.g. 0.99), got {value!r}")


def _llm_bucket(inst, attribute, value):
    from llm_gateway_dashboards.panels.catalog import LLM_BUCKETS

    if value not in LLM_BUCKETS:
        raise ValueError(f"'{attribute.name}' must be a bucket bound of the upstream duration histogram "
                         f"({', '.join(f'{b:g}' for b in LLM_BUCKETS)} s), got {value!r}")


@attrs.frozen
class Settings:
    # Datasource every panel and variable is bound to, through the `datasource` variable.
    datasource_uid: str = attrs.field(default="prometheus", validator=matches_re(r"^[A-Za-z0-9_-]{1,40}$"))
    datasource_name: str = attrs.field(default="Prometheus", validator=instance_of(str))
    datasource_url: str = attrs.field(default="http://localhost:9090", validator=instance_of(str))
    # Scrape job of each source, spliced as job="..." into its queries; "" matches any job.
    brightstaff_job: str = attrs.field(default="brightstaff", validator=_JOB)
    envoy_job: str = attrs.field(default="envoy", validator=_JOB)
    spanmetrics_job: str = attrs.field(default="", validator=_JOB)
    llm_job: str = attrs.field(default="", validator=_JOB)
    # Apps instrumented with the OpenTelemetry GenAI conventions (source otel-genai); "" = any job, as
    # each app is usually scraped under its own.
    genai_job: str = attrs.field(default="", validator=_JOB)
    # Envoy cluster that carries traffic to brightstaff.
    brightstaff_cluster: str = attrs.field(default="bright_staff", validator=_JOB)
    # Grafana folder titles per dashboard family.
    plano_folder: str = attrs.field(default="Plano", validator=matches_re(r"^[^/\\.][^/\\]*$"))
    llm_folder: str = attrs.field(default="LLM Observability", validator=matches_re(r"^[^/\\.][^/\\]*$"))
    genai_folder: str = attrs.field(default="OTel GenAI", validator=matches_re(r"^[^/\\.][^/\\]*$"))
    # Put before every dashboard title (e.g. "[prod] ").
    title_prefix: str = attrs.field(default="", validator=instance_of(str))
    tags: tuple[str, ...] = attrs.field(default=("llm-gateway",), converter=_tuple, validator=_STR_TUPLE)
    # OpenTelemetry collector spanmetrics namespace: "" -> calls_total (before v0.109),
    # "traces_span_metrics" -> traces_span_metrics_calls_total (v0.109 and later).
    spanmetrics_namespace: str = attrs.field(default="", validator=matches_re(r"^([a-zA-Z_][a-zA-Z0-9_]*)?$"))
    # Envoy's rate-limit counter: "ratelimited_rq" since Envoy 1.20 (Plano ships 1.37); before
    # 1.20 Prometheus called it "envoy_ratelimited_rq"; "envoy_wasmcustom_ratelimited_rq" is
    # the StatsD spelling some dashboards query. The panel sums every name listed.
    ratelimit_metrics: tuple[str, ...] = attrs.field(
        default=("ratelimited_rq",), converter=_tuple,
        validator=deep_iterable(in_(("ratelimited_rq", "envoy_ratelimited_rq", "envoy_wasmcustom_ratelimited_rq"))),
    )
    # brightstaff's token convention per provider: for these providers `kind="prompt"` excludes the
    # cached tokens (Anthropic's input_tokens); for every other provider it includes cache_read
    # (OpenAI's prompt_tokens), so uncached input = prompt - cache_read. Every token and cost panel
    # applies it.
    prompt_excludes_cache: tuple[str, ...] = attrs.field(default=("anthropic",), converter=_tuple,
                                                          validator=deep_iterable(matches_re(r"^[^\"\\\n|]+$")))
    # The SDK's metric names depend on its Prometheus exporter: true for opentelemetry-exporter-prometheus
    # 0.45b0 (the SDK's declared floor), which names four counters llm_*_1_total; false for 0.46b0+.
    sdk_unit_suffix: bool = attrs.field(default=False, converter=_bool, validator=instance_of(bool))
    # OpenTelemetry GenAI: which attribute names the provider. "new" (gen_ai_provider_name, with
    # OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental, and openai-agents always), "old"
    # (gen_ai_system, the default of existing instrumentations and google-genai always), or "both" for a
    # fleet in transition: each series has one or the other, and the panels merge them, each call once.
    genai_attributes: str = attrs.field(default="new", validator=in_(("new", "old", "both")))
    # How names reach Prometheus: "underscore" (gen_ai_client_operation_duration_seconds: the OTel SDK
    # exporter, the Collector, the OTLP receiver's default UnderscoreEscapingWithSuffixes) or "utf8"
    # (gen_ai.client.operation.duration_seconds, labels gen_ai.provider.name: Prometheus >= 3 with
    # NoUTF8EscapingWithSuffixes; queries then quote them).
    genai_names: str = attrs.field(default="underscore", validator=in_(("underscore", "utf8")))
    # Service level objectives of the LLM upstream (brightstaff): the share of requests that must
    # succeed, the share that must finish within slo_latency_seconds (a bucket bound of
    # brightstaff_llm_upstream_duration_seconds), and the window the error budget is counted over.
    slo_availability: float = attrs.field(default=0.99, converter=float, validator=[ge(0.5), _below_one])
    slo_latency_seconds: float = attrs.field(default=10.0, converter=float, validator=_llm_bucket)
    slo_latency_target: float = attrs.field(default=0.95, converter=float, validator=[ge(0.5), _below_one])
    slo_window: str = attrs.field(default="30d", validator=matches_re(r"^\d+[hdw]$"))
    # Model price file in the SDK's format; "" uses the shipped config/model_prices.yaml.
    prices_file: str = attrs.field(default="", validator=instance_of(str))
    # Grafana dashboard model version written (39 = Grafana 10.4+).
    schema_version: int = attrs.field(default=39, converter=int, validator=in_((39, 40, 41, 42)))
    # Dashboard schema `build` writes: "v1", the classic JSON model (files, /api/dashboards/db, every Grafana),
    # or "v2", the dashboard.grafana.app/v2 resource of Grafana 13's dynamic dashboards (elements + layout).
    # File provisioning reads v1 only: `provision` and `watch` refuse v2.
    schema: str = attrs.field(default="v1", validator=in_(SCHEMAS))
    refresh: str = attrs.field(default="30s", validator=matches_re(r"^(\d+[smhd])?$"))
    time_from: str = attrs.field(default="now-1h", validator=matches_re(r"^now(-\d+[smhdwMy])?$"))
    # File provisioning (dashctl provision / watch): the dashboard provider Grafana reads.
    # Grafana re-scans the dashboard files every update_interval_seconds (the SDK ships 30).
    update_interval_seconds: int = attrs.field(default=30, converter=_int, validator=[instance_of(int), ge(1)])
    allow_ui_updates: bool = attrs.field(default=False, converter=_bool, validator=instance_of(bool))
    disable_deletion: bool = attrs.field(default=False, converter=_bool, validator=instance_of(bool))
    org_id: int = attrs.field(default=1, converter=_int, validator=[instance_of(int), ge(1)])
    provider_name: str = attrs.field(default="llm-gateway", validator=matches_re(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"))
    # --- alerts and recording rules (panels/rules/, `dashctl rules`; README "Alerts and recording rules") ---
    # Rule groups are evaluated every rules_interval; an alert fires after its condition held for alert_for
    # (SLO burn-rate alerts: alert_slo_for). Ratios and rates use alert_rate_window, which must be at
    # least 4 scrape intervals (alert_scrape_interval; `dashctl lint` checks it).
    rules_interval: str = rule_fields.duration("1m")
    alert_for: str = rule_fields.duration("5m")
    alert_slo_for: str = rule_fields.duration("2m")
    alert_rate_window: str = rule_fields.duration("5m")
    alert_scrape_interval: str = rule_fields.duration("15s")
    # Where notifications link to: the runbook (anchor = the alert name, lower case) and Grafana.
    alert_runbook_url: str = attrs.field(default="https://github.com/katanemo/plano/blob/main/docs/runbooks.md",
                                         validator=instance_of(str))
    alert_grafana_url: str = attrs.field(default="http://localhost:3000", validator=instance_of(str))
    # No ratio alert below this many requests/s in its denominator (an idle gateway never alerts).
    alert_min_request_rate: float = rule_fields.number(0.1)
    # Ratio thresholds (0.1 = 10%).
    alert_upstream_error_ratio: float = rule_fields.number(0.1, high=1)
    alert_http_5xx_ratio: float = rule_fields.number(0.05, high=1)
    alert_envoy_failure_ratio: float = rule_fields.number(0.05, high=1)
    alert_fallback_ratio: float = rule_fields.number(0.15, high=1)
    alert_routing_error_ratio: float = rule_fields.number(0.1, high=1)
    alert_session_cache_error_ratio: float = rule_fields.number(0.05, high=1)
    alert_usage_missing_ratio: float = rule_fields.number(0.1, high=1)
    # Rates, per second.
    alert_ratelimited_rate: float = rule_fields.number(1.0)
    alert_pii_rate: float = rule_fields.number(0.2)
    alert_injection_rate: float = rule_fields.number(0.1)
    # Spend budgets in USD per hour: brightstaff tokens x the price file, and the SDK's cost counter.
    alert_spend_usd_per_hour_model: float = rule_fields.number(200)
    alert_spend_usd_per_hour_total: float = rule_fields.number(500)
    alert_llm_spend_usd_per_hour_model: float = rule_fields.number(100)
    alert_llm_spend_usd_per_hour_total: float = rule_fields.number(200)
    # Latency and time-to-first-token objectives: slo_*_objective of requests faster than slo_*_seconds
    # (a bucket boundary of the histogram) over slo_window_days; multi-window, multi-burn-rate alerts.
    slo_latency_seconds: float = rule_fields.number(10)
    slo_latency_objective: float = rule_fields.number(0.99, high=0.99999)
    slo_ttft_seconds: float = rule_fields.number(2.5)
    slo_ttft_objective: float = rule_fields.number(0.99, high=0.99999)
    slo_window_days: float = rule_fields.number(30, low=1)
    # A restart loop: more than alert_restarts process restarts within alert_restart_window.
    alert_restarts: float = rule_fields.number(2)
    alert_restart_window: str = rule_fields.duration("15m")
    # true: a panel whose query is an expression a recording rule records reads the recorded series
    # (over alert_rate_window, not $__rate_interval); only where the rules are loaded into Prometheus.
    dashboards_read_recording_rules: bool = attrs.field(default=False, converter=_bool, validator=instance_of(bool))

    @property
    def jobs(self) -> dict[str, str]:
        """Job name per metric source."""
        return {"brightstaff": self.brightstaff_job, "envoy": self.envoy_job,
                "spanmetrics": self.spanmetrics_job, "llm": self.llm_job, "otel-genai": self.genai_job}


FIELDS = {f.name: f for f in attrs.fields(Settings)}
ENV_PREFIX = "DASHCTL_"


def _check_keys(where: str, data: dict) -> None:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")


def read_toml(path: str | Path) -> dict:
    """The whole TOML document, with a clear error for a missing or malformed file."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def from_env(environ) -> dict:
    out = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX):].lower()
            if name in FIELDS:
                out[name] = value
    return out


def parse_assignments(items) -> dict:
    """`KEY=VALUE` strings (the CLI's --set) to a dict."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"--set {item!r}: expected KEY=VALUE")
        out[key.strip().replace("-", "_")] = value
    return out


def make_settings(layers: list[tuple[str, dict]]) -> Settings:
    """Settings from defaults plus each (where, values) layer in order; errors name the layer."""
    values: dict = {}
    for where, layer in layers:
        _check_keys(where, layer)
        values.update(layer)
    try:
        return Settings(**values)
    except (TypeError, ValueError) as exc:
        # attrs validators say which field; find which layer set it for the message
        bad = _field_in(exc)
        where = next((w for w, layer in reversed(layers) if bad in layer), "settings")
        raise SettingsError(f"{where}: " + (f"setting {bad}: " if bad else "") + _short(exc)) from None


def _field_in(exc: Exception) -> str:
    if exc.args and isinstance(exc.args[0], str):
        m = re.search(r"'(\w+)'", exc.args[0])
        if m and m.group(1) in FIELDS:
            return m.group(1)
    return ""


_KINDS = {int: "an integer", bool: "true or false", str: "a string"}


def _short(exc: Exception) -> str:
    """What is wrong with the value, in words: `'abc' is not an integer`."""
    args = exc.args
    if len(args) == 4 and isinstance(args[2], type):  # attrs instance_of: (message, attribute, type, value)
        return f"{args[3]!r} is not {_KINDS.get(args[2], args[2].__name__)}"
    if len(args) == 4 and hasattr(args[2], "pattern"):  # attrs matches_re: (message, attribute, regex, value)
        return f"{args[3]!r} does not match {args[2].pattern}"
    if len(args) == 4 and isinstance(args[2], (tuple, list)):  # attrs in_: (message, attribute, options, value)
        return f"{args[3]!r} is not one of {', '.join(map(str, args[2]))}"
    text = str(args[0]) if args else str(exc)
    return re.sub(r"^'\w+' ", "", text.split(" (got ")[0])[:200]


DEFAULT_FILE = "dashctl.toml"


def load_settings(config: str | Path | None = None, environ=None, overrides: dict | None = None) -> Settings:
    """Defaults <- dashctl.toml [settings] <- DASHCTL_* env <- overrides.

    `config=None` reads ./dashctl.toml when it exists.
    """
    environ = os.environ if environ is None else environ
    layers = []
    path = Path(config) if config else Path(DEFAULT_FILE)
    if config or path.exists():
        doc = read_toml(path)
        table = doc.get("settings", {})
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [settings] must be a table")
        layers.append((f"{path} [settings]", table))
    layers.append(("environment", from_env(environ)))
    layers.append(("flags", dict(overrides or {})))
    return make_settings(layers)
