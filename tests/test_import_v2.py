"""`dashctl import` of v2 dashboards (dashboard.grafana.app/v2, v2beta1, a bare v2 spec): every shipped
dashboard as `dashctl build --schema v2` / `to_v2(.., "v2beta1")` writes it, imported and built again
as v1, is the v1 build of the original (after the importer's normalisation); what v1 has no place for
(tabs, an auto grid) is reported as lost with its JSON path; a v2-stored live dashboard is imported
from its v2 form."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest

from conftest import run_dashctl
from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.dashctl.compile import to_v2
from llm_gateway_dashboards.dashctl.discover import DashboardModule
from llm_gateway_dashboards.dashctl.importer import import_source, module_name, roundtrip_settings, unwrap
from llm_gateway_dashboards.dashctl.importer.normalise import canonical

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import StandInGrafana  # noqa: E402

TOKEN = "glsa_import_v2_T0KEN"


def _v2_files(api_version: str, report, out: Path) -> list[Path]:
    """The v2 files of every shipped dashboard: `dashctl build --schema v2` for v2; the same emitter
    (to_v2, which build writes: tests/test_v2.py) at v2beta1 for the form Grafana 12 serves."""
    if api_version == "v2":
        res = run_dashctl("build", "--schema", "v2", "--out", str(out))
        assert res.returncode == 0, res.stderr
    else:
        for d in report.dashboards:
            path = out / d.folder / f"{d.uid}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(to_v2(d, api_version)))
    files = sorted(p for p in out.rglob("*.json") if ".dashctl" not in p.parts)
    assert len(files) == len(report.dashboards)
    return files


def _built(modules_dir: Path, names: list[str], settings) -> dict[str, dict]:
    """uid -> the v1 model the imported modules build (fresh imports: the names repeat across tests)."""
    for name in names:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(modules_dir))
    try:
        rep = build(roundtrip_settings(settings), [DashboardModule(n, "--module") for n in names])
    finally:
        sys.path.remove(str(modules_dir))
        for name in names:
            sys.modules.pop(name, None)
    assert rep.ok, [e.one_line() for e in rep.errors]
    return {d.uid: d.model for d in rep.dashboards}


@pytest.mark.parametrize("api_version", ["v2", "v2beta1"])
def test_every_shipped_dashboard_round_trips_through_v2(api_version, report, models, settings, tmp_path, capsys):
    files = _v2_files(api_version, report, tmp_path / "v2")
    assert {json.loads(f.read_text())["apiVersion"] for f in files} == {f"dashboard.grafana.app/{api_version}"}
    res = run_dashctl("import", "--out", str(tmp_path / "modules"), "--strict", "--report", *map(str, files))
    assert res.returncode == 0, res.stderr
    summaries = [ln for ln in res.stderr.splitlines() if not ln.startswith(" ")]
    with capsys.disabled():
        print(f"\nimport of {api_version}:\n" + "\n".join(summaries))
    assert len(summaries) == len(files) and all(" 100.0% of " in ln for ln in summaries), summaries
    assert not any(ln.split()[0] == "loss" for ln in res.stderr.splitlines() if ln.startswith("  "))
    built = _built(tmp_path / "modules", [module_name(d.uid) for d in report.dashboards], settings)
    assert set(built) == set(models)
    ds_var = models[report.dashboards[0].uid]["templating"]["list"][0]
    for uid, original in models.items():
        assert canonical(built[uid], ds_var) == canonical(original, ds_var), uid


def _as_v2alpha1(resource: dict) -> dict:
    """Our v2beta1 output in the shapes @grafana/schema's v2alpha1 types give the same things: a query
    `{kind: <datasource type>, spec}` with its datasource `{type, uid}` beside it, a viz config
    `{kind: <plugin>, spec: {pluginVersion, ...}}` (layouts, elements and transformations as in v2beta1)."""
    doc = copy.deepcopy(resource)
    doc["apiVersion"] = "dashboard.grafana.app/v2alpha1"

    def split(holder: dict) -> None:
        q = holder["query"]
        holder["datasource"] = {"type": q["group"], "uid": q["datasource"]["name"]}
        holder["query"] = {"kind": q["group"], "spec": q["spec"]}

    for element in doc["spec"]["elements"].values():
        for q in element["spec"]["data"]["spec"]["queries"]:
            split(q["spec"])
        viz = element["spec"]["vizConfig"]
        element["spec"]["vizConfig"] = {"kind": viz["group"], "spec": {"pluginVersion": viz["version"], **viz["spec"]}}
    for holder in doc["spec"]["annotations"] + [v for v in doc["spec"]["variables"] if "query" in v["spec"]]:
        split(holder["spec"])
    return doc


def test_every_shipped_dashboard_round_trips_through_v2alpha1(report, models, settings):
    ds_var = models[report.dashboards[0].uid]["templating"]["list"][0]
    for d in report.dashboards:
        res = import_source(unwrap(_as_v2alpha1(to_v2(d, "v2beta1")), f"{d.uid}.json"), settings)
        assert res.fidelity.different == () and not [n for n in res.notes if n.kind == "loss"], d.uid
        assert canonical(res.compiled, ds_var) == canonical(models[d.uid], ds_var), d.uid


def _tabs_and_auto_grid(resource: dict) -> dict:
    """plano-process as our emitter writes it, its rows turned into tabs and its last tab an
    AutoGridLayout: two v2 layouts our emitter never writes and v1 has no place for."""
    doc = copy.deepcopy(resource)
    rows = doc["spec"]["layout"]["spec"]["rows"]
    tabs = [{"kind": "TabsLayoutTab", "spec": {"title": r["spec"]["title"], "layout": r["spec"]["layout"]}}
            for r in rows]
    last = tabs[-1]["spec"]["layout"]["spec"]["items"]
    tabs[-1]["spec"]["layout"] = {"kind": "AutoGridLayout", "spec": {
        "maxColumnCount": 2, "columnWidthMode": "standard", "rowHeightMode": "standard", "items": [
            {"kind": "AutoGridLayoutItem", "spec": {"element": i["spec"]["element"]}} for i in last]}}
    doc["spec"]["layout"] = {"kind": "TabsLayout", "spec": {"tabs": tabs}}
    tabs[0]["spec"]["layout"]["spec"]["items"][0]["spec"]["conditionalRendering"] = {
        "kind": "ConditionalRenderingGroup", "spec": {"visibility": "show", "condition": "and", "items": [
            {"kind": "ConditionalRenderingVariable", "spec": {"variable": "instance", "operator": "equals",
                                                              "value": "a"}}]}}
    doc["spec"]["variables"].append({"kind": "TextVariable", "spec": {
        "name": "filter", "current": {"text": "x", "value": "x"}, "query": "x", "hide": "dontHide",
        "skipUrlSync": False}})
    return doc


def test_tabs_and_an_auto_grid_are_reported_as_lost_not_a_crash(report, settings, tmp_path):
    board = next(d for d in report.dashboards if d.uid == "plano-process")
    doc = _tabs_and_auto_grid(to_v2(board))
    path = tmp_path / "tabs.json"
    path.write_text(json.dumps(doc))
    res = run_dashctl("import", "--out", str(tmp_path / "m"), "--report", str(path))
    assert res.returncode == 0, res.stderr
    losses = [ln.split(None, 1)[1] for ln in res.stderr.splitlines() if ln.startswith("  loss")]
    last = len(doc["spec"]["layout"]["spec"]["tabs"]) - 1
    assert any(ln.startswith("spec.layout: a TabsLayout") for ln in losses), res.stderr
    assert any(ln.startswith("spec.layout.spec.tabs[0].spec.layout.spec.items[0].spec.conditionalRendering: ")
               for ln in losses), losses
    assert any(ln.startswith(f"spec.layout.spec.tabs[{last}].spec.layout: an AutoGridLayout") and "2 columns" in ln
               for ln in losses)
    built = _built(tmp_path / "m", ["plano_process"], settings)["plano-process"]
    panels = [p for r in built["panels"] for p in [r, *r.get("panels", [])] if p["type"] != "row"]
    assert sorted(p["title"] for p in panels) == sorted(e["spec"]["title"] for e in doc["spec"]["elements"].values())
    tab_titles = [t["spec"]["title"] for t in doc["spec"]["layout"]["spec"]["tabs"]]
    assert [r["title"] for r in built["panels"] if r["type"] == "row"] == tab_titles  # each tab a row
    auto = [p for p in panels if p["title"] in {doc["spec"]["elements"][i["spec"]["element"]["name"]]["spec"]["title"]
                                                 for i in doc["spec"]["layout"]["spec"]["tabs"][-1]["spec"]["layout"]
                                                 ["spec"]["items"]}]
    assert auto and all(p["gridPos"]["w"] == 12 for p in auto)  # maxColumnCount 2
    text = built["templating"]["list"][-1]
    assert (text["type"], text["name"], text["query"]) == ("textbox", "filter", "x")
    strict = run_dashctl("import", "--out", str(tmp_path / "s"), "--strict", str(path))
    assert strict.returncode == 1 and not (tmp_path / "s").exists(), strict.stderr


def test_a_bare_v2_spec_is_read_like_the_resource(report, tmp_path):
    board = next(d for d in report.dashboards if d.uid == "plano-http-red")
    spec = dict(to_v2(board)["spec"], uid=board.uid)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    res = run_dashctl("import", "--out", str(tmp_path / "m"), "--strict", str(path))
    assert res.returncode == 0 and " 100.0% of " in res.stderr, res.stderr


@pytest.mark.parametrize("mode", ["12", "13"])
def test_a_v2_stored_live_dashboard_is_imported_from_its_v2_form(mode, report, models, settings, tmp_path):
    """Grafana 12 answers a classic GET of it with 406, 13 with a lossy v1 view: read it as v2."""
    board = next(d for d in report.dashboards if d.uid == "plano-llm-upstream")
    with StandInGrafana(token=TOKEN, grafana=mode, dynamic_dashboards=True if mode == "12" else None) as g:
        g.store_v2(to_v2(board, "v2" if mode == "13" else "v2beta1")["spec"], board.uid)
        env = {"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN}
        res = run_dashctl("import", "--from-grafana", board.uid, "--strict", "--out", str(tmp_path), env=env)
        assert res.returncode == 0 and " 100.0% of " in res.stderr, res.stderr
        assert not any(r.path.startswith("/api/dashboards/uid/") for r in g.requests)
        again = run_dashctl("pull", board.uid, "--dir", str(tmp_path), env=env)
        assert again.returncode == 0 and "no changes" in again.stdout, again.stdout + again.stderr
    built = _built(tmp_path, [module_name(board.uid)], settings)[board.uid]
    ds_var = built["templating"]["list"][0]
    assert canonical(built, ds_var) == canonical(models[board.uid], ds_var)
