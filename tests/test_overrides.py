"""Changing a shipped dashboard without forking it, from Python and from dashctl.toml."""

import json

import pytest

from conftest import iter_panels, run_dashctl
from llm_gateway_dashboards.dashctl import add_panel, build, remove_panel, replace_panel
from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.overrides import Override, from_toml
from llm_gateway_dashboards.panels import kit, plano
from llm_gateway_dashboards.panels import queries as q


def _titles(report, uid):
    return [p["title"] for p in iter_panels(json.loads(report.by_uid()[uid].data))]


def _panel(s):
    return kit.stat("Skips now", kit.target(q.sum_rate(plano.ROUTER_SKIPS)), unit="short",
                    desc="router skips per second")


def test_replace_add_remove_by_title(settings):
    rep = build(settings, only=["plano-routing"], overrides=[
        replace_panel("plano-routing", "Router skips by reason", _panel),
        add_panel("plano-routing", _panel(settings), row="Decisions"),
        remove_panel("plano-routing", "Session model-switch decisions by reason"),
    ])
    assert rep.ok, rep.errors
    titles = _titles(rep, "plano-routing")
    assert "Router skips by reason" not in titles and "Session model-switch decisions by reason" not in titles
    assert titles.count("Skips now") == 2
    assert titles.index("Skips now") < titles.index("Session cache")  # added to the Decisions row


def test_folder_and_drop(settings):
    rep = build(settings, overrides=[Override("plano-routing", folder="Gateway"), Override("plano-process", drop=True)])
    assert rep.ok
    assert rep.by_uid()["plano-routing"].path == "Gateway/plano-routing.json"
    assert "plano-process" not in rep.by_uid()


def test_unknown_panel_or_uid_is_a_build_error_naming_it(settings):
    rep = build(settings, overrides=[remove_panel("plano-routing", "No such panel"),
                                     remove_panel("no-such-dashboard", "x")])
    lines = [e.one_line() for e in rep.errors]
    assert "dashboard plano-routing: override from python: no panel titled 'No such panel'" in lines
    assert "dashboard no-such-dashboard: override from python: no dashboard has this uid" in lines
    assert "plano-http-red" in rep.by_uid()  # the others still build


def test_toml_entries_are_checked():
    with pytest.raises(ConfigError, match=r"x.toml \[\[overrides\]\] entry 1: unknown key\(s\) colour"):
        from_toml([{"uid": "a", "colour": "red"}], "x.toml")
    with pytest.raises(ConfigError, match="replace_panel needs with"):
        from_toml([{"uid": "a", "replace_panel": "T"}], "x.toml")
    with pytest.raises(ConfigError, match="cannot import 'nope.mod:f'"):
        from_toml([{"uid": "a", "add_panel": "nope.mod:f"}], "x.toml")


def test_toml_override_through_the_cli(tmp_path):
    (tmp_path / "mypanels.py").write_text(
        "from llm_gateway_dashboards.panels import kit, plano, queries as q\n"
        "def skips(s):\n"
        "    return kit.stat('Skips (toml)', kit.target(q.sum_rate(plano.ROUTER_SKIPS)), unit='short',\n"
        "                    desc='router skips per second, from an override')\n")
    cfg = tmp_path / "dashctl.toml"
    cfg.write_text('[[overrides]]\nuid = "plano-routing"\nreplace_panel = "Router skips by reason"\n'
                   'with = "mypanels:skips"\n')
    out = tmp_path / "out"
    r = run_dashctl("--config", str(cfg), "build", "--out", str(out), env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    titles = [p["title"] for p in json.loads((out / "Plano" / "plano-routing.json").read_text())["panels"]]
    assert "Skips (toml)" in titles and "Router skips by reason" not in titles
