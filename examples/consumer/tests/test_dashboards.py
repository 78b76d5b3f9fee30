"""Our dashboards lint clean and build, with ours and the shipped ones together."""

import json
import subprocess
import sys


def dashctl(*args, cwd):
    return subprocess.run([sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_lint_is_clean():
    r = dashctl("lint", cwd=".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_build_writes_ours_and_the_shipped_ones(tmp_path):
    r = dashctl("build", "--out", str(tmp_path), cwd=".")
    assert r.returncode == 0, r.stdout + r.stderr
    team = json.loads((tmp_path / "Team" / "team-llm.json").read_text())
    assert [p["title"] for p in team["panels"] if p["type"] != "row"][0] == "Queue depth"
    assert (tmp_path / "Plano" / "brightstaff.json").exists()
