#!/usr/bin/env python3
"""Watch benchmark: save-to-file latency of `dashctl watch`, against Grafana's own reload interval.

`dashctl watch` runs in a subprocess (file notifications, default debounce) on a small
dashboard module plus every shipped one. Each round saves the module with a new title and
measures, from just before the save to the moment the new title is readable in the
dashboard's JSON file, polling the file every millisecond. Median and p95 over N edits,
compared with how long Grafana itself takes to notice a changed file: the provider's
`updateIntervalSeconds` (30 s as we and the SDK ship it; 10 s when absent), so on average
half of that, at worst all of it.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli"]  # dashctl in this interpreter

ROOT = Path(__file__).resolve().parent.parent
GRAFANA_INTERVAL_S = 30  # our provider's updateIntervalSeconds (the SDK's value)
GRAFANA_DEFAULT_S = 10  # Grafana's when the setting is absent or 0
MODULE = '''from llm_gateway_dashboards.panels import kit, plano


def dashboard(s):
    return kit.board(s, uid="bench-watch", title={title!r}, folder="Bench", desc="watch benchmark",
                     rows=[kit.row("Load", plano.in_flight(s), plano.process_threads(s))])
'''


def _wait(predicate, timeout: float, step: float = 0.001) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _has(path: Path, needle: bytes) -> bool:
    try:
        return needle in path.read_bytes()
    except FileNotFoundError:
        return False


def run(edits: int = 50, pause: float = 0.15) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as d:
        tmp = Path(d)
        pkg = tmp / "pkg"
        pkg.mkdir()
        module = pkg / "benchdash.py"
        module.write_text(MODULE.format(title="Edit 0000"))
        target = tmp / "out" / "dashboards" / "Bench" / "bench-watch.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(pkg)])}
        log = open(tmp / "watch.log", "w+")
        proc = subprocess.Popen([*CLI, "watch", "--dir", str(tmp / "out"),
                                 "--module", "benchdash"], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            if not _wait(lambda: "watching" in (tmp / "watch.log").read_text(), 60, 0.02):
                raise RuntimeError(f"dashctl watch did not start: {(tmp / 'watch.log').read_text()}")
            latencies = []
            for i in range(1, edits + 1):
                title = f"Edit {i:04d}"
                text = MODULE.format(title=title)
                needle = f'"title": "{title}"'.encode()
                t0 = time.perf_counter()
                module.write_text(text)  # as most editors save: truncate and write in place
                if not _wait(lambda n=needle: _has(target, n), 10):
                    raise RuntimeError(f"edit {i} never reached {target}: {(tmp / 'watch.log').read_text()[-2000:]}")
                latencies.append(time.perf_counter() - t0)
                time.sleep(pause)  # separate saves, not one burst
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    lat = sorted(latencies)
    p95 = lat[max(0, round(0.95 * len(lat)) - 1)]
    return {"edits": edits, "median_s": statistics.median(lat), "p95_s": p95, "max_s": lat[-1],
            "grafana_interval_s": GRAFANA_INTERVAL_S, "grafana_default_s": GRAFANA_DEFAULT_S,
            "p95_vs_interval": p95 / GRAFANA_INTERVAL_S, "median_vs_mean_grafana_wait": statistics.median(lat)
            / (GRAFANA_INTERVAL_S / 2)}


def describe(r: dict) -> list[str]:
    return [f"save-to-file over {r['edits']} edits: median {r['median_s'] * 1000:.0f} ms, p95 "
            f"{r['p95_s'] * 1000:.0f} ms, max {r['max_s'] * 1000:.0f} ms",
            f"Grafana re-reads files every {r['grafana_interval_s']} s (our provider; {r['grafana_default_s']} s "
            f"when unset): p95 = {r['p95_vs_interval']:.4f} of it; median = {r['median_vs_mean_grafana_wait']:.4f} "
            f"of Grafana's mean wait ({r['grafana_interval_s'] / 2:.0f} s)"]


if __name__ == "__main__":
    for line in describe(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50)):
        print(f"watch: {line}")
