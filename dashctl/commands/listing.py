"""`dashctl list`: the dashboards this project builds."""

from __future__ import annotations

import click

from dashctl.context import pass_app
from dashctl.errors import BuildFailed


@click.command("list")
@click.option("--module", "modules", multiple=True, metavar="PKG.MOD", help="Also list this module's dashboards.")
@pass_app
def command(app, modules):
    """Print uid, title, folder and panel count of every dashboard, one per line."""
    report = app.build(modules)
    rows = [(d.uid, d.title, d.folder, str(d.panel_count)) for d in report.dashboards]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(("UID", "TITLE", "FOLDER", "PANELS"))]
    for r in [("UID", "TITLE", "FOLDER", "PANELS"), *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for err in report.errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    if report.errors:
        raise BuildFailed(f"{len(report.errors)} dashboard(s) or module(s) failed to build")
