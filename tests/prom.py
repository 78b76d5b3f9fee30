"""A real Prometheus for the tests: install it if missing, backfill an OpenMetrics file with
promtool, start it on a free loopback port, query it, stop it by its own pid."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

CONFIG = "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n"  # no scrape jobs: backfilled data only


def ensure_installed(package: str = "prometheus", commands: tuple[str, ...] = ("prometheus", "promtool")) -> None:
    """A Debian package (no service starts by itself: prometheus, prometheus-alertmanager) when a command is missing."""
    if all(shutil.which(c) for c in commands):
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"{'/'.join(commands)} missing: run `make prometheus` (apt-get install {package}) as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package], check=True, env=env)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backfill(openmetrics: Path, data_dir: Path) -> None:
    """promtool tsdb create-blocks-from openmetrics FILE DIR."""
    r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(data_dir)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"promtool backfill failed ({r.returncode}): {r.stderr[-2000:]}")


class Prometheus:
    """A running Prometheus over a data directory; `stop()` ends exactly the process it started."""

    def __init__(self, data_dir: Path, workdir: Path, config_text: str = CONFIG, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(config_text)
        self.log_path = workdir / "prometheus.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data_dir}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=3650d",
             "--log.level=warn"],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus did not become ready: {self.log_path.read_text()[-2000:]}")

    def query(self, expr: str, at: float) -> list:
        r = requests.get(f"{self.url}/api/v1/query", params={"query": expr, "time": f"{at:.3f}"}, timeout=30)
        body = r.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def start(openmetrics: Path, workdir: Path) -> tuple[Prometheus, dict]:
    """Backfill the file into workdir/data and start Prometheus on it; (server, timings in seconds)."""
    ensure_installed()
    data = workdir / "data"
    t0 = time.monotonic()
    backfill(openmetrics, data)
    t1 = time.monotonic()
    server = Prometheus(data, workdir)
    return server, {"backfill": t1 - t0, "start": time.monotonic() - t1}
