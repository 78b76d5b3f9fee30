"""`dashctl watch` as a user runs it: save a module, see the new JSON on disk; save a broken
one, see one error and the last good file kept; fix it, see the file updated."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT
from grafana_standin import StandInGrafana
from llm_gateway_dashboards.dashctl.context import App
from llm_gateway_dashboards.dashctl.watch import Watcher

CLI = [sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli"]  # dashctl in this interpreter

TOKEN = "glsa_watch_test_T0KEN_do_not_print"
MODULE = '''
from llm_gateway_dashboards.panels import kit, plano
import mypanels


def dashboard(s):
    return kit.board(s, uid="mydash", title={title!r}, folder="Mine", desc="A test dashboard.",
                     rows=[kit.row("Load", plano.in_flight(s), mypanels.extra(s))])
'''
HELPERS = '''
from llm_gateway_dashboards.panels import plano


def extra(s):
    return plano.process_threads(s)
'''


def write_module(pkg: Path, title: str) -> None:
    (pkg / "mydash.py").write_text(MODULE.format(title=title))


class WatchProcess:
    """`dashctl watch` in a subprocess; its output lines collected as they come."""

    def __init__(self, tmp_path: Path, *args: str, module: str = "mydash", env: dict | None = None):
        self.pkg = tmp_path / "pkg"
        self.out = tmp_path / "out"
        env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(ROOT), str(self.pkg)])}
        self.proc = subprocess.Popen(
            [*CLI, "watch", "--dir", str(self.out), "--module", module, *args],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines: dict[str, queue.Queue] = {"out": queue.Queue(), "err": queue.Queue()}
        self.seen = {"out": [], "err": []}
        self.pumps = [threading.Thread(target=self._pump, args=(stream, self.lines[name]), daemon=True)
                      for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr))]
        for t in self.pumps:
            t.start()

    @staticmethod
    def _pump(stream, q):
        for line in stream:
            q.put(line.rstrip("\n"))

    def wait_line(self, stream: str, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines[stream].get(timeout=0.1)
            except queue.Empty:
                assert self.proc.poll() is None, f"watch exited: {self.seen}"
                continue
            self.seen[stream].append(line)
            if needle in line:
                return line
        raise AssertionError(f"no line with {needle!r} on std{stream} within {timeout} s: {self.seen}")

    def drain(self) -> None:
        for name, q in self.lines.items():
            while not q.empty():
                self.seen[name].append(q.get_nowait())

    def stop(self) -> int:
        """Ctrl-C, wait for the exit, collect the last lines."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        rc = self.proc.wait()
        for t in self.pumps:
            t.join(5)
        self.drain()
        return rc


@pytest.fixture()
def watch(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_module(pkg, "Mine v1")
    (pkg / "mypanels.py").write_text(HELPERS)
    w = WatchProcess(tmp_path)
    w.wait_line("out", "watching")
    yield w
    w.stop()


def wait_for(path: Path, check, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = json.loads(path.read_bytes())
            if check(last):
                return last
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"{path} never matched within {timeout} s; last: {last and last.get('title')}")


def test_a_saved_title_reaches_the_json_on_disk(watch):
    target = watch.out / "dashboards" / "Mine" / "mydash.json"
    assert json.loads(target.read_bytes())["title"] == "Mine v1"
    assert (watch.out / "dashboards" / "Plano" / "plano-process.json").exists()  # shipped ones too
    assert (watch.out / "provisioning" / "dashboards" / "llm-gateway.yaml").exists()
    write_module(watch.pkg, "Mine v2")
    wait_for(target, lambda m: m["title"] == "Mine v2")
    line = watch.wait_line("out", "mydash: 1 dashboard(s) built")
    assert "1 file(s) written" in line  # only the changed module was rebuilt, only its file written


def test_polling_sees_saves_too(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_module(pkg, "Polled v1")
    (pkg / "mypanels.py").write_text(HELPERS)
    w = WatchProcess(tmp_path, "--poll")
    try:
        assert "(polling)" in w.wait_line("out", "watching")
        write_module(pkg, "Polled v2")
        wait_for(w.out / "dashboards" / "Mine" / "mydash.json", lambda m: m["title"] == "Polled v2")
    finally:
        assert w.stop() == 0


def test_a_broken_module_keeps_its_last_good_file_until_fixed(watch):
    target = watch.out / "dashboards" / "Mine" / "mydash.json"
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    (watch.pkg / "mydash.py").write_text(MODULE.format(title="Broken") + "\nrows = (\n")
    err = watch.wait_line("err", "dashctl: error:")
    assert "mydash" in err and "syntax error" in err and "mydash.py" in err
    watch.wait_line("out", "last good file(s) kept")
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    # a module that imports but fails to build: same
    (watch.pkg / "mydash.py").write_text(MODULE.format(title="Broken").replace("plano.in_flight(s)", "nope(s)"))
    err = watch.wait_line("err", "dashctl: error:")
    assert "mydash" in err and "NameError" in err
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    write_module(watch.pkg, "Mine fixed")
    wait_for(target, lambda m: m["title"] == "Mine fixed")


def test_a_shared_module_change_rebuilds_the_modules_that_import_it(watch):
    target = watch.out / "dashboards" / "Mine" / "mydash.json"
    (watch.pkg / "mypanels.py").write_text(HELPERS.replace("process_threads", "process_fds"))
    model = wait_for(target, lambda m: "Threads" not in json.dumps(m))
    assert any("descriptor" in p.get("title", "").lower() or "fd" in p.get("title", "").lower()
               for p in model["panels"] for p in [p, *p.get("panels", [])]), [p["title"] for p in model["panels"]]
    watch.wait_line("out", "all modules")


def test_a_new_subpackage_is_watched_too(tmp_path):
    pkg = tmp_path / "pkg" / "team"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "board.py").write_text(MODULE.format(title="Team").replace("import mypanels", "from team import helpers"))
    (pkg / "helpers.py").write_text(HELPERS)
    (pkg / "board.py").write_text((pkg / "board.py").read_text().replace("mypanels.extra", "helpers.extra"))
    w = WatchProcess(tmp_path, module="team.board")
    try:
        w.wait_line("out", "watching")
        target = w.out / "dashboards" / "Mine" / "mydash.json"
        (pkg / "sub").mkdir()
        (pkg / "sub" / "__init__.py").write_text("")
        (pkg / "sub" / "more.py").write_text(HELPERS)
        (pkg / "board.py").write_text((pkg / "board.py").read_text()
                                      .replace("from team import helpers", "from team.sub import more as helpers"))
        w.wait_line("out", "watching")  # the new directory joined the watch
        (pkg / "sub" / "more.py").write_text(HELPERS.replace("process_threads", "process_fds"))
        wait_for(target, lambda m: "Threads" not in json.dumps(m))
    finally:
        assert w.stop() == 0


def test_push_sends_the_changed_dashboard_to_grafana(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_module(pkg, "Pushed v1")
    (pkg / "mypanels.py").write_text(HELPERS)
    with StandInGrafana(token=TOKEN) as g:
        w = WatchProcess(tmp_path, "--push", env={"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN})
        try:
            w.wait_line("out", "watching")
            assert g.dashboards()["mydash"]["title"] == "Pushed v1"
            assert "plano-process" in g.dashboards()  # the first build pushes everything
            g.reset_log()
            write_module(pkg, "Pushed v2")
            w.wait_line("out", "push:")
            assert g.dashboards()["mydash"]["title"] == "Pushed v2"
            saved = [r for r in g.writes() if r.path.startswith("/api/dashboards/db")]
            assert len(saved) == 1  # only the changed dashboard
        finally:
            assert w.stop() == 0
        assert TOKEN not in "".join(w.seen["out"] + w.seen["err"])


def test_a_burst_of_saves_is_one_rebuild(watch):
    target = watch.out / "dashboards" / "Mine" / "mydash.json"
    for i in range(10):
        write_module(watch.pkg, f"Burst {i}")
    wait_for(target, lambda m: m["title"] == "Burst 9")
    time.sleep(0.5)
    watch.drain()
    rebuilds = [line for line in watch.seen["out"] if "mydash:" in line]
    assert 1 <= len(rebuilds) <= 2, rebuilds


def test_ctrl_c_stops_cleanly(watch):
    assert watch.stop() == 0
    assert "stopped watching" in watch.seen["out"], watch.seen
    assert watch.seen["err"] == []


def test_only_the_changed_dashboard_module_is_rebuilt_in_process(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_module(pkg, "In process")
    (pkg / "mypanels.py").write_text(HELPERS)
    sys.path.insert(0, str(pkg))
    try:
        with Watcher(App(), tmp_path / "out", extra=("mydash",), echo=lambda _: None,
                     error=lambda _: None) as w:
            start = w.start()
            assert start.errors == () and start.dashboards > 1
            write_module(pkg, "In process 2")
            cycle = w.changed([pkg / "mydash.py"])
            assert (cycle.kind, cycle.modules, cycle.dashboards) == ("dashboards", ("mydash",), 1)
            assert cycle.written == ("dashboards/Mine/mydash.json",)
            cycle = w.changed([pkg / "mypanels.py"])  # shared code: its importers reload, everything builds
            assert cycle.kind == "all" and cycle.dashboards == start.dashboards and cycle.written == ()
            assert w.changed([pkg / "README.md"]).kind == "all"  # a data file: everything, nothing written
    finally:
        sys.path.remove(str(pkg))
        for name in ("mydash", "mypanels"):
            sys.modules.pop(name, None)


def test_a_bad_option_stops_watch_before_it_starts(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([*CLI, "watch", "--dir", str(tmp_path / "o"),
                        "--grafana-path", "relative"], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "grafana-path" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""  # stopped before building or watching


def test_a_module_broken_at_start_keeps_the_file_an_earlier_run_wrote(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_module(pkg, "Earlier run")
    (pkg / "mypanels.py").write_text(HELPERS)
    target = tmp_path / "out" / "dashboards" / "Mine" / "mydash.json"
    errors: list[str] = []
    sys.path.insert(0, str(pkg))
    try:
        with Watcher(App(), tmp_path / "out", extra=("mydash",), echo=lambda _: None, error=errors.append) as w:
            assert w.start().errors == ()
        before = target.read_bytes()
        sys.modules.pop("mydash", None)
        (pkg / "mydash.py").write_text("def dashboard(s):\n    return kit.board(\n")
        with Watcher(App(), tmp_path / "out", extra=("mydash",), echo=lambda _: None, error=errors.append) as w:
            start = w.start()
            assert [e.dashboard for e in start.errors] == ["mydash"] and "syntax error" in errors[-1]
            assert target.read_bytes() == before  # not pruned: this run never built it
            write_module(pkg, "Fixed")
            cycle = w.changed([pkg / "mydash.py"])
            assert cycle.errors == () and json.loads(target.read_bytes())["title"] == "Fixed"
    finally:
        sys.path.remove(str(pkg))
        for name in ("mydash", "mypanels"):
            sys.modules.pop(name, None)


def test_the_settings_file_and_the_price_file_are_watched(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    write_module(pkg, "Settings")
    (pkg / "mypanels.py").write_text(HELPERS)
    prices = tmp_path / "prices.yaml"
    shipped = (ROOT / "panels" / "data" / "model_prices.yaml").read_text()
    prices.write_text(shipped)
    (tmp_path / "dashctl.toml").write_text(f'[settings]\nprices_file = "{prices}"\n')
    w = WatchProcess(tmp_path)
    try:
        w.wait_line("out", "watching")
        mine = w.out / "dashboards" / "Mine" / "mydash.json"
        cost = next((w.out / "dashboards").rglob("plano-llm-cost.json"))
        (tmp_path / "dashctl.toml").write_text(f'[settings]\nprices_file = "{prices}"\ntitle_prefix = "[dev] "\n')
        wait_for(mine, lambda m: m["title"] == "[dev] Settings")
        before = cost.read_bytes()
        prices.write_text(shipped.replace("input_price_per_1m: 2.50", "input_price_per_1m: 2.75", 1))
        deadline = time.monotonic() + 10
        while cost.read_bytes() == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert b"2.75" in cost.read_bytes()
    finally:
        assert w.stop() == 0


def test_a_bad_discover_table_is_reported_by_watch_and_fixing_it_builds(tmp_path):
    """`[discover] packages` that cannot be used is one error of the cycle, as `build` says it,
    not a silent fall-back to the other dashboards; fixing the file builds again."""
    cfg = tmp_path / "dashctl.toml"
    cfg.write_text('[discover]\npackages = "dashboards"\n')
    errors: list[str] = []
    with Watcher(App(config=str(cfg)), tmp_path / "out", echo=lambda _: None, error=errors.append) as w:
        start = w.start()
        assert [e.one_line() for e in start.errors] == [
            f'{cfg}: [discover] packages must be a list of package names, e.g. ["dashboards"]']
        cfg.write_text("[discover]\npackages = []\n")
        cycle = w.changed([cfg])
        assert cycle.errors == () and cycle.dashboards == 14
