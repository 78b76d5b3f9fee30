"""The traffic simulator: the emitted series behave like the emitting code (metrics-reference,
"Verified against the emitting code"), the ground truth comes from the same events and matches
the series exactly, output is deterministic and well-formed, and a live /metrics endpoint works."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time

import pytest
import requests

from conftest import ROOT
from llm_gateway_dashboards.dashctl import simulate as sim
from llm_gateway_dashboards.panels.catalog import Catalog, Metric, Source, default_catalog
from llm_gateway_dashboards.panels.prices import load_prices
from llm_gateway_dashboards.panels.settings import Settings

END = 1_767_225_600  # 2026-01-01T00:00:00Z: a fixed end, so the file is the same on every run
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+) (\d+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SCOPE = {"otel_scope_name", "otel_scope_version", "otel_scope_schema_url"}
UP = "brightstaff_llm_upstream_requests_total"


def _write(plan, **kw) -> tuple[str, sim.Stats]:
    buf = io.StringIO()
    stats = sim.write_openmetrics(buf, plan, **kw)
    return buf.getvalue(), stats


def _parse(text: str) -> dict[tuple[str, tuple], list[tuple[int, float]]]:
    series: dict[tuple[str, tuple], list[tuple[int, float]]] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, line
        labels = tuple(LABEL.findall(m.group(2)))
        series.setdefault((m.group(1), labels), []).append((int(m.group(4)), float(m.group(3))))
    return series


@pytest.fixture(scope="module")
def short():
    """30 minutes of steady traffic, written and parsed."""
    text, stats = _write(sim.plan(END, hours=0.5, scenarios=()))
    return text, stats, _parse(text)


@pytest.fixture(scope="module")
def full():
    """The default 2 h with every scenario: the run (series with history) and its truth."""
    p = sim.plan(END, hours=2)
    return p, sim.simulation(p), sim.truth(p)


def _series(run, name: str, **match):
    """(labels, steps, values) of each emitted series of `name` (histograms: the +Inf column)."""
    out = []
    for (_, n, labels), s in run.registry.series.items():
        d = dict(labels)
        if n == name and all(d.get(k) == v for k, v in match.items()) and len(s.steps):
            col = s.history[-2] if s.family.kind == "histogram" else s.history[0]
            out.append((d, list(s.steps), list(col)))
    return out


def _grew(p, name, t0, t1, by=None, **match):
    return sim.totals(p, name, match, t0, t1, by=by)


def _nonzero(d: dict) -> dict:
    return {k: v for k, v in d.items() if v}


# --- format and determinism -------------------------------------------------------------------
def test_output_is_deterministic_and_ends_with_eof(short):
    text, stats, series = short
    fresh = io.StringIO()  # a new run, not the cached one
    sim.Simulation(sim.plan(END, hours=0.5, scenarios=())).run().write(fresh)
    assert fresh.getvalue() == text
    assert text.endswith("# EOF\n")
    assert stats.series == len(series) and stats.samples == sum(len(v) for v in series.values())
    other, _ = _write(sim.plan(END, hours=0.5, scenarios=()), seed=2)
    assert other != text


def test_every_catalog_metric_is_emitted_with_job_and_instance(short):
    _, _, series = short
    names = {name for name, _ in series}
    absent = sim.absent_by_design()
    cat = default_catalog()
    for metric in cat.metrics:
        if metric.name in absent:
            continue
        assert set(metric.series) <= names, f"{metric.name} not simulated"
    jobs = {**Settings().jobs, **{k: v for k, v in sim.DEFAULT_JOBS.items() if not Settings().jobs[k]}}
    for name, labels in series:
        d = dict(labels)
        assert d.get("instance"), name
        metric = cat.by_series(name)
        if metric is None or metric.name in absent:  # target_info, python_*, the SDK's process_*
            assert d["job"] == jobs["llm"], (name, d)
            continue
        assert d.get("job") == jobs[metric.source], (name, d.get("job"))
        assert set(d) - {"job", "instance", "le"} - SCOPE <= set(metric.labels), name


def test_every_catalog_metric_is_modelled_by_events_and_another_sources_metric_gets_generic_series():
    assert sim.Simulation(sim.plan(END, 0.25, scenarios=())).world.generic == []
    extra = Source("other_repo", "another exporter", [
        Metric("other_jobs_total", "counter", "other_repo", "short", "jobs", ("queue",), {"queue": ("a", "b")})])
    run = sim.Simulation(sim.plan(END, 0.25, scenarios=()), catalog=Catalog([*default_catalog().sources, extra])).run()
    assert [m.name for m in run.world.generic] == ["other_jobs_total"]
    grown = {dict(k[2])["queue"]: s.value for k, s in run.registry.series.items() if k[1] == "other_jobs_total"}
    assert set(grown) == {"a", "b"} and min(grown.values()) > 0


def test_jobs_and_spanmetrics_namespace_follow_the_settings():
    s = Settings(brightstaff_job="plano", spanmetrics_namespace="traces_span_metrics", llm_job="apps")
    text, _ = _write(sim.plan(END, hours=0.25, scenarios=()), jobs=s.jobs, namespace=s.spanmetrics_namespace,
                     catalog=default_catalog(s.spanmetrics_namespace))
    assert re.search(r'\nbrightstaff_http_requests_total\{handler="llm_chat",method="POST",status_class="2xx",'
                     r'job="plano"', text)
    assert "\ntraces_span_metrics_calls_total{" in text and "\ncalls_total{" not in text
    assert re.search(r'\nllm_spans_total\{[^}]*service_name="chat-api"[^}]*job="apps"', text)


def test_counters_only_grow_and_histograms_are_cumulative(short):
    _, _, series = short
    cat = default_catalog()
    buckets: dict[tuple, dict[str, list[float]]] = {}
    counts: dict[tuple, list[float]] = {}
    for (name, labels), points in series.items():
        metric = cat.by_series(name)
        values = [v for _, v in points]
        times = [t for t, _ in points]
        assert times == sorted(times) and len(set(times)) == len(times), name
        if name.endswith("_total") or name.endswith(("_bucket", "_sum", "_count")):
            assert all(b >= a for a, b in zip(values, values[1:], strict=False)), f"{name}{dict(labels)} decreases"
        if metric is None:
            continue
        base = (metric.name, tuple(kv for kv in labels if kv[0] != "le"))
        if name.endswith("_bucket"):
            buckets.setdefault(base, {})[dict(labels)["le"]] = values
        elif name.endswith("_count"):
            counts[base] = values
    assert len(buckets) > 50
    for base, by_le in buckets.items():
        metric = cat.metric(base[0])
        order = [str(int(b)) if float(b).is_integer() else repr(float(b)) for b in metric.buckets] + ["+Inf"]
        assert list(by_le) == order, base
        for i in range(len(counts[base])):
            column = [by_le[le][i] for le in order]
            assert column == sorted(column), f"{base}: buckets not cumulative"
            assert column[-1] == counts[base][i], f"{base}: +Inf != _count"


# label values a real deployment never emits (the catalog lists them as possible)
NOT_EMITTED = {
    UP: {"status_class": ("1xx", "3xx", "other"), "error_class": ("timeout", "parse")},
    "brightstaff_http_requests_total": {"status_class": ("1xx", "3xx", "other"),
                                        "method": ("PUT", "DELETE", "PATCH", "HEAD", "OTHER")},
    "brightstaff_router_decisions_total": {"route": ("agent", "routing")},
    "brightstaff_router_decision_duration_seconds": {"route": ("agent", "routing")},
    "envoy_cluster_upstream_rq_xx": {"envoy_response_code_class": ("1", "3")},
    "calls_total": {"service_name": ("plano(handoff)",)},
    "duration_milliseconds": {"service_name": ("plano(handoff)",)},
}


def test_every_known_label_value_appears_unless_the_code_never_emits_it(full):
    _, run, _ = full
    seen: dict[tuple[str, str], set] = {}
    for (_, name, labels) in run.registry.series:
        for k, v in labels:
            seen.setdefault((name, k), set()).add(v)
    absent = sim.absent_by_design()
    for metric in default_catalog().metrics:
        if metric.name in absent:
            continue
        for label, values in metric.values:
            skip = set(NOT_EMITTED.get(metric.name, {}).get(label, ()))
            assert not skip & seen.get((metric.name, label), set()), (metric.name, label)
            missing = set(values) - skip - seen.get((metric.name, label), set())
            assert not missing, f"{metric.name}: {label} never {sorted(missing)}"


def test_plan_lays_out_each_scenario_after_a_steady_lead():
    p = sim.plan(END + 59, hours=2)
    assert p.end == END and p.start == END - 7200
    assert [w.scenario for w in p.windows] == ["outage", "ratelimit", "restart", "newmodel", "pii", "cost"]
    assert p.windows[0].start - p.start >= 1200
    for a, b in zip(p.windows, p.windows[1:], strict=False):
        assert a.end < b.start and a.start % 60 == 0 and a.end - a.start >= 480
    assert p.windows[-1].end < p.end
    with pytest.raises(ValueError, match="unknown scenario"):
        sim.plan(END, scenarios=["meteor"])


# --- the truth is exactly what the series grew by ---------------------------------------------
def test_truth_matches_every_counter_exactly_over_any_span(full):
    p, _, truth = full
    w = p.window("outage")
    for t0, t1 in ((w.start, w.end), (p.start, p.end), (p.start + 600, p.start + 615)):
        v = truth.span(t0, t1)
        assert _nonzero(_grew(p, UP, t0, t1, by="error_class")) == v.count("upstream", "error_class")
        assert sum(_grew(p, "brightstaff_http_requests_total", t0, t1).values()) == v.count("http")
        tokens = v.total("llm_tokens", by="kind")
        assert _nonzero(_grew(p, "brightstaff_llm_tokens_total", t0, t1, by="kind")) == _nonzero(tokens)
        assert sum(_grew(p, "llm_cost_usd_micro_total", t0, t1).values()) == v.total("sdk_cost")
        assert sum(_grew(p, "calls_total", t0, t1).values()) == v.count("span")
        assert sum(_grew(p, "ratelimited_rq", t0, t1).values()) == v.count("ratelimited")


def test_each_failed_request_counts_once_in_the_truth_and_the_stream_double_count_in_the_series(full):
    p, _, truth = full
    v = truth.window("outage")
    stream = v.stream_failures()
    assert stream > 10
    assert v.count("upstream", error_class="stream") == stream
    assert v.count("upstream") == v.requests() + stream  # a broken stream is counted again as "none"
    assert v.count("upstream", error_class="none", status_class="2xx") == v.requests(
        outcome=("ok", "stream", "disconnect"))
    assert len(v.samples("upstream_duration")) == v.requests() + stream
    failed = v.failed(provider=sim.OUTAGE_PROVIDER)
    assert failed == sum(v.requests(provider=sim.OUTAGE_PROVIDER, outcome=o) for o in
                         ("4xx", "5xx", "connect", "other", "stream"))
    assert v.error_ratio(provider=sim.OUTAGE_PROVIDER) > 0.4 > 0.05 > v.error_ratio(provider="openai")
    assert v.count("upstream", provider=sim.OUTAGE_PROVIDER, status_class="5xx", error_class="none") > 100
    assert v.count("upstream", error_class=("timeout", "parse")) == 0


def test_ttft_is_observed_for_every_response_with_a_body_and_envoys_only_for_streams(full):
    p, run, truth = full
    v = truth.window("outage")
    bodies = v.requests(outcome=lambda o: o not in ("connect", "other"))
    assert len(v.samples("ttfb")) == bodies
    by_stream = v.samples_by("ttfb", "stream")
    assert sorted(by_stream[True] + by_stream[False]) == sorted(v.samples("ttfb"))
    assert len(v.samples("ttfb", stream=False)) > 0 and v.requests(status_class=("4xx", "5xx")) > 0
    streamed_ok = v.requests(stream=True, status=200, outcome=("ok", "stream", "disconnect"))
    assert len(v.samples("envoy_ttft")) == streamed_ok
    ttft = run.registry
    assert ttft.families["time_to_first_token"].bounds == (100, 500, 800, 1000, 1200, 1400, 1600, 1800, 2000,
                                                             2200, 2400, 3000, 3500, 4000, 4500, 5000, 6000,
                                                             10000, 60000, 180000)
    assert ttft.families["request_latency"].bounds[-1] == 3600000


def test_prompt_tokens_follow_the_providers_convention(full):
    p, _, truth = full
    v = truth.all()
    for provider, model in (("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5")):
        emitted = v.total("llm_tokens", by="kind", provider=provider, model=model)
        tokens = v.tokens(provider=provider, model=model)
        assert emitted["cache_read"] == tokens["cache_read"] > 0
        if provider in sim.PROMPT_EXCLUDES_CACHE:
            assert tokens["input_uncached"] == emitted["prompt"]
        else:
            assert tokens["input_uncached"] == emitted["prompt"] - emitted["cache_read"]
    priced = {m.model: m for m in load_prices().models}["gpt-4o"].per_kind()
    t = v.tokens(model="gpt-4o")
    assert v.usd(model="gpt-4o") == pytest.approx(sum(t[k] * priced[{"input_uncached": "prompt"}.get(k, k)]
                                                      for k in t) / 1e6)
    assert sim.UNPRICED_MODEL not in v.usd(by="model")


def test_usage_missing_counts_error_bodies_broken_streams_and_every_responses_stream(full):
    p, _, truth = full
    v = truth.all()
    error_bodies = v.requests(outcome=("4xx", "5xx"))
    broken = v.requests(outcome=("stream", "disconnect"))
    responses_streams = v.requests(api="responses", stream=True, outcome="ok")
    assert responses_streams > 50
    missing = v.count("usage_missing")
    assert missing >= error_bodies + broken + responses_streams
    assert v.count("usage_missing", model="gpt-4o") > v.count("usage_missing", model="gpt-4o-mini") * 0.5
    # a prompt-cache outcome only where prompt tokens were parsed; a hit = cache read or write
    outcomes = v.count("prompt_cache", by="outcome")
    assert sum(outcomes.values()) < v.requests(outcome="ok")
    assert v.count("prompt_cache", provider="anthropic", outcome="hit") > 0


def test_series_are_born_on_first_use_and_reset_at_a_restart(full):
    p, run, truth = full
    new = p.window("newmodel")
    born = [steps[0] for _, steps, _ in _series(run, UP, model=sim.NEW_MODEL)]
    assert born and min(born) > new.start - p.step and min(born) <= new.start + 60
    assert truth.span(p.start, new.start).requests(model=sim.NEW_MODEL) == 0
    assert truth.span(new.end, p.end).requests(model=sim.NEW_MODEL) > 0  # rolled out: it stays
    connect = _series(run, UP, error_class="connect")
    assert connect and min(s[1][0] for s in connect) > p.window("outage").start - p.step
    restart = p.window("restart").start
    assert truth.all().restarts() == 1 and truth.restart_times() == [restart]
    for _, steps, values in _series(run, "brightstaff_http_requests_total", handler="llm_chat",
                                         status_class="2xx"):
        i = steps.index(restart)
        assert values[i] < values[i - 1], "no counter reset at the restart"
    assert all(v[i + 1] >= v[i] for _, _, v in _series(run, "envoy_cluster_upstream_rq_total")
               for i in range(len(v) - 1))  # Envoy did not restart
    # increase() across the restart still equals the truth (Prometheus handles the reset)
    assert sum(_grew(p, UP, restart - 300, restart + 300).values()) == truth.span(
        restart - 300, restart + 300).count("upstream")


def test_brightstaff_exports_no_process_metrics_unless_switched_on(full):
    _, run, _ = full
    assert not [k for k in run.registry.series if k[0] == "brightstaff" and k[1].startswith("process_")]
    assert [k for k in run.registry.series if k[0] == "llm" and k[1] == "process_resident_memory_bytes"]
    on = sim.simulation(sim.plan(END, 0.25, scenarios=()), config=sim.Config(brightstaff_process_metrics=True))
    names = {k[1] for k in on.registry.series if k[0] == "brightstaff"}
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total", "process_threads"} <= names


def test_router_decisions_routes_and_sessions(full):
    p, run, truth = full
    routes = {d["route"] for d, _, _ in _series(run, "brightstaff_router_decisions_total")}
    assert routes == {"llm"}
    v = truth.all()
    r = v.routing()
    assert r["real"] > r["none"] > r["unknown"] > 0 and r["fallback_among_real"] == 0.0 and r["skips"] > 0
    assert r["decisions"] + r["skips"] == v.requests()
    two_xx_in_sessions = v.count("binding_refresh")
    assert two_xx_in_sessions == v.count("session_cache", outcome=("store", "store_error")) > 0
    build = _series(run, "brightstaff_build_info")
    assert [d for d, _, _ in build] == [{"version": "0.1.0", "git_sha": "unknown"}]
    plain = sim.truth(sim.plan(END, 0.25, scenarios=()), config=sim.Config(routing_preferences=False)).all()
    assert set(plain.count("router", ("selected_model", "fallback"))) == {("none", "true")}


def test_sdk_labels_as_the_sdk_writes_them(full):
    p, run, truth = full
    v = truth.all()
    finish = set(v.count("sdk_finish", by="finish_reason"))
    assert {"FinishReason.STOP", "end_turn", "stop"} <= finish
    services = set(v.count("sdk_call", by="service_name"))
    assert services == {"chat-api", "support-bot", "unknown"}
    assert {"timeout", "unknown"} <= set(v.count("sdk_call", by="status"))
    # auto-instrumented calls carry the dated model name, which no SDK price matches: no cost
    assert v.total("sdk_cost", service_name="unknown") == 0 and v.count("sdk_call", service_name="unknown") > 0
    assert v.total("sdk_cost", model="gpt-4o") == int(v.total("sdk_cost", model="gpt-4o")) > 0
    over = sum(1 for x in v.samples("sdk_latency") if x > 10000)
    inf_bucket = v.buckets("sdk_latency", run.registry.families["llm_latency_ms_total"].bounds)[-1]
    assert over == inf_bucket > 0  # calls over 10 s land in +Inf
    labels = {k for (src, name, lab) in run.registry.series if src == "llm" and name == "llm_spans_total"
              for k, _ in lab}
    assert SCOPE <= labels
    assert [k for k in run.registry.series if k[1] == "target_info"]
    assert {"llm_toxicity_detected_total", "llm_toxicity_score", "llm_forecast_cost_mean_usd_micro"} <= {
        k[1] for k in run.registry.series}


def test_the_oldest_sdk_exporter_names_four_counters_with_a_unit_suffix():
    text, _ = _write(sim.plan(END, 0.25, scenarios=()), config=sim.Config(sdk_exporter="0.45b0"))
    for name in ("llm_finish_reason", "llm_spans", "llm_pii_detected", "llm_injection_attempts"):
        assert f"\n{name}_1_total{{" in text and f"\n{name}_total{{" not in text
    assert not re.search(r"\nllm_\w+\{[^}]*otel_scope_name", text) and 'service_name="unknown_service"' in text


def test_spanmetrics_service_names_and_nanosecond_buckets(full):
    p, run, truth = full
    services = set(truth.all().count("span", by="service_name"))
    assert {"plano", "plano(outbound)", "plano(llm)", "plano(inbound)"} <= services
    assert "plano(handoff)" not in services
    ns = sim.simulation(sim.plan(END, 0.25, scenarios=()), config=sim.Config(span_buckets="ns"))
    fam = ns.registry.families["duration_milliseconds"]
    assert fam.bounds[0] == 5e-06 and fam.bounds[-1] == 0.01
    for s in (s for k, s in ns.registry.series.items() if k[1] == "duration_milliseconds"):
        cumulative = s.values()
        assert cumulative[-3] == 0 and cumulative[-2] == s.count > 0  # every span in +Inf


def test_scenarios_change_what_they_should(full):
    p, _, truth = full
    lead = truth.span(p.start + 60, p.start + 600)

    def per_s(view, n):
        return n / (view.t1 - view.t0)

    rl = truth.window("ratelimit")
    assert per_s(rl, rl.count("ratelimited")) > 20 * per_s(lead, lead.count("ratelimited"))
    pii = truth.window("pii")
    assert per_s(pii, pii.count("sdk_detection", kind="pii")) > 10 * per_s(lead, lead.count("sdk_detection",
                                                                                             kind="pii"))
    cost = truth.window("cost")
    assert per_s(cost, cost.usd(model=sim.COST_MODEL)) > 8 * per_s(lead, lead.usd(model=sim.COST_MODEL))
    assert per_s(cost, cost.usd(model="gpt-4o-mini")) < 1.5 * per_s(lead, lead.usd(model="gpt-4o-mini"))


# --- live ---------------------------------------------------------------------------------------
def test_live_endpoint_serves_every_metric():
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "simulate.py"), "--serve", "0", "--hours", "1"],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", line)
        assert m, line
        url = f"http://127.0.0.1:{m.group(1)}/metrics"
        first = requests.get(url, timeout=10)
        assert first.status_code == 200 and first.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        for metric in default_catalog().metrics:
            if metric.name not in sim.absent_by_design():
                assert f"\n# TYPE {metric.name} {metric.kind}\n" in first.text, metric.name
        assert 'job="otel-collector"' in first.text and 'job="llm-sdk"' in first.text
        assert requests.get(url.replace("/metrics", "/other"), timeout=10).status_code == 404
        time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_live_counters_grow_between_scrapes():
    p = sim.plan(END + 3600, hours=1, cycle=True)
    live = sim.Live(p)
    a = live.exposition(p.start + 60)
    b = live.exposition(p.start + 120)
    pick = re.compile(r'^brightstaff_http_requests_total\{handler="llm_chat",method="POST",status_class="2xx".*\} '
                      r'(\d+)$', re.M)
    assert int(pick.search(b).group(1)) > int(pick.search(a).group(1))
    assert p.active(p.window("outage").start + p.step + p.cycle) == ["outage"]  # windows repeat every cycle


def test_cli_writes_the_file_and_prints_a_windows_truth(tmp_path):
    out = tmp_path / "sim.om"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "simulate.py"), "--openmetrics", str(out), "--hours",
                        "0.5", "--scenario", "outage", "--end", str(END), "--truth", "outage", "--sdk-exporter",
                        "0.45b0", "--no-routing-preferences"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.endswith("# EOF\n") and "\nllm_spans_1_total{" in text
    assert 'selected_model="none"' in text and 'fallback="false"' not in text
    assert re.search(r"^  anthropic/claude-sonnet-4-5: \d+ requests, \d+ failed \(\d+\.\d+%\)", r.stderr, re.M)
    bad = subprocess.run([sys.executable, str(ROOT / "scripts" / "simulate.py"), "--openmetrics", str(out),
                          "--hours", "0.5", "--scenario", "outage", "--truth", "cost"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "--truth cost: not a scenario of this run" in bad.stderr


def test_the_previous_rate_model_stays_for_the_rule_tests():
    """dashctl/rules/cases.py (main) reads specs, Track.multipliers and _cdf: a scenario's metric-level
    effects act on samples at start <= t < end, traffic-level ones never touch these tracks."""
    p = sim.Plan(0, 600, (sim.Window("outage", 60, 300),), 60)
    specs = sim.specs()
    assert {s.metric.name for s in specs} >= {m.name for m in default_catalog().metrics}
    five = next(s for s in specs if s.metric.name == UP and dict(s.labels)["provider"] == sim.OUTAGE_PROVIDER
                and dict(s.labels)["status_class"] == "5xx")
    track = sim.Track(five, p, 1)
    assert [track.multipliers(t)[0] for t in (0, 60, 240, 300)] == [1.0, 40.0, 40.0, 1.0]
    assert 0.49 < sim._cdf(1.0, 1.0) < 0.51
    assert not any(e.matches(sim.OUTAGE_PROVIDER, sim.OUTAGE_MODEL) for e in sim.SCENARIOS["outage"].effects
                   if e.metric)
