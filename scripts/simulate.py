#!/usr/bin/env python3
"""Simulated gateway traffic for every metric of the catalog (dashctl/simulate.py).

    scripts/simulate.py --openmetrics sim.om --hours 3 [--scenario outage ...] [--end now]
        then: promtool tsdb create-blocks-from openmetrics sim.om data/
    scripts/simulate.py --serve 9464 [--hours 1]
        a live /metrics endpoint on 127.0.0.1 for the demo stack: the scenarios repeat every --hours

Jobs and the spanmetrics namespace come from the settings (dashctl.toml, DASHCTL_* env); a
source whose job is "" gets a realistic one (spanmetrics: otel-collector, llm: llm-sdk).
Scenarios: outage, ratelimit, restart, newmodel, pii, cost (default: all, in that order, after a
steady lead). Switches of the emitting code (dashctl.simulate.Config): --no-routing-preferences,
--no-route-on-user-only, --brightstaff-process-metrics, --sdk-exporter VERSION, --span-buckets ns.
--truth SCENARIO prints that window's ground truth (requests, failures, tokens, USD, routing).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llm_gateway_dashboards.dashctl import simulate as sim  # noqa: E402
from llm_gateway_dashboards.dashctl.verify import parse_time  # noqa: E402
from llm_gateway_dashboards.panels.settings import load_settings  # noqa: E402


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
    ap.add_argument("--no-routing-preferences", action="store_true",
                    help="a gateway without routing preferences: every decision is none/fallback=true")
    ap.add_argument("--no-route-on-user-only", action="store_true", help="routing.route_on_user_only off: no skips")
    ap.add_argument("--brightstaff-process-metrics", action="store_true",
                    help="a brightstaff build that exports process_* (0.4.36 does not)")
    ap.add_argument("--sdk-exporter", default=sim.Config().sdk_exporter, choices=sim.traffic.SDK_EXPORTERS,
                    help="opentelemetry-exporter-prometheus of the SDK (0.45b0: llm_*_1_total names; "
                         ">= 0.64b0: otel_scope_* labels)")
    ap.add_argument("--span-buckets", default="ms", choices=("ms", "ns"),
                    help="ns: the bare-number bucket config (every span in +Inf)")
    ap.add_argument("--truth", metavar="SCENARIO", help="also print the ground truth of this scenario's window")
    args = ap.parse_args(argv)
    config = sim.Config(routing_preferences=not args.no_routing_preferences,
                        route_on_user_only=not args.no_route_on_user_only,
                        brightstaff_process_metrics=args.brightstaff_process_metrics,
                        sdk_exporter=args.sdk_exporter, span_buckets=args.span_buckets)

    settings = load_settings()
    scenarios = args.scenario or list(sim.EVENTS)
    kw = {"jobs": settings.jobs, "namespace": settings.spanmetrics_namespace, "config": config}
    if args.serve is not None:
        span = int(args.hours * 3600)
        plan = sim.plan(int(time.time()) + span, args.hours, scenarios, cycle=True)
        serve(args.host, args.serve, sim.Live(plan, args.seed, **kw))
        return 0
    plan = sim.plan(int(parse_time(args.end)), args.hours, scenarios)
    if args.truth and args.truth not in {w.scenario for w in plan.windows}:
        ap.error(f"--truth {args.truth}: not a scenario of this run ({', '.join(scenarios)})")
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
    if args.truth:
        print(describe(sim.truth(plan, args.seed, **kw).window(args.truth), args.truth), file=sys.stderr)
    return 0


def describe(view, name: str) -> str:
    """The headline truth of one window, one figure a line."""
    lines = [f"truth of {name} ({time.strftime('%H:%M', time.gmtime(view.t0))}-"
             f"{time.strftime('%H:%MZ', time.gmtime(view.t1))}):"]
    for (provider, model), n in sorted(view.requests(by=("provider", "model")).items()):
        failed = view.failed(provider=provider, model=model)
        usd = view.usd(provider=provider, model=model)
        lines.append(f"  {provider}/{model}: {n} requests, {failed} failed ({100 * failed / n:.2f}%), "
                     f"{view.stream_failures(provider=provider, model=model)} broken streams, "
                     f"USD {usd:.4f}, p95 latency "
                     f"{view.quantile('latency', 0.95, provider=provider, model=model):.2f}s")
    lines.append(f"  routing: {view.routing()}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
