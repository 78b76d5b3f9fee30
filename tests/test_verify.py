"""Every panel of every dashboard on a real Prometheus holding the simulator's data, and the
scenarios showing where they should: `dashctl verify` and the panels' numbers."""

from __future__ import annotations

import bisect
import re
import textwrap
import time

import attrs
import pytest

import prom
from conftest import run_dashctl
from llm_gateway_dashboards.dashctl import simulate as sim
from llm_gateway_dashboards.dashctl.lint import iter_panels
from llm_gateway_dashboards.dashctl.verify import Options, Prometheus, problems, run_dashboard, verify
from llm_gateway_dashboards.panels.catalog import default_catalog

HOURS = 2


@pytest.fixture(scope="module")
def world(tmp_path_factory, settings):
    """The simulator's last HOURS ending now (rounded to the minute), backfilled into a Prometheus."""
    work = tmp_path_factory.mktemp("prometheus")
    plan = sim.plan(int(time.time()) - 60, HOURS)
    t0 = time.monotonic()
    path = work / "sim.om"
    with open(path, "w", encoding="utf-8") as fh:
        stats = sim.write_openmetrics(fh, plan, jobs=settings.jobs, namespace=settings.spanmetrics_namespace)
    simulated = time.monotonic() - t0
    server, timings = prom.start(path, work)
    path.unlink()
    print(f"\nsimulated {stats.series} series / {stats.samples} samples in {simulated:.1f}s, "
          f"backfill {timings['backfill']:.1f}s, prometheus ready in {timings['start']:.1f}s")
    try:
        yield plan, server
    finally:
        server.stop()


def _panel(report, uid, title, plan, server, at, span=None):
    """The results of one panel's targets, evaluated instantly at `at`."""
    c = report.by_uid()[uid]
    assert title in {p.get("title") for p in iter_panels(c.model)}, f"{uid} has no panel {title!r}"
    results, _ = run_dashboard(c, Prometheus(server.url), Options(at=at, range=span, instant=True), [title])
    assert results and not any(r.error for r in results), [r.error for r in results]
    return results


def _values(results) -> list[tuple[dict, float]]:
    out = []
    for r in results:
        for s in r.data:
            out.append((s["metric"], float(s["value"][1])))
    return out


def _metrics_of(panel: dict, catalog) -> set[str]:
    """The catalog metrics a panel's targets read."""
    names = set()
    for t in panel.get("targets", []):
        for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", t.get("expr", "")):
            m = catalog.by_series(word)
            if m is not None:
                names.add(m.name)
    return names


def no_data_by_design(dashboards, config: sim.Config) -> set[tuple[str, str]]:
    """Panels that legitimately show no data on the simulated deployment: every metric they read
    is one the emitting code does not export with this configuration (brightstaff 0.4.36 exports
    no process_*: metrics-reference "Verified against the emitting code")."""
    absent = sim.absent_by_design(config)
    catalog = default_catalog()
    out = set()
    for d in dashboards:
        for p in iter_panels(d.model):
            metrics = _metrics_of(p, catalog)
            if metrics and metrics <= absent:
                out.add((d.uid, p["title"]))
    return out


# Panels allowed to be empty on the simulator's data because of a known panel bug (issue 14; the
# panels branch fixes it: then the entry is stale and can go).
KNOWN_EMPTY = {
    ("llm-latency-ttft-dashboard", "Time per output token by model (streaming)"):
        "keeps only models whose streaming share is at least 99%: no model with mixed traffic shows",
}


def test_every_panel_of_every_dashboard_has_data(world, report):
    plan, server = world
    t0 = time.monotonic()
    results, findings = verify(report.dashboards, Prometheus(server.url), Options(at=plan.end))
    checked = {(r.dashboard, r.panel) for r in results}
    expected = {(d.uid, p["title"]) for d in report.dashboards for p in iter_panels(d.model) if p.get("targets")}
    print(f"verify: {len(checked)} panels, {len(results)} queries in {time.monotonic() - t0:.1f}s")
    assert checked == expected
    by_design = no_data_by_design(report.dashboards, sim.Config())
    empty = {(f.dashboard, f.panel) for f in findings}
    assert empty - by_design <= set(KNOWN_EMPTY), "panels without data:\n" + "\n".join(
        f.line() for f in findings if (f.dashboard, f.panel) not in by_design)
    assert len(report.dashboards) >= 5


def test_brightstaff_process_panels_have_data_with_a_build_that_exports_them(report, settings, tmp_path):
    """The panels that are empty by design on brightstaff 0.4.36 work once brightstaff exports
    process_* (Config.brightstaff_process_metrics): 15 minutes of data are enough."""
    config = sim.Config(brightstaff_process_metrics=True)
    by_design = no_data_by_design(report.dashboards, sim.Config())
    assert by_design, "no panel reads brightstaff's process_*: drop this test"
    plan = sim.plan(int(time.time()) - 60, 0.25, scenarios=())
    path = tmp_path / "sim.om"
    with open(path, "w", encoding="utf-8") as fh:
        sim.write_openmetrics(fh, plan, jobs=settings.jobs, namespace=settings.spanmetrics_namespace, config=config)
    server, _ = prom.start(path, tmp_path)
    try:
        boards = [d for d in report.dashboards if any(uid == d.uid for uid, _ in by_design)]
        results, findings = verify(boards, Prometheus(server.url), Options(at=plan.end, range=600))
        assert {(r.dashboard, r.panel) for r in results} >= by_design
        assert not {(f.dashboard, f.panel) for f in findings} & by_design, [f.line() for f in findings]
    finally:
        server.stop()


def _scalar(server, expr: str, at: int) -> float:
    result = server.query(expr, at)
    assert len(result) == 1, (expr, result)
    return float(result[0]["value"][1])


def test_the_truth_is_what_prometheus_reads_from_the_series(world):
    """The ground truth of a window is what the counters grew by between the scrapes at its ends:
    counts and tokens to the unit (series born inside the window included, which increase()
    misses), micro-USD exactly, a quantile within one bucket."""
    plan, server = world
    w = plan.window("cost")
    v = sim.truth(plan).window("cost")
    span = w.end - w.start

    def grew(selector: str) -> float:  # no restart inside the window: last value minus first (0 if unborn)
        return _scalar(server, f"sum({selector}) - (sum({selector} offset {span}s) or vector(0))", w.end)

    up = "brightstaff_llm_upstream_requests_total"
    assert grew(up) == v.count("upstream")
    assert grew(f'{up}{{error_class="stream"}}') == v.stream_failures() > 0
    assert grew(up) - v.stream_failures() == v.requests()  # the double count taken out: each request once
    born = _scalar(server, f"sum(increase({up}[{span}s]))", w.end)
    assert born <= v.count("upstream")  # increase() loses the first value of a series born inside
    for kind in ("prompt", "cache_read", "completion"):
        assert grew(f'brightstaff_llm_tokens_total{{model="{sim.COST_MODEL}", kind="{kind}"}}') == v.total(
            "llm_tokens", model=sim.COST_MODEL, kind=kind)
    assert grew("llm_cost_usd_micro_total") == v.total("sdk_cost")
    bounds = default_catalog().metric("brightstaff_llm_upstream_duration_seconds").buckets
    p95 = _scalar(server, f'histogram_quantile(0.95, sum by (le) (increase(brightstaff_llm_upstream_duration_'
                          f'seconds_bucket{{model="{sim.COST_MODEL}"}}[{span}s])))', w.end)
    true = v.quantile("upstream_duration", 0.95, model=sim.COST_MODEL)
    assert abs(bisect.bisect_left(bounds, p95) - bisect.bisect_left(bounds, true)) <= 1, (p95, true)


def test_verify_names_a_panel_with_no_data_and_one_with_a_query_error(world, report):
    plan, server = world
    c = report.by_uid()["plano-routing"]
    broken = dict(c.model, panels=[dict(p) for p in c.model["panels"]])
    victim = next(p for p in broken["panels"] if p.get("targets"))
    victim["targets"] = [dict(victim["targets"][0], expr='sum(rate(brightstaff_router_skips_total{reason="nope"}'
                                                           '[$__rate_interval]))'),
                         dict(victim["targets"][0], refId="B",
                              expr='label_replace(brightstaff_build_info, "a", "$1", "version", "(")')]
    results, _ = run_dashboard(attrs.evolve(c, model=broken), Prometheus(server.url), Options(at=plan.end))
    lines = [f.line() for f in problems(results)]
    assert any(line.startswith(f'plano-routing: "{victim["title"]}": [no-data] no target returned data: A: ')
               for line in lines), lines
    assert any(f'"{victim["title"]}": [query-error] B: ' in line and "invalid regular expression" in line
               for line in lines), lines
    assert len(lines) == 2, lines


def test_outage_shows_on_the_error_panels_and_names_the_failing_provider(world, report):
    plan, server = world
    w = plan.window("outage")
    at, calm = w.start + (w.end - w.start) // 2, plan.start + 900
    panels = [("plano-llm-upstream", "Upstream errors by provider / status / error class"),
              ("plano-llm-upstream", "Upstream error ratio by provider"),
              ("brightstaff", "Upstream errors by provider / status / error class"),
              ("llm-error-retry-dashboard", "Errors by provider / model"),
              ("llm-error-retry-dashboard", "Error ratio by provider / model")]
    panels = [(u, t) for u, t in panels if u in report.by_uid()]
    assert len(panels) >= 3
    for uid, title in panels:
        during = _values(_panel(report, uid, title, plan, server, at))
        before = _values(_panel(report, uid, title, plan, server, calm))
        worst = max(during, key=lambda mv: mv[1])
        assert worst[1] > 0 and worst[0].get("provider") == sim.OUTAGE_PROVIDER, (uid, title, worst)
        failing = sum(v for m, v in during if m.get("provider") == sim.OUTAGE_PROVIDER)
        calm_value = sum(v for m, v in before if m.get("provider") == sim.OUTAGE_PROVIDER)
        if "ratio" in title:  # about half its requests or more failed, a few percent before
            assert failing > 0.4 and failing > 4 * calm_value, (uid, title, failing, calm_value)
        else:
            assert failing > 10 * calm_value, (uid, title, failing, calm_value)
    statuses = {m.get("status_class") for m, v in _values(_panel(
        report, "plano-llm-upstream", "Upstream errors by provider / status / error class", plan, server, at))
        if m.get("provider") == sim.OUTAGE_PROVIDER and v > 0}
    assert {"4xx", "5xx", "error"} <= statuses  # 429s and 5xx have error_class="none": counted by status


def test_rate_limit_spike_shows_on_the_rate_limited_panel(world, report):
    plan, server = world
    w = plan.window("ratelimit")
    title = "Rate-limited requests / sec"
    during = _values(_panel(report, "plano-requests-overview", title, plan, server, w.start + 300))
    before = _values(_panel(report, "plano-requests-overview", title, plan, server, w.start - 300))
    truth = sim.truth(plan).span(w.start + 240, w.start + 300).count("ratelimited") / 60
    assert sum(v for _, v in during) > 10 * sum(v for _, v in before)
    assert sum(v for _, v in during) == pytest.approx(truth, rel=0.35)


def test_cost_panels_give_the_usd_of_the_simulated_tokens_and_prices(world, report):
    plan, server = world
    w = plan.window("cost")
    span = w.end - w.start
    truth = sim.truth(plan).window("cost")
    by_model = {m["model"]: v for m, v in _values(_panel(report, "plano-llm-cost",
                                                         "Spend by provider / model (selected range)",
                                                         plan, server, w.end, span))}
    assert sim.UNPRICED_MODEL not in by_model
    anthropic = truth.usd(model=sim.OUTAGE_MODEL)  # prompt excludes the cached tokens: no convention trap
    assert by_model[sim.OUTAGE_MODEL] == pytest.approx(anthropic, rel=0.01) and anthropic > 0
    unpriced = _values(_panel(report, "plano-llm-cost", "Tokens without a price (selected range)", plan, server,
                              w.end, span))
    expected_unpriced = truth.total("llm_tokens", model=sim.UNPRICED_MODEL)
    assert unpriced[0][1] == pytest.approx(expected_unpriced, rel=0.01) and expected_unpriced > 0

    sdk = truth.total("sdk_cost", by="model")
    total = _values(_panel(report, "llm-cost-dashboard", "Total cost (selected range)", plan, server, w.end, span))
    assert total[0][1] == pytest.approx(sum(sdk.values()) / 1e6, rel=0.01)
    by_model = {m["model"]: v for m, v in _values(_panel(report, "llm-cost-dashboard",
                                                         "Cost distribution by model (selected range)",
                                                         plan, server, w.end, span))}
    assert by_model[sim.COST_MODEL] == pytest.approx(sdk[sim.COST_MODEL] / 1e6, rel=0.01)
    assert max(by_model, key=by_model.get) == sim.COST_MODEL  # the spike is on this model


def test_cli_verify_exit_codes(world, tmp_path):
    plan, server = world
    ok = run_dashctl("verify", "--prometheus", server.url, "--at", str(plan.end), "plano-routing")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "panels of 1 dashboard(s) have data" in ok.stderr
    (tmp_path / "broken_board.py").write_text(textwrap.dedent('''
        from llm_gateway_dashboards.panels import kit, queries as q
        from llm_gateway_dashboards.panels.plano import ROUTER_SKIPS

        def dashboard(s):
            return kit.board(s, uid="broken-board", title="Broken", folder="T", desc="d", rows=[kit.row("R",
                kit.timeseries("Skips nobody makes", kit.target(q.sum_rate(ROUTER_SKIPS, reason="nope")),
                               unit="short", desc="a reason brightstaff never gives"))])
    '''))
    bad = run_dashctl("verify", "--prometheus", server.url, "--at", str(plan.end), "--module", "broken_board",
                      "broken-board", env={"PYTHONPATH": str(tmp_path)})
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stdout.startswith('broken-board: "Skips nobody makes": [no-data] no target returned data: A: ')
    down = run_dashctl("verify", "--prometheus", f"http://user:secret@127.0.0.1:{prom.free_port()}",
                       "plano-routing")
    assert down.returncode == 3 and "secret" not in down.stderr
    assert down.stderr.startswith("dashctl: error: Prometheus at http://127.0.0.1:"), down.stderr
