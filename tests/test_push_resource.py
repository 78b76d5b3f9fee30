"""`dashctl push` against the stand-in Grafana in each mode: 11 (classic /api only, RES-1), 12 (both
APIs, v1beta1 and, with dynamic dashboards, v2beta1) and 13 (v1 and v2, classic deprecated).

Every promise of push is checked in every mode, and which API push spoke: on 11 only /api (after the
one discovery request GET /apis, answered 404), on 12/13 only /apis. v2 resources come from a
hand-written fixture (tests/schema/fixtures/v2-valid.json) until compile emits v2 (`to_v2`)."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import attrs
import pytest

from conftest import run_dashctl
from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.grafana_client import AuthError, GrafanaClient
from llm_gateway_dashboards.dashctl.pusher import folder_uid, push, upload_model

sys.path.insert(0, os.path.dirname(__file__))
from test_push import FALLBACK, ROUTING, TOKEN, client, edited, panel  # noqa: E402  (the same helpers)

from grafana_standin import StandInGrafana  # noqa: E402

MODES = ["11", "12", "13"]
RESOURCE_MODES = ["12", "13"]
V1 = {"12": "v1beta1", "13": "v1"}
V2 = {"12": "v2beta1", "13": "v2"}
V2_FIXTURE = json.loads((Path(__file__).parent / "schema" / "fixtures" / "v2-valid.json").read_text())


def standin(mode, **kw):
    kw.setdefault("dynamic_dashboards", True if mode == "12" else None)  # 13: on by default
    return StandInGrafana(token=TOKEN, grafana=mode, **kw)


@pytest.fixture(params=MODES)
def g(request):
    with standin(request.param) as server:
        yield server


@pytest.fixture(params=RESOURCE_MODES)
def gr(request):
    with standin(request.param) as server:
        yield server


@pytest.fixture
def dashboards(report):
    """The shipped dashboards; brightstaff in a nested folder (parents first)."""
    return [attrs.evolve(d, folder="Team/Gateway/Deep") if d.uid == "brightstaff" else d for d in report.dashboards]


def to_v2(compiled, panel_title="Request rate"):
    """Stands in for dashctl.compile.to_v2: the fixture's v2 resource, titled like the dashboard."""
    spec = copy.deepcopy(V2_FIXTURE["spec"])
    spec["title"] = compiled.model["title"]
    spec["elements"]["panel-1"]["spec"]["title"] = panel_title
    return {"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard", "metadata": {"name": compiled.uid},
            "spec": spec}


def assert_api(g):
    """Mode 11: /api only, after the one discovery GET /apis (404, RES-1). 12/13: /apis only."""
    paths = [r.path for r in g.requests]
    if g.grafana == "11":
        assert {p for p in paths if not p.startswith("/api/")} <= {"/apis"}, paths
    else:
        assert paths and all(p.startswith("/apis") for p in paths), [p for p in paths if not p.startswith("/apis")]


def folder_posts(g):
    """Titles of the folders push created, in order, whichever API it used."""
    return [(r.body.get("title") or r.body["spec"]["title"]) for r in g.writes()
            if r.method == "POST" and "folder" in r.path]


def dash_writes(g):
    return [(r.method, r.path) for r in g.writes() if "folder" not in r.path]


# --------------------------------------------------------------------------- create, idempotence
def test_create_folders_parents_first_then_repush_writes_nothing(g, dashboards):
    rep = push(dashboards, client(g))
    assert rep.exit_code == 0 and rep.counts()["create"] == len(dashboards)
    assert rep.api == ("classic" if g.grafana == "11" else "resource")
    titles = folder_posts(g)
    assert titles.index("Team") < titles.index("Gateway") < titles.index("Deep")
    folders = g.folders()
    deep = folders[g.dashboards()["brightstaff"]["folderUid"]]
    assert folders[folders[deep["parentUid"]]["parentUid"]]["title"] == "Team"
    assert set(g.dashboards()) == {d.uid for d in dashboards}
    if g.grafana != "11":
        assert rep.api_version == f"dashboard.grafana.app/{V1[g.grafana]}" and rep.namespace == "default"
        res = g.resource(ROUTING)
        assert res["apiVersion"].endswith("/" + V1[g.grafana]) and g.stored_version(ROUTING) == V1[g.grafana]
        assert res["metadata"]["annotations"]["dashctl/owner"] == "dashctl"
        assert "grafana.app/managedBy" not in res["metadata"]["annotations"]  # RES-8: never set by us
        assert all(r.body["metadata"]["annotations"]["grafana.app/folder"] for r in g.writes()
                   if r.method == "POST" and r.path.endswith("/dashboards"))
    assert_api(g)
    g.reset_log()
    rep = push(dashboards, client(g))
    assert g.writes() == [] and rep.counts()["unchanged"] == len(dashboards) and rep.exit_code == 0
    assert rep.summary_line() == f"{len(dashboards)} dashboard(s): {len(dashboards)} unchanged"
    assert_api(g)


# --------------------------------------------------------------------------- drift
def test_ui_edit_is_refused_then_overwritten_with_force(g, dashboards):
    push(dashboards, client(g))
    g.ui_edit(ROUTING, lambda m: m.update(title="Edited by hand"))
    g.reset_log()
    rep = push(dashboards, client(g))
    item = rep.by_uid()[ROUTING]
    assert item.action == "drifted" and rep.exit_code == 1 and "edited in Grafana" in item.reason
    assert f"--force {ROUTING}" in item.reason
    assert "changed dashboard title: Edited by hand -> Plano - Routing" in [str(c) for c in item.changes]
    assert g.writes() == [] and g.dashboards()[ROUTING]["title"] == "Edited by hand"
    rep = push(dashboards, client(g), force=True)
    assert rep.by_uid()[ROUTING].done and rep.by_uid()[ROUTING].version == 3
    assert dash_writes(g) == [("POST", "/api/dashboards/db")] if g.grafana == "11" else [
        ("PUT", f"/apis/dashboard.grafana.app/{V1[g.grafana]}/namespaces/default/dashboards/{ROUTING}")]
    assert g.dashboards()[ROUTING]["title"] == "Plano - Routing"
    assert push(dashboards, client(g)).counts()["unchanged"] == len(dashboards)
    assert_api(g)


def test_folder_moves_in_the_code_and_in_the_ui(g, dashboards):
    push(dashboards, client(g))
    moved = [attrs.evolve(d, folder="Plano/Routing") if d.uid == ROUTING else d for d in dashboards]
    item = push(moved, client(g)).by_uid()[ROUTING]
    assert item.action == "update" and item.done
    assert "changed dashboard folder: Plano -> Plano/Routing" in [str(c) for c in item.changes]
    assert g.folders()[g.dashboards()[ROUTING]["folderUid"]]["title"] == "Routing"
    assert push(moved, client(g)).counts()["unchanged"] == len(dashboards)
    g.add_folder("Elsewhere", uid="elsewhere")
    g.ui_edit(ROUTING, {}, folder_uid="elsewhere")
    item = push(moved, client(g)).by_uid()[ROUTING]
    assert item.action == "drifted" and "moved in Grafana to folder 'Elsewhere'" in item.reason
    assert_api(g)


def test_a_dashboard_dashctl_never_pushed_is_not_overwritten(g, dashboards):
    g.add_dashboard({"uid": ROUTING, "title": "Somebody else's"})
    item = push(dashboards, client(g)).by_uid()[ROUTING]
    assert item.action == "drifted" and "not pushed by dashctl" in item.reason
    assert g.dashboards()[ROUTING]["title"] == "Somebody else's"
    assert push(dashboards, client(g), force=True).by_uid()[ROUTING].done
    assert g.dashboards()[ROUTING]["title"] == "Plano - Routing"
    assert_api(g)


def test_a_conflict_between_read_and_write_is_drift_not_a_blind_retry(gr, dashboards):
    push(dashboards, client(gr))
    changed = edited(dashboards, ROUTING, lambda m: m.update(description="new"))

    def log(message, level=1):  # someone saves right after push read the dashboard
        if message.startswith(f"GET /apis/dashboard.grafana.app/{V1[gr.grafana]}/namespaces/default/dashboards/"
                              f"{ROUTING} -> 200"):
            gr.ui_edit(ROUTING, lambda m: m.update(title="Concurrent edit"))

    gr.reset_log()
    rep = push(changed, client(gr, log=log))
    item = rep.by_uid()[ROUTING]
    assert item.action == "drifted" and not item.done and not item.failed and rep.exit_code == 1
    assert "changed in Grafana during this push (409 Conflict)" in item.reason
    puts = [r for r in gr.writes() if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].body["metadata"]["resourceVersion"]  # RES-12: sent, refused once
    assert gr.dashboards()[ROUTING]["title"] == "Concurrent edit"


def test_a_create_that_landed_before_its_answer_was_lost_is_recognised(g, dashboards):
    target = next(d for d in dashboards if d.uid == ROUTING)
    plano = folder_uid(("Plano",))

    def log(message, level=1):  # our own earlier attempt landed, its answer never came back
        if message.startswith("GET ") and f"/{ROUTING} -> 404" in message:
            g.add_folder("Plano", uid=plano)
            g.add_dashboard(upload_model(target, plano, "dashctl"), plano)

    rep = push([target], client(g, log=log))
    item = rep.by_uid()[ROUTING]
    assert not item.failed and item.done and item.version == 1 and rep.exit_code == 0
    assert len(dash_writes(g)) == 1  # refused (412 / 409 AlreadyExists), re-read: it is ours, nothing more
    assert_api(g)


def test_retries_then_success_and_a_bad_token_stops_before_any_write(g, dashboards):
    g.fail_next(4, 503)  # discovery itself is retried
    assert push(dashboards, client(g)).counts()["create"] == len(dashboards)
    g.fail_next(3, 429, retry_after=0)
    changed = edited(dashboards, ROUTING, lambda m: m.update(description="x"))
    assert push(changed, client(g)).by_uid()[ROUTING].done
    g.reset_log()
    with pytest.raises(AuthError) as info:
        push(dashboards, GrafanaClient(g.url, token="glsa_wrong"))
    assert info.value.status == 401 and g.writes() == [] and "glsa_wrong" not in str(info.value)


# --------------------------------------------------------------------------- dry run
def test_dry_run_writes_nothing_and_shows_the_panel_diff(g, dashboards):
    rep = push(dashboards, client(g), dry_run=True)
    assert g.writes() == [] and rep.counts()["create"] == len(dashboards)
    assert rep.folders_created.index("Team") < rep.folders_created.index("Team/Gateway/Deep")
    push(dashboards, client(g))

    def change(m):
        p = panel(m, FALLBACK)
        p["fieldConfig"]["defaults"]["unit"] = "percent"
        m["panels"].remove(panel(m, "Router skips by reason"))

    g.reset_log()
    rep = push(edited(dashboards, ROUTING, change), client(g), dry_run=True)
    assert g.writes() == []
    item = rep.by_uid()[ROUTING]
    assert item.action == "update" and not item.done
    assert [str(c) for c in item.changes] == [f"changed panel '{FALLBACK}' unit: percentunit -> percent",
                                              "removed panel 'Router skips by reason' (timeseries)"]
    assert_api(g)


# --------------------------------------------------------------------------- prune
def test_prune_deletes_only_what_this_owner_pushed(g, dashboards):
    push(dashboards, client(g))
    g.add_dashboard({"uid": "hand-made", "title": "Hand made", "tags": ["dashctl-managed"]})  # tagged, no stamp
    g.add_dashboard({"uid": "untagged", "title": "Untagged"})
    push([attrs.evolve(dashboards[0], uid="other-repo")], client(g), owner="another-repo")
    keep = [d for d in dashboards if d.uid != "plano-process"]
    g.reset_log()
    rep = push(keep, client(g), prune=True, dry_run=True)
    assert g.writes() == [] and [i.uid for i in rep.items if i.action == "delete"] == ["plano-process"]
    rep = push(keep, client(g), prune=True)
    where = "/api/dashboards/uid" if g.grafana == "11" else \
        f"/apis/dashboard.grafana.app/{V1[g.grafana]}/namespaces/default/dashboards"
    assert [(r.method, r.path) for r in g.writes()] == [("DELETE", f"{where}/plano-process")]
    assert rep.by_uid()["plano-process"].done and rep.exit_code == 0
    assert set(g.dashboards()) == {d.uid for d in keep} | {"hand-made", "untagged", "other-repo"}
    assert_api(g)


# --------------------------------------------------------------------------- never clobber
def test_a_v1_push_over_a_v2_dashboard_is_refused_in_one_line(gr, dashboards):
    push(dashboards, client(gr))
    gr.store_v2(V2_FIXTURE["spec"], ROUTING, folder_uid=gr.dashboards()[ROUTING]["folderUid"], by="user:alice",
                at="2026-12-01T10:00:00Z")
    gr.reset_log()
    rep = push(dashboards, client(gr))
    item = rep.by_uid()[ROUTING]
    assert item.action == "stored-v2" and rep.exit_code == 1 and dash_writes(gr) == []
    assert item.reason.startswith("stored as v2 by user:alice at 2026-12-01T10:00:00Z;")
    assert "--schema v2" in item.reason and "--force" in item.reason
    assert gr.stored_version(ROUTING) == V2[gr.grafana]
    assert_api(gr)
    rep = push(dashboards, client(gr), force=True)  # the user chose to replace it with v1
    assert rep.by_uid()[ROUTING].done and gr.stored_version(ROUTING) == V1[gr.grafana]


def test_a_conversion_that_hides_the_stored_version_is_read_at_v2(gr, dashboards):
    """RES-17: a failed conversion at v1 names storedVersion; push reads it there before deciding."""
    push(dashboards, client(gr))
    gr.store_v2(V2_FIXTURE["spec"], ROUTING, folder_uid=gr.dashboards()[ROUTING]["folderUid"], by="user:bob")
    gr.fail_conversion(ROUTING)
    item = push(dashboards, client(gr)).by_uid()[ROUTING]
    assert item.action == "stored-v2" and "user:bob" in item.reason


def test_classic_api_on_grafana_12_sees_a_v2_dashboard_through_its_406(dashboards):
    with standin("12") as g:
        push(dashboards, client(g), api="classic")
        g.store_v2(V2_FIXTURE["spec"], ROUTING, folder_uid=g.dashboards()[ROUTING]["folderUid"])
        g.reset_log()
        rep = push(dashboards, client(g), api="classic")
        assert rep.by_uid()[ROUTING].action == "stored-v2" and g.writes() == []
        assert all(r.path.startswith("/api/") for r in g.requests)  # RES-18: 406 on /api


def test_a_dashboard_managed_by_another_tool_is_never_written(g, dashboards):
    if g.grafana == "11":  # the classic API sees file provisioning only
        g.add_provisioned({"uid": ROUTING, "title": "From a file"})
        expected = "provisioned"
    else:
        push(dashboards, client(g))
        g.set_manager(ROUTING, "terraform", "tf-stack-prod")  # RES-8
        expected = "managed"
    g.reset_log()
    changed = edited(dashboards, ROUTING, lambda m: m.update(description="new"))
    for force in (False, True):
        rep = push(changed, client(g), force=force)
        item = rep.by_uid()[ROUTING]
        assert item.action == expected and rep.exit_code == 1
    assert ROUTING not in [p.rsplit("/", 1)[-1] for _, p in dash_writes(g)]
    if expected == "managed":
        assert item.reason.startswith(
            "managed by Terraform (grafana.app/managedBy terraform, managerId tf-stack-prod): change it there")
        rep = push([d for d in dashboards if d.uid != ROUTING], client(g), prune=True, force=True)
        assert ROUTING not in rep.by_uid() and ROUTING in g.dashboards()  # prune never deletes it
    assert_api(g)


def test_file_provisioned_dashboards_are_skipped_on_the_resource_api_too(gr, dashboards):
    gr.add_provisioned({"uid": ROUTING, "title": "From a file"})  # RES-8: managedBy classic-file
    rep = push(dashboards, client(gr))
    assert rep.by_uid()[ROUTING].action == "provisioned" and rep.counts()["create"] == len(dashboards) - 1


# --------------------------------------------------------------------------- v2
def test_v2_push_creates_v2_resources_repushes_nothing_and_never_downgrades(gr, dashboards):
    rep = push(dashboards, client(gr), schema="v2", to_v2=to_v2)
    assert rep.counts()["create"] == len(dashboards) and rep.api_version.endswith("/" + V2[gr.grafana])
    assert gr.stored_version(ROUTING) == V2[gr.grafana]
    res = gr.resource(ROUTING)
    assert res["spec"]["elements"]["panel-1"]["spec"]["title"] == "Request rate"
    assert "dashctl-managed" in res["spec"]["tags"] and res["metadata"]["annotations"]["dashctl/hash"]
    gr.reset_log()
    assert push(dashboards, client(gr), schema="v2", to_v2=to_v2).counts()["unchanged"] == len(dashboards)
    assert gr.writes() == []
    rep = push(dashboards, client(gr), schema="v2", to_v2=lambda c: to_v2(c, "Requests per second"))
    item = rep.by_uid()[ROUTING]
    assert item.action == "update" and item.done
    assert [str(c) for c in item.changes] == ["changed panel 'Request rate' title: Request rate -> Requests per second"]
    rep = push(dashboards, client(gr))  # v1 now: our own v2 dashboards are not downgraded
    assert rep.counts()["stored-v2"] == len(dashboards) and gr.stored_version(ROUTING) == V2[gr.grafana]
    assert_api(gr)


def test_v2_push_upgrades_our_v1_dashboards_and_refuses_a_teammates_v2_edit(gr, dashboards):
    push(dashboards, client(gr))
    rep = push(dashboards, client(gr), schema="v2", to_v2=to_v2)
    item = rep.by_uid()[ROUTING]
    assert item.action == "update" and "changed dashboard schema: v1 -> v2" in [str(c) for c in item.changes]
    assert gr.stored_version(ROUTING) == V2[gr.grafana]
    spec = copy.deepcopy(gr.resource(ROUTING)["spec"])
    spec["elements"]["panel-1"]["spec"]["title"] = "Alice's title"
    # a UI save sends back the metadata it loaded (our annotations with it)
    gr.store_v2(spec, ROUTING, folder_uid=gr.dashboards()[ROUTING]["folderUid"], by="user:alice",
                annotations=gr.resource(ROUTING)["metadata"]["annotations"])
    gr.reset_log()
    item = push(dashboards, client(gr), schema="v2", to_v2=to_v2).by_uid()[ROUTING]
    assert item.action == "drifted" and "edited in Grafana" in item.reason and dash_writes(gr) == []


def test_v2_is_refused_in_one_line_where_it_cannot_be_written(dashboards):
    with standin("11") as g:
        with pytest.raises(ConfigError, match=r"--schema v2: .* serves no dashboard.grafana.app v2 \(no resource"):
            push(dashboards, client(g), schema="v2", to_v2=to_v2)
    with standin("12", dynamic_dashboards=False) as g:
        with pytest.raises(ConfigError, match=r"serves no dashboard.grafana.app v2 \(v1beta1\)"):
            push(dashboards, client(g), schema="v2", to_v2=to_v2)
        with pytest.raises(ConfigError, match="--schema v2 needs the resource API"):
            push(dashboards, client(g), schema="v2", to_v2=to_v2, api="classic")
        assert g.writes() == []


# --------------------------------------------------------------------------- API choice, namespace, CLI
def test_api_classic_on_grafana_13_speaks_only_the_deprecated_api(dashboards):
    with standin("13") as g:
        rep = push(dashboards, client(g), api="classic")
        assert rep.api == "classic" and rep.counts()["create"] == len(dashboards)
        assert all(r.path.startswith("/api/") for r in g.requests)
        with pytest.raises(ConfigError, match="--api resource: .* no usable dashboard.grafana.app"):
            with standin("11") as old:
                push(dashboards, client(old), api="resource")


def test_namespace_of_a_cloud_stack_an_org_and_a_wrong_namespace(dashboards):
    with standin("13", stack_id=42) as g:
        with pytest.raises(ConfigError, match="namespace 'default' is not this token's organisation"):
            push(dashboards, client(g))
        assert g.writes() == []
        out = run_dashctl("push", "--output", "json",
                          env={"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN, "GRAFANA_STACK_ID": "42"})
        rep = json.loads(out.stdout)  # RES-5: a Grafana Cloud stack's namespace
        assert rep["namespace"] == "stacks-42" and rep["summary"]["create"] == len(dashboards), out.stderr
    with StandInGrafana(basic=("admin", "secret"), grafana="13") as g:  # org 2 of a basic-auth user: org-2
        rep = push(dashboards[:2], GrafanaClient(g.url, user="admin", password="secret", org_id=2))
        assert rep.namespace == "org-2" and len(g.dashboards(org=2)) == 2 and not g.dashboards(org=1)
        assert {r.path.split("/")[5] for r in g.requests if "/namespaces/" in r.path} == {"org-2"}


@pytest.mark.parametrize("mode", MODES)
def test_cli_json_names_the_api_and_refusals_exit_1(mode):
    with standin(mode) as g:
        env = {"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN}
        first = json.loads(run_dashctl("push", "--output", "json", env=env).stdout)
        assert first["api"] == ("classic" if mode == "11" else "resource") and first["exit_code"] == 0
        if mode == "11":
            g.ui_edit(ROUTING, lambda m: m.update(title="Edited"))
            expect = "changed in Grafana"
        else:
            g.store_v2(V2_FIXTURE["spec"], ROUTING, folder_uid=g.dashboards()[ROUTING]["folderUid"], by="user:alice",
                       at="2026-12-01T10:00:00Z")
            expect = "stored as v2"
        out = run_dashctl("push", env=env)
        assert out.returncode == 1 and out.stderr == f"dashctl: error: 1 dashboard(s) refused ({expect}): {ROUTING}\n"
        line = next(x for x in out.stdout.splitlines() if ROUTING in x)
        if mode != "11":
            assert line.startswith(f"stored-v2   {ROUTING}") and "stored as v2 by user:alice at 2026-12-01" in line
        assert TOKEN not in out.stdout + out.stderr
        assert_api(g)


# --------------------------------------------------------------------------- what some instances do
def test_a_build_that_misreports_the_stored_version_still_protects_v2(dashboards):
    """RES-17 caveat (#124675): storedVersion says v0alpha1; push reads the dashboard at v2 to know."""
    with standin("13", reported_stored_version="v0alpha1") as g:
        push(dashboards, client(g))
        g.store_v2(V2_FIXTURE["spec"], ROUTING, folder_uid=g.dashboards()[ROUTING]["folderUid"], by="user:carol")
        g.reset_log()
        item = push(dashboards, client(g)).by_uid()[ROUTING]
        assert item.action == "stored-v2" and "user:carol" in item.reason and g.writes() == []


def test_an_instance_that_ignores_our_annotations(dashboards):
    """RES-8: custom annotations may be ignored. v1 keeps its stamp in the spec; v2 cannot, and says so."""
    with standin("12", custom_annotations=False) as g:
        push(dashboards, client(g))
        assert push(dashboards, client(g)).counts()["unchanged"] == len(dashboards)
        rep = push(dashboards, client(g), schema="v2", to_v2=to_v2)
        item = rep.by_uid()[ROUTING]
        assert item.done and item.warning.startswith("Grafana ignored dashctl's annotations")
        item = push(dashboards, client(g), schema="v2", to_v2=to_v2).by_uid()[ROUTING]
        assert item.action == "drifted" and "not pushed by dashctl" in item.reason
