"""The traffic simulator: every catalog metric, realistic and well-formed series, scenarios as
data, deterministic output, and a live /metrics endpoint."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time

import pytest
import requests

from conftest import ROOT
from dashctl import simulate as sim
from panels.catalog import default_catalog
from panels.prices import load_prices
from panels.settings import Settings

END = 1_767_225_600  # 2026-01-01T00:00:00Z: a fixed end, so the file is the same on every run
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+) (\d+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _write(plan, **kw) -> tuple[str, sim.Stats]:
    buf = io.StringIO()
    stats = sim.write_openmetrics(buf, plan, **kw)
    return buf.getvalue(), stats


@pytest.fixture(scope="module")
def short():
    """30 minutes of steady traffic: every series, parsed."""
    text, stats = _write(sim.plan(END, hours=0.5, scenarios=()))
    series: dict[tuple[str, tuple], list[tuple[int, float]]] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, line
        labels = tuple(LABEL.findall(m.group(2)))
        series.setdefault((m.group(1), labels), []).append((int(m.group(4)), float(m.group(3))))
    return text, stats, series


def test_output_is_deterministic_and_ends_with_eof(short):
    text, stats, series = short
    again, _ = _write(sim.plan(END, hours=0.5, scenarios=()))
    assert again == text
    assert text.endswith("# EOF\n")
    assert stats.series == len(series) and stats.samples == sum(len(v) for v in series.values())
    other, _ = _write(sim.plan(END, hours=0.5, scenarios=()), seed=2)
    assert other != text


def test_every_catalog_metric_is_emitted_with_job_and_instance(short):
    _, _, series = short
    names = {name for name, _ in series}
    for metric in default_catalog().metrics:
        assert set(metric.series) <= names, f"{metric.name} not simulated"
    jobs = {**Settings().jobs, "spanmetrics": "otel-collector", "llm": "llm-sdk"}
    cat = default_catalog()
    for name, labels in series:
        d = dict(labels)
        assert d.get("instance"), name
        assert d.get("job") == jobs[cat.by_series(name).source], (name, d.get("job"))
        assert set(d) - {"job", "instance", "le"} <= set(cat.by_series(name).labels), name


def test_jobs_and_spanmetrics_namespace_follow_the_settings():
    s = Settings(brightstaff_job="plano", spanmetrics_namespace="traces_span_metrics", llm_job="apps")
    text, _ = _write(sim.plan(END, hours=0.25, scenarios=()), jobs=s.jobs, namespace=s.spanmetrics_namespace,
                     catalog=default_catalog(s.spanmetrics_namespace))
    assert 'brightstaff_http_requests_total{handler="llm_chat",method="POST",status_class="2xx",job="plano"' in text
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
        if metric.kind == "counter" or name.endswith(("_bucket", "_sum", "_count")):
            assert all(b >= a for a, b in zip(values, values[1:], strict=False)), f"{name}{dict(labels)} decreases"
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


def test_every_known_label_value_appears(short):
    _, _, series = short
    seen: dict[tuple[str, str], set] = {}
    cat = default_catalog()
    for name, labels in series:
        for k, v in labels:
            seen.setdefault((cat.by_series(name).name, k), set()).add(v)
    for metric in cat.metrics:
        for label, values in metric.values:
            skip = set(sim.NOT_EMITTED.get(metric.name, {}).get(label, ()))
            missing = set(values) - skip - seen.get((metric.name, label), set())
            assert not missing, f"{metric.name}: {label} never {sorted(missing)}"


def test_values_the_dashboards_filter_on_are_there(short):
    _, _, series = short
    values = {(name, k, v) for name, labels in series for k, v in labels}
    for service in ("plano(llm)", "plano(agent)", "plano(orchestrator)"):
        assert ("calls_total", "service_name", service) in values
    assert ("calls_total", "status_code", "STATUS_CODE_ERROR") in values
    assert ("envoy_cluster_upstream_rq_total", "envoy_cluster_name", "bright_staff") in values
    assert {("calls_total", "agent_id", a) for a, _ in sim.AGENTS} <= values
    priced = set(load_prices().names)
    models = {v for name, k, v in values if name == "brightstaff_llm_tokens_total" and k == "model"}
    assert models - priced == {sim.UNPRICED_MODEL} and len(models & priced) >= 3


def test_plan_lays_out_each_scenario_after_a_steady_lead():
    p = sim.plan(END + 59, hours=2)
    assert p.end == END and p.start == END - 7200
    assert [w.scenario for w in p.windows] == ["outage", "ratelimit", "pii", "cost"]
    assert p.windows[0].start - p.start >= 1200
    for a, b in zip(p.windows, p.windows[1:], strict=False):
        assert a.end < b.start and a.start % 60 == 0 and a.end - a.start >= 600
    assert p.windows[-1].end < p.end
    with pytest.raises(ValueError, match="unknown scenario"):
        sim.plan(END, scenarios=["meteor"])


def _increase(p, metric, match, window):
    return sum(sim.totals(p, metric, match, window.start, window.end).values())


def test_outage_fails_one_provider_with_status_classes_and_timeouts():
    p = sim.plan(END, hours=2)
    w = p.window("outage")
    steady = sim.Window("steady", p.start + 60, p.start + 60 + (w.end - w.start))
    up = "brightstaff_llm_upstream_requests_total"
    for match in ({"status_class": "5xx", "error_class": "none"}, {"status_class": "4xx", "error_class": "none"},
                  {"error_class": "timeout"}):
        during = _increase(p, up, {"provider": sim.OUTAGE_PROVIDER, **match}, w)
        before = _increase(p, up, {"provider": sim.OUTAGE_PROVIDER, **match}, steady)
        assert during > 20 * before > 0, match
    other = _increase(p, up, {"provider": "openai", "status_class": "5xx"}, w)
    assert other < 0.1 * _increase(p, up, {"provider": sim.OUTAGE_PROVIDER, "status_class": "5xx"}, w)


def test_rate_limit_pii_and_cost_spikes():
    p = sim.plan(END, hours=2)
    lead = sim.Window("steady", p.start + 60, p.start + 660)

    def rise(scenario, metric, match=None):
        w = p.window(scenario)
        size = sim.Window("x", w.start, w.start + 600)
        return _increase(p, metric, match or {}, size) / _increase(p, metric, match or {}, lead)

    assert rise("ratelimit", "ratelimited_rq") > 20
    assert rise("pii", "llm_pii_detected_total") > 10
    assert rise("pii", "llm_injection_attempts_total") > 10
    assert rise("cost", "llm_tokens_total", {"model": sim.COST_MODEL}) > 4
    assert rise("cost", "llm_tokens_total", {"model": "gpt-4o-mini"}) < 1.5


def test_sdk_cost_counter_is_its_tokens_times_the_price_file():
    p = sim.plan(END, hours=2)
    w = p.window("cost")
    prices = load_prices()
    for service, model, _ in sim.SDK_CALLS:
        match = {"service_name": service, "model": model}
        cost = _increase(p, "llm_cost_usd_micro_total", match, w)
        price = prices.get(model)
        prompt = _increase(p, "llm_tokens_total", {**match, "token_type": "prompt"}, w)
        completion = _increase(p, "llm_tokens_total", {**match, "token_type": "completion"}, w)
        expected = prompt * price.input_price_per_1m + completion * price.output_price_per_1m if price else 0
        assert cost == pytest.approx(expected, rel=1e-12, abs=1e-6), (service, model)
        assert prompt > 0 and completion > 0


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
    assert p.active(p.window("outage").start + p.cycle) == ["outage"]  # windows repeat every cycle
