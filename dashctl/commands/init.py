"""`dashctl init [DIR]`: scaffold a consumer repo of dashboards-as-code."""

from __future__ import annotations

from pathlib import Path

import click

from llm_gateway_dashboards.dashctl.scaffold import init, relative


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--name", default=None, help="Project name for pyproject.toml (default: the directory's name).")
def command(directory, name):
    """Write a consumer repo into DIRECTORY (default: here): its own dashboards/ and panels/
    packages with one example dashboard, pyproject.toml depending on llm-gateway-dashboards,
    dashctl.toml, a Makefile (dashboards, test), a test, and CI for GitHub Actions and GitLab.
    Never overwrites a file: exits 2 naming the first one in the way."""
    written = init(directory, name)
    for rel in relative(written, directory):
        click.echo(f"  wrote {rel}")
    click.echo(f"{len(written)} file(s) in {directory}. Next: cd {directory} && make dashboards && make test")
