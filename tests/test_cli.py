"""`dashctl build`, `list` and help, run as a user runs them."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import run_dashctl

PLANO = {"brightstaff", "plano-http-red", "plano-llm-upstream", "plano-routing", "plano-process"}


@pytest.fixture()
def out(tmp_path):
    return tmp_path / "out"


def _files(root):
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in root.rglob("*.json") if ".dashctl" not in p.parts}


def test_build_writes_every_dashboard_and_a_rerun_changes_nothing(out):
    r = run_dashctl("build", "--out", str(out))
    assert r.returncode == 0, r.stderr
    first = _files(out)
    assert {f"Plano/{uid}.json" for uid in PLANO} <= set(first)
    for rel, (data, _) in first.items():
        assert json.loads(data)["uid"] == rel.split("/")[-1][:-5]
    r = run_dashctl("build", "--out", str(out))
    assert r.returncode == 0 and " 0 written" in r.stdout, r.stdout
    assert _files(out) == first  # same bytes, same mtimes


def test_check_lists_out_of_date_files_and_exits_1(out):
    assert run_dashctl("build", "--out", str(out)).returncode == 0
    assert run_dashctl("build", "--out", str(out), "--check").returncode == 0
    target = out / "Plano" / "plano-routing.json"
    target.write_text("{}")
    (out / "Plano" / "brightstaff.json").unlink()
    r = run_dashctl("build", "--out", str(out), "--check")
    assert r.returncode == 1
    assert "Plano/plano-routing.json: differs" in r.stdout and "Plano/brightstaff.json: missing" in r.stdout
    assert target.read_text() == "{}"  # --check writes nothing


def test_only_builds_the_named_dashboards(out):
    r = run_dashctl("build", "--out", str(out), "--only", "plano-routing")
    assert r.returncode == 0, r.stderr
    assert set(_files(out)) == {"Plano/plano-routing.json"}
    r = run_dashctl("build", "--out", str(out), "--only", "no-such-uid")
    assert r.returncode == 2 and r.stderr.startswith("dashctl: error: no dashboard with uid no-such-uid; known: "
                                                     "brightstaff, llm-cost-dashboard, "), r.stderr
    assert r.stderr.count("\n") == 1 and set(_files(out)) == {"Plano/plano-routing.json"}


BAD_MODULES = {
    "bad_syntax": ("def dashboard(s):\n    return kit.board(s, uid='x'\n", "syntax error at"),
    "bad_metric": ("""
        from llm_gateway_dashboards.panels import kit, queries as q
        from llm_gateway_dashboards.panels.catalog import default_catalog

        def dashboard(s):
            m = default_catalog().metric("brightstaff_requests_total")
            return kit.board(s, uid="bad-metric", title="Bad", folder="X", desc="d", rows=[])
        """, "unknown metric 'brightstaff_requests_total'"),
    "bad_label": ("""
        from llm_gateway_dashboards.panels import kit, queries as q, plano as p

        def dashboard(s):
            panel = kit.timeseries("Broken rate", kit.target(q.sum_rate(p.HTTP, ("handlr",)), "{{handlr}}"),
                                   unit="reqps", desc="a panel with a label the metric lacks")
            return kit.board(s, uid="bad-label", title="Bad", folder="X", desc="d", rows=[kit.row("R", panel)])
        """, "dashboard bad-label, panel 'Broken rate', field targets[A].expr: brightstaff_http_requests_total "
             "has no label 'handlr'"),
    "dup_uid": ("""
        from llm_gateway_dashboards.panels import kit

        def dashboard(s):
            return kit.board(s, uid="plano-routing", title="Mine", folder="X", desc="d", rows=[])
        """, "uid plano-routing is defined twice: in llm_gateway_dashboards.dashboards.plano_routing and "
                "in dup_uid (--module)"),
}


@pytest.mark.parametrize("name", sorted(BAD_MODULES))
def test_a_bad_module_gives_one_clear_line_and_the_others_still_build(tmp_path, out, name):
    source, expected = BAD_MODULES[name]
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    r = run_dashctl("build", "--out", str(out), "--module", name, env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 2, r.stdout + r.stderr
    errors = r.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("dashctl: error:") and expected in errors[0], r.stderr
    assert "Traceback" not in r.stderr
    assert {f"Plano/{uid}.json" for uid in PLANO} <= set(_files(out))


def test_debug_shows_the_traceback(tmp_path, out):
    (tmp_path / "bad_cfg.toml").write_text("[settings]\nnot_a_setting = 1\n")
    r = run_dashctl("--config", str(tmp_path / "bad_cfg.toml"), "build", "--out", str(out))
    assert r.returncode == 2 and "unknown setting(s) not_a_setting" in r.stderr and "Traceback" not in r.stderr
    r = run_dashctl("--debug", "--config", str(tmp_path / "bad_cfg.toml"), "build", "--out", str(out))
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_settings_flow_from_file_env_and_flags(tmp_path, out):
    cfg = tmp_path / "dashctl.toml"
    cfg.write_text('[settings]\nbrightstaff_job = "from-file"\ntitle_prefix = "[file] "\n')
    env = {"DASHCTL_TITLE_PREFIX": "[env] "}
    r = run_dashctl("--config", str(cfg), "--set", "plano_folder=Gateway", "build", "--out", str(out),
                    "--only", "plano-routing", env=env)
    assert r.returncode == 0, r.stderr
    model = json.loads((out / "Gateway" / "plano-routing.json").read_text())
    assert model["title"] == "[env] Plano - Routing"
    exprs = [t["expr"] for p in model["panels"] for t in p.get("targets", [])]
    assert exprs and all('job="from-file"' in e for e in exprs if "brightstaff_" in e)


def test_list_prints_uid_title_folder_panel_count_and_origin():
    r = run_dashctl("list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["UID", "TITLE", "FOLDER", "PANELS", "ORIGIN"]
    row = next(line for line in lines if line.startswith("brightstaff "))
    assert "Brightstaff (Plano dataplane)" in row and "Plano" in row and int(row.split()[-2]) >= 15
    assert row.split()[-1] == "shipped"


def test_list_and_build_name_where_each_dashboard_came_from(tmp_path, out):
    """Shipped, a package configured in dashctl.toml (the consumer's own `dashboards/`, next to
    the file, not installed), and --module: each named, in list (text and JSON) and in build."""
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "__init__.py").write_text("")
    (tmp_path / "dashboards" / "team.py").write_text(textwrap.dedent("""
        from llm_gateway_dashboards.panels import kit, plano

        def dashboard(s):
            return kit.board(s, uid="team-llm", title="Team", folder="Team", desc="d",
                             rows=[kit.row("Load", plano.in_flight(s))])
        """))
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "extra_board.py").write_text(textwrap.dedent("""
        from llm_gateway_dashboards.panels import kit, plano

        def dashboard(s):
            return kit.board(s, uid="extra", title="Extra", folder="Team", desc="d",
                             rows=[kit.row("Load", plano.in_flight(s))])
        """))
    cfg = tmp_path / "dashctl.toml"
    cfg.write_text('[discover]\npackages = ["dashboards"]\n')
    env = {"PYTHONPATH": str(tmp_path / "mods")}
    r = run_dashctl("--config", str(cfg), "list", "--format", "json", "--module", "extra_board", env=env)
    assert r.returncode == 0, r.stderr
    origins = {i["uid"]: i["origin"] for i in json.loads(r.stdout)}
    assert origins["team-llm"] == f"package dashboards ({cfg})"
    assert origins["extra"] == "--module"
    assert origins["plano-routing"] == "shipped" and len(origins) == 16
    r = run_dashctl("--config", str(cfg), "build", "--out", str(out), "--module", "extra_board", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1:] == ["  14 shipped", "  1 from --module: extra",
                                         f"  1 from package dashboards ({cfg}): team-llm"]
    cfg.write_text('[discover]\npackages = "dashboards"\n')
    r = run_dashctl("--config", str(cfg), "list", env=env)
    assert r.returncode == 2
    assert r.stderr == (f'dashctl: error: {cfg}: [discover] packages must be a list of package names, '
                        'e.g. ["dashboards"]\n')


def test_help_says_what_each_command_does():
    r = run_dashctl("--help")
    assert r.returncode == 0 and "Dashboards as code" in r.stdout
    commands = [line.split()[0] for line in r.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert {"build", "list"} <= set(commands)
    for cmd in commands:
        h = run_dashctl(cmd, "--help")
        assert h.returncode == 0 and len(h.stdout.split("Options:")[0].split()) > 8, cmd


def test_no_dashctl_toml_needed(tmp_path, out):
    r = run_dashctl("build", "--out", str(out), cwd=tmp_path, env={"PYTHONPATH": os.getcwd()})
    assert r.returncode == 0, r.stderr


# --- issue 13: errors that surprise, small things users expect ------------------------------------
def test_version():
    r = run_dashctl("--version")
    assert r.returncode == 0 and r.stdout == "dashctl 0.1.0\n"


def test_list_json_gives_uid_title_folder_and_the_panel_count_of_the_table(tmp_path):
    r = run_dashctl("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    table = {line.split()[0]: int(line.split()[-2]) for line in run_dashctl("list").stdout.splitlines()[1:]}
    assert {i["uid"]: i["panels"] for i in items} == table
    routing = next(i for i in items if i["uid"] == "plano-routing")
    assert routing == {"uid": "plano-routing", "title": "Plano - Routing", "folder": "Plano", "panels": 8,
                       "source": "llm_gateway_dashboards.dashboards.plano_routing", "origin": "shipped"}


def test_check_names_the_dashboards_that_differ_with_a_short_panel_diff(out):
    assert run_dashctl("build", "--out", str(out)).returncode == 0
    path = out / "Plano" / "plano-routing.json"
    model = json.loads(path.read_text())
    next(p for p in model["panels"] if p.get("title") == "Router skips by reason")["title"] = "Skips"
    path.write_text(json.dumps(model))
    r = run_dashctl("build", "--out", str(out), "--check")
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        f"out of date: {out}/Plano/plano-routing.json: differs",
        "    ~ panel 'Skips' title: Skips -> Router skips by reason"]
    assert r.stderr == "dashctl: error: 1 file(s) out of date: run `dashctl build`\n"


def test_a_file_in_the_way_leaves_the_tree_as_it_was(out):
    """`build --out D` with D/Plano a file: one line naming it, exit 2, and no dashboard written
    (the LLM ones included: the tree is built whole, then renamed into place)."""
    out.mkdir()
    (out / "Plano").write_text("mine\n")
    r = run_dashctl("build", "--out", str(out))
    assert r.returncode == 2
    assert r.stderr == (f"dashctl: error: {out}/Plano: cannot create directory: a file is in the way where a "
                        f"directory must be; move that file away or choose another output directory\n")
    assert sorted(p.name for p in out.rglob("*")) == ["Plano"] and (out / "Plano").read_text() == "mine\n"


def test_kit_target_given_a_promql_string_names_the_callers_line(tmp_path, out):
    (tmp_path / "raw_query.py").write_text(textwrap.dedent("""\
        from llm_gateway_dashboards.panels import kit


        def dashboard(s):
            t = kit.target("sum(rate(brightstaff_http_requests_total[5m]))")
            return kit.board(s, uid="raw", title="Raw", folder="X", desc="d", rows=[])
        """))
    r = run_dashctl("build", "--out", str(out), "--module", "raw_query", env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("dashctl: error: dashboard raw_query: building failed: KitUsageError: kit.target "
                               "needs a queries expression, not str")
    assert r.stderr.endswith(f"({tmp_path}/raw_query.py:5)\n") and "kit.py" not in r.stderr


def test_a_setting_of_the_wrong_type_says_so_in_words():
    r = run_dashctl("--set", "org_id=abc", "provision", "--dir", "/nonexistent")
    assert (r.returncode, r.stderr) == (2, "dashctl: error: flags: setting org_id: 'abc' is not an integer\n")


def test_lint_json_lists_a_module_that_failed_to_build_as_a_finding(tmp_path):
    (tmp_path / "broken_board.py").write_text("def dashboard(s):\n    return 1 / 0\n")
    r = run_dashctl("lint", "--format", "json", "--module", "broken_board", env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 2, r.stderr
    assert json.loads(r.stdout) == [{
        "dashboard": "broken_board", "panel": "", "rule": "build",
        "message": f"building failed: ZeroDivisionError: division by zero ({tmp_path}/broken_board.py:2)"}]
    assert r.stderr == ("dashctl: error: dashboard broken_board: building failed: ZeroDivisionError: division by "
                        f"zero ({tmp_path}/broken_board.py:2)\n")


def test_the_building_blocks_never_import_the_toolkit():
    """`panels/` (catalog, settings, prices, kit, rules) is usable without `dashctl/`: importing
    every module of it loads nothing of dashctl."""
    code = ("import pkgutil, importlib, sys\n"
            "import llm_gateway_dashboards.panels as p\n"
            "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(sorted(n for n in sys.modules if n.startswith('llm_gateway_dashboards.dashctl')))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[]\n"
