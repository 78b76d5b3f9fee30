"""`dashctl build --schema v2`: one dashboard.grafana.app/v2 resource per shipped dashboard, holding what
its v1 model holds: the same panels (titles, types) in the same places, the same queries, units, rows,
variables and annotations. Compared on the parsed JSON of the two files the CLI writes. (The v2 files
type-check against Grafana's published v2 types in tests/test_schema_types.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, run_dashctl
from llm_gateway_dashboards.dashctl.compile import to_v2

UIDS = sorted(p.stem for p in (ROOT / "tests" / "golden").rglob("*.json") if ".dashctl" not in p.parts)  # shipped


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> dict[str, tuple[dict, dict]]:
    """uid -> (v1 model, v2 resource), each read back from the file `dashctl build` wrote."""
    out = {}
    for schema in ("v1", "v2"):
        d = tmp_path_factory.mktemp(f"build-{schema}")
        r = run_dashctl("build", "--schema", schema, "--out", str(d))
        assert r.returncode == 0, r.stdout + r.stderr
        out[schema] = {p.relative_to(d).as_posix(): json.loads(p.read_text()) for p in sorted(d.rglob("*.json"))
                       if ".dashctl" not in p.parts}
    assert set(out["v1"]) == set(out["v2"]) and sorted(Path(rel).stem for rel in out["v1"]) == UIDS
    return {Path(rel).stem: (out["v1"][rel], out["v2"][rel]) for rel in out["v1"]}




def _v1_panels(model: dict):
    """(row title or None, panel) in screen order, rows' collapsed children included."""
    row = None
    for p in model["panels"]:
        if p["type"] == "row":
            row = p
            for child in p["panels"]:
                yield row, child
        else:
            yield row, p


def _v2_panels(resource: dict):
    """(row spec or None, grid item spec, element spec) in screen order."""
    spec = resource["spec"]
    layout = spec["layout"]
    rows = layout["spec"]["rows"] if layout["kind"] == "RowsLayout" else [{"spec": {"layout": layout}}]
    for row in rows:
        for item in row["spec"]["layout"]["spec"]["items"]:
            yield row["spec"], item["spec"], spec["elements"][item["spec"]["element"]["name"]]["spec"]


def _v1_queries(panel: dict) -> list[tuple]:
    return [(t["refId"], t["expr"], t["legendFormat"], t["instant"], t.get("format", "time_series"))
            for t in panel.get("targets", [])]


def _v2_queries(element: dict) -> list[tuple]:
    out = []
    for q in element["data"]["spec"]["queries"]:
        s = q["spec"]["query"]["spec"]
        assert q["spec"]["query"]["group"] == "prometheus" and q["spec"]["query"]["kind"] == "DataQuery"
        assert q["spec"]["query"]["datasource"] == {"name": "${datasource}"}
        out.append((q["spec"]["refId"], s["expr"], s["legendFormat"], s["instant"], s.get("format", "time_series")))
    return out


@pytest.mark.parametrize("uid", UIDS)
def test_v2_holds_the_same_panels_queries_units_and_layout_as_v1(both, uid):
    v1, v2 = both[uid]
    assert v2["apiVersion"] == "dashboard.grafana.app/v2" and v2["kind"] == "Dashboard"
    assert v2["metadata"]["name"] == v1["uid"] == uid
    assert (v2["spec"]["title"], v2["spec"]["tags"], v2["spec"]["links"]) == (v1["title"], v1["tags"], v1["links"])
    old, new = list(_v1_panels(v1)), list(_v2_panels(v2))
    assert [(p["title"], p["type"]) for _, p in old] == [(e["title"], e["vizConfig"]["group"]) for _, _, e in new]
    assert len(v2["spec"]["elements"]) == len(old) > 0
    for (row, p), (row_spec, item, element) in zip(old, new, strict=True):
        where = f"{uid} / {p['title']}"
        assert _v1_queries(p) == _v2_queries(element), where
        field = p.get("fieldConfig", {"defaults": {}, "overrides": []})  # a text panel has none in v1
        viz = element["vizConfig"]["spec"]
        assert field["defaults"].get("unit") == viz["fieldConfig"]["defaults"].get("unit"), where
        assert field == viz["fieldConfig"], where  # overrides' units too
        assert p["options"] == viz["options"], where
        assert [t["id"] for t in p["transformations"]] == \
            [t["group"] for t in element["data"]["spec"]["transformations"]], where
        assert p["description"] == element["description"] and p["id"] == element["id"], where
        # v1 gridPos is absolute; a v2 grid item sits relative to its row's content (row y + 1)
        top = row["gridPos"]["y"] + 1 if row else 0
        g = p["gridPos"]
        assert (g["x"], g["y"] - top, g["w"], g["h"]) == (item["x"], item["y"], item["width"], item["height"]), where
        assert (row["title"] if row else "", bool(row and row["collapsed"])) == \
            (row_spec.get("title", ""), row_spec.get("collapse", False)), where


@pytest.mark.parametrize("uid", UIDS)
def test_v2_holds_the_same_rows_variables_annotations_and_time(both, uid):
    v1, v2 = both[uid]
    spec = v2["spec"]
    rows_v1 = [(p["title"], p["collapsed"]) for p in v1["panels"] if p["type"] == "row"]
    layout = spec["layout"]
    rows_v2 = [(r["spec"]["title"], r["spec"]["collapse"]) for r in layout["spec"].get("rows", [])]
    assert rows_v1 == rows_v2 and (layout["kind"] == "RowsLayout") == bool(rows_v1)
    assert [(v["name"], v["type"]) for v in v1["templating"]["list"]] == \
        [(v["spec"]["name"], {"DatasourceVariable": "datasource", "QueryVariable": "query"}[v["kind"]])
         for v in spec["variables"]]
    assert [v.get("definition") for v in v1["templating"]["list"]] == \
        [v["spec"].get("definition") for v in spec["variables"]]
    assert [(a["name"], a.get("target", {}).get("expr")) for a in v1["annotations"]["list"]] == \
        [(a["spec"]["name"], a["spec"]["query"]["spec"].get("expr")) for a in spec["annotations"]]
    t = spec["timeSettings"]
    assert (t["from"], t["to"], t["autoRefresh"], t["timezone"]) == \
        (v1["time"]["from"], v1["time"]["to"], v1["refresh"], v1["timezone"])
    assert spec["cursorSync"] == {0: "Off", 1: "Crosshair", 2: "Tooltip"}[v1["graphTooltip"]]


def test_the_files_are_to_v2_of_the_compiled_dashboards(both, report):
    """What push will send (to_v2) is what build writes."""
    for d in report.dashboards:
        assert to_v2(d) == both[d.uid][1], d.uid


def test_v2beta1_writes_transformations_in_its_own_shape(report):
    board = next(d for d in report.dashboards if d.uid == "plano-llm-upstream")
    beta = to_v2(board, "v2beta1")
    assert beta["apiVersion"] == "dashboard.grafana.app/v2beta1"
    shapes = [t for e in beta["spec"]["elements"].values() for t in e["spec"]["data"]["spec"]["transformations"]]
    assert shapes and all(t["kind"] == t["spec"]["id"] and "group" not in t for t in shapes)
    current = [t for e in to_v2(board)["spec"]["elements"].values()
               for t in e["spec"]["data"]["spec"]["transformations"]]
    assert all(t["kind"] == "Transformation" and "id" not in t["spec"] for t in current)


def test_panels_above_the_first_row_go_to_a_row_without_header(settings):
    from llm_gateway_dashboards.dashctl.compile import compile_board
    from llm_gateway_dashboards.panels import kit
    from llm_gateway_dashboards.panels import queries as q
    from llm_gateway_dashboards.panels.plano import HTTP

    def panel(title):
        return kit.stat(title, kit.target(q.sum_rate(HTTP)), unit="reqps", desc="requests", w=12, h=4)

    board = kit.board(settings, uid="t", title="t", folder="F", desc="d",
                      rows=[panel("loose"), kit.row("R", panel("in row"), panel("in row 2"), panel("wraps"))])
    v1 = compile_board(board, settings).model
    layout = to_v2(compile_board(board, settings))["spec"]["layout"]
    first, second = layout["spec"]["rows"]
    item = {"kind": "GridLayoutItem", "spec": {"x": 0, "y": 0, "width": 12, "height": 4,
                                               "element": {"kind": "ElementReference", "name": "panel-1"}}}
    assert first["spec"] == {"title": "", "collapse": False, "hideHeader": True,
                             "layout": {"kind": "GridLayout", "spec": {"items": [item]}}}
    items = second["spec"]["layout"]["spec"]["items"]
    assert [(i["spec"]["x"], i["spec"]["y"]) for i in items] == [(0, 0), (12, 0), (0, 4)]
    assert [p["gridPos"]["y"] for p in v1["panels"]] == [0, 4, 5, 5, 9]


def test_build_refuses_v2_for_a_dashboard_carrying_classic_json(settings, tmp_path):
    from llm_gateway_dashboards.dashctl.compile import compile_board
    from llm_gateway_dashboards.dashctl.errors import BuildError
    from llm_gateway_dashboards.panels import imported, kit

    board = kit.board(settings, uid="imp", title="t", folder="F", desc="d",
                      rows=[kit.row("R", imported.extra(kit.text("note", "hi"), {"transparent": True}))])
    compiled = compile_board(board, settings)
    assert compiled.model["panels"][1]["transparent"] is True
    with pytest.raises(BuildError, match=r"imp.*note.*imported.extra.*--schema v1"):
        to_v2(compiled)


def test_schema_is_a_setting_like_the_others(tmp_path):
    r = run_dashctl("build", "--out", str(tmp_path / "a"), "--only", "plano-routing", env={"DASHCTL_SCHEMA": "v2"})
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "a" / "Plano" / "plano-routing.json").read_text())["kind"] == "Dashboard"
    r = run_dashctl("--set", "schema=v2", "build", "--schema", "v1", "--out", str(tmp_path / "b"), "--only",
                    "plano-routing")
    assert r.returncode == 0 and "spec" not in json.loads((tmp_path / "b" / "Plano" / "plano-routing.json").read_text())
    r = run_dashctl("--set", "schema=v3", "build", "--out", str(tmp_path / "c"))
    assert r.returncode == 2 and r.stderr.strip() == "dashctl: error: flags: setting schema: 'v3' is not one of v1, v2"
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("command", ["provision", "watch"])
def test_provision_and_watch_refuse_v2_with_one_line(tmp_path, command):
    r = run_dashctl(command, "--dir", str(tmp_path / "out"), env={"DASHCTL_SCHEMA": "v2"})
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "file provisioning reads only v1" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_build_check_compares_the_chosen_schema(tmp_path):
    out = str(tmp_path / "b")
    assert run_dashctl("build", "--schema", "v2", "--out", out, "--only", "plano-routing").returncode == 0
    r = run_dashctl("build", "--schema", "v2", "--out", out, "--only", "plano-routing", "--check")
    assert r.returncode == 0 and "1 dashboard(s) up to date" in r.stdout, r.stdout + r.stderr
    r = run_dashctl("build", "--out", out, "--only", "plano-routing", "--check")  # v1 against the v2 file
    assert r.returncode == 1 and r.stdout.splitlines()[1:] == ["    (a v2 resource: no panel-level diff)"], r.stdout


# --- what push sends: dashctl.compile.to_v2 through the resource API of the stand-in Grafana ----------
def _standin(mode):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_push import TOKEN

    from grafana_standin import StandInGrafana

    return StandInGrafana(token=TOKEN, grafana=mode, dynamic_dashboards=True if mode == "12" else None)


def _transformation_shapes(spec: dict) -> set[str]:
    return {"v2" if t.get("kind") == "Transformation" else "v2beta1"
            for e in spec["elements"].values() for t in e["spec"]["data"]["spec"]["transformations"]}


def test_push_schema_v2_stores_what_to_v2_emits_on_grafana_13(report):
    from test_push import client

    from llm_gateway_dashboards.dashctl.pusher import push

    with _standin("13") as g:
        rep = push(report.dashboards, client(g), schema="v2")  # the default emitter: dashctl.compile.to_v2
        assert rep.counts()["create"] == len(report.dashboards) == len(UIDS)
        for d in report.dashboards:
            stored = g.resource(d.uid)
            assert stored["apiVersion"] == "dashboard.grafana.app/v2" and g.stored_version(d.uid) == "v2"
            ours = to_v2(d)["spec"]
            assert {k: v for k, v in stored["spec"].items() if k != "tags"} == \
                {k: v for k, v in ours.items() if k != "tags"}, d.uid  # push adds its tag
        g.reset_log()
        assert push(report.dashboards, client(g), schema="v2").counts()["unchanged"] == len(UIDS)
        assert g.writes() == []


def test_push_schema_v2_on_grafana_12_stores_the_v2beta1_form(report):
    from test_push import client

    from llm_gateway_dashboards.dashctl.pusher import push

    with _standin("12") as g:
        push(report.dashboards, client(g), schema="v2")
        stored = g.resource("plano-llm-upstream")
        assert stored["apiVersion"] == "dashboard.grafana.app/v2beta1"
        assert _transformation_shapes(stored["spec"]) == {"v2beta1"}
