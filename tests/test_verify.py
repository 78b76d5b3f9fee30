"""Every panel of every dashboard on a real Prometheus holding the simulator's data, and the
scenarios showing where they should: `dashctl verify` and the panels' numbers."""

from __future__ import annotations

import textwrap
import time

import attrs
import pytest

import prom
from conftest import run_dashctl
from dashctl import simulate as sim
from dashctl.lint import iter_panels
from dashctl.verify import Options, Prometheus, problems, run_dashboard, verify
from panels.prices import load_prices

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


def test_every_panel_of_every_dashboard_has_data(world, report):
    plan, server = world
    t0 = time.monotonic()
    results, findings = verify(report.dashboards, Prometheus(server.url), Options(at=plan.end))
    checked = {(r.dashboard, r.panel) for r in results}
    expected = {(d.uid, p["title"]) for d in report.dashboards for p in iter_panels(d.model) if p.get("targets")}
    print(f"verify: {len(checked)} panels, {len(results)} queries in {time.monotonic() - t0:.1f}s")
    assert checked == expected
    assert not findings, "panels without data:\n" + "\n".join(f.line() for f in findings)
    assert len(report.dashboards) >= 5


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
        assert failing > 10 * calm_value, (uid, title, failing, calm_value)
        if "ratio" in title:
            assert failing > 0.5, (uid, title, failing)  # most of its requests failed
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
    assert sum(v for _, v in during) > 10 * sum(v for _, v in before) > 0


def _expected_brightstaff_usd(plan, t0, t1, model=None) -> float:
    prices = load_prices()
    usd = 0.0
    for _, name, _ in sim.MODELS:
        price = prices.get(name)
        if price is None or (model and name != model):
            continue
        for kind, tokens in sim.totals(plan, "brightstaff_llm_tokens_total", {"model": name}, t0, t1,
                                       by="kind").items():
            usd += tokens * price.per_kind()[kind] / 1e6
    return usd


def test_cost_panels_give_the_usd_of_the_simulated_tokens_and_prices(world, report):
    plan, server = world
    w = plan.window("cost")
    span = w.end - w.start
    total = _values(_panel(report, "plano-llm-cost", "Spend (selected range)", plan, server, w.end, span))
    assert total[0][1] == pytest.approx(_expected_brightstaff_usd(plan, w.start, w.end), rel=1e-6)
    by_model = {m["model"]: v for m, v in _values(_panel(report, "plano-llm-cost",
                                                         "Spend by provider / model (selected range)",
                                                         plan, server, w.end, span))}
    assert by_model[sim.COST_MODEL] == pytest.approx(
        _expected_brightstaff_usd(plan, w.start, w.end, sim.COST_MODEL), rel=1e-6)
    assert sim.UNPRICED_MODEL not in by_model
    unpriced = _values(_panel(report, "plano-llm-cost", "Tokens without a price (selected range)", plan, server,
                              w.end, span))
    expected_unpriced = sum(sim.totals(plan, "brightstaff_llm_tokens_total", {"model": sim.UNPRICED_MODEL},
                                       w.start, w.end).values())
    assert unpriced[0][1] == pytest.approx(expected_unpriced, rel=1e-6) and expected_unpriced > 0

    sdk = {m: sum(sim.totals(plan, "llm_cost_usd_micro_total", {"model": m}, w.start, w.end).values()) / 1e6
           for m in {m for _, m, _ in sim.SDK_CALLS}}
    total = _values(_panel(report, "llm-cost-dashboard", "Total cost (selected range)", plan, server, w.end, span))
    assert total[0][1] == pytest.approx(sum(sdk.values()), rel=1e-6)
    by_model = {m["model"]: v for m, v in _values(_panel(report, "llm-cost-dashboard",
                                                         "Cost distribution by model (selected range)",
                                                         plan, server, w.end, span))}
    assert by_model[sim.COST_MODEL] == pytest.approx(sdk[sim.COST_MODEL], rel=1e-6)
    assert max(by_model, key=by_model.get) == sim.COST_MODEL  # the spike is on this model


def test_cli_verify_exit_codes(world, tmp_path):
    plan, server = world
    ok = run_dashctl("verify", "--prometheus", server.url, "--at", str(plan.end), "plano-routing")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "panels of 1 dashboard(s) have data" in ok.stderr
    (tmp_path / "broken_board.py").write_text(textwrap.dedent('''
        from panels import kit, queries as q
        from panels.plano import ROUTER_SKIPS

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
