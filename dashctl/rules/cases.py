"""`promtool test rules` cases for every alert, generated from the traffic simulator's scenarios.

Input series: every series the simulator emits for the metrics the rules read
(`dashctl.simulate.specs`), at the simulator's base rates times its scenario effects
(`Track.multipliers`), without its noise and wave: per-minute increments that are constant
within a phase, written in promtool's `a+bxn` notation. So the value each alert shows is known
exactly (`Oracle`, computed here from the same increments, not by PromQL) and the
expected annotations can be compared word for word.

Each simulator scenario (outage, rate limit, PII/injection, cost spike) must fire the alerts
meant for it, with their labels and annotations; alerts no simulator scenario drives get a
scenario of their own here (the same `Scenario`/`Effect` data); the steady scenario must fire
none. The gateway-down and restart-loop cases need series the simulator cannot produce
(a failed scrape, a restarted process) and are written out by hand.
"""

from __future__ import annotations

import re
from typing import Callable

import attrs

from llm_gateway_dashboards.dashctl import simulate as sim
from llm_gateway_dashboards.dashctl.rules.build import rule_groups
from llm_gateway_dashboards.panels.catalog import default_catalog
from llm_gateway_dashboards.panels.prices import load_prices
from llm_gateway_dashboards.panels.rules.groups import COUNT, PCT, UP, VALUE

STEP = 60  # seconds between input samples
LEAD, LENGTH, TAIL = 30, 40, 20  # minutes: steady lead, scenario window, recovery
FIRE_AT = LEAD + 35  # minutes: every window of the alerts (<= 30m) lies inside the scenario
SILENT_AT = (LEAD - 1, LEAD + LENGTH + TAIL)

EXTRA_SCENARIOS = {s.name: s for s in (
    sim.Scenario("brightstaff-5xx", "Envoy's requests to brightstaff come back 5xx", (
        sim.Effect("envoy_cluster_upstream_rq_xx", {"envoy_cluster_name": "bright_staff",
                                                    "envoy_response_code_class": "5"}, rate=10),)),
    sim.Scenario("routing-errors", "the routing service finds no candidates", (
        sim.Effect("brightstaff_routing_service_requests_total", {"outcome": ("no_candidates", "policy_error")},
                   rate=10),)),
    sim.Scenario("session-cache-errors", "the session cache backend fails", (
        sim.Effect("brightstaff_session_cache_events_total", {"outcome": ("error", "store_error")}, rate=20),)),
    sim.Scenario("fallback", "the router's preferred models fail: real decisions fall back", (
        sim.Effect("brightstaff_router_decisions_total", {"fallback": "true", "selected_model": "gpt-4o-mini"},
                   rate=40),)),
    sim.Scenario("spend-all", "every model's tokens grow tenfold: the gateway's total spend runs away", (
        sim.Effect("brightstaff_llm_tokens_total", {}, rate=10),)),
    sim.Scenario("usage-missing", "openai responses stop carrying token usage", (
        sim.Effect("brightstaff_llm_tokens_usage_missing_total", {"provider": "openai"}, rate=100),)),
)}
ALL_SCENARIOS = {**sim.SCENARIOS, **EXTRA_SCENARIOS}


# --- the input: simulator specs x scenario multipliers, per minute ---------------------------
@attrs.frozen
class Series:
    name: str
    labels: tuple[tuple[str, str], ...]
    increments: tuple[float, ...]  # per STEP, len = samples - 1

    @property
    def text(self) -> str:
        return self.name + "{" + ", ".join(f'{k}="{v}"' for k, v in self.labels) + "}"

    def values(self) -> str:
        """promtool's expanding notation, one `a+bxn` term per run of equal increments."""
        terms, value, i, n = [], 0.0, 0, len(self.increments)
        first = True
        while i < n:
            b = self.increments[i]
            j = i
            while j < n and self.increments[j] == b:
                j += 1
            run = j - i
            if first:
                terms.append(f"0+{_num(b)}x{run}")
                value = b * run
                first = False
            else:
                start = value + b
                terms.append(f"{_num(start)}+{_num(b)}x{run - 1}" if run > 1 else _num(start))
                value = start + b * (run - 1)
            i = j
        return " ".join(terms) if terms else "0"


def _num(x: float) -> str:
    return repr(float(f"{x:.12g}"))


def _round(x: float) -> float:
    return float(f"{x:.9g}")


def _plan(scenario: str | None) -> sim.Plan:
    end = (LEAD + LENGTH + TAIL) * 60
    windows = (sim.Window(scenario, LEAD * 60, (LEAD + LENGTH) * 60),) if scenario else ()
    return sim.Plan(0, end, windows, STEP)


def _read_metrics(settings) -> set[str]:
    return {m.name for g in rule_groups(settings) for r in g.rules for m, _ in r.expr.refs()}


def series(settings, scenario: str | None) -> list[Series]:
    """Every input series for one scenario (None: steady only), for the counters and histograms the
    rules read."""
    plan = _plan(scenario)
    wanted = _read_metrics(settings)
    times = list(plan.times)[1:]
    out = []
    for spec in sim.specs(default_catalog(settings.spanmetrics_namespace), settings.jobs,
                          settings.spanmetrics_namespace):
        m = spec.metric
        if m.name not in wanted or m.kind == "gauge":
            continue
        track = sim.Track(spec, plan, 1, settings.spanmetrics_namespace, ALL_SCENARIOS)
        base = tuple(spec.labels) + (("job", spec.job), ("instance", spec.instance))
        if spec.prices is not None:  # the SDK's cost counter follows its tokens' counters
            inc = tuple(_round(sum(tok.spec.rate * tok.multipliers(t)[0] * price * STEP
                                   for tok, price in zip(track.tokens, spec.prices, strict=True))) for t in times)
            out.append(Series(m.name, base, inc))
            continue
        counts = [spec.rate * track.multipliers(t)[0] * STEP for t in times]
        if m.kind == "counter":
            out.append(Series(m.name, base, tuple(_round(c) for c in counts)))
            continue
        medians = [spec.median * track.multipliers(t)[1] for t in times]
        for le in m.buckets:
            out.append(Series(f"{m.name}_bucket", base + (("le", _le(le)),),
                              tuple(_round(c * sim._cdf(le, med)) for c, med in zip(counts, medians, strict=True))))
        out.append(Series(f"{m.name}_bucket", base + (("le", "+Inf"),), tuple(_round(c) for c in counts)))
        out.append(Series(f"{m.name}_count", base, tuple(_round(c) for c in counts)))
    return out


def _le(b: float) -> str:
    return str(int(b)) if float(b).is_integer() else repr(float(b))


def _gauges(settings) -> list[dict]:
    """A healthy, long-running brightstaff: build info, `up` and a fixed start time."""
    n = LEAD + LENGTH + TAIL
    job, instance = _target(settings)
    build = next(s for s in sim.specs() if s.metric.name == "brightstaff_build_info")
    labels = "".join(f'{k}="{v}", ' for k, v in build.labels)
    return [{"series": f'brightstaff_build_info{{{labels}job="{job}", instance="{instance}"}}', "values": f"1x{n}"},
            {"series": f'{UP.name}{{job="{job}", instance="{instance}"}}', "values": f"1x{n}"},
            {"series": f'process_start_time_seconds{{job="{job}", instance="{instance}"}}',
             "values": f"1700000000x{n}"}]


def _target(settings) -> tuple[str, str]:
    return settings.brightstaff_job or sim.DEFAULT_JOBS["brightstaff"], sim.INSTANCES["brightstaff"]


def input_series(settings, data: list[Series]) -> list[dict]:
    return [{"series": s.text, "values": s.values()} for s in data] + _gauges(settings)


# --- the oracle: what each alert shows, from the same increments -----------------------------
class Oracle:
    """Rates of the input series over a window ending at FIRE_AT, from their increments
    (a window [t-w, t] holds the samples at both ends, as Prometheus 2 selects them)."""

    def __init__(self, data: list[Series]):
        self.data = data

    def sum(self, name: str, by: tuple[str, ...] = (), where: Callable[[dict], bool] = lambda lab: True,
            minutes: int = 5) -> dict:
        lo, hi = max(FIRE_AT - minutes, 0), FIRE_AT
        out: dict[tuple, float] = {}
        for s in self.data:
            labels = dict(s.labels)
            if s.name == name and where(labels):
                key = tuple(labels.get(b, "") for b in by)
                out[key] = out.get(key, 0.0) + sum(s.increments[lo:hi]) / ((hi - lo) * STEP)
        return out

    def ratio(self, name: str, by: tuple[str, ...], part: Callable[[dict], bool],
              whole: Callable[[dict], bool] = lambda lab: True, minutes: int = 5) -> dict:
        num = self.sum(name, by, part, minutes)  # two selections: a broken stream's failure is counted on
        # its stream series, which the whole leaves out in favour of its twin
        den = self.sum(name, by, whole, minutes)
        return {k: num.get(k, 0.0) / v for k, v in den.items() if v}


def printf_2f(v: float) -> str:
    return f"{v:.2f}"


def plain(v: float) -> str:
    """A template's bare `{{ $value }}` (Go's %v of a float64) for whole numbers."""
    return str(int(v)) if float(v).is_integer() else repr(v)


def humanize_percentage(v: float) -> str:
    return f"{v * 100:.4g}%"


# --- what each alert must show: (scenario, labels, values, threshold, denominator) ------------
@attrs.frozen
class Expect:
    alert: str
    scenario: str
    labels: tuple[str, ...]
    values: Callable  # (oracle, settings) -> {label values: value}
    threshold: Callable  # settings -> number
    requests: Callable | None = None  # (oracle, settings) -> {label values: requests/s} for the guard

    def firing(self, o: Oracle, s) -> dict:
        values, th = self.values(o, s), self.threshold(s)
        den = self.requests(o, s) if self.requests else None
        return {k: v for k, v in sorted(values.items())
                if v > th and (den is None or den.get(k, 0.0) > s.alert_min_request_rate)}


UPR = "brightstaff_llm_upstream_requests_total"
HTTP = "brightstaff_http_requests_total"
PROVIDER, MODEL = ("provider",), ("provider", "model")


FAILED_STATUS = ("4xx", "5xx", "error")


def _counted(lab: dict) -> bool:
    """A request once: brightstaff counts a broken stream twice (error_class=stream, then none)."""
    return lab["error_class"] != "stream"


def _failed(lab: dict) -> bool:
    """Failed, each request once: a failed status (its stream copy left out), or an error class on a
    status that is not failed (the broken stream's own count)."""
    if lab["status_class"] in FAILED_STATUS:
        return lab["error_class"] != "stream"
    return lab["error_class"] != "none"


def _real_decision(lab: dict) -> bool:
    return lab["selected_model"] != "none"  # none: no routing preferences, nothing was decided


def _fell_back(lab: dict) -> bool:
    return lab["fallback"] == "true" and lab["selected_model"] not in ("none", "unknown")


def _slo(key: str, metric: str) -> Callable:
    def values(o: Oracle, s) -> dict:
        limit, budget = getattr(s, f"slo_{key}_seconds"), 1 - getattr(s, f"slo_{key}_objective")

        def slow(minutes):
            count = o.sum(f"{metric}_count", PROVIDER, minutes=minutes)
            fast = o.sum(f"{metric}_bucket", PROVIDER, lambda lab: lab["le"] == _le(limit), minutes)
            return {k: (c - fast.get(k, 0.0)) / c for k, c in count.items() if c}

        out = {}
        for short, long, share, hours in ((5, 60, 0.02, 1), (30, 360, 0.05, 6)):
            limit_ratio = share * s.slo_window_days * 24 / hours * budget
            a, b = slow(short), slow(long)
            for k, v in a.items():
                if k not in out and v > limit_ratio and b.get(k, 0.0) > limit_ratio:
                    out[k] = v
        return out
    return values


def _spend(o: Oracle, s, by=MODEL) -> dict:
    """Each token billed once: for OpenAI-convention providers `prompt` already holds the cache reads."""
    out: dict[tuple, float] = {}
    for m in load_prices(s.prices_file).models:
        for kind, price in m.per_kind().items():
            for k, r in o.sum("brightstaff_llm_tokens_total", by,
                              lambda lab, m=m, kind=kind: lab["model"] == m.model and lab["kind"] == kind).items():
                out[k] = out.get(k, 0.0) + r * price * 3600 / 1_000_000
        for k, r in o.sum("brightstaff_llm_tokens_total", by,
                          lambda lab, m=m: lab["model"] == m.model and lab["kind"] == "cache_read"
                          and lab["provider"] not in s.prompt_excludes_cache).items():
            out[k] = out.get(k, 0.0) - r * m.input_price_per_1m * 3600 / 1_000_000
    return out


def _llm_spend(o: Oracle, s, by=MODEL) -> dict:
    return {k: v * 3600 / 1_000_000 for k, v in o.sum("llm_cost_usd_micro_total", by).items()}


EXPECT = (
    Expect("PlanoUpstreamErrorRatioHigh", "outage", PROVIDER, lambda o, s: o.ratio(UPR, PROVIDER, _failed, _counted),
           lambda s: s.alert_upstream_error_ratio, lambda o, s: o.sum(UPR, PROVIDER, _counted)),
    Expect("PlanoUpstreamLatencySLOBurn", "outage", PROVIDER,
           _slo("latency", "brightstaff_llm_upstream_duration_seconds"),
           lambda s: 0, lambda o, s: o.sum(UPR, PROVIDER)),
    Expect("PlanoTimeToFirstTokenSLOBurn", "outage", PROVIDER,
           _slo("ttft", "brightstaff_llm_time_to_first_token_seconds"), lambda s: 0, lambda o, s: o.sum(UPR, PROVIDER)),
    Expect("PlanoHTTP5xxRatioHigh", "outage", ("handler",),
           lambda o, s: o.ratio(HTTP, ("handler",), lambda lab: lab["status_class"] == "5xx"),
           lambda s: s.alert_http_5xx_ratio, lambda o, s: o.sum(HTTP, ("handler",))),
    Expect("PlanoEnvoyBrightstaffFailures", "brightstaff-5xx", ("envoy_cluster_name",),
           lambda o, s: o.ratio("envoy_cluster_upstream_rq_xx", ("envoy_cluster_name",),
                                lambda lab: lab["envoy_response_code_class"] == "5",
                                lambda lab: lab["envoy_cluster_name"] == s.brightstaff_cluster),
           lambda s: s.alert_envoy_failure_ratio,
           lambda o, s: o.sum("envoy_cluster_upstream_rq_xx", ("envoy_cluster_name",),
                              lambda lab: lab["envoy_cluster_name"] == s.brightstaff_cluster)),
    Expect("PlanoRateLimitingActive", "ratelimit", (),
           lambda o, s: {(): sum(v for name in s.ratelimit_metrics for v in o.sum(name).values())},
           lambda s: s.alert_ratelimited_rate),
    Expect("PlanoRoutingFallbackRatioHigh", "fallback", (),
           lambda o, s: o.ratio("brightstaff_router_decisions_total", (), _fell_back, _real_decision),
           lambda s: s.alert_fallback_ratio,
           lambda o, s: o.sum("brightstaff_router_decisions_total", (), _real_decision)),
    Expect("PlanoRoutingServiceErrors", "routing-errors", (),
           lambda o, s: o.ratio("brightstaff_routing_service_requests_total", (),
                                lambda lab: lab["outcome"] in ("no_candidates", "policy_error")),
           lambda s: s.alert_routing_error_ratio,
           lambda o, s: o.sum("brightstaff_routing_service_requests_total")),
    Expect("PlanoSessionCacheErrors", "session-cache-errors", (),
           lambda o, s: o.ratio("brightstaff_session_cache_events_total", (),
                                lambda lab: lab["outcome"] in ("error", "store_error")),
           lambda s: s.alert_session_cache_error_ratio, lambda o, s: o.sum("brightstaff_session_cache_events_total")),
    Expect("PlanoTokenUsageMissing", "usage-missing", MODEL,
           lambda o, s: {k: v / o.sum(UPR, MODEL, _counted)[k]
                         for k, v in o.sum("brightstaff_llm_tokens_usage_missing_total", MODEL).items()},
           lambda s: s.alert_usage_missing_ratio, lambda o, s: o.sum(UPR, MODEL, _counted)),
    Expect("PlanoSpendRateHigh", "cost", MODEL, _spend, lambda s: s.alert_spend_usd_per_hour_model),
    Expect("PlanoSpendRateTotalHigh", "spend-all", (), lambda o, s: {(): sum(_spend(o, s).values())},
           lambda s: s.alert_spend_usd_per_hour_total),
    Expect("LLMSpendRateHigh", "cost", MODEL, _llm_spend, lambda s: s.alert_llm_spend_usd_per_hour_model),
    Expect("LLMSpendRateTotalHigh", "cost", (), lambda o, s: {(): sum(_llm_spend(o, s).values())},
           lambda s: s.alert_llm_spend_usd_per_hour_total),
    Expect("LLMPIIDetectionsHigh", "pii", ("service_name",),
           lambda o, s: o.sum("llm_pii_detected_total", ("service_name",)), lambda s: s.alert_pii_rate),
    Expect("LLMPromptInjectionAttempts", "pii", ("service_name",),
           lambda o, s: o.sum("llm_injection_attempts_total", ("service_name",)), lambda s: s.alert_injection_rate),
)
PERCENT = {"PlanoUpstreamErrorRatioHigh", "PlanoUpstreamLatencySLOBurn", "PlanoTimeToFirstTokenSLOBurn",
           "PlanoHTTP5xxRatioHigh", "PlanoEnvoyBrightstaffFailures", "PlanoRoutingFallbackRatioHigh",
           "PlanoRoutingServiceErrors", "PlanoSessionCacheErrors", "PlanoTokenUsageMissing"}
BY_HAND = ("PlanoGatewayDown", "PlanoRestartLoop")  # series the simulator cannot produce


# --- the promtool test document ---------------------------------------------------------------
def render_annotations(annotations: dict, labels: dict, value: float) -> dict:
    """The annotations as Prometheus renders them for one alert ($labels, $value)."""
    out = {}
    for key, text in annotations.items():
        for name, v in labels.items():
            text = text.replace("{{ $labels.%s }}" % name, v)
        text = text.replace(PCT, humanize_percentage(value)).replace(VALUE, printf_2f(value))
        text = text.replace(COUNT, plain(value))
        out[key] = re.sub(r"\{\{ \$labels\.\w+ \}\}", "", text)
    return out


def _exp(rule: dict, labels: dict, value: float) -> dict:
    return {"exp_labels": {**rule["labels"], **labels},
            "exp_annotations": render_annotations(rule["annotations"], labels, value)}


def _rules_by_alert(rendered: list[dict]) -> dict[str, dict]:
    return {r["alert"]: r for g in rendered for r in g["rules"] if "alert" in r}


def scenario_tests(settings, rendered: list[dict]) -> list[dict]:
    """One test per scenario: the alerts meant for it fire with their labels and annotations."""
    rules = _rules_by_alert(rendered)
    tests = []
    for scenario in dict.fromkeys(e.scenario for e in EXPECT):
        data = series(settings, scenario)
        oracle = Oracle(data)
        checks = []
        for e in (e for e in EXPECT if e.scenario == scenario):
            firing = e.firing(oracle, settings)
            checks.append({"eval_time": f"{FIRE_AT}m", "alertname": e.alert,
                           "exp_alerts": [_exp(rules[e.alert], dict(zip(e.labels, k, strict=True)), v)
                                          for k, v in firing.items()]})
            checks.append({"eval_time": f"{LEAD - 1}m", "alertname": e.alert, "exp_alerts": []})
        tests.append({"name": f"scenario {scenario}: {ALL_SCENARIOS[scenario].help}", "interval": f"{STEP}s",
                      "input_series": input_series(settings, data), "alert_rule_test": checks})
    return tests


def steady_test(settings, rendered: list[dict]) -> dict:
    """Steady traffic: no alert fires, at any time."""
    names = sorted(_rules_by_alert(rendered))
    return {"name": "steady traffic: no alert", "interval": f"{STEP}s",
            "input_series": input_series(settings, series(settings, None)),
            "alert_rule_test": [{"eval_time": f"{t}m", "alertname": n, "exp_alerts": []}
                                for t in (*SILENT_AT, FIRE_AT) for n in names]}


def by_hand_tests(settings, rendered: list[dict]) -> list[dict]:
    """The gateway not scraped, absent, and restarting."""
    rules = _rules_by_alert(rendered)
    job, instance = _target(settings)
    target = {"job": job, "instance": instance}
    sel = f'{{job="{job}", instance="{instance}"}}'
    starts = " ".join(str(1_700_000_000 + 180 * (i // 3)) for i in range(31))  # a restart every 3 minutes
    restarts = sum(1 for i in range(16, 31) if i % 3 == 0)  # changes() in [15m, 30m]
    return [
        {"name": "brightstaff scraped, then its scrapes fail", "interval": f"{STEP}s",
         "input_series": [{"series": f"up{sel}", "values": "1x10 0x20"},
                          {"series": f'brightstaff_build_info{{version="0.4.36", git_sha="3f2a9c1", job="{job}", '
                                     f'instance="{instance}"}}', "values": "1x10 _x20"}],
         "alert_rule_test": [
             {"eval_time": "9m", "alertname": "PlanoGatewayDown", "exp_alerts": []},
             {"eval_time": "25m", "alertname": "PlanoGatewayDown",
              "exp_alerts": [_exp(rules["PlanoGatewayDown"], target, 0)]}]},
        {"name": "brightstaff never scraped", "interval": f"{STEP}s",
         "input_series": [{"series": 'up{job="envoy", instance="envoy:9901"}', "values": "1x30"}],
         "alert_rule_test": [{"eval_time": "20m", "alertname": "PlanoGatewayDown",
                              "exp_alerts": [_exp(rules["PlanoGatewayDown"], {"job": job}, 1)]}]},
        {"name": "brightstaff restarts every 3 minutes", "interval": f"{STEP}s",
         "input_series": [{"series": f"process_start_time_seconds{sel}", "values": starts}],
         "alert_rule_test": [
             {"eval_time": "30m", "alertname": "PlanoRestartLoop",
              "exp_alerts": [_exp(rules["PlanoRestartLoop"], target, restarts)]}]},
    ]


def test_document(settings, rendered: list[dict], rule_files: list[str]) -> dict:
    """The whole `promtool test rules` file for these rules (their paths in rule_files)."""
    return {"rule_files": list(rule_files), "evaluation_interval": f"{STEP}s",
            "tests": [steady_test(settings, rendered), *scenario_tests(settings, rendered),
                      *by_hand_tests(settings, rendered)]}
