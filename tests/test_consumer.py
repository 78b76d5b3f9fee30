"""Another repo uses us: install this project and examples/consumer into a fresh virtualenv
and run `dashctl build` there, as that repo's CI would."""

import json
import shutil
import subprocess
import venv

import pytest

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "consumer"


SKIP = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache")


@pytest.fixture(scope="module")
def consumer_venv(tmp_path_factory):
    """A fresh virtualenv with this project and the example installed (from copies: pip's
    in-tree build would leave build/ and egg-info behind in the checkout)."""
    where = tmp_path_factory.mktemp("consumer-venv")
    src = tmp_path_factory.mktemp("sources")
    shutil.copytree(ROOT, src / "project", ignore=SKIP)
    venv.EnvBuilder(with_pip=True).create(where)
    pip = subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", str(src / "project"), str(src / "project" / "examples" /
                                                                                   "consumer")],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return where


def test_example_consumer_builds_its_dashboard_and_overrides_ours(consumer_venv, tmp_path):
    out = tmp_path / "out"
    r = subprocess.run([str(consumer_venv / "bin" / "dashctl"), "build", "--out", str(out)], cwd=EXAMPLE,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    # its own dashboard, found through the entry point, drawn with our kit and its own metric source
    acme = json.loads((out / "Acme" / "acme-queue.json").read_text())
    assert acme["title"] == "[acme] Acme - Request queue"
    exprs = [t["expr"] for p in acme["panels"] for t in p.get("targets", [])]
    assert exprs[0] == 'sum by (queue) (acme_queue_depth{queue=~"$queue"})'
    # settings from its dashctl.toml reach our dashboards
    routing = json.loads((out / "Acme Gateway" / "plano-routing.json").read_text())
    titles = [p["title"] for p in routing["panels"]]
    assert "Router skips by reason" not in titles and "Router skips by reason (table)" in titles
    assert all('job="plano-dataplane"' in t["expr"] for p in routing["panels"] for t in p.get("targets", []))
    # the Python override adds its panel to our HTTP RED dashboard, in the row it named
    red = json.loads((out / "Acme Gateway" / "plano-http-red.json").read_text())
    titles = [p["title"] for p in red["panels"]]
    assert titles.index("Queue depth") < titles.index("Errors")
    # the installed package carries the shipped dashboards and uses no source checkout
    assert (out / "Acme Gateway" / "brightstaff.json").exists()
    pyfile = subprocess.run([str(consumer_venv / "bin" / "python"), "-c", "import panels; print(panels.__file__)"],
                            capture_output=True, text=True, cwd=EXAMPLE).stdout
    assert "site-packages" in pyfile, pyfile


def test_consumer_uses_the_public_api_only():
    import llm_gateway_dashboards.dashctl as dashctl
    import llm_gateway_dashboards.panels as panels
    assert {"build", "provision", "push", "replace_panel", "add_panel"} <= set(dashctl.__all__)
    assert {"kit", "queries", "catalog", "Settings", "register"} <= set(panels.__all__)
    source = (EXAMPLE / "acme_dashboards" / "queue.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("from ", "import "))]
    assert all(line.split()[1].split(".")[0] in ("dashctl", "panels") for line in imports), imports
    with pytest.raises(AttributeError):
        dashctl.not_public  # noqa: B018
