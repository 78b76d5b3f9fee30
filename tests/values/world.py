"""The simulated world the value and mutation tests share: the simulator's data backfilled
into one real Prometheus, the ledger of the same samples, the built dashboards."""

from __future__ import annotations

import time
from pathlib import Path

import prom
from llm_gateway_dashboards.dashctl import simulate as sim
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
    left_closed = _left_closed(server, ledger, plan)
    truth = sim.truth(plan, jobs=settings.jobs, namespace=settings.spanmetrics_namespace)
    world = World(plan, ledger, server.url, left_closed, report.by_uid(), truth)
    return world, server, (f"simulated in {t1 - t0:.1f}s, ledger read in {t2 - t1:.1f}s, backfill "
                           f"{timings['backfill']:.1f}s, prometheus ready in {timings['start']:.1f}s")


def _left_closed(server: prom.Prometheus, ledger: Ledger, plan) -> bool:
    """Whether `[1m]` at a scrape time includes the sample 1 minute earlier (Prometheus 2) or not (3),
    read on a series scraped at every step of that minute."""
    edge = set(range(plan.end - 60, plan.end + 1, plan.step))
    series = next(s for name in ledger.names() for s in ledger.series(name) if edge <= set(s.times))
    matchers = ",".join(f'{k}="{v}"' for k, v in series.labels.items())
    probe = server.query(f"count_over_time({series.name}{{{matchers}}}[1m])", plan.end)
    return int(float(probe[0]["value"][1])) == len(edge)
