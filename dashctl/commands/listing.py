"""`dashctl list`: the dashboards this project builds."""

from __future__ import annotations

import click
import orjson

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.diff import count_panels
from llm_gateway_dashboards.dashctl.errors import BuildFailed

HEADER = ("UID", "TITLE", "FOLDER", "PANELS", "ORIGIN")


@click.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a table; json: a list of {uid, title, folder, panels, source, origin}.")
@click.option("--module", "modules", multiple=True, metavar="PKG.MOD", help="Also list this module's dashboards.")
@pass_app
def command(app, fmt, modules):
    """Print uid, title, folder, panel count and origin of every dashboard, one per line. Panels
    are counted as `push` counts them (rows are not panels; a collapsed row's panels are). The
    origin says where its module was found: shipped (ours), an entry point of an installed
    package, a package configured in dashctl.toml `[discover]`, or --module."""
    report = app.build(modules)
    items = [{"uid": d.uid, "title": d.title, "folder": d.folder, "panels": count_panels(d.model),
              "source": d.source, "origin": d.origin} for d in report.dashboards]
    if fmt == "json":
        click.echo(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode())
    else:
        rows = [(i["uid"], i["title"], i["folder"], str(i["panels"]), i["origin"]) for i in items]
        widths = [max([len(h)] + [len(r[n]) for r in rows]) for n, h in enumerate(HEADER)]
        for r in [HEADER, *rows]:
            click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for err in report.errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    if report.errors:
        raise BuildFailed(f"{len(report.errors)} dashboard(s) or module(s) failed to build")
