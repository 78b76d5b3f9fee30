"""Checks the stand-in's resource API (/apis) against each rule RES-n of grafana-api.md,
"Grafana 12/13 resource API", in the modes where Grafana differs (grafana="11", "12", "13")."""

import base64
import os
import re
import sys
from contextlib import contextmanager

import pytest
import requests

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import StandInGrafana

TOKEN = "glsa_test_token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VIEWER = {"Authorization": "Bearer glsa_viewer"}
ADMIN_BASIC = {"Authorization": "Basic " + base64.b64encode(b"admin:secret").decode()}
D, F = "dashboard.grafana.app", "folder.grafana.app"
V1 = {"12": "v1beta1", "13": "v1"}  # the v1-family version each mode prefers
V2 = {"12": "v2beta1", "13": "v2"}  # the v2 version each mode serves (12: with dynamic dashboards)
RESOURCE_MODES = ["12", "13"]


@contextmanager
def standin(mode, **kw):
    kw.setdefault("dynamic_dashboards", True if mode in ("12", "13") else None)
    with StandInGrafana(token=TOKEN, basic=("admin", "secret"), viewer_tokens={"glsa_viewer"}, grafana=mode,
                        **kw) as g:
        yield g


@pytest.fixture(params=RESOURCE_MODES)
def g(request):
    with standin(request.param) as server:
        yield server


def call(g, method, path, body=None, headers=AUTH, **params):
    return requests.request(method, g.url + path, json=body, headers=headers, params=params, timeout=5)


def dash_path(version, name=None, ns="default", group=D, resource="dashboards"):
    return f"/apis/{group}/{version}/namespaces/{ns}/{resource}" + (f"/{name}" if name else "")


def v1_obj(g, name="gw", title="Gateway", folder=None, **spec):
    meta = {"name": name}
    if folder:
        meta["annotations"] = {"grafana.app/folder": folder}
    return {"apiVersion": f"{D}/{V1[g.grafana]}", "kind": "Dashboard", "metadata": meta,
            "spec": {"title": title, "schemaVersion": 41, "panels": [], **spec}}


def grid(*names):
    return {"kind": "GridLayout", "spec": {"items": [
        {"kind": "GridLayoutItem", "spec": {"x": 0, "y": 0, "width": 12, "height": 8,
                                            "element": {"kind": "ElementReference", "name": n}}} for n in names]}}


def panel(i, title):
    return {"kind": "Panel", "spec": {
        "id": i, "title": title, "description": "", "links": [],
        "data": {"kind": "QueryGroup", "spec": {"queries": [{"kind": "PanelQuery", "spec": {
            "refId": "A", "hidden": False, "query": {"kind": "DataQuery", "group": "prometheus", "version": "v0",
                                                     "datasource": {"name": "prom"}, "spec": {"expr": "up"}}}}],
            "transformations": [], "queryOptions": {}}},
        "vizConfig": {"kind": "VizConfig", "group": "timeseries", "version": "", "spec": {
            "options": {}, "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []}}}}}


def v2_spec(title="Gateway v2"):
    """A v2 dashboard with tabs: a structure v1 cannot hold (RES-17)."""
    return {
        "title": title, "tags": ["v2"], "annotations": [], "cursorSync": "Crosshair", "links": [], "preload": False,
        "elements": {"a": panel(1, "Requests"), "b": panel(2, "Errors")},
        "layout": {"kind": "TabsLayout", "spec": {"tabs": [
            {"kind": "TabsLayoutTab", "spec": {"title": "Traffic", "layout": grid("a")}},
            {"kind": "TabsLayoutTab", "spec": {"title": "Failures", "layout": grid("b")}}]}},
        "variables": [], "timeSettings": {"from": "now-1h", "to": "now", "autoRefresh": "30s",
                                          "autoRefreshIntervals": [], "hideTimepicker": False,
                                          "fiscalYearStartMonth": 0},
    }


def classic_save(g, dash, folder="", **extra):
    return call(g, "POST", "/api/dashboards/db", {"dashboard": dash, "folderUid": folder, **extra})


def assert_status(r, code, reason):
    """RES-16: a Kubernetes Status, keyed on code and reason."""
    assert r.status_code == code, r.text
    body = r.json()
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert (body["code"], body["reason"]) == (code, reason)
    return body


# --------------------------------------------------------------------------- discovery
@pytest.mark.parametrize("mode", [None, "11"])
def test_res1_no_apis_means_classic_only(mode):
    with standin(mode) as g:
        r = call(g, "GET", "/apis")
        assert r.status_code == 404 and r.json() == {"message": "Not found"}
        assert requests.get(g.url + "/api/health", timeout=5).json()["version"] == (
            "11.6.0" if mode == "11" else "12.3.1")
        assert call(g, "GET", dash_path("v1beta1")).status_code == 404
        assert classic_save(g, {"title": "x", "uid": "x"}).status_code == 200


def test_res1_apis_answers_an_api_group_list(g):
    r = call(g, "GET", "/apis")
    assert r.status_code == 200
    body = r.json()
    assert (body["kind"], body["apiVersion"]) == ("APIGroupList", "v1")
    assert {grp["name"] for grp in body["groups"]} == {D, F}


@pytest.mark.parametrize("mode, dynamic, versions, preferred", [
    ("12", False, ["v1beta1"], "v1beta1"),
    ("12", True, ["v1beta1", "v2beta1"], "v1beta1"),
    ("13", None, ["v1", "v1beta1", "v2", "v2beta1"], "v1"),
    ("13", False, ["v1", "v1beta1"], "v1"),
])
def test_res2_api_group_versions_and_preferred_version(mode, dynamic, versions, preferred):
    with StandInGrafana(token=TOKEN, grafana=mode, dynamic_dashboards=dynamic) as g:
        body = call(g, "GET", f"/apis/{D}").json()
        assert (body["kind"], body["name"]) == ("APIGroup", D)
        assert [v["version"] for v in body["versions"]] == versions
        assert all(v["groupVersion"] == f"{D}/{v['version']}" for v in body["versions"])
        assert body["preferredVersion"] == {"groupVersion": f"{D}/{preferred}", "version": preferred}
        # alpha versions and versions not served answer 404
        for v in ["v0alpha1", "v2alpha1", "v9"] + [v for v in ("v1", "v2", "v2beta1") if v not in versions]:
            assert call(g, "GET", f"/apis/{D}/{v}").status_code == 404
            assert call(g, "GET", dash_path(v)).status_code == 404
        assert call(g, "GET", "/apis/nope.grafana.app").status_code == 404


def test_res3_api_resource_list_names_the_resources(g):
    for version in g._served()[D]:
        body = call(g, "GET", f"/apis/{D}/{version}").json()
        assert (body["kind"], body["groupVersion"]) == ("APIResourceList", f"{D}/{version}")
        dash = next(r for r in body["resources"] if r["name"] == "dashboards")
        assert dash["kind"] == "Dashboard" and dash["namespaced"] is True and "update" in dash["verbs"]
    body = call(g, "GET", f"/apis/{F}/v1beta1").json()
    assert [(r["name"], r["kind"]) for r in body["resources"]] == [("folders", "Folder")]


def test_res4_name_only_for_get_update_delete_and_dto(g):
    v = V1[g.grafana]
    assert call(g, "POST", dash_path(v), v1_obj(g)).status_code == 201
    assert call(g, "POST", dash_path(v, "gw"), v1_obj(g)).status_code == 404  # no create at a name
    assert call(g, "GET", dash_path(v, "gw")).status_code == 200
    dto = call(g, "GET", dash_path(v, "gw") + "/dto").json()
    assert dto["metadata"]["name"] == "gw" and dto["access"]["canSave"] is True
    assert call(g, "GET", dash_path(v, "gw") + "/dto", headers=VIEWER).json()["access"]["canSave"] is False


# --------------------------------------------------------------------------- namespaces
def test_res5_namespace_selects_the_org(g):
    v = V1[g.grafana]
    assert call(g, "POST", dash_path(v, ns="org-2"), v1_obj(g, "o2"), headers=ADMIN_BASIC).status_code == 201
    assert "o2" in g.dashboards(org=2) and "o2" not in g.dashboards(org=1)
    got = call(g, "GET", dash_path(v, "o2", ns="org-2"), headers=ADMIN_BASIC).json()
    assert got["metadata"]["namespace"] == "org-2"
    # the namespace, not X-Grafana-Org-Id, selects the org
    h = {**ADMIN_BASIC, "X-Grafana-Org-Id": "2"}
    assert_status(call(g, "GET", dash_path(v, "o2"), headers=h), 404, "NotFound")
    # a token belongs to org 1: another org's namespace reads as 404, writes as 403
    assert_status(call(g, "GET", dash_path(v, "o2", ns="org-2")), 404, "NotFound")
    assert_status(call(g, "POST", dash_path(v, ns="org-2"), v1_obj(g, "x")), 403, "Forbidden")
    assert_status(call(g, "GET", dash_path(v, ns="stacks-5")), 404, "NotFound")


@pytest.mark.parametrize("mode", RESOURCE_MODES)
def test_res5_cloud_stack_namespace(mode):
    with standin(mode, stack_id=4242) as g:
        v = V1[mode]
        assert_status(call(g, "GET", dash_path(v, "gw")), 404, "NotFound")
        r = call(g, "POST", dash_path(v, ns="stacks-4242"), v1_obj(g))
        assert r.status_code == 201 and r.json()["metadata"]["namespace"] == "stacks-4242"
        assert_status(call(g, "GET", dash_path(v, "gw", ns="default")), 404, "NotFound")
        assert call(g, "GET", "/api/dashboards/uid/gw").status_code == 200  # the same org 1


# --------------------------------------------------------------------------- the Dashboard resource
def test_res6_shape_v1_spec_is_the_classic_json(g):
    classic_save(g, {"title": "Gateway", "uid": "gw", "schemaVersion": 41, "panels": [], "custom": 1})
    r = call(g, "GET", dash_path(V1[g.grafana], "gw")).json()
    assert set(r) == {"kind", "apiVersion", "metadata", "spec", "status"}
    assert (r["kind"], r["apiVersion"]) == ("Dashboard", f"{D}/{V1[g.grafana]}")
    classic = call(g, "GET", "/api/dashboards/uid/gw").json()["dashboard"]
    assert r["spec"] == {k: v for k, v in classic.items() if k != "id"}


def test_res6_shape_v2_spec_has_elements_and_layout(g):
    g.store_v2(v2_spec(), "v2d")
    spec = call(g, "GET", dash_path(V2[g.grafana], "v2d")).json()["spec"]
    assert spec == v2_spec()
    assert spec["layout"]["kind"] == "TabsLayout" and set(spec["elements"]) == {"a", "b"}


def test_res7_metadata_name_generation_resource_version(g):
    v = V1[g.grafana]
    created = call(g, "POST", dash_path(v), v1_obj(g)).json()
    meta = created["metadata"]
    classic = call(g, "GET", "/api/dashboards/uid/gw").json()
    assert meta["name"] == "gw" and meta["uid"] != "gw"
    assert meta["labels"]["grafana.app/deprecatedInternalID"] == str(classic["dashboard"]["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert meta["generation"] == 1 == classic["meta"]["version"]
    # metadata-only change: resourceVersion moves, generation does not
    body = v1_obj(g)
    body["metadata"] = {**meta, "labels": {"team": "gw"}}
    after = call(g, "PUT", dash_path(v, "gw"), body).json()["metadata"]
    assert after["resourceVersion"] != meta["resourceVersion"] and after["generation"] == 1
    # spec change: both move, and the classic version follows generation
    body = v1_obj(g, title="Gateway 2")
    body["metadata"] = after
    again = call(g, "PUT", dash_path(v, "gw"), body).json()["metadata"]
    assert again["generation"] == 2 == call(g, "GET", "/api/dashboards/uid/gw").json()["meta"]["version"]
    assert again["resourceVersion"] not in (meta["resourceVersion"], after["resourceVersion"])


def test_res8_annotations_folder_message_identity(g):
    g.add_folder("Plano", "plano")
    v = V1[g.grafana]
    body = v1_obj(g, folder="plano")
    body["metadata"]["annotations"]["grafana.app/message"] = "from dashctl"
    meta = call(g, "POST", dash_path(v), body).json()["metadata"]
    ann = meta["annotations"]
    assert ann["grafana.app/folder"] == "plano" and ann["grafana.app/message"] == "from dashctl"
    assert ann["grafana.app/createdBy"] == ann["grafana.app/updatedBy"] == "service-account:1"
    assert ann["grafana.app/updatedTimestamp"].endswith("Z")
    assert call(g, "GET", "/api/dashboards/uid/gw").json()["meta"]["folderUid"] == "plano"
    # a classic save by a user shows as that user
    classic_save(g, {"title": "Gateway", "uid": "gw", "version": meta["generation"]}, "plano")
    assert g.resource("gw")["metadata"]["annotations"]["grafana.app/updatedBy"] == "service-account:1"
    r = requests.post(g.url + "/api/dashboards/db", json={"dashboard": {"title": "B", "uid": "b"}},
                      headers=ADMIN_BASIC, timeout=5)
    assert r.status_code == 200
    ann = g.resource("b")["metadata"]["annotations"]
    assert ann["grafana.app/createdBy"] == "user:admin" and "grafana.app/folder" not in ann  # root


def test_res8_managed_by_other_tools(g):
    v = V1[g.grafana]
    uid = g.add_provisioned({"title": "From files", "uid": "prov"})
    ann = call(g, "GET", dash_path(v, uid)).json()["metadata"]["annotations"]
    assert ann["grafana.app/managedBy"] == "classic-file" and ann["grafana.app/managerAllowsEdits"] == "false"
    classic_save(g, {"title": "TF", "uid": "tf"})
    g.set_manager("tf", "terraform", "stack-a")
    ann = call(g, "GET", dash_path(v, "tf")).json()["metadata"]["annotations"]
    assert (ann["grafana.app/managedBy"], ann["grafana.app/managerId"]) == ("terraform", "stack-a")
    # only the provisioning identity may create or change a `repo` (Git Sync) resource
    body = v1_obj(g, "gs")
    body["metadata"]["annotations"] = {"grafana.app/managedBy": "repo", "grafana.app/managerId": "r"}
    assert_status(call(g, "POST", dash_path(v), body), 403, "Forbidden")
    classic_save(g, {"title": "Synced", "uid": "gs"})
    g.set_manager("gs", "repo", "infra-repo")
    put = v1_obj(g, "gs", title="mine now")
    assert_status(call(g, "PUT", dash_path(v, "gs"), put), 403, "Forbidden")
    assert_status(call(g, "PUT", dash_path(v, "prov"), v1_obj(g, "prov")), 400, "BadRequest")


def test_res9_validation_refuses_low_refresh_where_classic_raises_it(g):
    v = V1[g.grafana]
    body = assert_status(call(g, "POST", dash_path(v), v1_obj(g, refresh="1s")), 400, "BadRequest")
    assert body["message"] == "Dashboard refresh interval is too low"
    assert_status(call(g, "POST", dash_path(v), v1_obj(g, title=" ")), 400, "BadRequest")
    assert classic_save(g, {"title": "x", "uid": "gw", "refresh": "1s"}).status_code == 200
    assert g.dashboards()["gw"]["dashboard"]["refresh"] == "5s"


# --------------------------------------------------------------------------- operations
def test_res10_every_write_returns_the_new_resource_version_and_one_store(g):
    v = V1[g.grafana]
    first = call(g, "POST", dash_path(v), v1_obj(g)).json()
    assert first["metadata"]["resourceVersion"] == call(g, "GET", dash_path(v, "gw")).json()["metadata"][
        "resourceVersion"]
    classic_save(g, {"title": "via classic", "uid": "gw", "version": 1})
    now = call(g, "GET", dash_path(v, "gw")).json()
    assert now["spec"]["title"] == "via classic"
    assert now["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
    stale = v1_obj(g, title="stale")
    stale["metadata"]["resourceVersion"] = first["metadata"]["resourceVersion"]
    assert_status(call(g, "PUT", dash_path(v, "gw"), stale), 409, "Conflict")


def test_res11_create(g):
    v = V1[g.grafana]
    r = call(g, "POST", dash_path(v), v1_obj(g))
    assert r.status_code == 201 and r.json()["metadata"]["name"] == "gw"
    body = assert_status(call(g, "POST", dash_path(v), v1_obj(g)), 409, "AlreadyExists")
    assert body["message"] == "dashboard with the same uid already exists"
    gen = v1_obj(g)
    gen["metadata"] = {"generateName": "gw-"}
    made = call(g, "POST", dash_path(v), gen)
    assert made.status_code == 201 and re.fullmatch(r"gw-[a-z0-9]{5}", made.json()["metadata"]["name"])
    with_rv = v1_obj(g, "new")
    with_rv["metadata"]["resourceVersion"] = "1"
    assert_status(call(g, "POST", dash_path(v), with_rv), 400, "BadRequest")
    wrong_version = v1_obj(g, "new")
    wrong_version["apiVersion"] = f"{D}/v0alpha1"
    assert_status(call(g, "POST", dash_path(v), wrong_version), 400, "BadRequest")
    nameless = v1_obj(g)
    nameless["metadata"] = {}
    assert_status(call(g, "POST", dash_path(v), nameless), 422, "Invalid")
    assert_status(call(g, "POST", dash_path(v), v1_obj(g, "bad.uid")), 422, "Invalid")


def test_res12_update_conflict_and_folder(g):
    g.add_folder("Plano", "plano")
    v = V1[g.grafana]
    created = call(g, "POST", dash_path(v), v1_obj(g, folder="plano")).json()
    body = v1_obj(g, title="edit 1", folder="plano")
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    assert call(g, "PUT", dash_path(v, "gw"), body).status_code == 200
    stale = assert_status(call(g, "PUT", dash_path(v, "gw"), body), 409, "Conflict")  # the same rv again
    assert stale["message"] == (
        f'Operation cannot be fulfilled on dashboards.{D} "gw": the object has been modified; '
        "please apply your changes to the latest version and try again")
    assert g.dashboards()["gw"]["title"] == "edit 1"
    # without resourceVersion: unconditional; without the folder annotation: back to the root
    assert call(g, "PUT", dash_path(v, "gw"), v1_obj(g, title="edit 2")).status_code == 200
    assert g.dashboards()["gw"]["folderUid"] == ""
    assert_status(call(g, "PUT", dash_path(v, "gw"), v1_obj(g, "other")), 400, "BadRequest")
    assert_status(call(g, "PUT", dash_path(v, "missing"), v1_obj(g, "missing")), 404, "NotFound")


def test_res13_sent_status_is_ignored(g):
    v = V1[g.grafana]
    body = v1_obj(g)
    body["status"] = {"conversion": {"failed": True, "storedVersion": "v0alpha1"}}
    r = call(g, "POST", dash_path(v), body)
    assert r.status_code == 201 and r.json()["status"] == {}


def test_res14_delete(g):
    v = V1[g.grafana]
    meta = call(g, "POST", dash_path(v), v1_obj(g)).json()["metadata"]
    r = call(g, "DELETE", dash_path(v, "gw"))
    assert r.status_code == 200
    assert r.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                        "details": {"name": "gw", "group": D, "kind": "dashboards", "uid": meta["uid"]}}
    assert call(g, "GET", "/api/dashboards/uid/gw").status_code == 404
    assert_status(call(g, "DELETE", dash_path(v, "gw")), 404, "NotFound")
    g.add_provisioned({"title": "p", "uid": "p"})
    assert_status(call(g, "DELETE", dash_path(v, "p")), 400, "BadRequest")


def test_res15_list_pages_with_continue(g):
    for i in range(5):
        classic_save(g, {"title": f"d{i}", "uid": f"d{i}"})
    g.store_v2(v2_spec(), "d5")
    v, names, token, pages = V1[g.grafana], [], None, 0
    while True:
        params = {"limit": 2, **({"continue": token} if token else {})}
        body = call(g, "GET", dash_path(v), **params).json()
        assert body["kind"] == "DashboardList" and body["metadata"]["resourceVersion"]
        names += [i["metadata"]["name"] for i in body["items"]]
        pages += 1
        assert all(i["apiVersion"] == f"{D}/{v}" for i in body["items"])
        token = body["metadata"].get("continue")
        if not token:
            break
    assert names == [f"d{i}" for i in range(6)] and pages == 3
    items = call(g, "GET", dash_path(v)).json()["items"]
    assert items[-1]["status"]["conversion"]["storedVersion"] == V2[g.grafana]  # RES-17 in a list
    folders = call(g, "GET", dash_path("v1beta1", group=F, resource="folders")).json()
    assert folders["kind"] == "FolderList" and folders["items"] == []


def test_res16_errors_are_status_objects_and_401_is_classic(g):
    body = assert_status(call(g, "GET", dash_path(V1[g.grafana], "nope")), 404, "NotFound")
    assert body["details"] == {"name": "nope", "group": D, "kind": "dashboards"}
    r = call(g, "GET", dash_path(V1[g.grafana]), headers={"Authorization": "Bearer glsa_wrong"})
    assert r.status_code == 401 and r.json()["messageId"] == "api-key.invalid"
    r = call(g, "GET", "/apis", headers={})
    assert r.status_code == 401 and r.json()["messageId"] == "auth.unauthorized"


# --------------------------------------------------------------------------- schema v1 vs v2
def test_res17_stored_version_and_conversion_status(g):
    v1, v2 = V1[g.grafana], V2[g.grafana]
    call(g, "POST", dash_path(v1), v1_obj(g, "one", panels=[
        {"id": 1, "type": "row", "title": "Traffic", "collapsed": False, "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
         "panels": []},
        {"id": 2, "type": "timeseries", "title": "rq/s", "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8},
         "targets": [{"refId": "A", "expr": "up", "datasource": {"type": "prometheus", "uid": "prom"}}]}]))
    as_v2 = call(g, "GET", dash_path(v2, "one")).json()
    assert as_v2["status"]["conversion"] == {"failed": False, "storedVersion": v1}
    rows = as_v2["spec"]["layout"]["spec"]["rows"]
    assert [r["spec"]["title"] for r in rows] == ["Traffic"]
    query = as_v2["spec"]["elements"]["panel-2"]["spec"]["data"]["spec"]["queries"][0]["spec"]
    assert query["query"]["group"] == "prometheus" and query["query"]["spec"] == {"expr": "up"}
    assert "conversion" not in call(g, "GET", dash_path(v1, "one")).json()["status"]
    g.store_v2(v2_spec(), "two")
    assert call(g, "GET", dash_path(v2, "two")).json()["status"] == {}  # no conversion: stored as v2
    assert call(g, "GET", dash_path(v1, "two")).json()["status"]["conversion"]["storedVersion"] == v2
    assert g.stored_version("two") == v2 and g.stored_version("one") == v1
    g.fail_conversion("two")
    failed = call(g, "GET", dash_path(v1, "two")).json()
    assert failed["spec"] == {} and failed["status"]["conversion"]["failed"] is True
    assert failed["status"]["conversion"]["storedVersion"] == v2
    assert call(g, "GET", dash_path(v2, "two")).json()["spec"] == v2_spec()  # the stored version still reads


def test_res17_caveat_a_build_that_misreports_the_stored_version():
    """grafana/grafana #124675: storedVersion names v0alpha1 whatever the storage; only reading at v2
    (no status.conversion there) tells a v2 dashboard."""
    with standin("13", reported_stored_version="v0alpha1") as g:
        g.store_v2(v2_spec(), "two")
        assert call(g, "GET", dash_path("v1", "two")).json()["status"]["conversion"]["storedVersion"] == "v0alpha1"
        assert call(g, "GET", dash_path("v2", "two")).json()["status"] == {}


def test_res8_an_instance_that_ignores_custom_annotations():
    with standin("12", custom_annotations=False) as g:
        body = v1_obj(g, "gw")
        body["metadata"].update(annotations={"team.example/owner": "a", "grafana.app/folder": ""},
                                labels={"team.example/tier": "1"})
        created = call(g, "POST", dash_path("v1beta1"), body).json()
        assert "team.example/owner" not in created["metadata"]["annotations"]
        assert "team.example/tier" not in created["metadata"]["labels"]


def test_res18_classic_get_of_a_v2_dashboard_12_answers_406():
    with standin("12") as g:
        g.store_v2(v2_spec(), "v2d")
        r = call(g, "GET", "/api/dashboards/uid/v2d")
        assert r.status_code == 406
        assert r.json() == {"message": "dashboard api version not supported, use "
                                       f"/apis/{D}/v2beta1/namespaces/default/dashboards/v2d instead"}


def test_res18_classic_get_of_a_v2_dashboard_13_is_a_lossy_v1_view():
    with standin("13") as g:
        g.store_v2(v2_spec(), "v2d")
        r = call(g, "GET", "/api/dashboards/uid/v2d")
        assert r.status_code == 200
        dash = r.json()["dashboard"]
        # tabs become rows; a v1 client cannot tell this from a v1 dashboard
        assert [(p["type"], p["title"]) for p in dash["panels"]] == [
            ("row", "Traffic"), ("timeseries", "Requests"), ("row", "Failures"), ("timeseries", "Errors")]
        assert dash["panels"][1]["targets"] == [
            {"refId": "A", "datasource": {"type": "prometheus", "uid": "prom"}, "expr": "up"}]
        assert "elements" not in dash and "layout" not in dash


def test_res19_a_v1_write_over_a_v2_dashboard_drops_its_v2_structure(g):
    v1, v2 = V1[g.grafana], V2[g.grafana]
    stored = g.store_v2(v2_spec(), "v2d", by="user:alice", at="2026-12-01T10:00:00Z")
    assert stored["metadata"]["annotations"]["grafana.app/updatedBy"] == "user:alice"
    assert stored["metadata"]["annotations"]["grafana.app/updatedTimestamp"] == "2026-12-01T10:00:00Z"
    # a PUT at a v1 version is accepted and stores v1
    body = v1_obj(g, "v2d", title="Gateway v2")
    body["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
    assert call(g, "PUT", dash_path(v1, "v2d"), body).status_code == 200
    after = call(g, "GET", dash_path(v2, "v2d")).json()
    assert after["status"]["conversion"]["storedVersion"] == v1
    assert after["spec"]["layout"]["kind"] == "GridLayout" and after["spec"]["elements"] == {}  # tabs gone
    # so does a classic POST carrying the current version
    g.store_v2(v2_spec(), "v2e")
    version = g.dashboards()["v2e"]["version"]
    assert classic_save(g, {"title": "Gateway v2", "uid": "v2e", "version": version}).status_code == 200
    assert g.stored_version("v2e") == v1
    assert call(g, "GET", dash_path(v2, "v2e")).json()["spec"]["layout"]["kind"] == "GridLayout"


def test_res19_v2_body_on_the_classic_post_12_rejected_13_routed():
    for mode, expect in (("12", 400), ("13", 200)):
        with standin(mode) as g:
            body = {"apiVersion": f"{D}/{V2[mode]}", "kind": "Dashboard", "metadata": {"name": "wrapped"},
                    "spec": v2_spec()}
            r = classic_save(g, body)
            assert r.status_code == expect, r.text
            if mode == "13":
                assert r.json()["uid"] == "wrapped" and g.stored_version("wrapped") == "v2"
                no_spec = {"apiVersion": f"{D}/v2", "kind": "Dashboard", "metadata": {"name": "x"}}
                r = classic_save(g, no_spec)
                assert r.status_code == 400 and "spec" in r.json()["message"]


def test_res19_file_provisioning_refuses_v2_json(g):
    with pytest.raises(ValueError, match="appears to be in v2 format"):
        g.add_provisioned({"apiVersion": f"{D}/v2", "kind": "Dashboard", "spec": v2_spec()})


def test_res20_classic_api_deprecated_in_13_only():
    for mode, marked in (("12", False), ("13", True)):
        with standin(mode) as g:
            assert ("Deprecation" in call(g, "GET", "/api/search").headers) is marked
            assert ("Deprecation" in call(g, "GET", "/api/dashboards/uid/none").headers) is marked
            assert "Deprecation" not in call(g, "GET", "/apis").headers
            assert "Deprecation" not in requests.get(g.url + "/api/health", timeout=5).headers


# --------------------------------------------------------------------------- folders and authentication
def test_res21_folders_as_resources(g):
    fp = dash_path("v1beta1", group=F, resource="folders")
    top = {"metadata": {"name": "plano"}, "spec": {"title": "Plano", "description": "gateway"}}
    r = call(g, "POST", fp, top)
    assert r.status_code == 201 and r.json()["kind"] == "Folder"
    assert "grafana.app/folder" not in r.json()["metadata"]["annotations"]  # top level
    child = {"metadata": {"name": "llm", "annotations": {"grafana.app/folder": "plano"}}, "spec": {"title": "LLM"}}
    assert call(g, "POST", fp, child).status_code == 201
    assert call(g, "GET", "/api/folders/llm").json()["parentUid"] == "plano"  # one store
    assert_status(call(g, "POST", fp, top), 409, "AlreadyExists")
    orphan = {"metadata": {"name": "o", "annotations": {"grafana.app/folder": "nope"}}, "spec": {"title": "O"}}
    assert call(g, "POST", fp, orphan).status_code == 404  # parents first (the /api/folders rule)
    g.add_folder("Classic", "classic")
    got = call(g, "GET", fp + "/classic").json()
    assert got["spec"] == {"title": "Classic", "description": ""}
    rv = got["metadata"]["resourceVersion"]
    upd = {"metadata": {"name": "classic", "resourceVersion": rv}, "spec": {"title": "Renamed"}}
    assert call(g, "PUT", fp + "/classic", upd).json()["metadata"]["generation"] == 2
    assert_status(call(g, "PUT", fp + "/classic", upd), 409, "Conflict")
    assert call(g, "GET", "/api/folders/classic").json()["title"] == "Renamed"
    assert_status(call(g, "DELETE", fp + "/plano"), 400, "BadRequest")  # not empty
    assert call(g, "DELETE", fp + "/llm").status_code == 200
    assert call(g, "GET", "/api/folders/llm").status_code == 404
    assert [i["metadata"]["name"] for i in call(g, "GET", fp).json()["items"]] == ["classic", "plano"]


def test_res22_authentication_and_permissions_are_the_classic_ones(g):
    v = V1[g.grafana]
    call(g, "POST", dash_path(v), v1_obj(g))
    assert call(g, "GET", dash_path(v, "gw"), headers=VIEWER).status_code == 200
    assert call(g, "GET", dash_path(v, "gw"), headers=ADMIN_BASIC).status_code == 200
    for method, path, body in (("POST", dash_path(v), v1_obj(g, "v")), ("PUT", dash_path(v, "gw"), v1_obj(g)),
                               ("DELETE", dash_path(v, "gw"), None),
                               ("POST", dash_path("v1beta1", group=F, resource="folders"),
                                {"metadata": {"name": "f"}, "spec": {"title": "F"}})):
        assert_status(call(g, method, path, body, headers=VIEWER), 403, "Forbidden")
    assert g.dashboards()["gw"]["title"] == "Gateway" and "v" not in g.dashboards()


# --------------------------------------------------------------------------- both views of one store
def test_classic_and_resource_views_stay_consistent(g):
    g.add_folder("Plano", "plano")
    v = V1[g.grafana]
    created = call(g, "POST", dash_path(v), v1_obj(g, folder="plano", tags=["a"])).json()
    classic = call(g, "GET", "/api/dashboards/uid/gw").json()
    assert classic["meta"]["folderUid"] == "plano" and classic["dashboard"]["tags"] == ["a"]
    assert classic["dashboard"]["version"] == created["metadata"]["generation"]
    hits = call(g, "GET", "/api/search", type="dash-db").json()
    assert [(h["uid"], h["folderUid"]) for h in hits] == [("gw", "plano")]
    g.ui_edit("gw", {"title": "edited in the UI"})
    res = call(g, "GET", dash_path(v, "gw")).json()
    assert res["spec"]["title"] == "edited in the UI" and res["metadata"]["generation"] == 2
    assert res["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    call(g, "DELETE", dash_path(v, "gw"))
    assert call(g, "GET", "/api/search", type="dash-db").json() == []
