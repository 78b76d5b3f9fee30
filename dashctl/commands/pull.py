"""`dashctl pull UID`: a dashboard edited in the Grafana UI, as a diff of its module."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from llm_gateway_dashboards.dashctl.commands.import_ import DEFAULT_OUT, grafana_client
from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.importer import import_source, module_name
from llm_gateway_dashboards.dashctl.importer.fetch import from_grafana, resource_reader


@click.command("pull")
@click.argument("uid")
@click.option("--dir", "directory", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Where the dashboard's module is.")
@click.option("--write", is_flag=True, help="Write the module (after showing the diff).")
@click.option("--url", metavar="URL", help="Grafana's base URL (default: $GRAFANA_URL; credentials as for push).")
@pass_app
def command(app, uid, directory, write, url):
    """Import the live dashboard UID again and show how its module would change (a unified
    diff a reviewer reads); --write writes it. Exit 0 either way; "no changes" when none.
    """
    path = Path(directory) / f"{module_name(uid)}.py"
    if not path.exists():
        raise ConfigError(f"{path} does not exist: `dashctl import --from-grafana {uid}` writes it first")
    with grafana_client(url) as client:
        src = from_grafana(client, uid, resource_reader(client))
    res = import_source(src, app.settings(), output_path=str(path.resolve()))
    old = path.read_text()
    diff = list(difflib.unified_diff(old.splitlines(keepends=True), res.source.splitlines(keepends=True),
                                     fromfile=f"a/{path}", tofile=f"b/{path}"))
    if not diff:
        click.echo(f"{path}: no changes in Grafana")
        return 0
    click.echo("".join(diff), nl=False)
    if write:
        path.write_text(res.source)
        click.echo(f"wrote {path}", err=True)
    return 0
