#!/usr/bin/env python3
"""Benchmark `dashctl push`: N dashboards against the stand-in Grafana, parallel vs sequential.

The N dashboards are the shipped ones' compiled models under new uids and titles, spread over
their folders. The stand-in sleeps DELAY seconds before every answer, to model a network round
trip plus Grafana's own work (a loopback answer alone takes well under a millisecond, which would
measure only Python). Each case starts from an empty stand-in: a first push (folders and every
dashboard created), then a re-push of the same build (no write: one read per dashboard).

    python scripts/bench_push.py [N] [DELAY_MS] [GRAFANA]     # GRAFANA: 11, 12 or 13 (stand-in mode)

`run(n=200)` returns the figures as a dict (seconds and ratios) for scripts/bench.py.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import attrs  # noqa: E402

from grafana_standin import StandInGrafana  # noqa: E402
from llm_gateway_dashboards.dashctl.builder import build  # noqa: E402
from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient  # noqa: E402
from llm_gateway_dashboards.dashctl.pusher import push  # noqa: E402
from llm_gateway_dashboards.panels.settings import Settings  # noqa: E402

TOKEN = "glsa_bench"
DELAY = 0.005
PARALLEL = 8


def dashboards(n: int) -> list:
    shipped = build(Settings()).dashboards
    out = []
    for i in range(n):
        base = shipped[i % len(shipped)]
        uid = f"b{i:04d}-{base.uid}"[:40]
        model = {**base.model, "uid": uid, "title": f"{base.title} #{i}"}
        out.append(attrs.evolve(base, uid=uid, title=model["title"], model=model))
    return out


def _serve(conn, delay: float, grafana: str | None = None) -> None:
    """The stand-in in its own process, so its CPU time does not compete with the client's (GIL)."""
    with StandInGrafana(token=TOKEN, grafana=grafana) as g:
        g.delay(delay)
        conn.send(g.url)
        while (cmd := conn.recv()) != "stop":
            if cmd == "reset":
                g.reset_log()
            conn.send((len(g.requests), len(g.writes())))


def _case(boards: list, workers: int, delay: float, grafana: str | None = None) -> dict:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, delay, grafana), daemon=True)
    server.start()
    try:
        url = parent.recv()
        with GrafanaClient(url, token=TOKEN, pool_size=workers) as client:
            t0 = time.perf_counter()
            first = push(boards, client, workers=workers)
            t1 = time.perf_counter()
            parent.send("reset")
            parent.recv()
            t2 = time.perf_counter()
            again = push(boards, client, workers=workers)
            t3 = time.perf_counter()
        parent.send("stats")
        requests, writes = parent.recv()
        parent.send("stop")
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    assert first.counts()["create"] == len(boards) and first.exit_code == 0, first.summary_line()
    assert again.counts()["unchanged"] == len(boards) and writes == 0, again.summary_line()
    return {"first": t1 - t0, "repush": t3 - t2, "repush_requests": requests}


def run(n: int = 200, delay: float = DELAY, workers: int = PARALLEL, grafana: str | None = None) -> dict:
    boards = dashboards(n)
    seq = _case(boards, 1, delay, grafana)
    par = _case(boards, workers, delay, grafana)
    return {
        "dashboards": n, "delay_ms": delay * 1000, "workers": workers, "grafana": grafana,
        "sequential_first_s": round(seq["first"], 3), "parallel_first_s": round(par["first"], 3),
        "sequential_repush_s": round(seq["repush"], 3), "parallel_repush_s": round(par["repush"], 3),
        "first_speedup": round(seq["first"] / par["first"], 2),
        "repush_speedup": round(seq["repush"] / par["repush"], 2),
        "repush_requests": par["repush_requests"],
    }


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 200
    delay = float(argv[1]) / 1000 if len(argv) > 1 else DELAY
    grafana = argv[2] if len(argv) > 2 else None
    r = run(n, delay, grafana=grafana)
    print(f"push of {n} dashboards, stand-in{f' (Grafana {grafana} mode)' if grafana else ''} answering after "
          f"{r['delay_ms']:g} ms (models a network round trip)")
    print(f"{'':<22}{'sequential':>12}{f'{PARALLEL} workers':>12}{'speed-up':>10}")
    print(f"{'first push':<22}{r['sequential_first_s']:>11.2f}s{r['parallel_first_s']:>11.2f}s"
          f"{r['first_speedup']:>9.1f}x")
    print(f"{'unchanged re-push':<22}{r['sequential_repush_s']:>11.2f}s{r['parallel_repush_s']:>11.2f}s"
          f"{r['repush_speedup']:>9.1f}x")
    print(f"re-push: {r['repush_requests']} requests, 0 writes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
