"""Every panel with a number a user acts on, on a real Prometheus over the simulator's data,
against the simulator's ground truth: counts and money within 1%, ratios within 0.1
percentage point, quantiles within one bucket (tests/values/cases.py holds the table)."""

from __future__ import annotations

import pytest
from values.cases import CASES, NOT_CHECKED
from values.harness import TIMINGS, check_all

from llm_gateway_dashboards.dashctl.lint import iter_panels


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_panel_shows_the_true_value(value_world, case):
    checked = check_all(value_world, CASES)[case.id]
    wrong = [f"at {c.obs.point}: {p}" for c in checked for p in c.problems]
    assert not wrong, f"{case.id} ({case.kind}), query: {checked[0].obs.query}\n" + "\n".join(wrong)
    if case.empty:
        assert not any(c.expected for c in checked), f"{case.id}: expected nothing ({case.empty}), the truth has data"
    else:
        assert any(c.expected for c in checked), f"{case.id}: the truth is empty at every point (cannot fail)"


def test_every_panel_with_a_number_is_checked(value_world, report):
    check_all(value_world, CASES)
    covered = {(c.uid, c.panel) for c in CASES}
    panels = {(d.uid, p["title"]) for d in report.dashboards for p in iter_panels(d.model) if p.get("targets")}
    by_uid: dict[str, int] = {}
    for uid, _ in sorted(covered & panels):
        by_uid[uid] = by_uid.get(uid, 0) + 1
    print(f"\nvalue tests: {len(covered & panels)} panels checked against ground truth ({len(CASES)} targets, "
          f"{TIMINGS[id(value_world)]:.1f}s): " + ", ".join(f"{u} {n}" for u, n in sorted(by_uid.items())))
    assert not covered - panels, f"cases for panels that do not exist: {sorted(covered - panels)}"
    unchecked = panels - covered - set(NOT_CHECKED)
    assert not unchecked, f"panels without a value test: {sorted(unchecked)}"
