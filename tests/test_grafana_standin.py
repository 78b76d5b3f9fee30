"""Checks the Grafana stand-in against each rule of /work/shared/docs/grafana-api.md."""

import base64
import os
import sys
import threading
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import ApiError, StandInGrafana

TOKEN = "glsa_test_token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def g():
    with StandInGrafana(
        token=TOKEN,
        basic=("admin", "secret"),
        viewer_tokens={"glsa_viewer"},
        viewer_basic={("viewer", "pw")},
    ) as server:
        yield server


def post(g, body, headers=AUTH):
    return requests.post(
        g.url + "/api/dashboards/db", json=body, headers=headers, timeout=5
    )


def get(g, path, headers=AUTH, **params):
    return requests.get(g.url + path, headers=headers, params=params, timeout=5)


def dash(title="Gateway", uid="gw", **extra):
    d = {"title": title, "uid": uid, "schemaVersion": 41, "panels": []}
    d.update(extra)
    return d


def basic(user, pw):
    return {
        "Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
    }


# --------------------------------------------------------------------------- health & auth
def test_health_needs_no_auth_and_reports_db_failure(g):
    r = requests.get(g.url + "/api/health", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "version": "12.3.1", "commit": "abc"}
    g.fail_db = True
    r = requests.get(g.url + "/api/health", timeout=5)
    assert r.status_code == 503 and r.json()["database"] != "ok"


def test_auth_401_variants(g):
    r = get(g, "/api/search", headers={})
    assert r.status_code == 401
    assert r.json() == {
        "statusCode": 401,
        "messageId": "auth.unauthorized",
        "message": "Unauthorized",
    }
    r = get(g, "/api/search", headers={"Authorization": "Bearer glsa_wrong"})
    assert r.status_code == 401
    assert r.json() == {
        "statusCode": 401,
        "messageId": "api-key.invalid",
        "message": "Invalid API key",
    }
    r = get(g, "/api/search", headers=basic("admin", "nope"))
    assert r.status_code == 401
    assert r.json() == {
        "statusCode": 401,
        "messageId": "auth.unauthorized",
        "message": "Unauthorized",
    }
    assert get(g, "/api/search", headers=basic("admin", "secret")).status_code == 200
    assert get(g, "/api/search").status_code == 200


def test_token_for_another_org_is_refused(g):
    r = get(g, "/api/search", headers={**AUTH, "X-Grafana-Org-Id": "2"})
    assert (
        r.status_code == 401
        and r.json()["messageId"] == "api-key.organization-mismatch"
    )
    assert (
        get(g, "/api/search", headers={**AUTH, "X-Grafana-Org-Id": "1"}).status_code
        == 200
    )


def test_org_header_separates_state_for_basic_auth(g):
    h2 = {**basic("admin", "secret"), "X-Grafana-Org-Id": "2"}
    assert (
        post(g, {"dashboard": dash(uid="o2"), "folderUid": ""}, headers=h2).status_code
        == 200
    )
    assert "o2" in g.dashboards(org=2) and "o2" not in g.dashboards(org=1)
    assert get(g, "/api/dashboards/uid/o2").status_code == 404
    assert get(g, "/api/dashboards/uid/o2", headers=h2).status_code == 200
    assert g.requests[0].header("x-grafana-org-id") == "2"


def test_viewer_can_read_but_not_write(g):
    viewer = {"Authorization": "Bearer glsa_viewer"}
    assert get(g, "/api/search", headers=viewer).status_code == 200
    r = post(g, {"dashboard": dash(), "folderUid": ""}, headers=viewer)
    assert r.status_code == 403 and r.json() == {"message": "Permission denied"}
    r = requests.post(
        g.url + "/api/folders",
        json={"title": "x"},
        headers=basic("viewer", "pw"),
        timeout=5,
    )
    assert r.status_code == 403
    post(g, {"dashboard": dash(), "folderUid": ""})
    r = requests.delete(g.url + "/api/dashboards/uid/gw", headers=viewer, timeout=5)
    assert r.status_code == 403 and "gw" in g.dashboards()


# --------------------------------------------------------------------------- POST /api/dashboards/db
def test_insert_then_updates_increment_version(g):
    r = post(g, {"dashboard": dash(), "folderUid": "", "message": "first"})
    assert r.status_code == 200
    body = r.json()
    assert body == {
        "status": "success",
        "id": body["id"],
        "uid": "gw",
        "url": "/d/gw/gateway",
        "version": 1,
        "slug": "gateway",
        "folderUid": "",
    }
    r = post(g, {"dashboard": dash(version=1), "folderUid": ""})
    assert (
        r.status_code == 200
        and r.json()["version"] == 2
        and r.json()["id"] == body["id"]
    )
    r = post(g, {"dashboard": dash(version=2), "folderUid": ""})
    assert r.json()["version"] == 3
    assert g.dashboards()["gw"]["version"] == 3


def test_generated_uid_when_missing(g):
    r = post(g, {"dashboard": {"title": "No uid"}, "folderUid": ""})
    assert r.status_code == 200
    uid = r.json()["uid"]
    assert uid and len(uid) <= 40 and r.json()["url"] == f"/d/{uid}/no-uid"
    # uid that is not a string does not count either
    r = post(g, {"dashboard": {"title": "Num uid", "uid": 123}, "folderUid": ""})
    assert r.status_code == 200 and r.json()["uid"] != "123"


def test_version_is_ignored_without_id_or_uid(g):
    r = post(g, {"dashboard": {"title": "T", "version": 7}, "folderUid": ""})
    assert r.json()["version"] == 1


def test_id_counts_only_if_number(g):
    first = post(g, {"dashboard": {"title": "A"}, "folderUid": ""}).json()
    # a string id does not count: this is a new dashboard
    r = post(g, {"dashboard": {"title": "B", "id": str(first["id"])}, "folderUid": ""})
    assert r.json()["uid"] != first["uid"] and r.json()["version"] == 1
    # a numeric id does: same dashboard, version honoured
    r = post(
        g,
        {
            "dashboard": {"title": "A2", "id": first["id"], "version": 1},
            "folderUid": "",
        },
    )
    assert r.json()["uid"] == first["uid"] and r.json()["version"] == 2
    r = post(g, {"dashboard": {"title": "A3", "id": first["id"]}, "folderUid": ""})
    assert r.status_code == 412


def test_version_mismatch_412_and_overwrite_adopts(g):
    post(g, {"dashboard": dash(), "folderUid": ""})
    expected = {
        "status": "version-mismatch",
        "message": "The dashboard has been changed by someone else",
    }
    r = post(g, {"dashboard": dash(), "folderUid": ""})  # no version at all
    assert r.status_code == 412 and r.json() == expected
    r = post(g, {"dashboard": dash(version=9), "folderUid": ""})  # stale/wrong version
    assert r.status_code == 412 and r.json() == expected
    r = post(g, {"dashboard": dash(version=9), "folderUid": "", "overwrite": True})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert get(g, "/api/dashboards/uid/gw").json()["dashboard"]["version"] == 2


def test_ui_edit_makes_the_next_push_a_412(g):
    post(g, {"dashboard": dash(), "folderUid": ""})
    g.ui_edit("gw", {"description": "edited by a person"})
    assert g.dashboards()["gw"]["version"] == 2
    assert g.dashboards()["gw"]["dashboard"]["description"] == "edited by a person"
    assert post(g, {"dashboard": dash(version=1), "folderUid": ""}).status_code == 412
    g.ui_edit("gw", lambda d: {**d, "title": "Renamed"})
    assert get(g, "/api/dashboards/uid/gw").json()["dashboard"]["title"] == "Renamed"
    assert (
        post(g, {"dashboard": dash(version=3), "folderUid": ""}).json()["version"] == 4
    )


def test_omitting_folder_uid_on_update_moves_to_root(g):
    g.add_folder("Team", uid="team")
    assert (
        post(g, {"dashboard": dash(), "folderUid": "team"}).json()["folderUid"]
        == "team"
    )
    meta = get(g, "/api/dashboards/uid/gw").json()["meta"]
    assert meta["folderUid"] == "team" and meta["folderTitle"] == "Team"
    r = post(g, {"dashboard": dash(version=1)})  # folderUid omitted
    assert r.status_code == 200 and r.json()["folderUid"] == ""
    meta = get(g, "/api/dashboards/uid/gw").json()["meta"]
    assert meta["folderUid"] == "" and meta["folderTitle"] == "General"


def test_json_stored_as_sent_with_id_uid_version_forced(g):
    sent = dash(schemaVersion=16, customTopLevel={"keep": True}, id=None, version=None)
    r = post(g, {"dashboard": sent, "folderUid": ""}).json()
    got = get(g, "/api/dashboards/uid/gw").json()
    d = got["dashboard"]
    assert d["schemaVersion"] == 16 and d["customTopLevel"] == {"keep": True}
    assert (d["id"], d["uid"], d["version"]) == (r["id"], "gw", 1)
    meta = got["meta"]
    for key in (
        "folderUid",
        "folderTitle",
        "version",
        "provisioned",
        "url",
        "slug",
        "created",
        "updated",
    ):
        assert key in meta
    assert meta["url"] == "/d/gw/gateway" and meta["provisioned"] is False


def test_check_1_empty_title(g):
    for title in ("", "   ", None):
        r = post(
            g, {"dashboard": {"title": title, "uid": "bad uid!"}, "folderUid": "nope"}
        )
        assert r.status_code == 400
        assert r.json() == {
            "status": "empty-name",
            "message": "Dashboard title cannot be empty",
        }


def test_check_2_illegal_uid_before_folder(g):
    r = post(g, {"dashboard": dash(uid="a/b"), "folderUid": "nope"})
    assert r.status_code == 400 and r.json() == {
        "message": "uid contains illegal characters"
    }


def test_check_3_uid_too_long(g):
    assert (
        post(g, {"dashboard": dash(uid="x" * 40), "folderUid": ""}).status_code == 200
    )
    r = post(g, {"dashboard": dash(uid="x" * 41), "folderUid": "nope"})
    assert r.status_code == 400 and r.json() == {
        "message": "uid too long, max 40 characters"
    }


def test_check_4_unknown_folder_before_version(g):
    post(g, {"dashboard": dash(), "folderUid": ""})
    r = post(g, {"dashboard": dash(), "folderUid": "nope"})  # would also be a 412
    assert r.status_code == 400 and r.json() == {"message": "folder not found"}


def test_check_5_version_before_permission(g):
    post(g, {"dashboard": dash(), "folderUid": ""})
    r = post(
        g,
        {"dashboard": dash(), "folderUid": ""},
        headers={"Authorization": "Bearer glsa_viewer"},
    )
    assert r.status_code == 412


def test_check_6_quota_only_for_new_dashboards():
    with StandInGrafana(token=TOKEN, max_dashboards=1) as g:
        assert post(g, {"dashboard": dash(), "folderUid": ""}).status_code == 200
        r = post(g, {"dashboard": dash(uid="other"), "folderUid": ""})
        assert r.status_code == 403 and r.json() == {"message": "Quota reached"}
        assert (
            post(g, {"dashboard": dash(version=1), "folderUid": ""}).status_code == 200
        )


def test_check_7_provisioned_refused_even_with_overwrite(g):
    g.add_provisioned(dash(uid="prov", title="Prov"))
    # check 5 comes first: no version -> 412
    assert post(g, {"dashboard": dash(uid="prov"), "folderUid": ""}).status_code == 412
    for body in (
        {"dashboard": dash(uid="prov", version=1), "folderUid": ""},
        {"dashboard": dash(uid="prov"), "folderUid": "", "overwrite": True},
    ):
        r = post(g, body)
        assert r.status_code == 400 and r.json() == {
            "message": "Cannot save provisioned dashboard"
        }
    assert get(g, "/api/dashboards/uid/prov").json()["meta"]["provisioned"] is True


def test_provisioned_with_allow_ui_updates_can_be_saved(g):
    g.add_provisioned(dash(uid="prov"), allow_ui_updates=True)
    r = post(g, {"dashboard": dash(uid="prov", version=1), "folderUid": ""})
    assert r.status_code == 200 and r.json()["version"] == 2


def test_message_limit(g):
    assert (
        post(
            g, {"dashboard": dash(), "folderUid": "", "message": "m" * 500}
        ).status_code
        == 200
    )
    r = post(g, {"dashboard": dash(uid="b"), "folderUid": "", "message": "m" * 501})
    assert r.status_code == 400 and "b" not in g.dashboards()


def test_refresh_below_minimum_is_raised(g):
    post(g, {"dashboard": dash(refresh="1s"), "folderUid": ""})
    assert get(g, "/api/dashboards/uid/gw").json()["dashboard"]["refresh"] == "5s"
    post(g, {"dashboard": dash(uid="b", refresh="30s"), "folderUid": ""})
    assert g.dashboards()["b"]["dashboard"]["refresh"] == "30s"
    post(g, {"dashboard": dash(uid="c", refresh=""), "folderUid": ""})
    assert g.dashboards()["c"]["dashboard"]["refresh"] == ""


# --------------------------------------------------------------------------- other dashboard endpoints
def test_get_and_delete(g):
    r = get(g, "/api/dashboards/uid/missing")
    assert r.status_code == 404 and r.json() == {"message": "Dashboard not found"}
    post(g, {"dashboard": dash(), "folderUid": ""})
    r = requests.delete(g.url + "/api/dashboards/uid/gw", headers=AUTH, timeout=5)
    assert r.status_code == 200
    assert r.json() == {
        "title": "Gateway",
        "message": "Dashboard Gateway deleted",
        "uid": "gw",
    }
    assert (
        requests.delete(
            g.url + "/api/dashboards/uid/gw", headers=AUTH, timeout=5
        ).status_code
        == 404
    )


def test_delete_provisioned_refused(g):
    g.add_provisioned(dash(uid="prov"))
    r = requests.delete(g.url + "/api/dashboards/uid/prov", headers=AUTH, timeout=5)
    assert r.status_code == 400 and r.json() == {
        "message": "Cannot delete provisioned dashboard"
    }


# --------------------------------------------------------------------------- search
def _seed_search(g):
    g.add_folder("Infra", uid="infra")
    g.add_folder("Apps", uid="apps")
    post(
        g, {"dashboard": dash("beta", "b", tags=["llm", "prod"]), "folderUid": "infra"}
    )
    post(g, {"dashboard": dash("Alpha", "a", tags=["llm"]), "folderUid": "apps"})
    post(g, {"dashboard": dash("gamma", "c", tags=["prod"]), "folderUid": ""})


def test_search_repeated_params(g):
    _seed_search(g)
    url = g.url + "/api/search?type=dash-db&tag=llm&tag=prod"
    hits = requests.get(url, headers=AUTH, timeout=5).json()
    assert [h["uid"] for h in hits] == ["b"]  # must carry ALL tags
    url = g.url + "/api/search?type=dash-db&folderUIDs=infra&folderUIDs=apps"
    hits = requests.get(url, headers=AUTH, timeout=5).json()
    assert [h["title"] for h in hits] == ["Alpha", "beta"]  # sorted by title
    hits = get(g, "/api/search", type="dash-db", folderUIDs="general").json()
    assert [h["uid"] for h in hits] == ["c"]
    hits = get(g, "/api/search", type="dash-db", query="AMM").json()
    assert [h["uid"] for h in hits] == ["c"]


def test_search_hit_shape(g):
    _seed_search(g)
    hits = {h["uid"]: h for h in get(g, "/api/search", type="dash-db").json()}
    b = hits["b"]
    assert (
        b["type"] == "dash-db"
        and b["url"] == "/d/b/beta"
        and b["tags"] == ["llm", "prod"]
    )
    assert (
        b["folderUid"] == "infra"
        and b["folderTitle"] == "Infra"
        and b["isStarred"] is False
    )
    assert b["uri"] == "db/beta" and isinstance(b["id"], int)
    assert "folderUid" not in hits["c"]  # root: omitted, like Grafana
    folders = get(g, "/api/search", type="dash-folder").json()
    assert [(f["uid"], f["type"]) for f in folders] == [
        ("apps", "dash-folder"),
        ("infra", "dash-folder"),
    ]


def test_search_limit_and_paging(g):
    for i in range(5):
        post(g, {"dashboard": dash(f"D{i}", f"d{i}"), "folderUid": ""})
    r = get(g, "/api/search", type="dash-db", limit=5001)
    assert r.status_code == 422 and r.json() == {"message": "Limit is too large"}
    assert len(get(g, "/api/search", type="dash-db", limit=5000).json()) == 5
    assert len(get(g, "/api/search", type="dash-db").json()) == 5  # default 1000
    pages = [
        [
            h["uid"]
            for h in get(g, "/api/search", type="dash-db", limit=2, page=p).json()
        ]
        for p in (1, 2, 3, 4)
    ]
    assert pages == [["d0", "d1"], ["d2", "d3"], ["d4"], []]


# --------------------------------------------------------------------------- folders
def create_folder(g, **body):
    return requests.post(g.url + "/api/folders", json=body, headers=AUTH, timeout=5)


def test_folder_create_get_and_conflicts(g):
    r = create_folder(g, uid="ops", title="Ops")
    assert r.status_code == 200
    f = r.json()
    assert (f["uid"], f["title"], f["url"], f["version"]) == (
        "ops",
        "Ops",
        "/dashboards/f/ops/ops",
        1,
    )
    assert isinstance(f["id"], int) and "parentUid" not in f
    assert get(g, "/api/folders/ops").json()["title"] == "Ops"
    r = create_folder(g, uid="ops", title="Again")
    assert (
        r.status_code == 409
        and r.json()["message"] == "a folder with the same uid already exists"
    )
    assert create_folder(g, uid="x", title="  ").status_code == 400
    assert create_folder(g, uid="general", title="General").status_code == 400
    r = create_folder(g, uid="child", title="Child", parentUid="nope")
    assert r.status_code == 404 and r.json() == {
        "status": "not-found",
        "message": "folder not found",
    }
    r = get(g, "/api/folders/missing")
    assert r.status_code == 404 and r.json() == {
        "status": "not-found",
        "message": "folder not found",
    }
    assert create_folder(g, title="No uid").json()["uid"]


def test_folder_nesting_depth(g):
    parent = ""
    for level in range(1, 5):
        r = create_folder(g, uid=f"l{level}", title=f"L{level}", parentUid=parent)
        assert r.status_code == 200, r.text
        parent = f"l{level}"
    assert get(g, "/api/folders/l4").json()["parentUid"] == "l3"
    r = create_folder(g, uid="l5", title="L5", parentUid="l4")
    assert r.status_code == 400 and "l5" not in g.folders()


def test_folder_listing(g):
    g.add_folder("B top", uid="bt")
    g.add_folder("A top", uid="at")
    g.add_folder("Kid", uid="kid", parent_uid="at")
    assert [f["uid"] for f in get(g, "/api/folders").json()] == ["at", "bt"]
    assert get(g, "/api/folders", parentUid="at").json() == [
        {
            "id": g.folders()["kid"]["id"],
            "uid": "kid",
            "title": "Kid",
            "parentUid": "at",
        }
    ]
    with pytest.raises(ApiError):
        g.add_folder("Dup", uid="at")


def test_dashboard_into_nested_folder(g):
    g.add_folder("P", uid="p")
    g.add_folder("C", uid="c", parent_uid="p")
    r = post(g, {"dashboard": dash(), "folderUid": "c"})
    assert r.status_code == 200 and r.json()["folderUid"] == "c"


# --------------------------------------------------------------------------- generic errors
def test_unknown_route_and_bad_json(g):
    r = get(g, "/api/nothing/here")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    r = requests.put(g.url + "/api/dashboards/db", json={}, headers=AUTH, timeout=5)
    assert r.status_code == 404
    r = requests.post(
        g.url + "/api/dashboards/db",
        data=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=5,
    )
    assert r.status_code == 400 and r.json() == {"message": "bad request data"}
    assert post(g, {"no": "dashboard"}).status_code == 400


# --------------------------------------------------------------------------- fault injection
def test_fail_next_then_success(g):
    g.fail_next(2, status=503, retry_after=3)
    assert (
        requests.get(g.url + "/api/health", timeout=5).status_code == 200
    )  # health excluded
    for _ in range(2):
        r = post(g, {"dashboard": dash(), "folderUid": ""})
        assert (
            r.status_code == 503
            and r.headers["Retry-After"] == "3"
            and "message" in r.json()
        )
    assert post(g, {"dashboard": dash(), "folderUid": ""}).status_code == 200
    assert g.dashboards()["gw"]["version"] == 1
    g.fail_next(1, status=429, include_health=True)
    r = requests.get(g.url + "/api/health", timeout=5)
    assert r.status_code == 429 and "Retry-After" not in r.headers


def test_drop_next_gives_connection_error(g):
    g.drop_next(1)
    with pytest.raises(requests.ConnectionError):
        post(g, {"dashboard": dash(), "folderUid": ""})
    assert g.dashboards() == {}
    assert post(g, {"dashboard": dash(), "folderUid": ""}).status_code == 200
    assert len(g.writes()) == 2  # the dropped one is recorded


def test_drop_takes_precedence_over_fail_without_consuming_it(g):
    g.fail_next(1, status=504)
    g.drop_next(1)
    with pytest.raises(requests.ConnectionError):
        get(g, "/api/search")
    assert get(g, "/api/search").status_code == 504
    assert get(g, "/api/search").status_code == 200


def test_delay(g):
    g.delay(0.3)
    start = time.monotonic()
    assert get(g, "/api/search").status_code == 200
    assert time.monotonic() - start >= 0.3
    g.delay(0)


# --------------------------------------------------------------------------- log & concurrency
def test_request_log(g):
    post(g, {"dashboard": dash(), "folderUid": ""})
    get(g, "/api/search", tag=["a", "b"])
    log = g.requests
    assert [(r.method, r.path) for r in log] == [
        ("POST", "/api/dashboards/db"),
        ("GET", "/api/search"),
    ]
    assert log[0].header("authorization") == f"Bearer {TOKEN}"
    assert log[0].body["dashboard"]["uid"] == "gw"
    assert log[1].query["tag"] == ["a", "b"]
    assert [r.path for r in g.writes()] == ["/api/dashboards/db"]
    g.reset_log()
    assert g.requests == []


def test_concurrent_saves_get_unique_ids(g):
    errors = []

    def worker(i):
        r = post(g, {"dashboard": dash(f"T{i}", f"t{i}"), "folderUid": ""})
        if r.status_code != 200:
            errors.append(r.text)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [d["id"] for d in g.dashboards().values()]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_start_stop_and_url():
    g = StandInGrafana()
    g.start()
    assert g.url.startswith("http://127.0.0.1:")
    assert (
        get(g, "/api/search", headers={}).status_code == 200
    )  # no credentials configured: auth off
    g.stop()
    with pytest.raises(RuntimeError):
        _ = g.url
