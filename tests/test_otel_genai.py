"""The OTel GenAI dashboards on a real Prometheus over the simulator's data, against its ground truth,
under the attribute generations `old` and `both` (`new`, the default, is among the value tests'
cases: tests/values/cases.py). Tolerances as the other value tests: counts and money within 1%,
ratios within 0.1 percentage point, quantiles within one bucket.

The simulated fleet is in transition (dashctl/simulate/genai.py): both generations at once, a burst of
errors (the outage scenario), streaming and non-streaming calls, model servers of each generation.
"""

from __future__ import annotations

import attrs
import pytest
from values.genai_cases import GENERATIONS, UIDS, cases
from values.harness import check_all

from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.dashctl.lint import iter_panels
from llm_gateway_dashboards.dashctl.verify import Options, Prometheus, run_dashboard
from llm_gateway_dashboards.panels import otel_genai as g
from llm_gateway_dashboards.panels.settings import Settings


@pytest.fixture(scope="module")
def worlds(value_world):
    """The value world with the GenAI dashboards built under each attribute generation."""
    out = {}
    for generation in GENERATIONS:
        if generation == "new":  # the default settings: the value world's own build
            out[generation] = value_world
            continue
        rep = build(Settings(genai_attributes=generation), only=UIDS)
        assert rep.ok, [e.one_line() for e in rep.errors]
        out[generation] = attrs.evolve(value_world, compiled=rep.by_uid())
    return out


@pytest.mark.parametrize("generation", ("old", "both"))
def test_every_panel_shows_the_true_value(worlds, generation):
    world = worlds[generation]
    checked = check_all(world, cases(generation))
    wrong = []
    for case in cases(generation):
        points = checked[case.id]
        wrong += [f"{case.id} at {c.obs.point}: {p}  [{c.obs.query[:200]}]" for c in points for p in c.problems]
        has_truth = any(c.expected for c in points)
        if case.empty:
            assert not has_truth, f"{case.id}: expected nothing ({case.empty})"
        else:
            assert has_truth, f"{case.id}: the truth is empty at every point (cannot fail)"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_panel_is_checked_and_has_data(worlds, generation):
    world = worlds[generation]
    covered = {c.panel for c in cases(generation)}
    prom = Prometheus(world.url)
    for uid in UIDS:
        compiled = world.compiled[uid]
        panels = {p["title"] for p in iter_panels(compiled.model) if p.get("targets")}
        assert panels <= covered, f"{uid}: panels without a value test: {sorted(panels - covered)}"
        results, _ = run_dashboard(compiled, prom, Options(at=world.plan.end))
        with_data = {r.panel for r in results if r.data}
        assert panels <= with_data, f"{uid} under {generation}: no data in {sorted(panels - with_data)}"


def test_both_counts_each_call_once(worlds):
    """Under `both` the request rate is the sum of `new`'s and `old`'s, each call once (no series dropped
    by the `or`, none counted twice)."""
    prom = Prometheus(worlds["both"].url)
    at = worlds["both"].plan.end
    totals = {}
    for generation in GENERATIONS:
        compiled = worlds[generation].compiled[g.OVERVIEW_UID]
        results, _ = run_dashboard(compiled, prom, Options(at=at, instant=True), {"Requests/s by operation"})
        totals[generation] = sum(float(s["value"][1]) for r in results for s in r.data)
    assert totals["new"] > 0 and totals["old"] > 0
    assert totals["both"] == pytest.approx(totals["new"] + totals["old"], rel=1e-9)


# --- UTF-8 names ----------------------------------------------------------------------------------------
# Debian's prometheus here is 2.42, which cannot store or query UTF-8 names (>= 3.0): the queries built
# under genai_names="utf8" are checked with the PromQL parser (promql-parser, which follows Prometheus 3's
# grammar) and the catalog, not run.
@pytest.mark.parametrize("generation", GENERATIONS)
def test_utf8_names_build_quoted_queries_that_parse(generation):
    import promql_parser as pp

    from llm_gateway_dashboards.dashctl.lint import lint
    from llm_gateway_dashboards.dashctl.lint.tree import matchers, parse, series_names, walk
    from llm_gateway_dashboards.panels.catalog import default_catalog

    s = Settings(genai_attributes=generation, genai_names="utf8")
    rep = build(s, only=UIDS)
    assert rep.ok, [e.one_line() for e in rep.errors]
    assert [f.line() for f in lint(rep.dashboards, default_catalog(), s)] == []
    catalog, queries = default_catalog(), 0
    for compiled in rep.dashboards:
        for p in iter_panels(compiled.model):
            for t in p.get("targets") or []:
                expr, queries = t["expr"], queries + 1
                assert '{"gen_ai.' in expr and "gen_ai_" not in expr, expr[:200]
                for node in walk(parse(expr)):
                    if isinstance(node, pp.VectorSelector):
                        names = series_names(node)
                        assert len(names) == 1 and "." in names[0] and catalog.by_series(names[0]), names
                        metric = catalog.by_series(names[0])
                        assert {m.name for m in matchers(node)} - {"__name__"} <= set(metric.all_labels)
                    if isinstance(node, pp.AggregateExpr) and node.modifier is not None:
                        assert all(label in ("le", "model", "kind") or "." in label
                                   for label in node.modifier.labels), node.modifier.labels
    assert queries >= 30
