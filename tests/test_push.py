"""`dashctl push` and its Python API against the stand-in Grafana (tests/grafana_standin.py), as it
always ran (no /apis: the classic API). The promises of push in each Grafana mode (11, 12, 13: create,
re-push, UI edit, --force, --prune, --dry-run, folder moves, v2, other tools): test_push_resource.py."""

from __future__ import annotations

import copy
import json
import os
import sys

import attrs
import pytest

from conftest import run_dashctl
from llm_gateway_dashboards.dashctl.diff import diff
from llm_gateway_dashboards.dashctl.errors import RemoteError
from llm_gateway_dashboards.dashctl.grafana_client import AuthError, GrafanaClient
from llm_gateway_dashboards.dashctl.pusher import MANAGED_TAG, STAMP, content_hash, folder_uid, push, upload_model

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import StandInGrafana  # noqa: E402

TOKEN = "glsa_push_test_T0KEN_do_not_print"
ROUTING = "plano-routing"
FALLBACK = "Fallback and router-error ratio (routing decisions)"  # a routing panel the tests edit


@pytest.fixture
def g():
    with StandInGrafana(token=TOKEN) as server:
        yield server


@pytest.fixture
def dashboards(report):
    """The shipped dashboards; brightstaff moved into a nested folder to exercise parents-first creation."""
    out = list(report.dashboards)
    return [attrs.evolve(d, folder="Team/Gateway/Deep") if d.uid == "brightstaff" else d for d in out]


def client(g, **kw):
    kw.setdefault("backoff", 0.01)
    return GrafanaClient(g.url, token=TOKEN, **kw)


def edited(dashboards, uid, fn):
    """The dashboards with `fn` applied to a copy of one model (a change in the code)."""
    out = []
    for d in dashboards:
        if d.uid == uid:
            model = copy.deepcopy(d.model)
            fn(model)
            d = attrs.evolve(d, model=model)
        out.append(d)
    return out


def panel(model, title):
    return next(p for p in model["panels"] if p["title"] == title)


def saves(g):
    return [r for r in g.writes() if r.path == "/api/dashboards/db"]


# --------------------------------------------------------------------------- first push, idempotence
def test_first_push_creates_nested_folders_parents_first_and_every_dashboard(g, dashboards):
    rep = push(dashboards, client(g))
    assert rep.exit_code == 0 and rep.counts()["create"] == len(dashboards)
    posts = {r.body["title"]: (n, r.body) for n, r in enumerate(g.writes()) if r.path == "/api/folders"}
    (team_at, team), (gw_at, gw), (deep_at, deep) = posts["Team"], posts["Gateway"], posts["Deep"]
    assert team_at < gw_at < deep_at  # parents first
    assert "parentUid" not in team and gw["parentUid"] == team["uid"] and deep["parentUid"] == gw["uid"]
    folders = g.folders()
    assert {f["title"] for f in folders.values()} == {"Team", "Gateway", "Deep"} | {
        d.folder for d in dashboards if d.uid != "brightstaff"}
    stored = g.dashboards()
    assert set(stored) == {d.uid for d in dashboards}
    assert folders[stored["brightstaff"]["folderUid"]]["title"] == "Deep"
    assert folders[stored[ROUTING]["folderUid"]]["title"] == "Plano"
    assert all(r.body["folderUid"] for r in saves(g))  # always sent
    assert all(i.version == 1 and i.done and i.url.startswith(g.url + "/d/") for i in rep.items)
    # what Grafana holds is the compiled model plus our tag and stamp
    model = stored[ROUTING]["dashboard"]
    assert MANAGED_TAG in model["tags"] and model[STAMP]["hash"] == content_hash(model)
    compiled = next(d for d in dashboards if d.uid == ROUTING).model
    assert model["panels"] == compiled["panels"] and model["title"] == compiled["title"]


def test_changed_dashboard_is_updated_version_plus_one_in_its_folder(g, dashboards):
    push(dashboards, client(g))
    before = g.dashboards()[ROUTING]
    g.reset_log()
    changed = edited(dashboards, ROUTING, lambda m: panel(m, FALLBACK).update(title="Fallbacks"))
    rep = push(changed, client(g))
    assert [r.body["dashboard"]["uid"] for r in saves(g)] == [ROUTING]
    after = g.dashboards()[ROUTING]
    assert after["version"] == before["version"] + 1 == rep.by_uid()[ROUTING].version
    assert after["folderUid"] == before["folderUid"]
    assert panel(after["dashboard"], "Fallbacks")
    assert [str(c) for c in rep.by_uid()[ROUTING].changes] == [
        f"changed panel '{FALLBACK}' title: {FALLBACK} -> Fallbacks"]
    assert rep.summary_line().endswith(f"1 updated, {len(dashboards) - 1} unchanged")


# --------------------------------------------------------------------------- drift
def test_provisioned_dashboards_are_reported_and_skipped(g, dashboards):
    g.add_provisioned({"uid": ROUTING, "title": "From a file"})
    rep = push(dashboards, client(g))
    item = rep.by_uid()[ROUTING]
    assert item.action == "provisioned" and "provisioned" in item.reason and rep.exit_code == 1
    assert rep.counts()["create"] == len(dashboards) - 1
    assert ROUTING not in [r.body["dashboard"]["uid"] for r in saves(g)]


def test_an_edit_between_read_and_write_is_a_412_naming_the_uid(g, dashboards):
    push(dashboards, client(g))
    changed = edited(dashboards, ROUTING, lambda m: m.update(description="new"))

    def log(message, level=1):  # someone saves in the UI right after push read the dashboard
        if message.startswith(f"GET /api/dashboards/uid/{ROUTING} -> 200"):
            g.ui_edit(ROUTING, lambda m: m.update(title="Concurrent edit"))

    rep = push(changed, client(g, log=log))
    item = rep.by_uid()[ROUTING]
    assert item.failed and rep.exit_code == 3
    assert "412 The dashboard has been changed by someone else (version-mismatch)" in item.error
    assert g.dashboards()[ROUTING]["title"] == "Concurrent edit"


def test_a_save_that_landed_before_its_answer_was_lost_is_recognised(g, dashboards):
    target = next(d for d in dashboards if d.uid == ROUTING)

    def log(message, level=1):  # our own earlier attempt landed, its answer never came back
        if message.startswith(f"GET /api/dashboards/uid/{ROUTING} -> 404"):
            g.add_folder("Plano", uid=folder_uid(("Plano",)))
            g.add_dashboard(upload_model(target, folder_uid(("Plano",)), "dashctl"), folder_uid(("Plano",)))

    rep = push([target], client(g, log=log))
    item = rep.by_uid()[ROUTING]
    assert not item.failed and item.done and item.version == 1
    assert len(saves(g)) == 1 and [r.method for r in g.writes()] == ["POST", "POST"]  # folder: 409, then found


# --------------------------------------------------------------------------- dry run and diff
def test_dry_run_writes_nothing_and_shows_a_semantic_diff(g, dashboards):
    rep = push(dashboards, client(g), dry_run=True)
    assert g.writes() == [] and rep.counts()["create"] == len(dashboards)
    planned = rep.folders_created
    assert set(planned) == {"Team", "Team/Gateway", "Team/Gateway/Deep"} | {d.folder for d in dashboards} - {
        "Team/Gateway/Deep"} | {"Team/Gateway/Deep"}
    assert planned.index("Team") < planned.index("Team/Gateway") < planned.index("Team/Gateway/Deep")
    push(dashboards, client(g))

    def change(m):
        p = panel(m, FALLBACK)
        p["fieldConfig"]["defaults"]["unit"] = "percent"
        p["targets"][0]["expr"] = "sum(rate(x[5m]))"
        m["panels"].remove(panel(m, "Router skips by reason"))
        m["panels"].append({"id": 99, "type": "stat", "title": "New stat", "targets": []})

    g.reset_log()
    rep = push(edited(dashboards, ROUTING, change), client(g), dry_run=True)
    assert g.writes() == []
    item = rep.by_uid()[ROUTING]
    assert item.action == "update" and not item.done
    text = [str(c) for c in item.changes]
    assert f"changed panel '{FALLBACK}' unit: percentunit -> percent" in text
    assert any(t.startswith(f"changed panel '{FALLBACK}' query A: ") and t.endswith(
        "-> sum(rate(x[5m]))") for t in text)
    assert "removed panel 'Router skips by reason' (timeseries)" in text
    assert "added panel 'New stat' (stat)" in text


def test_diff_sees_a_renamed_panel_and_ignores_grafana_fields(models):
    old = models[ROUTING]
    new = copy.deepcopy(old)
    panel(new, FALLBACK)["title"] = "Fallbacks"
    new.update(id=7, version=9)
    assert [str(c) for c in diff(old, new)] == [
        f"changed panel '{FALLBACK}' title: {FALLBACK} -> Fallbacks"]
    assert diff(old, copy.deepcopy(old)) == []


# --------------------------------------------------------------------------- prune
def test_prune_dry_run_counts_panels_as_list_does(g, dashboards):
    """Issue 13, point 7: rows are not panels, for `list` and for what a prune deletes."""
    listed = {d["uid"]: d["panels"] for d in json.loads(run_dashctl("list", "--format", "json").stdout)}
    push(dashboards, client(g))
    rep = push([d for d in dashboards if d.uid != "plano-process"], client(g), prune=True, dry_run=True)
    assert [str(c) for c in rep.by_uid()["plano-process"].changes] == [
        f"removed dashboard ({listed['plano-process']} panel(s))"]
    assert listed["plano-process"] == 8  # 8 panels in 3 rows


def test_prune_refuses_an_orphan_edited_in_grafana(g, dashboards):
    push(dashboards, client(g))
    g.ui_edit("plano-process", lambda m: m.update(title="Still in use"))
    keep = [d for d in dashboards if d.uid != "plano-process"]
    rep = push(keep, client(g), prune=True)
    assert rep.by_uid()["plano-process"].action == "drifted" and "plano-process" in g.dashboards()
    assert push(keep, client(g), prune=True, force=True).by_uid()["plano-process"].done
    assert "plano-process" not in g.dashboards()


# --------------------------------------------------------------------------- failures
def test_503_and_429_bursts_are_retried_and_the_push_succeeds(g, dashboards):
    def burst(done, total):  # while several workers are busy; fewer than the attempts of one request,
        if done == 1:       # which may meet every one of them
            g.fail_next(4, 503)

    g.fail_next(4, 503)
    rep = push(dashboards, client(g), progress=burst)
    assert rep.exit_code == 0 and len(g.dashboards()) == len(dashboards)
    assert sum(1 for r in g.requests if r.path == "/apis") == 5  # discovery first (RES-1: 404 = classic)
    g.fail_next(4, 429, retry_after=0)
    changed = edited(dashboards, ROUTING, lambda m: m.update(description="x"))
    assert push(changed, client(g)).exit_code == 0
    assert g.dashboards()[ROUTING]["version"] == 2


def test_one_failing_dashboard_does_not_stop_the_others(g, dashboards):
    bad = attrs.evolve(dashboards[0], uid="bad uid!", model={**dashboards[0].model, "uid": "bad uid!"})
    rep = push([bad, *dashboards[1:]], client(g))
    assert rep.exit_code == 3 and [i.uid for i in rep.failed] == ["bad uid!"]
    assert "400 uid contains illegal characters" in rep.by_uid()["bad uid!"].error
    assert len(g.dashboards()) == len(dashboards) - 1


def test_grafana_down_at_the_start_is_one_clear_error(g, dashboards):
    g.fail_next(10_000, 503)
    with pytest.raises(RemoteError) as info:
        push(dashboards, client(g, attempts=3))
    assert str(info.value) == "GET /apis: 503 Service Unavailable (gave up after 3 attempts)"
    assert info.value.exit_code == 3 and len(g.requests) == 3


def test_grafana_going_down_mid_push_stops_new_work(g, dashboards):
    seen = []

    def progress(done, total):
        if done == 1:
            g.fail_next(10_000, 503)
            seen.append(len(g.requests))

    rep = push(dashboards, client(g, attempts=3), workers=1, progress=progress)
    assert rep.exit_code == 3 and len(rep.failed) == len(dashboards) - 1
    assert "gave up after 3 attempts" in rep.failed[0].error
    assert all(i.error.startswith("not attempted: Grafana unavailable") for i in rep.failed[1:])
    assert len(g.requests) - seen[0] == 3  # one request's attempts, not one per dashboard
    assert rep.aborted


def test_bad_token_stops_the_push_before_any_write(g, dashboards):
    with pytest.raises(AuthError) as info:
        push(dashboards, GrafanaClient(g.url, token="glsa_wrong"))
    # discovery (GET /apis: 404 on this Grafana, RES-1), then the access check: 401
    assert info.value.status == 401 and [r.path for r in g.requests] == ["/apis", "/api/search"] and g.writes() == []


# --------------------------------------------------------------------------- the CLI
def env(g, **extra):
    return {"GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN, **extra}


def test_cli_push_then_unchanged_then_json(g, report):
    n = len(report.dashboards)
    first = run_dashctl("push", env=env(g))
    assert first.returncode == 0, first.stderr
    assert "created     folder Plano" in first.stdout and first.stdout.strip().endswith(f"{n} created")
    second = run_dashctl("push", env=env(g))
    assert second.returncode == 0 and second.stdout == f"{n} dashboard(s): {n} unchanged\n"
    g.ui_edit(ROUTING, lambda m: m.update(title="Edited"))
    out = run_dashctl("push", "--output", "json", env=env(g))
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["summary"]["drifted"] == 1 and data["summary"]["unchanged"] == n - 1
    item = next(d for d in data["dashboards"] if d["uid"] == ROUTING)
    assert item["action"] == "drifted" and item["version"] == 2 and item["url"].endswith("/d/plano-routing/edited")
    assert out.stderr == f"dashctl: error: 1 dashboard(s) refused (changed in Grafana): {ROUTING}\n"


def test_cli_dry_run_prints_every_dashboard_and_the_diff(g, report):
    assert run_dashctl("push", env=env(g)).returncode == 0
    g.ui_edit(ROUTING, lambda m: m["panels"][1].update(title="Hand-renamed"))
    g.reset_log()
    out = run_dashctl("push", "--dry-run", env=env(g))
    assert g.writes() == [] and out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].startswith("dry run against")
    assert len([x for x in lines if x.startswith("unchanged")]) == len(report.dashboards) - 1
    assert any(x.startswith(f"drifted     {ROUTING}") and "--force" in x for x in lines)
    assert any("~ panel 'Hand-renamed' title: Hand-renamed -> Model selection distribution" in x for x in lines)


def test_cli_bad_token_exit_3_one_line(g):
    out = run_dashctl("push", env=env(g, GRAFANA_TOKEN="glsa_wrong_token"))
    assert out.returncode == 3 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("dashctl: error: GET /api/search: 401 Invalid API key")
    assert "glsa_wrong_token" not in out.stderr


def test_cli_token_never_printed_at_any_verbosity(g):
    g.fail_next(1, 503)
    runs = [run_dashctl("-vvv", "push", env=env(g)),
            run_dashctl("-vvv", "--debug", "push", "--force", "--token", TOKEN, env={"GRAFANA_URL": g.url}),
            run_dashctl("-vvv", "push", "--attempts", "2", env=env(g, GRAFANA_URL="http://127.0.0.1:9"))]
    assert [r.returncode for r in runs] == [0, 0, 3]
    assert "retry 1/4" in runs[0].stderr and "<redacted>" in runs[0].stderr
    assert "--token puts the token in your shell history" in runs[1].stderr
    assert "connection refused" in runs[2].stderr
    for r in runs:
        assert TOKEN not in r.stdout + r.stderr
    assert all(r.header("Authorization") == f"Bearer {TOKEN}" for r in g.requests)


def test_cli_refuses_prune_with_uids(g):
    out = run_dashctl("push", "--prune", ROUTING, env=env(g))
    assert out.returncode == 2 and "--prune" in out.stderr and g.requests == []


def test_cli_progress_bar_only_on_a_terminal(g, report):
    import pty
    import subprocess

    from conftest import ROOT

    master, slave = pty.openpty()
    full = {**os.environ, **env(g), "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli", "push"], cwd=ROOT, env=full,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out, _ = proc.communicate(timeout=60)
    os.close(master)
    terminal = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "pushing" in terminal and "100%" in terminal and TOKEN not in terminal
    assert "pushing" not in out.decode()  # stdout stays clean for pipes
    piped = run_dashctl("push", env=env(g))
    assert "pushing" not in piped.stderr and piped.stderr == ""


def test_cli_lists_every_failure_and_pushes_the_rest(report):
    n = len(report.dashboards)
    with StandInGrafana(token=TOKEN, max_dashboards=n - 2) as full:  # Grafana's quota: 403 "Quota reached"
        out = run_dashctl("push", env=env(full))
        assert out.returncode == 3 and len(full.dashboards()) == n - 2
        failed = [line for line in out.stdout.splitlines() if line.startswith("failed")]
        assert len(failed) == 2 and all("create: POST /api/dashboards/db: 403 Quota reached" in x for x in failed)
        assert out.stdout.strip().endswith(f"{n - 2} created, 2 failed")
        uids = [x.split()[1] for x in failed]
        assert out.stderr == f"dashctl: error: 2 dashboard(s) failed: {', '.join(uids)}\n"
