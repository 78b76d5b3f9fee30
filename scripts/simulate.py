#!/usr/bin/env python3
"""Simulated gateway traffic for every metric of the catalog (dashctl/simulate.py).

    scripts/simulate.py --openmetrics sim.om --hours 3 [--scenario outage ...] [--end now]
        then: promtool tsdb create-blocks-from openmetrics sim.om data/
    scripts/simulate.py --serve 9464 [--hours 1]
        a live /metrics endpoint on 127.0.0.1 for the demo stack: the scenarios repeat every --hours

Jobs and the spanmetrics namespace come from the settings (dashctl.toml, DASHCTL_* env); a
source whose job is "" gets a realistic one (spanmetrics: otel-collector, llm: llm-sdk).
Scenarios: steady, outage, ratelimit, pii, cost (default: all, in that order, after a steady lead).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashctl import simulate as sim  # noqa: E402
from dashctl.verify import parse_time  # noqa: E402
from panels.settings import load_settings  # noqa: E402


def serve(host: str, port: int, live: sim.Live) -> None:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404, "only /metrics")
                return
            with lock:
                body = live.exposition(time.time()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    print(f"serving simulated metrics on http://{host}:{server.server_address[1]}/metrics", file=sys.stderr,
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    out = ap.add_mutually_exclusive_group(required=True)
    out.add_argument("--openmetrics", metavar="FILE",
                     help="write an OpenMetrics file for promtool backfill ('-': stdout)")
    out.add_argument("--serve", metavar="PORT", type=int, help="serve live /metrics on this port (0: any free one)")
    ap.add_argument("--host", default="127.0.0.1", help="address to serve on (default: loopback)")
    ap.add_argument("--hours", type=float, default=3.0, help="hours of data (live: length of one scenario cycle)")
    ap.add_argument("--scenario", action="append", choices=sorted(sim.SCENARIOS),
                    help="scenario window to include (repeatable; default: all)")
    ap.add_argument("--end", default="now", help="end of the data: now, now-1h, unix seconds, RFC 3339")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    settings = load_settings()
    scenarios = args.scenario or list(sim.EVENTS)
    kw = {"jobs": settings.jobs, "namespace": settings.spanmetrics_namespace}
    if args.serve is not None:
        span = int(args.hours * 3600)
        plan = sim.plan(int(time.time()) + span, args.hours, scenarios, cycle=True)
        serve(args.host, args.serve, sim.Live(plan, args.seed, **kw))
        return 0
    plan = sim.plan(int(parse_time(args.end)), args.hours, scenarios)
    started = time.monotonic()
    if args.openmetrics == "-":
        stats = sim.write_openmetrics(sys.stdout, plan, args.seed, **kw)
    else:
        with open(args.openmetrics, "w", encoding="utf-8") as fh:
            stats = sim.write_openmetrics(fh, plan, args.seed, **kw)
    windows = ", ".join(f"{w.scenario} {time.strftime('%H:%M', time.gmtime(w.start))}-"
                        f"{time.strftime('%H:%M', time.gmtime(w.end))}Z" for w in plan.windows)
    print(f"{stats.series} series, {stats.samples} samples of {stats.metrics} metrics, "
          f"{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime(plan.start))} to "
          f"{time.strftime('%H:%MZ', time.gmtime(plan.end))} ({windows or 'steady'}) "
          f"in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
