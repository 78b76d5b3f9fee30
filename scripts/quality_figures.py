#!/usr/bin/env python3
"""Figures of the quality gate: series simulated, simulate + backfill + verify time on a real
Prometheus, and lint time per dashboard.

    scripts/quality_figures.py [--hours 2] [--repeat 20]

Needs prometheus and promtool (make prometheus). Starts Prometheus on a free loopback port
in a temporary directory and stops it (by its pid) at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import prom  # noqa: E402  (tests/prom.py: the same Prometheus helper the tests use)
from llm_gateway_dashboards.dashctl import simulate as sim  # noqa: E402
from llm_gateway_dashboards.dashctl.builder import build  # noqa: E402
from llm_gateway_dashboards.dashctl.lint import lint  # noqa: E402
from llm_gateway_dashboards.dashctl.verify import Options, Prometheus, verify  # noqa: E402
from llm_gateway_dashboards.panels.catalog import default_catalog  # noqa: E402
from llm_gateway_dashboards.panels.settings import load_settings  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=20, help="lint runs per dashboard (median reported)")
    args = ap.parse_args(argv)
    settings = load_settings()
    report = build(settings)
    catalog = default_catalog(settings.spanmetrics_namespace)

    print("lint time per dashboard (median of", args.repeat, "runs):")
    for c in report.dashboards:
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            lint([c], catalog, settings)
            runs.append(time.perf_counter() - t0)
        queries = sum(len(p.get("targets") or []) for p in c.model["panels"] + [
            k for p in c.model["panels"] for k in p.get("panels", [])])
        median = sorted(runs)[len(runs) // 2]
        print(f"  {c.uid:32} {median * 1000:7.1f} ms  ({c.panel_count} panels, {queries} queries)")
    t0 = time.perf_counter()
    lint(report.dashboards, catalog, settings)
    print(f"  {'all ' + str(len(report.dashboards)) + ' dashboards':32} {(time.perf_counter() - t0) * 1000:7.1f} ms")

    with tempfile.TemporaryDirectory(prefix="dashctl-figures-") as tmp:
        work = Path(tmp)
        plan = sim.plan(int(time.time()) - 60, args.hours)
        t0 = time.perf_counter()
        path = work / "sim.om"
        with open(path, "w", encoding="utf-8") as fh:
            stats = sim.write_openmetrics(fh, plan, jobs=settings.jobs, namespace=settings.spanmetrics_namespace)
        simulated = time.perf_counter() - t0
        size = path.stat().st_size
        server, timings = prom.start(path, work)
        try:
            t0 = time.perf_counter()
            results, findings = verify(report.dashboards, Prometheus(server.url), Options(at=plan.end))
            checked = time.perf_counter() - t0
        finally:
            server.stop()
    panels = len({(r.dashboard, r.panel) for r in results})
    print(f"simulated: {stats.series} series ({stats.metrics} metrics), {stats.samples} samples over {args.hours} h, "
          f"{size / 1e6:.0f} MB OpenMetrics in {simulated:.1f}s")
    print(f"backfill (promtool): {timings['backfill']:.1f}s; prometheus ready: {timings['start']:.1f}s")
    print(f"verify: {panels} panels / {len(results)} queries of {len(report.dashboards)} dashboards in {checked:.1f}s, "
          f"{len(findings)} finding(s)")
    print(f"backfill + check: {timings['backfill'] + timings['start'] + checked:.1f}s "
          f"(+ {simulated:.1f}s simulating)")
    for f in findings:
        print("  " + f.line())
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
