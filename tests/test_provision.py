"""File provisioning as Grafana sees it: a scanner that reads like Grafana's never catches the
writer half-way, never sees one uid in two files, and sees removed dashboards go."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest
import yaml

from conftest import run_dashctl
from llm_gateway_dashboards.dashctl.compile import dumps
from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.provisioner import Options, provision
from llm_gateway_dashboards.dashctl.writer import MANIFEST, owned, write_tree
from llm_gateway_dashboards.panels.settings import Settings


def scan(root: Path) -> tuple[dict[str, bytes], bool]:
    """One pass of Grafana's provisioning reader (pkg/services/provisioning/dashboards/file_reader.go):
    walk the tree collecting `*.json` (folders starting with '.' skipped; an error aborts the walk),
    then read each file found. A file gone between walk and read is skipped, as Grafana logs and
    skips it. Returns ({path: bytes}, walk completed)."""
    found = []
    try:
        for base, dirs, names in os.walk(root, onerror=_raise):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(base, n) for n in sorted(names) if n.endswith(".json")]
    except OSError:
        return {}, False
    out = {}
    for path in found:
        try:
            with open(path, "rb") as fh:
                out[path] = fh.read()
        except FileNotFoundError:
            continue
    return out, True


def _raise(exc):
    raise exc


def _reader(root, valid, stop, removed_at, moved_at, victim, mover, new_path, conn):
    """The scanner in its own process: loops until `stop`, reports violations and what it saw."""
    stats = {"scans": 0, "aborted": 0, "violations": [], "hashes": {}, "victim_before": 0,
             "mover_new_after": 0}
    while not stop.is_set():
        started = time.monotonic()
        files, complete = scan(Path(root))
        stats["scans"] += 1
        stats["aborted"] += not complete
        uids = {}
        for path, data in files.items():
            digest = hashlib.md5(data).hexdigest()  # what Grafana compares
            stats["hashes"].setdefault(path, set()).add(digest)
            if digest not in valid:
                stats["violations"].append(f"partial or unknown content in {path} ({len(data)} bytes)")
                continue
            uid = json.loads(data)["uid"]
            if uid in uids:
                stats["violations"].append(f"uid {uid} in two files: {uids[uid]} and {path}")
            uids[uid] = path
        if victim in uids:
            if started > removed_at.value:
                stats["violations"].append(f"removed dashboard {victim} still read at {uids[victim]}")
            stats["victim_before"] += 1
        if started > moved_at.value:
            if mover in uids and uids[mover] != new_path:
                stats["violations"].append(f"moved dashboard {mover} read at its old path {uids[mover]}")
            stats["mover_new_after"] += uids.get(mover) == new_path
    stats["hashes"] = {p: len(h) for p, h in stats["hashes"].items()}
    conn.send(stats)
    conn.close()


def _variant(c, k: int):
    return attrs.evolve(c, data=dumps(dict(c.model, title=f"{c.title} #{k}")))


def test_a_reader_like_grafana_never_sees_a_partial_file_or_a_uid_twice(tmp_path, report, settings):
    rounds, remove_at, move_at = 300, 100, 200
    base = list(report.dashboards)
    victim, mover = base[0], base[1]
    versions = [[_variant(c, k) for c in base] for k in range(2)]
    valid = {hashlib.md5(c.data).hexdigest() for v in versions for c in v}
    moved = [attrs.evolve(c, folder="Moved") if c.uid == mover.uid else c for v in versions for c in v]
    valid |= {hashlib.md5(c.data).hexdigest() for c in moved}
    root = tmp_path / "dashboards"
    new_path = str(root / "Moved" / f"{mover.uid}.json")
    ctx = multiprocessing.get_context("fork")
    stop, removed_at, moved_at = ctx.Event(), ctx.Value("d", float("inf")), ctx.Value("d", float("inf"))
    parent, child = ctx.Pipe()
    provision(tmp_path, versions[1], settings)
    proc = ctx.Process(target=_reader, args=(str(root), valid, stop, removed_at, moved_at, victim.uid, mover.uid,
                                             new_path, child))
    proc.start()
    try:
        time.sleep(0.2)
        for i in range(rounds):
            batch = versions[i % 2]
            if i >= remove_at:
                batch = [c for c in batch if c.uid != victim.uid]
            if i >= move_at:
                batch = [attrs.evolve(c, folder="Moved") if c.uid == mover.uid else c for c in batch]
            res = provision(tmp_path, batch, settings)
            if i == remove_at:
                assert f"dashboards/{victim.path}" in res.removed
                removed_at.value = time.monotonic()
            if i == move_at:
                assert res.moved == ((f"dashboards/{mover.path}", f"dashboards/Moved/{mover.uid}.json"),)
                moved_at.value = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        stats = parent.recv() if parent.poll(30) else None
        proc.join(10)
    assert stats is not None, "the reader process reported nothing"
    assert stats["violations"] == []
    assert stats["scans"] >= 100, stats["scans"]
    assert max(stats["hashes"].values()) >= 2, "the reader never saw a file change: the test did not interleave"
    assert stats["victim_before"] > 0 and stats["mover_new_after"] > 0
    left = [p for p in tmp_path.rglob("*") if ".tmp" in p.name]
    assert left == []  # no temporary file left behind
    files, _ = scan(root)
    assert {json.loads(d)["uid"] for d in files.values()} == {c.uid for c in base} - {victim.uid}


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in root.rglob("*") if p.is_file()}


def test_an_unchanged_rebuild_touches_no_file(tmp_path, report, settings):
    first = provision(tmp_path, report, settings)
    assert len(first.written) == len(report.dashboards) + 2  # + provider and datasource
    before = _snapshot(tmp_path)
    time.sleep(0.01)
    again = provision(tmp_path, report, settings)
    assert again.written == () and again.removed == ()
    assert _snapshot(tmp_path) == before  # same bytes, same mtimes, same inodes: manifests included


def test_provider_and_datasource_yaml_carry_the_settings(tmp_path, report, models):
    s = Settings(update_interval_seconds=5, allow_ui_updates=True, disable_deletion=True, org_id=3,
                 provider_name="gateway", datasource_uid="prom-main", datasource_url="http://prometheus:9090")
    provision(tmp_path, report, s, Options(grafana_path="/srv/dashboards"))
    doc = yaml.safe_load((tmp_path / "provisioning/dashboards/gateway.yaml").read_text())
    assert doc["apiVersion"] == 1
    (p,) = doc["providers"]
    assert p == {"name": "gateway", "orgId": 3, "type": "file", "folder": "", "folderUid": "",
                 "disableDeletion": True, "allowUiUpdates": True, "updateIntervalSeconds": 5,
                 "options": {"path": "/srv/dashboards", "foldersFromFilesStructure": True}}
    ds = yaml.safe_load((tmp_path / "provisioning/datasources/gateway.yaml").read_text())
    (d,) = ds["datasources"]
    assert (d["type"], d["uid"], d["url"], d["access"], d["orgId"], d["jsonData"]) == (
        "prometheus", "prom-main", "http://prometheus:9090", "proxy", 3, {"timeInterval": "15s"})
    # the defaults, and the uid every built dashboard's datasource variable selects
    provision(tmp_path, report, Settings())
    assert not (tmp_path / "provisioning/dashboards/gateway.yaml").exists()  # renamed provider: old file gone
    (p,) = yaml.safe_load((tmp_path / "provisioning/dashboards/llm-gateway.yaml").read_text())["providers"]
    assert (p["updateIntervalSeconds"], p["allowUiUpdates"], p["disableDeletion"], p["orgId"]) == (30, False, False, 1)
    assert p["options"]["path"] == "/var/lib/grafana/dashboards"
    (d,) = yaml.safe_load((tmp_path / "provisioning/datasources/llm-gateway.yaml").read_text())["datasources"]
    for model in models.values():
        var = next(v for v in model["templating"]["list"] if v["type"] == "datasource")
        assert var["current"]["value"] == d["uid"], model["uid"]
    provision(tmp_path, report, Settings(), Options(datasource=False))
    assert not (tmp_path / "provisioning/datasources").exists()


def test_files_are_laid_out_by_folder_and_only_our_stale_files_go(tmp_path, report, settings):
    provision(tmp_path, report, settings)
    root = tmp_path / "dashboards"
    for d in report.dashboards:
        assert (root / d.folder / f"{d.uid}.json").read_bytes() == d.data
    theirs = root / "Plano" / "hand-made.json"
    theirs.write_text(json.dumps({"uid": "hand-made", "title": "not ours"}))
    kept = [d for d in report.dashboards if d.uid != "plano-routing"]
    res = provision(tmp_path, kept, settings)
    assert res.removed == ("dashboards/Plano/plano-routing.json",)
    assert theirs.exists() and not (root / "Plano" / "plano-routing.json").exists()
    assert "Plano/plano-routing.json" not in owned(root) and (root / MANIFEST).exists()


def test_a_foreign_file_with_one_of_our_uids_is_refused(tmp_path, report, settings):
    clash = tmp_path / "dashboards" / "Elsewhere" / "copy.json"
    clash.parent.mkdir(parents=True)
    clash.write_text(json.dumps({"uid": "plano-process", "title": "a copy"}))
    with pytest.raises(ConfigError, match="Elsewhere/copy.json: plano-process"):
        provision(tmp_path, report, settings)
    assert not (tmp_path / "dashboards" / "Plano").exists()  # nothing written


def test_a_kept_file_of_a_uid_that_moved_is_moved_not_duplicated(tmp_path):
    # a failed module keeps its files (keep=...), but a uid built again elsewhere must not exist twice
    write_tree(tmp_path, {"A/x.json": b'{"uid": "x"}\n', "B/y.json": b'{"uid": "y"}\n'})
    res = write_tree(tmp_path, {"C/x.json": b'{"uid": "x"}\n'}, keep={"A/x.json", "B/y.json"})
    assert res.moved == (("A/x.json", "C/x.json"),)
    assert "A/x.json" in res.removed and "C/x.json" in res.written
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")
                  if ".dashctl" not in p.parts) == ["B/y.json", "C/x.json"]
    assert owned(tmp_path) == {"B/y.json", "C/x.json"}
    with pytest.raises(ValueError, match="two files with one uid"):
        write_tree(tmp_path, {"A/x.json": b"{}", "C/x.json": b"{}"})


def test_provision_command_writes_the_layout_and_a_rerun_writes_nothing(tmp_path):
    out = tmp_path / "out"
    r = run_dashctl("--set", "update_interval_seconds=10", "provision", "--dir", str(out),
                    "--grafana-path", "/dash", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (p,) = yaml.safe_load((out / "provisioning/dashboards/llm-gateway.yaml").read_text())["providers"]
    assert p["updateIntervalSeconds"] == 10 and p["options"]["path"] == "/dash"
    assert (out / "dashboards/Plano/plano-process.json").exists()
    r = run_dashctl("--set", "update_interval_seconds=10", "provision", "--dir", str(out),
                    "--grafana-path", "/dash", cwd=tmp_path)
    assert r.returncode == 0 and " 0 file(s) written" in r.stdout, r.stdout
    r = run_dashctl("provision", "--dir", str(out), "--update-interval", "0", cwd=tmp_path)
    assert r.returncode == 2 and "update_interval_seconds" in r.stderr and "Traceback" not in r.stderr


def test_provision_writes_the_rules_where_a_rule_directory_is_given(tmp_path):
    """The rules `dashctl rules` writes, in the directory Prometheus reads: promtool accepts them,
    and a rerun rewrites nothing."""
    rules = tmp_path / "prometheus-rules"
    r = run_dashctl("provision", "--dir", str(tmp_path / "out"), "--rules-dir", str(rules), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"6 rule file(s) (prometheus): 6 written, 0 unchanged, 0 removed -> {rules}"
    files = sorted(map(str, rules.glob("*.yaml")))
    check = subprocess.run(["promtool", "check", "rules", *files], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and check.stdout.count("SUCCESS") == 6, check.stdout + check.stderr
    again = run_dashctl("provision", "--dir", str(tmp_path / "out"), "--rules-dir", str(rules), cwd=tmp_path)
    assert again.returncode == 0 and " 0 written, 6 unchanged" in again.stdout, again.stdout


DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_stack_scrapes_the_four_sources_under_the_jobs_the_settings_expect(settings):
    r = subprocess.run(["promtool", "check", "config", str(DEPLOY / "prometheus.yml")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    jobs = {j["job_name"]: j for j in yaml.safe_load((DEPLOY / "prometheus.yml").read_text())["scrape_configs"]}
    targets = {name: j["static_configs"][0]["targets"] for name, j in jobs.items()}
    assert targets[settings.brightstaff_job] == ["localhost:9092"]
    assert targets[settings.envoy_job] == ["localhost:9901"]
    assert jobs[settings.envoy_job]["metrics_path"] == "/stats/prometheus"
    assert targets["otel-collector"] == ["localhost:8889"]
    assert targets["llm-sdk"] == ["localhost:9464"] and jobs["llm-sdk"]["scrape_interval"] == "5s"
    assert settings.spanmetrics_job in ("", "otel-collector") and settings.llm_job in ("", "llm-sdk")


def _mount(volume: str) -> tuple[str, str]:
    """`source:target[:ro]` -> (source, target); the source may hold `${VAR:-default}`."""
    parts = volume.rsplit(":", 2) if volume.endswith((":ro", ":rw")) else volume.rsplit(":", 1)
    return parts[0], parts[1]


def test_the_stack_mounts_what_provision_writes():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    for service in compose.values():
        image, _, tag = service["image"].partition(":")
        assert tag and tag != "latest", service["image"]  # pinned
    mounts = dict(_mount(v) for v in compose["grafana"]["volumes"])
    assert mounts["${DASHCTL_DIR:-../build}/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["${DASHCTL_DIR:-../build}/dashboards"] == Options().grafana_path
    assert "--config.file=/etc/prometheus/prometheus.yml" in compose["prometheus"]["command"]


def test_demo_runs_a_real_prometheus_that_scrapes_the_simulator():
    r = subprocess.run([sys.executable, str(DEPLOY.parent / "scripts" / "demo.py"), "--check",
                        "--prometheus-port", "0", "--simulator-port", "0"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dashctl verify --prometheus http://127.0.0.1:" in r.stdout
    jobs = r.stdout.split("series of the jobs ")[1].split("\n")[0].split(", ")
    assert {"brightstaff", "envoy"} <= set(jobs), jobs


def test_a_failure_while_staging_changes_neither_tree(tmp_path):
    """Issue 13, point 3: the provider/datasource YAML and the dashboards are staged whole, then
    renamed in; a file in the way of one dashboard folder leaves both trees as they were."""
    assert run_dashctl("provision", "--dir", str(tmp_path)).returncode == 0
    shutil.rmtree(tmp_path / "dashboards" / "Plano")
    (tmp_path / "dashboards" / "Plano").write_text("in the way\n")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.rglob("*") if p.is_file()}
    r = run_dashctl("--set", "datasource_uid=other", "provision", "--dir", str(tmp_path))
    assert r.returncode == 2 and r.stderr == (
        f"dashctl: error: {tmp_path}/dashboards/Plano: cannot create directory: a file is in the way where a "
        f"directory must be; move that file away or choose another output directory\n")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.rglob("*") if p.is_file()} == before
    (tmp_path / "dashboards" / "Plano").unlink()
    assert run_dashctl("--set", "datasource_uid=other", "provision", "--dir", str(tmp_path)).returncode == 0
    assert "uid: other" in (tmp_path / "provisioning" / "datasources" / "llm-gateway.yaml").read_text()


def test_ctrl_c_during_the_renames_waits_for_them(tmp_path):
    from llm_gateway_dashboards.dashctl.writer import signals_deferred

    done = []
    # Python's own Ctrl-C handler, also when the suite runs where SIGINT is ignored (a background job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # a signal handled at once would raise here
                done.append("renamed")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert done == ["renamed"]
