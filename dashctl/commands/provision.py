"""`dashctl provision`: write a directory Grafana's file provisioning reads (dashboards + provider + datasource)."""

from __future__ import annotations

import click

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import BuildFailed

DEFAULT_DIR = "build"


def provisioning_options(fn):
    """The options `provision` and `watch` share: where to write and the provider's settings."""
    for decorator in reversed([
        click.option("--dir", "directory", default=DEFAULT_DIR, show_default=True, type=click.Path(file_okay=False),
                     help="Write DIR/dashboards/<folder>/<uid>.json and DIR/provisioning/{dashboards,datasources}/."),
        click.option("--grafana-path", default="/var/lib/grafana/dashboards", show_default=True,
                     help="Where Grafana sees DIR/dashboards (the provider's options.path)."),
        click.option("--datasource/--no-datasource", default=True, show_default=True,
                     help="Also write the Prometheus datasource file (off when your Grafana already has one)."),
        click.option("--update-interval", "update_interval_seconds", type=int, default=None,
                     help="Seconds between Grafana's re-scans of the files [setting update_interval_seconds: 30]."),
        click.option("--allow-ui-updates/--no-allow-ui-updates", default=None,
                     help="Let users save provisioned dashboards in the UI [setting allow_ui_updates: false]."),
        click.option("--disable-deletion/--no-disable-deletion", default=None,
                     help="Keep a dashboard in Grafana when its file goes [setting disable_deletion: false]."),
        click.option("--org-id", "org_id", type=int, default=None, help="Grafana organisation [setting org_id: 1]."),
        click.option("--module", "modules", multiple=True, metavar="PKG.MOD",
                     help="Also build the dashboards of this importable module (repeatable)."),
    ]):
        fn = decorator(fn)
    return fn


def settings_flags(kw: dict) -> dict:
    keys = ("update_interval_seconds", "allow_ui_updates", "disable_deletion", "org_id")
    return {k: kw.pop(k) for k in keys}


@click.command("provision")
@provisioning_options
@click.option("--rules-dir", "rules_dir", default=None, type=click.Path(file_okay=False),
              help="Also write the alerting and recording rules (Prometheus rule files) into this directory "
                   "(the one your Prometheus `rule_files` glob reads; reload Prometheus after).")
@pass_app
def command(app, directory, grafana_path, datasource, modules, rules_dir, **kw):
    """Write the dashboards for Grafana's file provisioning: DIR/dashboards/<folder>/<uid>.json
    plus a dashboard provider and a Prometheus datasource (YAML) under DIR/provisioning.
    Every file is written under a temporary name and renamed; unchanged files are not
    touched; files of dashboards that no longer exist are removed. A broken module is
    reported in one line, its earlier files are kept, and the exit code is 2.
    """
    from llm_gateway_dashboards.dashctl.provisioner import Options, provision, refuse_v2

    options = Options(grafana_path=grafana_path, datasource=datasource)
    settings = app.settings(**settings_flags(kw))
    refuse_v2(settings)  # before building: nothing to write
    report = app.build(modules)
    for err in report.errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    res = provision(directory, report, settings, options)
    for rel in res.written:
        app.log(f"wrote {directory}/{rel}")
    for rel in res.removed:
        app.log(f"removed {directory}/{rel}")
    click.echo(f"{len(report.dashboards)} dashboard(s): {len(res.written)} file(s) written, {len(res.unchanged)} "
               f"unchanged, {len(res.removed)} removed -> {directory} (provider {settings.provider_name}: "
               f"{grafana_path}, every {settings.update_interval_seconds} s)")
    if report.errors:
        raise BuildFailed(f"{len(report.errors)} dashboard(s) or module(s) failed to build")
    if rules_dir is not None:
        from llm_gateway_dashboards.dashctl.commands.rules import write_rules

        write_rules(app, settings, report.dashboards, rules_dir)
    return 0
