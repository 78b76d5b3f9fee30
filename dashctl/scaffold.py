"""`dashctl init`'s output: a consumer repo of dashboards-as-code that builds out of the box.

The repo it writes has its own `dashboards/` and `panels/` packages (ours live under
`llm_gateway_dashboards`, so neither shadows the other), packaging that depends on us and
declares its dashboards in the `dashctl.dashboards` entry-point group, a `dashctl.toml` with
the settings a team changes first, a Makefile, a test, and CI for GitHub Actions and GitLab
that lint, dry-run on merge requests and push from the main branch.

`examples/consumer/` in this repository is exactly this output (a test regenerates it).
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path

from llm_gateway_dashboards.dashctl.errors import ConfigError

DISTRIBUTION = "llm-gateway-dashboards"
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=65", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "__NAME__"
version = "0.1.0"
description = "Our Grafana dashboards, as code, on top of llm-gateway-dashboards."
requires-python = ">=3.11"
dependencies = ["llm-gateway-dashboards__REQUIREMENT__"]

[project.optional-dependencies]
dev = ["pytest"]

# dashctl finds our dashboards through this entry-point group (`dashctl list` says so).
[project.entry-points."dashctl.dashboards"]
team = "dashboards.team"

[tool.setuptools]
packages = ["dashboards", "panels"]
"""

DASHCTL_TOML = """\
# Settings a team changes first (all of them: `dashctl --help`, the llm-gateway-dashboards README).
# Order of precedence: these, then DASHCTL_<NAME> environment variables, then --set NAME=VALUE.
[settings]
brightstaff_job = "brightstaff"   # the `job` label your Prometheus gives Plano's brightstaff
envoy_job = "envoy"               # ... and Plano's Envoy
datasource_uid = "prometheus"     # the uid of your Prometheus datasource in Grafana
plano_folder = "Plano"            # the Grafana folder of the shipped Plano dashboards
title_prefix = ""                 # e.g. "[prod] " to tell environments apart

# Change a shipped dashboard without forking it (by panel title):
# [[overrides]]
# uid = "plano-routing"
# remove_panel = "Router skips by reason"
"""

PANELS_INIT = '''\
"""Our own building blocks: metric sources and panel factories beside the kit's."""
'''

PANELS_TEAM = '''\
"""Our request queue in front of the gateway: its metrics and the panels that show them."""

from llm_gateway_dashboards.panels import catalog, kit
from llm_gateway_dashboards.panels import queries as q

QUEUE = catalog.register(catalog.Source("team", "Our request queue exporter", [
    catalog.Metric("team_queue_depth", "gauge", "team", "short", "requests waiting", ("queue",)),
    catalog.Metric("team_queue_wait_seconds", "histogram", "team", "s", "time spent waiting", ("queue",),
                   buckets=(0.01, 0.1, 1, 10)),
]))
DEPTH, WAIT = QUEUE.metrics


def queue_depth(s):
    return kit.timeseries("Queue depth", kit.target(q.sum_(q.raw_gauge(DEPTH), ("queue",)), "{{queue}}"),
                          unit="short", desc="Requests waiting in each queue before they reach the gateway.")


def queue_wait(s):
    return kit.timeseries("Queue wait p50 / p95 / p99", kit.quantile_targets(WAIT, ("queue",)),
                          unit="s", desc="How long requests wait in each queue.")
'''

DASHBOARDS_INIT = '''\
"""Our dashboards: one module per dashboard, each defining `dashboard(settings)`."""
'''

DASHBOARDS_TEAM = '''\
"""Team - LLM gateway: our queue, and the gateway's upstream traffic as we see it."""

from llm_gateway_dashboards.dashctl import add_panel
from llm_gateway_dashboards.panels import catalog, kit
from llm_gateway_dashboards.panels import queries as q
from llm_gateway_dashboards.panels import variables as v
from panels import team

UPSTREAM = catalog.default_catalog().metric("brightstaff_llm_upstream_requests_total")


def upstream_rate(s):
    return kit.timeseries("Gateway requests to LLM providers", kit.target(q.sum_rate(UPSTREAM, ("provider",)),
                                                                          "{{provider}}"),
                          unit="reqps", desc="Requests brightstaff sent to each LLM provider, per second.")


def dashboard(s):
    return kit.board(
        s, uid="team-llm", title="Team - LLM gateway", folder="Team",
        desc="Our request queue and the LLM gateway behind it.", variables=(v.label("queue", team.DEPTH),),
        rows=[kit.row("Queue", team.queue_depth(s), team.queue_wait(s)),
              kit.row("Gateway", upstream_rate(s))],
    )


def overrides(s):
    """Change a shipped dashboard without forking it: our queue beside Plano's request rate."""
    return [add_panel("plano-http-red", team.queue_depth, row="Rate")]
'''

MAKEFILE = """\
# `make dashboards` writes build/dashboards/<folder>/<uid>.json; `make test` lints and builds.
PYTHON ?= python3
VENV ?= .venv
PIP_FLAGS ?=
STAMP := $(VENV)/.installed-stamp

.PHONY: dashboards test push-dry-run

$(STAMP): pyproject.toml
\t@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
\t$(VENV)/bin/python -m pip install --quiet $(PIP_FLAGS) -e '.[dev]'
\t@touch $(STAMP)

dashboards: $(STAMP)
\t$(VENV)/bin/dashctl build

test: $(STAMP)
\t$(VENV)/bin/dashctl lint
\t$(VENV)/bin/python -m pytest -q tests

push-dry-run: $(STAMP)
\t$(VENV)/bin/dashctl push --dry-run
"""

TEST = '''\
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
'''

GITHUB = """\
# Lint on every change, show what would change in Grafana on pull requests, push from main.
# Repository secrets: GRAFANA_URL, GRAFANA_TOKEN (a service-account token with the Editor role).
name: dashboards
on:
  pull_request:
  push:
    branches: [main]
jobs:
  dashboards:
    runs-on: ubuntu-latest
    env:
      GRAFANA_URL: ${{ secrets.GRAFANA_URL }}
      GRAFANA_TOKEN: ${{ secrets.GRAFANA_TOKEN }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: install
        run: python -m pip install -e '.[dev]'
      - name: lint
        run: dashctl lint
      - name: what would change in Grafana
        if: github.event_name == 'pull_request'
        run: dashctl push --dry-run
      - name: push
        if: github.event_name == 'push' && github.ref == 'refs/heads/main'
        run: dashctl push --output json
"""

GITLAB = """\
# Lint on every change, show what would change in Grafana on merge requests, push from main.
# CI/CD variables (masked): GRAFANA_URL, GRAFANA_TOKEN (a service-account token with the Editor role).
dashboards:
  image: python:3.11
  before_script:
    - python -m pip install -e '.[dev]'
  script:
    - dashctl lint
    - if [ "$CI_PIPELINE_SOURCE" = "merge_request_event" ]; then dashctl push --dry-run; fi
    - if [ "$CI_COMMIT_BRANCH" = "$CI_DEFAULT_BRANCH" ]; then dashctl push --output json; fi
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""

README = """\
# __NAME__

Our Grafana dashboards as code, on top of
[llm-gateway-dashboards](https://pypi.org/project/llm-gateway-dashboards/): ours in `dashboards/`
(one module per dashboard), our building blocks in `panels/`, the shipped LLM-gateway dashboards
from the package. Settings in `dashctl.toml`.

```sh
make dashboards   # build/dashboards/<folder>/<uid>.json: ours and the shipped ones
make test         # dashctl lint + the tests
dashctl list      # every dashboard and where it comes from
GRAFANA_URL=... GRAFANA_TOKEN=... dashctl push --dry-run
```

CI: `.github/workflows/dashboards.yml` or `.gitlab-ci.yml` lint every change, run
`dashctl push --dry-run` on merge requests and `dashctl push` on the main branch.
"""

GITIGNORE = ".venv/\nbuild/\n*.egg-info/\n__pycache__/\n"

FILES = {
    "pyproject.toml": PYPROJECT,
    "README.md": README,
    "dashctl.toml": DASHCTL_TOML,
    "Makefile": MAKEFILE,
    ".gitignore": GITIGNORE,
    "panels/__init__.py": PANELS_INIT,
    "panels/team.py": PANELS_TEAM,
    "dashboards/__init__.py": DASHBOARDS_INIT,
    "dashboards/team.py": DASHBOARDS_TEAM,
    "tests/test_dashboards.py": TEST,
    ".github/workflows/dashboards.yml": GITHUB,
    ".gitlab-ci.yml": GITLAB,
}


def requirement() -> str:
    """`>=X.Y` of the installed llm-gateway-dashboards: a consumer starts on the version it was made with."""
    try:
        return f">={metadata.version(DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        return ""


def render(name: str) -> dict[str, str]:
    """Relative path -> text of every file `dashctl init` writes."""
    if not _NAME.match(name):
        raise ConfigError(f"project name {name!r}: use lower-case letters, digits and '-', starting with a letter")
    return {path: text.replace("__NAME__", name).replace("__REQUIREMENT__", requirement())
            for path, text in FILES.items()}


def init(directory: Path, name: str | None = None) -> list[Path]:
    """Write the scaffold into `directory` (created if missing); refuses when any file exists."""
    directory = Path(directory)
    name = name or re.sub(r"[^a-z0-9-]+", "-", directory.resolve().name.lower()).strip("-") or "dashboards"
    files = render(name)
    clash = sorted(p for p in files if (directory / p).exists() or (directory / p).is_symlink())
    if clash:
        raise ConfigError(f"{directory / clash[0]} already exists: dashctl init never overwrites "
                          f"({len(clash)} file(s) in the way); choose an empty directory")
    written = []
    try:
        for rel, text in files.items():
            path = directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as fh:
                fh.write(text)
            written.append(path)
    except OSError as exc:
        for path in written:  # nothing half-written: take back what this run wrote
            path.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {exc.filename or directory}: {exc.strerror or exc}; "
                          "check the directory exists and is writable") from None
    return written


def relative(paths: list[Path], base: Path) -> list[str]:
    return sorted(os.path.relpath(p, base) for p in paths)
