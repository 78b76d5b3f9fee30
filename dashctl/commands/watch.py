"""`dashctl watch`: rebuild the dashboards a save touches and write them atomically (see dashctl/watch.py)."""

from __future__ import annotations

import click

from llm_gateway_dashboards.dashctl.commands.provision import provisioning_options, settings_flags
from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import Interrupted


@click.command("watch")
@provisioning_options
@click.option("--push", "push", is_flag=True,
              help="Also push the dashboards whose file changed to Grafana's API ($GRAFANA_URL, $GRAFANA_TOKEN).")
@click.option("--url", metavar="URL", help="With --push: Grafana's base URL (default: $GRAFANA_URL).")
@click.option("--owner", envvar="DASHCTL_PUSH_OWNER", default=None, metavar="NAME",
              help="With --push: the owner stamped on pushed dashboards (as `dashctl push --owner`).")
@click.option("--poll", is_flag=True,
              help="Poll for changes instead of file notifications (network and container mounts); "
                   "used anyway when notifications fail.")
@click.option("--debounce", "debounce_ms", type=click.IntRange(5, 5000), default=10, show_default=True,
              metavar="MS", help="Quiet time that ends a burst of saves before rebuilding.")
@pass_app
def command(app, directory, grafana_path, datasource, modules, push, url, owner, poll, debounce_ms, **kw):
    """Build, write DIR like `dashctl provision`, then rebuild on every save of a dashboard
    module, a panels module, the settings file or the price file, in this process: only the
    changed dashboard module is rebuilt, or everything when shared code or settings changed.
    Every file is written atomically; unchanged files are not touched. A module that fails
    prints one error and keeps its last good files; watching goes on. Ctrl-C stops.
    """
    import gc

    from llm_gateway_dashboards.dashctl.provisioner import Options, refuse_v2
    from llm_gateway_dashboards.dashctl.watch import Watcher

    gc.enable()  # a long-running process (the CLI starts with the collector off: dashctl/cli.py)

    options = Options(grafana_path=grafana_path, datasource=datasource)
    flags = settings_flags(kw)
    refuse_v2(app.settings(**flags))  # a bad setting, or schema v2 (DIR is a provisioning tree), stops here
    watcher = Watcher(app, directory, extra=modules, options=options, settings_flags=flags,
                      push=_pusher(app, url, owner) if push else None,
                      echo=click.echo, error=lambda line: click.echo(line, err=True))
    try:
        with watcher:
            watcher.run(poll=poll, debounce_ms=debounce_ms)
    except (KeyboardInterrupt, Interrupted):
        pass
    click.echo("stopped watching")
    return 0


def _pusher(app, url, owner):
    """push(compiled) -> (summary line, failed uids), through dashctl.pusher (imported now: fails early)."""
    from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient
    from llm_gateway_dashboards.dashctl.pusher import push

    client = GrafanaClient.from_env(url=url, log=app.log, user_agent="dashctl-watch")
    extra = {"owner": owner} if owner else {}

    def run(dashboards):
        schema = getattr(app.settings(), "schema", None) or "v1"  # the `schema` setting, when there is one
        report = push(dashboards, client, schema=schema, **extra)
        for item in report.failed + report.refused:
            click.echo(f"dashctl: error: push {item.uid}: {item.error or item.action + ' ' + item.reason}", err=True)
        return report.summary_line(), [i.uid for i in report.failed]

    return run
