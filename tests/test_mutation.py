"""Prove the value tests can fail: rewrite each checked query in small ways (tests/values/mutate.py),
run every rewrite on the same Prometheus at the same points, and require that each rewrite that
changes what the panel shows (beyond the case's tolerance) fails the case's check against the
ground truth. Score = caught / value-changing mutations, printed; at least 95%."""

from __future__ import annotations

import random
import re
import time
from concurrent.futures import ThreadPoolExecutor

from values.cases import CASES
from values.check import compare
from values.harness import check_all, run_query, series_values
from values.mutate import mutants

from llm_gateway_dashboards.dashctl.verify import Prometheus

MIN_SCORE = 0.95
PER_OPERATOR = 5  # mutants of each operator per query, sampled deterministically
MAX_MUTANTS = 1500  # in all, sampled deterministically (keeps the suite's runtime bounded)
MAX_POINTS = 5  # evaluation points a mutant is run at (it stops at the first that catches it)


def test_every_value_changing_mutation_fails_a_value_test(value_world, capsys):
    t0 = time.monotonic()
    checked = check_all(value_world, CASES)
    jobs = []  # (case id, mutant, points checked at)
    for case in CASES:
        points = checked[case.id]
        if case.xfail or any(c.problems for c in points):
            continue  # only a check that passes can prove anything by failing
        for m in mutants(points[0].obs.query, PER_OPERATOR):
            jobs.append((case, m, points[:MAX_POINTS]))
    if len(jobs) > MAX_MUTANTS:
        jobs = sorted(random.Random(14).sample(jobs, MAX_MUTANTS), key=lambda j: (j[0].id, j[1].operator))
    prom = Prometheus(value_world.url)

    took: dict[str, float] = {}

    def run(job):
        case, m, points = job
        t = time.monotonic()
        try:
            return _run(case, m, points)
        finally:
            took[case.id] = took.get(case.id, 0.0) + time.monotonic() - t

    def _run(case, m, points):
        changed = caught = invalid = False
        notes = []
        for c in points:
            data, error = run_query(prom, m.query, c.obs.how)
            if error:
                invalid = True
                break
            values, dup = series_values(data, case.by, c.obs.how)
            differs = compare(values, c.obs.values, case.kind, case.truth.buckets)
            if dup or differs:
                changed = True
                if dup or compare(values, c.expected, case.kind, case.truth.buckets):
                    caught = True
                    break
                else:
                    notes.append(f"at {c.obs.point}, vs the original: {differs[0]}; true: "
                                 f"{ {'/'.join(k): v for k, v in c.expected.items()} }")
        return case, m, changed, caught, invalid, notes

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, jobs))
    invalid = [r for r in results if r[4]]
    changing = [r for r in results if r[2] and not r[4]]
    caught = [r for r in changing if r[3]]
    survivors = [r for r in changing if not r[3]]
    by_op: dict[str, list[int]] = {}  # operator -> [generated, value-changing, caught]
    for _, m, ch, ca, inv, _ in results:
        tally = by_op.setdefault(m.operator, [0, 0, 0])
        tally[0] += 1
        tally[1] += int(ch and not inv)
        tally[2] += int(ch and ca and not inv)
    score = len(caught) / len(changing) if changing else 0.0
    with capsys.disabled():  # the score is part of what `make test` shows
        print(f"\nmutation test: {len(results)} mutations of {len({r[0].id for r in results})} checked queries, "
              f"{len(invalid)} rejected by Prometheus, {len(changing)} change the value, {len(caught)} caught: "
              f"score {score:.1%} ({time.monotonic() - t0:.1f}s)\n  by operator: "
              + ", ".join(f"{op} {g}/{n}/{c}" for op, (g, n, c) in sorted(by_op.items()))
              + " (generated/value-changing/caught)")
        print("  slowest: " + ", ".join(f"{k} {v:.1f}s" for k, v in sorted(took.items(), key=lambda kv: -kv[1])[:8]))
        for case, m, *_, notes in survivors[:20]:
            print(f"  survivor: {case.id} [{m.operator}]: {m.query[:300]}\n    " + "\n    ".join(notes))
    assert len(changing) >= 100, "too few value-changing mutations to score"
    assert score >= MIN_SCORE, f"mutation score {score:.1%} < {MIN_SCORE:.0%}"


def test_each_operator_makes_the_rewrite_it_names():
    q = ('histogram_quantile(0.95, sum by (le, provider) (rate(brightstaff_llm_upstream_duration_seconds_bucket'
         '{job="a", model=~"m|n"}[1m]))) + sum by (provider) (increase(brightstaff_llm_tokens_total{job="a"}[1h])) '
         'or vector(0)')
    made = {m.operator: m.query for m in mutants(q, per_operator=1)}
    assert set(made) == {"drop matcher", "+ -> or", "or -> +", "rate -> irate", "increase -> rate", "swap by label",
                         "drop by label", "change quantile/le", "change range"}
    assert made["drop matcher"].count('="') + made["drop matcher"].count('=~"') < q.count('="') + q.count('=~"')
    assert "[1m]))) or sum by (provider)" in made["+ -> or"]
    assert ") + vector(0)" in made["or -> +"]
    assert "(irate(brightstaff_llm_upstream" in made["rate -> irate"]
    assert "(rate(brightstaff_llm_tokens_total" in made["increase -> rate"]
    assert "histogram_quantile(0.75," in made["change quantile/le"]
    assert "[2m]" in made["change range"] or "[30m]" in made["change range"]
    by_labels = lambda text: sum(len([x for x in m.split(",") if x.strip()])  # noqa: E731
                                 for m in re.findall(r"\bby \(([^)]*)\)", text))
    assert by_labels(made["drop by label"]) == by_labels(q) - 1
    swapped = made["swap by label"]
    assert swapped.count("provider") == q.count("provider") - 1 and "by (le, provider)" in q
    assert all('"m|n"' in m for m in made.values() if "model=" in m)  # string literals are never rewritten
