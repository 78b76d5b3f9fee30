"""`dashctl lint`: check every dashboard's queries and layout; exit 1 on findings."""

from __future__ import annotations

import click
import orjson

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import BuildFailed, FindingsError
from llm_gateway_dashboards.dashctl.lint import RULES, lint
from llm_gateway_dashboards.dashctl.rules.lint import dashboard_catalog, lint_rules

BUILD_RULE = "build"


def build_finding(err) -> dict:
    """A build error as a lint finding: {dashboard, panel, rule: "build", message}."""
    field = f"field {err.field}: " if getattr(err, "field", "") else ""
    return {"dashboard": getattr(err, "dashboard", ""), "panel": getattr(err, "panel", ""), "rule": BUILD_RULE,
            "message": field + (getattr(err, "message", "") or err.one_line())}


@click.command("lint")
@click.argument("uids", nargs=-1, metavar="[UID ...]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one finding a line; json: a list of {dashboard, panel, rule, message}, "
                   "build errors included (rule \"build\").")
@click.option("--module", "modules", multiple=True, metavar="PKG.MOD", help="Also lint this module's dashboards.")
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
@pass_app
def command(app, uids, fmt, modules, list_rules):
    """Check the dashboards (all, or those UIDs) for what shows "No data" or misleads: every query
    parsed by a real PromQL parser and checked against the metric catalog (metrics, labels,
    values, job), rate only on counters over $__rate_interval, histogram_quantile summed by le,
    no clamp_min ratios, =~ on multi-value variables; and the dashboards themselves (unique
    uids and titles, the datasource variable everywhere, units, no overlapping panels).

    Each finding names dashboard, panel and rule. A dashboard silences one with
    lint_exceptions=((panel title, rule, reason), ...) in its source. Exit 1 on findings.
    """
    if list_rules:
        for name, text in RULES.items():
            click.echo(f"{name:20} {text}")
        return 0
    settings = app.settings()
    report = app.build(modules, only=uids)
    for err in report.errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    findings = lint(report.dashboards, dashboard_catalog(settings), settings)
    if not uids and not report.errors:  # the alerting and recording rules (they link to every dashboard)
        findings += lint_rules(settings, report.dashboards)
    if fmt == "json":  # a module that failed to build is a finding too: a CI job reading only this sees it
        items = [build_finding(e) for e in report.errors] + [f.as_dict() for f in findings]
        click.echo(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode())
    else:
        for f in findings:
            click.echo(f.line())
        if not report.errors:  # a failed build ends with its error lines only
            click.echo(f"{len(report.dashboards)} dashboard(s) linted, {len(findings)} finding(s)", err=True)
    if report.errors:
        raise BuildFailed(f"{len(report.errors)} dashboard(s) or module(s) failed to build")
    if findings:
        raise FindingsError(f"{len(findings)} finding(s) in {len({f.dashboard for f in findings})} dashboard(s)")
    return 0
