"""Shared fixtures: the settings, one build of every shipped dashboard, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llm_gateway_dashboards.dashctl.builder import build
from llm_gateway_dashboards.panels.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"  # copies of ../shared, see tests/fixtures/SOURCES.md


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def report(settings):
    rep = build(settings)
    assert rep.ok, [e.one_line() for e in rep.errors]
    return rep


@pytest.fixture(scope="session")
def models(report) -> dict:
    """uid -> the dashboard model exactly as written to disk."""
    import json

    return {d.uid: json.loads(d.data) for d in report.dashboards}


def run_dashctl(*args, cwd=ROOT, env=None, timeout=120) -> subprocess.CompletedProcess:
    """Run the real CLI in a fresh interpreter, as a user would."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def iter_panels(model: dict):
    """Every panel, rows' collapsed children included."""
    for p in model["panels"]:
        yield p
        yield from p.get("panels", [])


@pytest.fixture(scope="session")
def value_world(tmp_path_factory, settings, report):
    """The simulator's data in one real Prometheus, for the value and mutation tests (tests/values)."""
    from values import world

    w, server, timings = world.start(tmp_path_factory.mktemp("values"), settings, report)
    print(f"\nvalue world: {timings}")
    try:
        yield w
    finally:
        server.stop()
