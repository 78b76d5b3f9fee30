"""Another repo uses us as other repos are really laid out: our wheel in a fresh virtualenv,
`dashctl init` in an empty directory, the consumer's own `dashboards/` and `panels/` packages,
its Makefile, and the commands of its generated CI workflows against the stand-in Grafana."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_dashctl
from llm_gateway_dashboards.dashctl.scaffold import FILES, render

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import StandInGrafana  # noqa: E402

EXAMPLE = ROOT / "examples" / "consumer"
EXAMPLE_NAME = "acme-dashboards"
TOKEN = "glsa_init_test_T0KEN_do_not_print"
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")
SHIPPED = sorted(p.stem for p in (ROOT / "dashboards").glob("[!_]*.py"))


def _run(cmd, cwd, env=None, timeout=600, shell=False):
    r = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                       timeout=timeout, shell=shell)
    assert r.returncode == 0, f"{cmd}: {r.stdout[-3000:]}{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Our wheel, built from a copy of the checkout, installed into a fresh virtualenv."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "project", ignore=SKIP)
    t0 = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work / "dist"),
          str(work / "project")], cwd=work)
    wheel = next((work / "dist").glob("llm_gateway_dashboards-*.whl"))
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    _run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          str(wheel), "pytest"], cwd=work)
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB, built and installed in "
          f"{time.monotonic() - t0:.1f}s")
    return env_dir, wheel


def _names(wheel: Path) -> set[str]:
    import zipfile

    return {n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist()}


def test_the_wheel_installs_one_import_name_of_ours(installed):
    _, wheel = installed
    top = {n for n in _names(wheel) if not n.endswith(".dist-info")}
    assert top == {"llm_gateway_dashboards"}, top


@pytest.fixture(scope="module")
def consumer(installed, tmp_path_factory):
    """`dashctl init` in an empty directory, then `make dashboards` there with the virtualenv above."""
    env_dir, _ = installed
    repo = tmp_path_factory.mktemp("consumer") / "team-dashboards"
    t0 = time.monotonic()
    _run([str(env_dir / "bin" / "dashctl"), "init", str(repo)], cwd=repo.parent)
    make = _run(["make", "dashboards", f"VENV={env_dir}"], cwd=repo)
    print(f"init to first build: {time.monotonic() - t0:.1f}s")
    return env_dir, repo, make


def _built(out: Path) -> set[str]:
    return {p.stem for p in out.rglob("*.json")}


@pytest.fixture(scope="module")
def shipped(report) -> set[str]:
    return {d.uid for d in report.dashboards}


def test_make_dashboards_in_the_scaffold_writes_its_dashboard_and_all_of_ours(consumer, shipped):
    _, repo, make = consumer
    built = _built(repo / "build" / "dashboards")
    assert "team-llm" in built and shipped <= built, (built, make.stdout)
    team = json.loads((repo / "build" / "dashboards" / "Team" / "team-llm.json").read_text())
    exprs = [t["expr"] for p in team["panels"] for t in p.get("targets", [])]
    assert exprs[0] == 'sum by (queue) (team_queue_depth{queue=~"$queue"})'
    # its Python override reached a shipped dashboard
    red = json.loads((repo / "build" / "dashboards" / "Plano" / "plano-http-red.json").read_text())
    assert "Queue depth" in [p["title"] for p in red["panels"]]


def test_a_consumer_dashboards_and_panels_package_on_the_path_shadow_nothing(consumer, shipped, tmp_path):
    env_dir, repo, _ = consumer
    out = tmp_path / "out"
    _run([str(env_dir / "bin" / "dashctl"), "build", "--out", str(out)], cwd=repo, env={"PYTHONPATH": str(repo)})
    assert "team-llm" in _built(out) and shipped <= _built(out)
    listing = _run([str(env_dir / "bin" / "dashctl"), "list"], cwd=repo, env={"PYTHONPATH": str(repo)}).stdout
    origin = {line.split()[0]: line.split()[-1] for line in listing.splitlines()[1:]}
    assert origin["brightstaff"] == "shipped"
    assert re.search(r"entry point team of [\w-]+$", next(x for x in listing.splitlines() if x.startswith("team-llm ")))


def test_make_test_in_the_scaffold_lints_and_builds(consumer):
    env_dir, repo, _ = consumer
    r = _run(["make", "test", f"VENV={env_dir}"], cwd=repo)
    assert "2 passed" in r.stdout, r.stdout


def _github_runs(repo: Path, event: str) -> list[str]:
    """The `run:` commands GitHub Actions would execute for `event` ("pull_request" or "push" to main)."""
    wf = yaml.safe_load((repo / ".github" / "workflows" / "dashboards.yml").read_text())
    ctx = {"github.event_name": event, "github.ref": "refs/heads/main"}
    out = []
    for step in wf["jobs"]["dashboards"]["steps"]:
        cond = step.get("if")
        if cond and not all(ctx[a.split("==")[0].strip()] == a.split("==")[1].strip().strip("'")
                            for a in cond.split("&&")):
            continue
        if "run" in step and "pip install" not in step["run"]:
            out.append(step["run"])
    return out


def _gitlab_script(repo: Path) -> list[str]:
    job = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())["dashboards"]
    return job["script"]


def test_the_generated_ci_commands_dry_run_push_and_repush_with_no_writes(consumer):
    env_dir, repo, _ = consumer
    path = f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"
    with StandInGrafana(token=TOKEN) as g:
        env = {"PATH": path, "GRAFANA_URL": g.url, "GRAFANA_TOKEN": TOKEN}
        # a merge request: lint and a dry run, nothing written
        pr = [_run(c, cwd=repo, env=env, shell=True) for c in _github_runs(repo, "pull_request")]
        assert _github_runs(repo, "pull_request") == ["dashctl lint", "dashctl push --dry-run"]
        assert "dry run" in pr[-1].stdout and not g.writes()
        # the main branch: push everything, then again with nothing written
        main = _github_runs(repo, "push")
        assert main == ["dashctl lint", "dashctl push --output json"]
        first = json.loads(_run(main[-1], cwd=repo, env=env, shell=True).stdout)
        assert first["ok"] and {i["uid"] for i in first["dashboards"]} >= {"team-llm", "brightstaff"}
        writes = len(g.writes())
        again = json.loads(_run(main[-1], cwd=repo, env=env, shell=True).stdout)
        assert {i["action"] for i in again["dashboards"]} == {"unchanged"} and len(g.writes()) == writes
        # a change in a merge request shows as one update in the dry run, GitLab's way
        team = repo / "dashboards" / "team.py"
        team.write_text(team.read_text().replace("Our request queue and the LLM gateway behind it.",
                                                 "Our queue, and the gateway behind it."))
        try:
            gl = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BRANCH": "feature",
                  "CI_DEFAULT_BRANCH": "main"}
            outs = [_run(line, cwd=repo, env={**env, **gl}, shell=True).stdout for line in _gitlab_script(repo)]
            assert "team-llm" in outs[1] and "update" in outs[1] and len(g.writes()) == writes
            assert TOKEN not in "".join(outs)
        finally:
            team.write_text(render("team-dashboards")["dashboards/team.py"])


def test_init_refuses_to_overwrite_and_names_the_file(tmp_path):
    (tmp_path / "dashctl.toml").write_text("# mine\n")
    r = run_dashctl("init", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"dashctl: error: {tmp_path}/dashctl.toml already exists: dashctl init never overwrites"
        " (1 file(s) in the way); choose an empty directory"]
    assert (tmp_path / "dashctl.toml").read_text() == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashctl.toml"]


def test_the_example_consumer_is_the_scaffold_output():
    """examples/consumer is `dashctl init examples/consumer --name acme-dashboards`, byte for byte."""
    want = render(EXAMPLE_NAME)
    ignored = {".venv", "build", "__pycache__", ".pytest_cache"}
    have = {str(p.relative_to(EXAMPLE)): p.read_text() for p in EXAMPLE.rglob("*")
            if p.is_file() and not ignored & set(p.relative_to(EXAMPLE).parts) and ".egg-info" not in str(p)}
    assert set(have) == set(FILES), "regenerate: rm -r examples/consumer && dashctl init examples/consumer " \
                                    f"--name {EXAMPLE_NAME}"
    for rel in FILES:
        assert have[rel] == want[rel], f"examples/consumer/{rel} differs from the scaffold: regenerate it"
