#!/usr/bin/env python3
"""`make demo`: a real Prometheus (Debian's package) scraping the traffic simulator's live
endpoint, for `dashctl verify` when there is no Docker for `make stack`.

    scripts/demo.py [--prometheus-port 9090] [--simulator-port 9464] [--check] [-- SIMULATOR FLAGS]

Starts `scripts/simulate.py --serve PORT` and `prometheus` (data in a temporary directory)
on 127.0.0.1, both in the foreground; prints the URLs and the `dashctl verify` command;
Ctrl-C stops both. A busy port is replaced by a free one (and said so). `--check` waits
until Prometheus has scraped the simulator and answers a query, prints it, and stops: a
smoke test of the whole path. Flags after `--` go to scripts/simulate.py, e.g.
`-- --brightstaff-process-metrics` (a brightstaff build that exports process_*: 0.4.36 does not,
so its process panels are empty by design) or `-- --no-routing-preferences`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SCRAPE = "5s"  # short, so rate() panels have data within ~20 s; verify is told the same
CONFIG = """# Written by scripts/demo.py: Prometheus scraping the traffic simulator.
global:
  scrape_interval: {scrape}
  evaluation_interval: {scrape}
scrape_configs:
  - job_name: simulator
    # every simulated series carries the job and instance of the source it imitates
    # (brightstaff, envoy, otel-collector, llm-sdk): keep them
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


def free(port: int) -> int:
    """`port` when it can be bound on 127.0.0.1, else any free one."""
    for candidate in (port, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return s.getsockname()[1]
    raise SystemExit("demo: no free port")


def wait(what: str, fn, proc: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: {what}: the process exited with {proc.returncode}")
        try:
            result = fn()
            if result:
                return result
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise SystemExit(f"demo: {what}: not ready after {timeout:.0f} s")


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prometheus-port", type=int, default=9090)
    ap.add_argument("--simulator-port", type=int, default=9464)
    ap.add_argument("--check", action="store_true", help="stop once Prometheus has data from the simulator")
    ap.add_argument("simulator_flags", nargs="*", metavar="-- SIMULATOR FLAGS",
                    help="passed to scripts/simulate.py (see its --help)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    signal.signal(signal.SIGTERM, _interrupt)

    prometheus = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not os.access(prometheus, os.X_OK):
        print("demo: no prometheus binary: run `make prometheus` (Debian's package) first", file=sys.stderr)
        return 2
    ports = {}
    for name, wanted in (("prometheus", args.prometheus_port), ("simulator", args.simulator_port)):
        ports[name] = free(wanted)
        if wanted and ports[name] != wanted:
            print(f"demo: port {wanted} is busy: {name} uses {ports[name]}", file=sys.stderr)
    prom_url = f"http://127.0.0.1:{ports['prometheus']}"
    sim_url = f"http://127.0.0.1:{ports['simulator']}/metrics"
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="dashctl-demo-") as tmp:
        config = Path(tmp) / "prometheus.yml"
        config.write_text(CONFIG.format(scrape=SCRAPE, port=ports["simulator"]))
        try:
            sim = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "simulate.py"), "--serve",
                                    str(ports["simulator"]), "--hours", "1", *args.simulator_flags])
            procs.append(sim)
            wait("simulator", lambda: requests.get(sim_url, timeout=2).ok, sim)
            prom = subprocess.Popen([prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
                                     f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                                     "--storage.tsdb.retention.time=1d", "--log.level=warn"])
            procs.append(prom)
            wait("prometheus", lambda: requests.get(f"{prom_url}/-/ready", timeout=2).ok, prom)
            print(f"\nsimulated gateway metrics: {sim_url}\nPrometheus:                {prom_url}  "
                  f"(targets: {prom_url}/targets)\n\nIn another shell, after ~30 s of scrapes:\n"
                  f"  dashctl verify --prometheus {prom_url} --scrape-interval {SCRAPE}\n\nCtrl-C stops both.\n",
                  flush=True)
            if args.check:
                def scraped():
                    r = requests.get(f"{prom_url}/api/v1/query", params={"query": "count by (job) ({job!=\"\"})"},
                                     timeout=5).json()
                    jobs = sorted(s["metric"].get("job", "") for s in r["data"]["result"])
                    return jobs if len(jobs) > 1 else None

                jobs = wait("first scrape", scraped, prom)
                print(f"demo: Prometheus has series of the jobs {', '.join(jobs)}", flush=True)
                return 0
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            dead = next(p for p in procs if p.poll() is not None)
            print(f"demo: {Path(dead.args[1] if dead is sim else dead.args[0]).name} exited with {dead.returncode}",
                  file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ndemo: stopping", file=sys.stderr)
            return 0
        finally:
            stop(procs)


if __name__ == "__main__":
    sys.exit(main())
