"""The simulated world the value and mutation tests share: the simulator's data backfilled
into one real Prometheus, the ledger of the same samples, the built dashboards."""

from __future__ import annotations

import time
from pathlib import Path

import prom
from dashctl import simulate as sim
from values.harness import World
from values.ledger import Ledger

HOURS = 2
END = 1_780_000_020  # a fixed end (2026-05-28, on the minute): every run sees the same data


def start(work: Path, settings, report) -> tuple[World, prom.Prometheus, str]:
    """(world, the server to stop, a line of timings)."""
    t0 = time.monotonic()
    plan = sim.plan(END, HOURS)
    path = work / "sim.om"
    with open(path, "w", encoding="utf-8") as fh:
        sim.write_openmetrics(fh, plan, jobs=settings.jobs, namespace=settings.spanmetrics_namespace)
    t1 = time.monotonic()
    ledger = Ledger.read(path)
    t2 = time.monotonic()
    server, timings = prom.start(path, work)
    path.unlink()
    probe = server.query(f"count_over_time({ledger.names()[0]}[1m])", plan.end)
    left_closed = int(float(probe[0]["value"][1])) == 60 // plan.step + 1
    truth = sim.truth(plan, jobs=settings.jobs, namespace=settings.spanmetrics_namespace)
    world = World(plan, ledger, server.url, left_closed, report.by_uid(), truth)
    return world, server, (f"simulated in {t1 - t0:.1f}s, ledger read in {t2 - t1:.1f}s, backfill "
                           f"{timings['backfill']:.1f}s, prometheus ready in {timings['start']:.1f}s")
