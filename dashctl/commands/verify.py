"""`dashctl verify`: every panel's queries on a real Prometheus; exit 1 when a panel has no data."""

from __future__ import annotations

import time

import click
import orjson

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import BuildFailed, ConfigError, FindingsError
from llm_gateway_dashboards.dashctl.verify import Options, Prometheus, parse_duration, parse_time, redact, verify


def _vars(items) -> dict:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--var {item!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


@click.command("verify")
@click.argument("uids", nargs=-1, metavar="[UID ...]")
@click.option("--prometheus", "url", required=True, envvar="DASHCTL_PROMETHEUS_URL", metavar="URL",
              help="Prometheus base URL, e.g. http://127.0.0.1:9090 (or $DASHCTL_PROMETHEUS_URL).")
@click.option("--at", "at", default="now", show_default=True, metavar="TIME",
              help="Evaluate at: now, now-<N>[smhd], unix seconds or RFC 3339.")
@click.option("--range", "span", default=None, metavar="DURATION",
              help="Time range of range queries (default: each dashboard's own, e.g. 1h).")
@click.option("--scrape-interval", default="15s", show_default=True, metavar="DURATION",
              help="Prometheus' scrape interval: Grafana's $__rate_interval is at least 4 of them.")
@click.option("--var", "var", multiple=True, metavar="NAME=VALUE",
              help="Set a dashboard variable instead of All (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--module", "modules", multiple=True, metavar="PKG.MOD", help="Also verify this module's dashboards.")
@pass_app
def command(app, uids, url, at, span, scrape_interval, var, fmt, modules):
    """Run every target of every panel (or of the dashboards UIDs) on a real Prometheus, with
    every variable set to All, and report each panel with no data or a query error, naming the
    dashboard and panel. Exit 1 if any: run it against production before a deploy.
    """
    opts = Options(at=parse_time(at), scrape_interval=parse_duration(scrape_interval),
                   range=parse_duration(span) if span else None, variables=_vars(var))
    prom = Prometheus(url)
    report = app.build(modules, only=uids)
    for err in report.errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    started = time.monotonic()
    results, findings = verify(report.dashboards, prom, opts)
    if fmt == "json":
        click.echo(orjson.dumps([f.as_dict() for f in findings], option=orjson.OPT_INDENT_2).decode())
    else:
        for f in findings:
            click.echo(f.line())
        panels = {(r.dashboard, r.panel) for r in results}
        bad = {(f.dashboard, f.panel) for f in findings if f.panel}
        if not report.errors:  # a failed build ends with its error lines only
            click.echo(f"{len(panels) - len(bad & panels)}/{len(panels)} panels of {len(report.dashboards)} "
                       f"dashboard(s) have data on {redact(url)} ({len(results)} queries, "
                       f"{time.monotonic() - started:.1f}s)", err=True)
    if report.errors:
        raise BuildFailed(f"{len(report.errors)} dashboard(s) or module(s) failed to build")
    if findings:
        raise FindingsError(f"{len(findings)} finding(s): panels without data or with query errors")
    return 0
