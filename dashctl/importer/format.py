"""Format a generated module with ruff (a dev dependency); without ruff the source stays as generated:
unformatted, but valid Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def ruff() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "ruff")
    return here if os.access(here, os.X_OK) else shutil.which("ruff")


def format_source(source: str, path: str | None = None) -> str:
    """`ruff check --fix` (import order) then `ruff format`, with the configuration found for `path`."""
    exe = ruff()
    if exe is None:
        return source
    name = ["--stdin-filename", path or os.path.join(os.getcwd(), "dashboards", "imported.py")]
    for args in (["check", "--fix", "--select", "I", "--quiet", "--exit-zero"], ["format", "--quiet"]):
        try:
            res = subprocess.run([exe, *args, *name, "-"], input=source, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return source
        if res.returncode == 0 and res.stdout.strip():
            source = res.stdout
    return source
