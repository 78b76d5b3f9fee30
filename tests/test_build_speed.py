"""The speed measures around a build change nothing a user sees: the bytes are those of a build
without them, garbage collection comes back after a build that raised, and a no-change
`dashctl build` (decided from a hash of the inputs) is skipped only when no input changed."""

import gc
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, run_dashctl
from llm_gateway_dashboards.dashctl import context
from llm_gateway_dashboards.dashctl.builder import build, gc_paused
from llm_gateway_dashboards.dashctl.commands import build as build_command
from llm_gateway_dashboards.dashctl.commands import rules as rules_command
from llm_gateway_dashboards.dashctl.errors import UnknownUidError
from llm_gateway_dashboards.dashctl.rules import build as rules_build
from llm_gateway_dashboards.panels import settings as settings_module
from llm_gateway_dashboards.panels.settings import Settings

SKIPPED = "inputs unchanged since the last run: nothing built"
MODULE = textwrap.dedent("""
    from llm_gateway_dashboards.panels import kit, plano
    from team_helpers import TITLE

    def dashboard(s):
        return kit.board(s, uid="team-speed", title=TITLE, folder="Team", desc="d",
                         rows=[kit.row("Load", plano.in_flight(s))])
    """)


def test_the_optimised_build_writes_the_same_bytes_as_a_plain_one():
    s = Settings()
    plain = build(s, fast=False, keep_models=True)
    fast = build(s, fast=True, keep_models=False)
    assert plain.ok and fast.ok
    assert fast.files() == plain.files()
    assert all(c.model is None and c.board is None for c in fast.dashboards)
    assert all(c.model and c.board for c in plain.dashboards)


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collection_is_restored_after_a_build_that_raised(enabled):
    def interrupt(board):
        assert not gc.isenabled()  # paused while building
        raise KeyboardInterrupt

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(UnknownUidError):
            build(Settings(), only=["no-such-uid"])
        assert gc.isenabled() is enabled
        with pytest.raises(KeyboardInterrupt):
            build(Settings(), only=["plano-routing"], transforms=[interrupt])
        assert gc.isenabled() is enabled
        with pytest.raises(ZeroDivisionError), gc_paused():
            raise ZeroDivisionError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_cli_names_the_settings_file_and_the_rule_formats_as_their_modules_do():
    assert context.DEFAULT_FILE == settings_module.DEFAULT_FILE
    assert rules_command.FORMATS == rules_build.FORMATS
    assert build_command.SCHEMAS == settings_module.SCHEMAS


@pytest.fixture()
def team(tmp_path):
    """A working directory with a --module dashboard, its helper module, a settings file and a
    price file; PYTHONPATH holds the modules and a site directory for installed distributions."""
    mods, site = tmp_path / "mods", tmp_path / "site"
    mods.mkdir()
    site.mkdir()
    (mods / "team_speed.py").write_text(MODULE)
    (mods / "team_helpers.py").write_text('TITLE = "Team"\n')
    (tmp_path / "dashctl.toml").write_text('[settings]\ntitle_prefix = ""\n')
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "model_prices.yaml", tmp_path / "config" / "model_prices.yaml")
    return tmp_path


def _build(team, *extra, env=None):
    env = {"PYTHONPATH": os.pathsep.join([str(team / "mods"), str(team / "site")]), **(env or {})}
    return run_dashctl("-v", *extra, "build", "--out", "out", "--module", "team_speed", cwd=team, env=env)


def _install(site, version):
    for old in site.glob("teamdash-*.dist-info"):
        shutil.rmtree(old)
    info = site / f"teamdash-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: teamdash\nVersion: {version}\n")
    (info / "entry_points.txt").write_text("[dashctl.dashboards]\nteam = teamdash_boards\n")
    (site / "teamdash_boards.py").write_text(MODULE.replace("team-speed", "team-dash"))


def test_a_second_build_with_nothing_changed_builds_nothing_and_says_the_same(team):
    first = _build(team)
    assert first.returncode == 0 and SKIPPED not in first.stderr, first.stderr
    again = _build(team)
    assert again.returncode == 0 and SKIPPED in again.stderr, again.stderr
    n = first.stdout.split(" dashboard(s)")[0]
    assert again.stdout == first.stdout.replace(f"{n} written, 0 unchanged", f"0 written, {n} unchanged")
    (team / "mods" / "team_helpers.py").touch()  # the same content: still nothing to build
    assert SKIPPED in _build(team).stderr


def test_a_no_change_build_imports_neither_grafanalib_nor_our_panels(team):
    assert _build(team).returncode == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(team / "mods"), str(team / "site")])}
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "llm_gateway_dashboards.dashctl.cli", "-v",
                        "build", "--out", "out", "--module", "team_speed"], cwd=team, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and SKIPPED in r.stderr, r.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time")}
    assert "grafanalib" not in imported and "llm_gateway_dashboards.panels.kit" not in imported
    assert "yaml" not in imported and "attrs" not in imported


def _edit_module(team):
    (team / "mods" / "team_speed.py").write_text(MODULE.replace('folder="Team"', 'folder="Team2"'))


def _edit_helper(team):
    (team / "mods" / "team_helpers.py").write_text('TITLE = "Team, renamed"\n')


def _add_file(team):
    (team / "mods" / "notes.txt").write_text("a new file beside the modules\n")


def _edit_settings(team):
    (team / "dashctl.toml").write_text('[settings]\ntitle_prefix = "[prod] "\n')


def _edit_prices(team):
    path = team / "config" / "model_prices.yaml"
    text = path.read_text()
    head, price = text.split("input_price_per_1m:", 1)
    number = price.split()[0]
    path.write_text(head + "input_price_per_1m:" + price.replace(number, str(float(number) + 1), 1))


def _remove_prices(team):
    (team / "config" / "model_prices.yaml").unlink()  # the packaged list is used instead


def _delete_output(team):
    (team / "out" / "Plano" / "plano-routing.json").unlink()


CHANGES = {
    "a dashboard module": (_edit_module, (), {}),
    "a module the dashboards import": (_edit_helper, (), {}),
    "a new file beside them": (_add_file, (), {}),
    "dashctl.toml": (_edit_settings, (), {}),
    "a DASHCTL_ variable": (None, (), {"DASHCTL_TITLE_PREFIX": "[dev] "}),
    "--set": (None, ("--set", "title_prefix=[qa] "), {}),
    "the price file": (_edit_prices, (), {}),
    "the price file removed": (_remove_prices, (), {}),
    "an output file deleted": (_delete_output, (), {}),
}


@pytest.mark.parametrize("what", list(CHANGES))
def test_any_input_change_builds_again(team, what):
    change, args, env = CHANGES[what]
    assert _build(team).returncode == 0
    if change:
        change(team)
    r = _build(team, *args, env=env)
    assert r.returncode == 0, r.stderr
    assert SKIPPED not in r.stderr
    # built again; files differ unless the change means the same (the packaged price list is the same list)
    same = what in ("a new file beside them", "the price file removed")
    assert (" 0 written" in r.stdout.splitlines()[0]) == same, r.stdout


def test_an_installed_entry_point_package_added_or_upgraded_builds_again(team):
    assert _build(team).returncode == 0
    _install(team / "site", "1.0")
    r = _build(team)
    assert SKIPPED not in r.stderr and "team-dash" in r.stdout, r.stdout + r.stderr
    assert SKIPPED in _build(team).stderr
    _install(team / "site", "1.1")  # same modules, a new version of the distribution
    r = _build(team)
    assert r.returncode == 0 and SKIPPED not in r.stderr, r.stderr


def test_files_written_ahead_leave_no_temporary_behind(tmp_path):
    """`dashctl build` writes each file ahead while the others still compile; after the build (and
    after one whose output cannot be written) no temporary file is left and the tree is whole."""
    out = tmp_path / "out"
    r = run_dashctl("build", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    before = {p: p.read_bytes() for p in out.rglob("*.json")}
    routing = out / "Plano" / "plano-routing.json"
    routing.unlink()
    routing.mkdir()  # a directory in the way of one file: nothing changes, nothing is left behind
    r = run_dashctl("--set", "title_prefix=[new] ", "build", "--out", str(out))
    assert r.returncode == 2 and "plano-routing.json" in r.stderr, r.stderr
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    assert {p: p.read_bytes() for p in out.rglob("*.json") if p != routing} == \
        {p: data for p, data in before.items() if p != routing}


def test_rules_with_nothing_changed_build_nothing_and_a_setting_change_builds_them_again(team):
    """`make dashboards` runs `dashctl rules` too: the same input hash decides."""
    def run(*extra):
        return run_dashctl("-v", *extra, "rules", "--out", "rules", cwd=team)

    first = run()
    assert first.returncode == 0 and SKIPPED not in first.stderr, first.stderr
    again = run()
    assert SKIPPED in again.stderr and again.stdout == first.stdout.replace(" 6 written, 0 unchanged",
                                                                            " 0 written, 6 unchanged")
    changed = run("--set", "alert_upstream_error_ratio=0.2")
    assert changed.returncode == 0 and SKIPPED not in changed.stderr and " 0 written" not in changed.stdout
