"""End to end: Debian's Prometheus loads the generated rule files and scrapes the traffic
simulator's live endpoint running the outage scenario; Debian's Alertmanager receives the alert
and delivers it to a webhook receiver this test runs; the alert resolves after the outage.

Only the test's settings are fast: a 1 s scrape and evaluation interval, a 15 s rate window
(4 scrape intervals and more) and a 3 s `for`. The rules are the shipped ones.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import pytest

import prom
from llm_gateway_dashboards.dashctl import simulate as sim
from llm_gateway_dashboards.dashctl.rules.build import rule_files

ALERT = "PlanoUpstreamErrorRatioHigh"
LEAD, OUTAGE = 8, 12  # seconds of steady traffic before the outage, seconds of outage
FAST = dict(rules_interval="1s", alert_for="3s", alert_rate_window="15s", alert_scrape_interval="1s",
            alert_min_request_rate=1.0, alert_grafana_url="http://grafana.test")


class Alertmanager(prom.Prometheus):
    """Debian's prometheus-alertmanager on a loopback port, clustering off; stopped by its own pid."""

    def __init__(self, workdir: Path, webhook: str):
        self.port = prom.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "alertmanager.yml"
        config.write_text(
            "route:\n  receiver: hook\n  group_by: [alertname, provider]\n  group_wait: 1s\n  group_interval: 1s\n"
            "  repeat_interval: 1h\nreceivers:\n- name: hook\n  webhook_configs:\n"
            f"  - url: {webhook}\n    send_resolved: true\n")
        self.log_path = workdir / "alertmanager.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["prometheus-alertmanager", f"--config.file={config}", f"--storage.path={workdir / 'am-data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", "--log.level=warn"],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir)
        self._wait_ready()


def serve(handler_fn, method: str) -> ThreadingHTTPServer:
    """A loopback HTTP server in a thread; handler_fn(request handler) answers `method` requests."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    setattr(Handler, f"do_{method}", handler_fn)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def stack(tmp_path, settings, report):
    """Simulator endpoint, webhook receiver, Alertmanager and Prometheus; yields (outage start, received)."""
    prom.ensure_installed()
    prom.ensure_installed("prometheus-alertmanager", ("prometheus-alertmanager",))
    fast = attrs.evolve(settings, **FAST)
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, data in rule_files(fast, report.dashboards).items():
        (rules / name).write_bytes(data)

    now = int(time.time())
    start = now + LEAD + 4  # Prometheus and Alertmanager start within a few seconds
    plan = sim.Plan(now - 60, now + 3600, (sim.Window("outage", start, start + OUTAGE),), step=1)
    live = sim.Live(plan, jobs=fast.jobs)
    lock = threading.Lock()

    def metrics(self):
        with lock:
            body = live.exposition(time.time()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    received: queue.Queue = queue.Queue()

    def hook(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        received.put((time.time(), payload))
        self.send_response(200)
        self.end_headers()

    servers = [serve(metrics, "GET"), serve(hook, "POST")]
    sim_port, hook_port = (s.server_address[1] for s in servers)
    am = Alertmanager(tmp_path, f"http://127.0.0.1:{hook_port}/")
    config = (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files: ['{rules}/*.yaml']\n"
        f"alerting:\n  alertmanagers:\n  - static_configs:\n    - targets: ['127.0.0.1:{am.port}']\n"
        f"scrape_configs:\n- job_name: {fast.brightstaff_job}\n  honor_labels: true\n"
        f"  static_configs:\n  - targets: ['127.0.0.1:{sim_port}']\n")
    server = None
    try:
        server = prom.Prometheus(tmp_path / "data", tmp_path, config)
        yield start, received, server
    finally:
        for proc in (server, am):
            if proc is not None:
                proc.stop()
        for s in servers:
            s.shutdown()
            s.server_close()


def _ours(payload: dict) -> list[dict]:
    return [a for a in payload["alerts"] if a["labels"].get("alertname") == ALERT]


def wait_for(received: queue.Queue, status: str, deadline: float) -> tuple[float, dict]:
    while time.time() < deadline:
        try:
            at, payload = received.get(timeout=max(deadline - time.time(), 0.01))
        except queue.Empty:
            break
        alerts = [a for a in _ours(payload) if a["status"] == status]
        if alerts:
            return at, alerts[0]
    raise AssertionError(f"no {status} {ALERT} notification arrived in time")


def test_outage_alert_is_delivered_and_resolves(stack, settings):
    start, received, server = stack
    fired_at, alert = wait_for(received, "firing", start + OUTAGE + 20)
    delivery = fired_at - start
    assert 0 < delivery < OUTAGE + 5, delivery
    assert alert["labels"] == {"alertname": ALERT, "provider": sim.OUTAGE_PROVIDER, "severity": "critical"}
    ann = alert["annotations"]
    assert ann["dashboard_url"] == f"http://grafana.test/d/plano-llm-upstream?viewPanel={ann['panel_id']}"
    assert ann["dashboard_uid"] == "plano-llm-upstream"
    assert ann["summary"].startswith(f"LLM provider {sim.OUTAGE_PROVIDER} is failing: ")
    assert ann["runbook_url"].endswith("#planoupstreamerrorratiohigh")
    resolved_at, done = wait_for(received, "resolved", start + OUTAGE + 45)
    assert resolved_at > start + OUTAGE and done["labels"]["provider"] == sim.OUTAGE_PROVIDER
    print(f"outage start -> alert delivered: {delivery:.1f} s; outage end -> resolved delivered: "
          f"{resolved_at - start - OUTAGE:.1f} s")
