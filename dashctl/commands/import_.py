"""`dashctl import`: Grafana dashboard JSON (files, stdin or a live Grafana) -> dashboard modules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import ConfigError, FindingsError
from llm_gateway_dashboards.dashctl.importer import ImportInputError, import_source, module_name, read
from llm_gateway_dashboards.dashctl.importer.fetch import from_grafana, resource_reader, uids_in_folder

DEFAULT_OUT = "dashboards"


def grafana_client(url):
    from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient

    return GrafanaClient.from_env(url=url)


def read_inputs(files) -> list:
    sources = []
    for name in files:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                raise ImportInputError(f"{name}: cannot read it ({exc.strerror})") from None
        sources.append(read(data, "stdin" if name == "-" else name))
    return sources


@click.command("import")
@click.argument("files", nargs=-1, metavar="[FILE|- ...]")
@click.option("--out", "out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Directory to write <uid as a Python name>.py into.")
@click.option("--force", is_flag=True, help="Overwrite an existing module.")
@click.option("--strict", is_flag=True, help="Exit 1 and write nothing when a legacy field is lost or a value differs.")
@click.option("--report", "show_report", is_flag=True, help="Print every upgrade and loss with its JSON path.")
@click.option("--from-grafana", "uids", multiple=True, metavar="UID", help="Import this live dashboard (repeatable).")
@click.option("--all-in-folder", "folder", metavar="FOLDER", help="Import every live dashboard of this folder.")
@click.option("--url", metavar="URL", help="Grafana's base URL (default: $GRAFANA_URL; credentials as for push).")
@pass_app
def command(app, files, out, force, strict, show_report, uids, folder, url):
    """Write one dashboard module per Grafana dashboard: kit calls, catalog queries where the
    metrics are in the catalog, and `imported.extra(...)` for what the kit has no argument for.
    Accepts a dashboard model, an /api/dashboards/uid answer or a dashboard.grafana.app v1 or v2
    resource, of any schemaVersion (legacy panels are upgraded and the upgrades reported; what a v2
    dashboard has and v1 has not is reported as lost).
    Each module is checked to rebuild the imported dashboard before anything is written.
    """
    if not (files or uids or folder):
        raise ConfigError("nothing to import: give FILE (or - for stdin), --from-grafana UID or --all-in-folder")
    settings = app.settings()
    sources = read_inputs(files)
    if uids or folder:
        with grafana_client(url) as client:
            wanted = list(uids) + (uids_in_folder(client, folder) if folder else [])
            resources = resource_reader(client)
            sources += [from_grafana(client, uid, resources) for uid in dict.fromkeys(wanted)]
    results = []
    for src in sources:
        path = Path(out) / f"{module_name(src.model['uid'])}.py"
        results.append((path, import_source(src, settings, output_path=str(path.resolve()))))
    for path, res in results:
        if path.exists() and not force:
            raise ImportInputError(f"{path} exists (dashboard {res.uid}): pass --force to overwrite it, "
                                   f"or `dashctl pull {res.uid}` to see the changes")
    lossy = [res for _, res in results if res.fidelity.different or any(n.kind == "loss" for n in res.notes)]
    for _, res in results:
        lines = res.report_lines()
        if not (show_report or (strict and res in lossy)):  # the summary and what the importer decided
            lines = lines[:1] + [f"  {n.line()}" for n in res.notes if n.kind == "derived"]
        for line in lines:
            click.echo(line, err=True)
    if strict and lossy:
        raise FindingsError(f"--strict: {len(lossy)} dashboard(s) lose something on import; nothing written")
    for path, res in results:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(res.source)
        click.echo(str(path))
    return 0
