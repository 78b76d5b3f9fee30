#!/usr/bin/env python3
"""`make bench`: how fast dashctl is end to end, side by side with its baselines, in one run.

    python scripts/bench.py [--sizes 100,1000,5000] [--reps 5] [--big-reps 2] [--no-watch] [--no-push]

- build, per size (100, 1,000, 5,000 dashboards of 20 time series panels): ours, grafanalib's
  own path, the Grafana Foundation SDK for Python and the floor (orjson + atomic writes of the
  finished dicts), each repetition in a fresh process doing the same phases inside its clock
  (construct, compile, serialise, write one file per dashboard; scripts/bench_variants.py).
  Median, min and max of the repetitions in ms per dashboard, ratios against ours, peak RSS of
  the child (`os.wait4` rusage). Variants run interleaved, so a noisy neighbour hits all alike.
- cold start: `dashctl build` of the shipped set into a new directory, against `python -c pass`;
  no-change `dashctl build` (the input hash matches: nothing imported, nothing built); the
  slowest imports of a cold build (`python -X importtime`).
- lint of 1,000 dashboards (`dashctl.lint.lint` on compiled dashboards, in a fresh process).
- watch: save-to-file latency over 50 edits (scripts/bench_watch.py).
- push: 200 dashboards against the stand-in Grafana (scripts/bench_push.py).

The machine is described first: figures are comparable as ratios within one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

VARIANTS = ("ours", "grafanalib", "sdk", "floor")
CLI = [sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli"]
# a user's interpreter writes and reads bytecode caches; this environment may say otherwise
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
GOALS = {"grafanalib": 4.0, "sdk": 2.5}  # at 1,000: ours at least this much faster
FLOOR_GOAL = 3.5  # at 1,000: ours at most this multiple of the floor


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){mem}, "
            f"Python {platform.python_version()}, load average {load} at start")


def sdk_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("grafana-foundation-sdk")
    except Exception:
        return None


def child(variant: str, n: int, spec_file: str) -> tuple[float, float, float]:
    """One repetition in a fresh process: (wall seconds and CPU seconds inside its clock, peak RSS in MB)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{variant}-") as out:
        proc = subprocess.Popen([sys.executable, str(HERE / "bench_variants.py"), variant, str(n), out, spec_file],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        stdout, stderr = proc.stdout.read(), proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"{variant} x {n} failed: {stderr.decode()[-2000:]}")
        r = json.loads(stdout.decode().strip().splitlines()[-1])
        return r["seconds"], r["cpu"], usage.ru_maxrss / 1024


def _stats(xs: list[float]) -> dict:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def build_sizes(sizes: list[int], reps: int, big_reps: int, variants: tuple[str, ...]) -> dict:
    from bench_variants import spec_for_others

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(spec_for_others(), fh)
        spec_file = fh.name
    results: dict = {}
    try:
        for n in sizes:
            r = reps if n < 5000 else big_reps
            wall = {v: [] for v in variants}
            cpu = {v: [] for v in variants}
            rss = {v: 0.0 for v in variants}
            for _ in range(r):
                for v in variants:  # interleaved
                    s, c, mb = child(v, n, spec_file)
                    wall[v].append(s / n * 1000)
                    cpu[v].append(c / n * 1000)
                    rss[v] = max(rss[v], mb)
            results[n] = {v: {"wall": _stats(wall[v]), "cpu": _stats(cpu[v]), "reps": r, "rss_mb": rss[v]}
                          for v in variants}
            print(f"  {n:>5,} dashboards ({r} reps): " + ", ".join(
                f"{v} {results[n][v]['wall']['median']:.2f} ({results[n][v]['cpu']['median']:.2f} CPU)"
                for v in variants) + " ms/dashboard", flush=True)
    finally:
        os.unlink(spec_file)
    return results


def print_build(results: dict, variants: tuple[str, ...]) -> None:
    sizes = sorted(results)
    for clock in ("wall", "cpu"):
        print()
        print(f"| {clock} ms per dashboard: median (min-max) | " + " | ".join(
            f"{n:,} ({results[n]['ours']['reps']} reps)" for n in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        for v in variants:
            print(f"| {v} | " + " | ".join(
                f"{results[n][v][clock]['median']:.2f} ({results[n][v][clock]['min']:.2f}-"
                f"{results[n][v][clock]['max']:.2f})" for n in sizes) + " |")
        for v in variants:
            if v != "ours":
                cells = [results[n][v][clock]["median"] / results[n]["ours"][clock]["median"] for n in sizes]
                label = f"{v} / ours (ours is Nx faster)" if v != "floor" else "ours / floor (x the floor)"
                print(f"| {label} | " + " | ".join(f"{x:.2f}x" if v != "floor" else f"{1 / x:.2f}x"
                                                   for x in cells) + " |")
    print("| peak RSS MB (" + " / ".join(variants) + ") | " + " | ".join(
        " / ".join(f"{results[n][v]['rss_mb']:.0f}" for v in variants) for n in sizes) + " |")
    print()
    for clock in ("wall", "cpu"):
        ours = [results[n]["ours"][clock]["median"] for n in sizes]
        print(f"[{clock}] scaling: ours per dashboard from {sizes[0]:,} to {sizes[-1]:,} changes by "
              f"{(ours[-1] / ours[0] - 1) * 100:+.0f}% (goal: within +-25%)")
        if 1000 in results:
            r = results[1000]
            for v, goal in GOALS.items():
                if v in r:
                    got = r[v][clock]["median"] / r["ours"][clock]["median"]
                    print(f"[{clock}] goal at 1,000: ours >= {goal}x faster than {v}: {got:.2f}x -> "
                          f"{'met' if got >= goal else f'missed by {goal / got:.2f}x'}")
            if "floor" in r:
                got = r["ours"][clock]["median"] / r["floor"][clock]["median"]
                print(f"[{clock}] goal at 1,000: ours <= {FLOOR_GOAL}x the floor: {got:.2f}x -> "
                      f"{'met' if got <= FLOOR_GOAL else f'missed by {got / FLOOR_GOAL:.2f}x'}")
    big = max(sizes)
    if "grafanalib" in results[big]:
        a, b = results[big]["ours"]["rss_mb"], results[big]["grafanalib"]["rss_mb"]
        print(f"goal at {big:,}: peak RSS below grafanalib's: {a:.0f} MB vs {b:.0f} MB -> "
              f"{'met' if a < b else f'missed by {a - b:.0f} MB'}")


def timed(cmd: list[str], runs: int, cwd=ROOT, before=None) -> dict:
    """Median wall and CPU (user + system of the child, from its rusage) seconds of `cmd`, each run fresh."""
    wall, cpu = [], []
    for _ in range(runs):
        if before:
            before()
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall.append(time.perf_counter() - t)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed: {err.decode()[-2000:]}")
        cpu.append(usage.ru_utime + usage.ru_stime)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}


def cold_start(runs: int = 7) -> dict:
    python = timed([sys.executable, "-c", "pass"], runs)
    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    try:
        target = work / "out"
        cold = timed([*CLI, "build", "--out", str(target)], runs,
                     before=lambda: shutil.rmtree(target, ignore_errors=True))
        nochange = timed([*CLI, "build", "--out", str(target)], runs)
        shutil.rmtree(target, ignore_errors=True)
        imp = subprocess.run([sys.executable, "-X", "importtime", *CLI[1:], "build", "--out", str(target)],
                             cwd=ROOT, env=ENV, check=True, capture_output=True, text=True).stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for line in imp.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return {"python": python, "cold": cold, "nochange": nochange, "top_imports": sorted(rows, reverse=True)[:8]}


def lint_1000() -> dict:
    code = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bench_variants import ours_module
from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.dashctl.lint import lint
from llm_gateway_dashboards.dashctl.rules.lint import dashboard_catalog
from llm_gateway_dashboards.dashctl import discover
from llm_gateway_dashboards.panels.settings import Settings
import types
s = Settings()
mod = types.ModuleType("bench_generated"); mod.dashboards = ours_module(1000); sys.modules[mod.__name__] = mod
report = build(s, [discover.DashboardModule(mod.__name__, "--module")])
t = time.perf_counter()
findings = lint(report.dashboards, dashboard_catalog(s), s)
print(json.dumps({"seconds": time.perf_counter() - t, "findings": len(findings), "n": len(report.dashboards)}))
"""
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code, str(HERE)], cwd=ROOT, env=ENV, check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {"seconds": statistics.median(r["seconds"] for r in runs), "findings": runs[0]["findings"],
            "n": runs[0]["n"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--reps", type=int, default=5, help="repetitions per variant below 5,000 (default 5)")
    ap.add_argument("--big-reps", type=int, default=2, help="repetitions per variant at 5,000 (default 2)")
    ap.add_argument("--no-watch", action="store_true")
    ap.add_argument("--no-push", action="store_true")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    print(f"machine: {machine()}")
    sdk = sdk_version()
    variants = VARIANTS if sdk else tuple(v for v in VARIANTS if v != "sdk")
    import grafanalib

    print(f"baselines: grafanalib {getattr(grafanalib, '__version__', '0.7.1')}, "
          + (f"grafana-foundation-sdk {sdk}" if sdk else
             "grafana-foundation-sdk NOT INSTALLED (pip install -r scripts/bench-requirements.txt)"))
    print("build end to end (construct + compile + serialise + write, fresh process per repetition):", flush=True)
    results = build_sizes([int(x) for x in args.sizes.split(",")], args.reps, args.big_reps, variants)
    print_build(results, variants)

    c = cold_start()
    print()
    for clock in ("wall", "cpu"):
        py, cold, same = c["python"][clock], c["cold"][clock], c["nochange"][clock]
        print(f"[{clock}] cold build of the shipped set: {cold * 1000:.0f} ms, python -c pass {py * 1000:.0f} ms "
              f"-> +{(cold - py) * 1000:.0f} ms (goal +150 ms: {'met' if cold - py <= 0.15 else 'missed'}); "
              f"no-change build {same * 1000:.0f} ms -> +{(same - py) * 1000:.0f} ms (goal +100 ms: "
              f"{'met' if same - py <= 0.1 else 'missed'})")
    print("slowest imports of a cold build (cumulative us): " + ", ".join(
        f"{name.strip()} {us:,}" for us, name in c["top_imports"]))

    li = lint_1000()
    print(f"lint of {li['n']:,} dashboards: {li['seconds']:.2f} s = {li['seconds'] / li['n'] * 1000:.2f} "
          f"ms/dashboard (goal < 2 s: {'met' if li['seconds'] < 2 else 'missed'}; {li['findings']} findings)")

    if not args.no_watch:
        import bench_watch

        w = bench_watch.run(50)
        print(f"watch save-to-file over {w['edits']} edits: median {w['median_s'] * 1000:.0f} ms, "
              f"p95 {w['p95_s'] * 1000:.0f} ms, max {w['max_s'] * 1000:.0f} ms (goal p95 <= 50 ms: "
              f"{'met' if w['p95_s'] <= 0.05 else 'missed'})")
    if not args.no_push:
        import bench_push

        p = bench_push.run(200)
        print(f"push 200 dashboards, stand-in answering after {p['delay_ms']:g} ms: first push "
              f"{p['parallel_first_s']:.2f} s with {p['workers']} workers vs {p['sequential_first_s']:.2f} s "
              f"one at a time = {p['first_speedup']:.1f}x; unchanged re-push {p['parallel_repush_s']:.2f} s "
              f"({p['repush_requests']} requests, 0 writes)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s; load average {load} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
