#!/usr/bin/env python3
"""Build benchmark: our compile + write against grafanalib's own path, on the same objects.

- cold: `dashctl build` of every shipped dashboard, process start to files written
  (a new interpreter each run), median of several runs.
- 1,000 generated dashboards of ~20 panels: ours (`compile_board` -> bytes -> `write_tree`)
  against grafanalib's `generate-dashboards` path (`json.dump(board.to_json_data(),
  sort_keys=True, indent=2, cls=DashboardEncoder)` into a file), same board objects,
  interleaved rounds, best of N.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grafanalib._gen import DashboardEncoder  # noqa: E402

from llm_gateway_dashboards.dashctl.compile import compile_board  # noqa: E402
from llm_gateway_dashboards.dashctl.writer import write_tree  # noqa: E402
from llm_gateway_dashboards.panels import kit, plano  # noqa: E402
from llm_gateway_dashboards.panels import variables as v  # noqa: E402
from llm_gateway_dashboards.panels.catalog import default_catalog  # noqa: E402
from llm_gateway_dashboards.panels.settings import Settings  # noqa: E402

CLI = [sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli"]  # dashctl in this interpreter

FACTORIES = [plano.http_rate_by_handler, plano.http_duration, plano.in_flight, plano.upstream_rate,
             plano.upstream_errors, plano.upstream_error_ratio, plano.upstream_latency, plano.ttft,
             plano.tokens_rate, plano.usage_missing, plano.prompt_cache_hit_ratio, plano.model_selection,
             plano.fallback_ratio, plano.decision_latency, plano.routing_outcomes, plano.session_cache_hit_stat,
             plano.session_switch, plano.router_skips, plano.envoy_link, plano.process_rss_cpu]


def generated(n: int, s: Settings) -> list:
    boards = []
    for i in range(n):
        panels = [FACTORIES[(i + j) % len(FACTORIES)](s) for j in range(20)]
        rows = [kit.row(f"Row {r}", *panels[r * 5:(r + 1) * 5]) for r in range(4)]
        boards.append(kit.board(s, uid=f"gen-{i:04d}", title=f"Generated {i}", folder=f"Gen{i % 10}",
                                desc="generated for the benchmark",
                                variables=(v.instance(plano.BUILD_INFO), v.provider(plano.UPSTREAM)), rows=rows))
    return boards


def ours(boards, s, out: Path) -> float:
    t = time.perf_counter()
    cat = default_catalog(s.spanmetrics_namespace)
    files = {}
    for b in boards:
        c = compile_board(b, s, cat)
        files[c.path] = c.data
    write_tree(out, files)
    return time.perf_counter() - t


def grafanalib_path(boards, out: Path) -> float:
    t = time.perf_counter()
    for b in boards:
        path = out / b.folder / f"{b.uid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as fh:
            json.dump(b.to_json_data(), fh, sort_keys=True, indent=2, cls=DashboardEncoder)
    return time.perf_counter() - t


def cold_build(runs: int = 7) -> dict:
    times = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            subprocess.run([*CLI, "build", "--out", d], cwd=ROOT, env=env,
                           check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    python = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python.append(time.perf_counter() - t)
    return {"cold_build_s": statistics.median(times), "python_start_s": statistics.median(python)}


def run(n: int = 1000, rounds: int = 3) -> dict:
    s = Settings()
    boards = generated(n, s)
    best_ours, best_theirs = float("inf"), float("inf")
    for _ in range(rounds):  # interleaved, fresh directories: both write every file
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            best_ours = min(best_ours, ours(boards, s, Path(a)))
            best_theirs = min(best_theirs, grafanalib_path(boards, Path(b)))
    panels = sum(len(r.panels) for b in boards for r in b.panels)
    return {"dashboards": n, "panels": panels, "ours_s": best_ours, "grafanalib_s": best_theirs,
            "speedup": best_theirs / best_ours, **cold_build()}


if __name__ == "__main__":
    r = run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    print(f"build: {r['dashboards']} dashboards / {r['panels']} panels: ours {r['ours_s']:.3f} s, "
          f"grafanalib {r['grafanalib_s']:.3f} s -> {r['speedup']:.2f}x faster")
    print(f"build: cold full build {r['cold_build_s']:.3f} s (python start alone {r['python_start_s']:.3f} s)")
    shutil.rmtree(ROOT / "__pycache__", ignore_errors=True)
