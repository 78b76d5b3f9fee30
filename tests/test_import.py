"""`dashctl import` and `dashctl pull`: real dashboards (the Plano references, Debian's
ceph-grafana-dashboards package) to modules and back, equal after normalising; bad input refused."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_dashctl
from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.dashctl.discover import DashboardModule
from llm_gateway_dashboards.dashctl.importer import import_source, module_name, read, roundtrip_settings
from llm_gateway_dashboards.dashctl.importer.normalise import canonical
from llm_gateway_dashboards.dashctl.importer.read import MAX_BYTES
from llm_gateway_dashboards.dashctl.lint import lint
from llm_gateway_dashboards.panels.catalog import default_catalog

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import StandInGrafana  # noqa: E402

PLANO = sorted((FIXTURES / "plano").glob("*.json"))
PACKAGE = "ceph-grafana-dashboards"
TOKEN = "glsa_import_test_T0KEN"


def corpus_dir() -> Path:
    """Debian's package, fetched once into a cache (never into the repo)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dashctl-tests" / PACKAGE
    done = cache / ".extracted"
    if not done.exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        got = subprocess.run(["apt-get", "download", PACKAGE], cwd=cache, capture_output=True, text=True, timeout=300)
        debs = list(cache.glob("*.deb"))
        if got.returncode != 0 or not debs:
            pytest.skip(f"apt-get download {PACKAGE} failed: {(got.stderr or got.stdout).strip()[-200:]}")
        subprocess.run(["dpkg", "-x", str(debs[0]), str(cache / "x")], check=True, timeout=120)
        done.write_text(debs[0].name)
    return cache / "x"


@pytest.fixture(scope="session")
def corpus() -> list[Path]:
    files = sorted(corpus_dir().rglob("*.json"))
    assert len(files) >= 10, files
    return files


def imported_modules(files, settings, out: Path):
    """Import every file; write each module to `out`; (file, result) pairs."""
    results = []
    for f in files:
        src = read(f.read_bytes(), str(f))
        path = out / f"{module_name(src.model['uid'])}.py"
        res = import_source(src, settings, output_path=str(path))
        path.write_text(res.source)
        results.append((f, src, res))
    return results


@pytest.fixture(scope="session")
def corpus_imports(corpus, settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus_modules")
    return out, imported_modules(corpus, settings, out)


def fidelity_table(results) -> str:
    lines = [f"{f.name:34} {r.module:24} {r.fidelity.percent:6.1f}% exact ({r.fidelity.total} values) "
             f"{r.fidelity.idiomatic_percent:5.1f}% kit-only {r.seconds * 1000:5.0f} ms "
             f"{sum(n.kind == 'upgrade' for n in r.notes):3} upgrades {sum(n.kind == 'loss' for n in r.notes):3} losses"
             for f, _, r in results]
    return "\n".join(lines)


def test_every_corpus_dashboard_round_trips_exactly(corpus_imports, settings, capsys):
    _, results = corpus_imports
    with capsys.disabled():
        print(f"\n{PACKAGE}: {len(results)} dashboards\n{fidelity_table(results)}")
    ds_var = results[0][2].compiled["templating"]["list"][0]
    for f, src, res in results:
        assert res.fidelity.different == (), (f.name, res.fidelity.different[:10])
        assert canonical(res.compiled, ds_var) == canonical(src.model, ds_var), f.name
    upgraded = [n for _, _, r in results for n in r.notes if n.kind == "upgrade" and " -> " in n.text]
    assert any("graph -> timeseries" in n.text for n in upgraded)
    assert any("singlestat -> stat" in n.text for n in upgraded)
    assert any("table -> table" in n.text for n in upgraded)  # the old table with `styles`
    assert any(n.kind == "derived" and "uid" in n.path for _, _, r in results for n in r.notes)  # ceph-cluster


def test_corpus_modules_pass_ruff_and_build_with_the_cli(corpus_imports, settings, tmp_path):
    out, results = corpus_imports
    ruff = Path(sys.executable).parent / "ruff"
    checked = subprocess.run([str(ruff), "check", "--no-cache", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert checked.returncode == 0, checked.stdout[-2000:]
    args = [a for _, _, r in results for a in ("--module", r.module)]
    res = run_dashctl("build", "--out", str(tmp_path / "b"), *args, env={"PYTHONPATH": str(out)}, timeout=300)
    assert res.returncode == 0, res.stderr
    ds_var = results[0][2].compiled["templating"]["list"][0]
    for f, src, r in results:
        written = json.loads((tmp_path / "b" / "General" / f"{r.uid}.json").read_text())
        # built with the default settings: our tag is added, nothing else differs
        written["tags"] = [t for t in written["tags"] if t not in settings.tags]
        assert canonical(written, ds_var) == canonical(src.model, ds_var), f.name


@pytest.mark.parametrize("path", PLANO, ids=[p.name for p in PLANO])
def test_plano_reference_imports_with_catalog_queries_and_lints(path, settings, tmp_path, capsys):
    res = run_dashctl("import", "--out", str(tmp_path), str(path))
    assert res.returncode == 0, res.stderr
    module = Path(res.stdout.strip())
    assert module.parent == tmp_path and module.exists()
    source = module.read_text()
    assert "imported.promql(" not in source and re.search(r"kit\.target\(\s*q\.", source)  # every query: catalog
    assert "\n    return imported.extra(\n        kit.board(" in source
    assert ("kit.row(" in source) == any(p.get("type") == "row" for p in json.loads(path.read_text())["panels"])
    with capsys.disabled():
        print(f"\n{res.stderr.strip()}")
    sys.path.insert(0, str(tmp_path))
    try:
        report = build(roundtrip_settings(settings), [DashboardModule(module.stem, "--module")])
        lint_report = build(settings, [DashboardModule(module.stem, "--module")])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(module.stem, None)
    assert report.ok, [e.one_line() for e in report.errors]
    original = json.loads(path.read_text())
    ds_var = report.dashboards[0].model["templating"]["list"][0]
    assert canonical(report.dashboards[0].model, ds_var) == canonical(original, ds_var)
    findings = lint(lint_report.dashboards, default_catalog(settings.spanmetrics_namespace), settings)
    assert not [f for f in findings if f.rule in ("unknown-metric", "unknown-label", "unknown-variable")], findings
    if path.name == "brightstaff_dashboard.json":  # the upstream's fixed windows, found in the imported code
        assert any(f.rule == "rate-interval" for f in findings)


def test_pull_shows_a_ui_edit_as_a_module_diff(settings, tmp_path):
    src = read((FIXTURES / "plano" / "plano-requests.json").read_bytes(), "plano-requests.json")
    uid = src.model["uid"]
    with StandInGrafana(token=TOKEN) as g:
        g.add_dashboard(src.model)
        env = {"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN}
        got = run_dashctl("import", "--from-grafana", uid, "--out", str(tmp_path), env=env)
        assert got.returncode == 0, got.stderr
        module = tmp_path / f"{module_name(uid)}.py"
        before = module.read_text()
        same = run_dashctl("pull", uid, "--dir", str(tmp_path), env=env)
        assert same.returncode == 0 and "no changes" in same.stdout, same.stdout + same.stderr

        def edit(m):
            m["panels"][0]["title"] = "LLM requests per second, by model"
            m["panels"][0]["fieldConfig"]["defaults"]["unit"] = "rps"
        g.ui_edit(uid, edit)
        diff = run_dashctl("pull", uid, "--dir", str(tmp_path), env=env)
        assert diff.returncode == 0, diff.stderr
        changed = [ln for ln in diff.stdout.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        assert any(ln.startswith("+") and "LLM requests per second, by model" in ln for ln in changed), diff.stdout
        assert any(ln.startswith("+") and 'unit="rps"' in ln for ln in changed), diff.stdout
        assert any(ln.startswith("-") and 'unit="reqps"' in ln for ln in changed), diff.stdout
        assert len(changed) <= 6, changed  # the edit, not a rewrite
        assert module.read_text() == before  # shown, not written
        wrote = run_dashctl("pull", uid, "--dir", str(tmp_path), "--write", env=env)
        assert wrote.returncode == 0 and "LLM requests per second, by model" in module.read_text()
        again = run_dashctl("pull", uid, "--dir", str(tmp_path), env=env)
        assert "no changes" in again.stdout


def _bad(tmp_path, name: str, data: bytes, *extra):
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    res = run_dashctl("import", "--out", str(out), *extra, str(path))
    return res, out


@pytest.mark.parametrize("name,data,says", [
    ("notjson.json", b"{\"title\": ", "not JSON"),
    ("list.json", b"[1, 2, 3]", "no Grafana dashboard"),
    ("other.json", b'{"apiVersion": "v1", "kind": "ConfigMap", "data": {}}', "no Grafana dashboard"),
    ("untitled.json", b'{"uid": "x", "panels": []}', "has no title"),
    ("v2.json", json.dumps({"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard",
                            "spec": {"title": "t", "layout": {}}}).encode(), "v2 dashboard resource without"),
])
def test_unusable_input_is_one_line_exit_2_and_nothing_written(tmp_path, name, data, says):
    res, out = _bad(tmp_path, name, data)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and name in lines[0], res.stderr
    assert "Traceback" not in res.stderr and not out.exists() and res.stdout == ""


def test_a_10_mb_dashboard_is_refused(tmp_path):
    big = {"title": "big", "uid": "big", "panels": [{"type": "text", "title": "x" * (MAX_BYTES * 2 + 1000)}]}
    res, out = _bad(tmp_path, "big.json", json.dumps(big).encode())
    assert res.returncode == 2 and "too large" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_no_uid_is_derived_from_the_title_and_said(tmp_path):
    res, out = _bad(tmp_path, "nouid.json", json.dumps({"title": "Ceph - Cluster", "panels": []}).encode())
    assert res.returncode == 0, res.stderr
    assert "derived 'ceph-cluster' from the title" in res.stderr
    assert (out / "ceph_cluster.py").exists()


def test_an_unknown_panel_type_is_kept_through_the_escape_hatch_and_reported(tmp_path, settings):
    panel = {"type": "acme-flow-panel", "title": "Flow", "gridPos": {"x": 0, "y": 0, "w": 10, "h": 5},
             "options": {"nodes": ["a", "b"]}, "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "targets": [{"expr": "up", "refId": "A"}]}
    src = read(json.dumps({"title": "Flows", "uid": "flows", "panels": [panel]}).encode(), "flows.json")
    res = import_source(src, settings)
    assert "imported.panel(\n" in res.source or "imported.panel('acme-flow-panel'" in res.source.replace('"', "'")
    assert any("acme-flow-panel" in n.text for n in res.notes)
    assert res.fidelity.different == ()
    assert res.compiled["panels"][0]["options"] == {"nodes": ["a", "b"]}


def test_an_existing_module_is_not_overwritten_without_force(tmp_path):
    path = PLANO[1]
    first = run_dashctl("import", "--out", str(tmp_path), str(path))
    assert first.returncode == 0
    module = Path(first.stdout.strip())
    module.write_text("# mine\n")
    again = run_dashctl("import", "--out", str(tmp_path), str(path))
    assert again.returncode == 2 and "--force" in again.stderr and module.read_text() == "# mine\n"
    forced = run_dashctl("import", "--out", str(tmp_path), "--force", str(path))
    assert forced.returncode == 0 and module.read_text() != "# mine\n"


def test_strict_refuses_a_lossy_import(corpus, tmp_path):
    res = run_dashctl("import", "--out", str(tmp_path), "--strict", str(corpus[0]))
    assert res.returncode == 1 and "nothing written" in res.stderr
    assert "loss" in res.stderr and not list(tmp_path.glob("*.py"))


# --- what the corpus does not have: legacy rows, library panels, a live folder ---------------
LEGACY = {
    "title": "Legacy", "uid": "legacy", "schemaVersion": 14,
    "__inputs": [{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}],
    "rows": [
        {"title": "Traffic", "showTitle": True, "height": "250px", "panels": [
            {"type": "graph", "title": "Requests", "span": 6, "datasource": "${DS_PROM}",
             "targets": [{"expr": "sum(rate(brightstaff_http_requests_total[5m])) by (handler)", "refId": "A"}],
             "yaxes": [{"format": "reqps"}, {"format": "s"}], "legend": {"avg": True, "alignAsTable": True},
             "seriesOverrides": [{"alias": "/p99/", "yaxis": 2}]},
            {"type": "singlestat", "title": "Up", "span": 6, "height": 100, "datasource": "${DS_PROM}",
             "valueName": "current", "thresholds": "1,2", "format": "percent", "prefix": "~",
             "targets": [{"expr": "up", "refId": "A"}]}]},
        {"title": "Notes", "collapse": True, "panels": [{"type": "text", "title": "Read me", "content": "hi",
                                                         "span": 12}]},
    ],
}


def test_legacy_rows_and_placeholders_upgrade_as_grafana_does(settings):
    res = import_source(read(json.dumps(LEGACY).encode(), "legacy.json"), settings)
    panels = res.compiled["panels"]
    assert [(p["type"], p["title"]) for p in panels] == [
        ("row", "Traffic"), ("timeseries", "Requests"), ("stat", "Up"), ("row", "Notes")]
    # span 6 of 12 -> 12 of 24 columns; 250 px -> ceil(250 / 38) = 7 rows; 100 px -> ceil(100 / 38) = 3
    assert [p["gridPos"] for p in panels[1:3]] == [{"h": 7, "w": 12, "x": 0, "y": 1},
                                                   {"h": 3, "w": 12, "x": 12, "y": 1}]
    assert panels[3]["collapsed"] and panels[3]["panels"][0]["title"] == "Read me"
    ts = panels[1]
    assert ts["fieldConfig"]["defaults"]["unit"] == "reqps" and ts["options"]["legend"]["calcs"] == ["mean"]
    assert ts["fieldConfig"]["overrides"][0]["matcher"] == {"id": "byRegexp", "options": "p99"}
    assert {"id": "unit", "value": "s"} in ts["fieldConfig"]["overrides"][0]["properties"]
    assert ts["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert res.compiled["templating"]["list"][0]["name"] == "datasource"
    stat = panels[2]
    assert stat["options"]["reduceOptions"]["calcs"] == ["lastNotNull"]
    assert [s["value"] for s in stat["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 1, 2]
    assert (res.queries_translated, res.queries_kept) == (1, 1)  # brightstaff's from the catalog; `up` is not in it
    assert "p.HTTP" in res.source and "imported.promql(" in res.source
    lines = [n.line() for n in res.notes]
    assert any("graph -> timeseries" in ln for ln in lines) and any("singlestat -> stat" in ln for ln in lines)
    assert any(ln.startswith("loss") and "panels[2].prefix" in ln for ln in lines)
    assert any("legacy row layout" in ln for ln in lines) and res.fidelity.different == ()


def test_library_panels_stay_references_and_every_variable_type_survives(settings):
    model = {"title": "Shared", "uid": "shared", "schemaVersion": 39, "panels": [
        {"id": 3, "gridPos": {"x": 6, "y": 0, "w": 12, "h": 8}, "title": "CPU",
         "libraryPanel": {"uid": "lib-cpu", "name": "Shared CPU"}}],
        "templating": {"list": [{"type": "custom", "name": "h", "query": "a,b"}, {"type": "textbox", "name": "t"},
                                {"type": "constant", "name": "c", "query": "1"}, {"type": "adhoc", "name": "f"},
                                {"type": "interval", "name": "i", "query": "1m,5m"}]}}
    res = import_source(read(json.dumps(model).encode(), "shared.json"), settings)
    assert "imported.library_panel(" in res.source and any(n.kind == "kept" for n in res.notes)
    panel = res.compiled["panels"][0]
    assert panel["libraryPanel"] == {"uid": "lib-cpu", "name": "Shared CPU"} and "type" not in panel
    assert panel["gridPos"] == {"x": 6, "y": 0, "w": 12, "h": 8}
    assert [v["type"] for v in res.compiled["templating"]["list"]] == ["custom", "textbox", "constant", "adhoc",
                                                                       "interval"]
    assert res.fidelity.different == ()


def test_all_in_folder_imports_each_live_dashboard_of_the_folder(tmp_path):
    with StandInGrafana(token=TOKEN) as g:
        g.add_folder("Storage", uid="storage")
        for path in PLANO:
            g.add_dashboard(json.loads(path.read_text()), folder_uid="storage")
        env = {"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN}
        res = run_dashctl("import", "--all-in-folder", "Storage", "--out", str(tmp_path), env=env)
        assert res.returncode == 0, res.stderr
        written = sorted(Path(line).name for line in res.stdout.split())
        assert written == ["brightstaff.py", "plano_requests_overview.py"]
        assert "folder='Storage'" in (tmp_path / "brightstaff.py").read_text().replace('"', "'")
        none = run_dashctl("import", "--all-in-folder", "Nope", "--out", str(tmp_path / "x"), env=env)
        assert none.returncode == 3 and "no dashboard in a folder 'Nope'" in none.stderr
