"""`dashctl rules`: write the alerting and recording rules, as Prometheus rule files or PrometheusRule objects."""

from __future__ import annotations

import click

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import BuildFailed, FindingsError
from llm_gateway_dashboards.dashctl.rules.build import FORMATS, rule_files
from llm_gateway_dashboards.dashctl.rules.lint import lint_rules
from llm_gateway_dashboards.dashctl.writer import write_tree

DEFAULT_OUT = "build/rules"


@click.command("rules")
@click.option("--out", "out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Directory to write <group>.yaml into.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="prometheus", show_default=True,
              help="prometheus: rule files (groups:) for rule_files; prometheusrule: monitoring.coreos.com/v1 "
                   "PrometheusRule objects for the Prometheus Operator.")
@pass_app
def command(app, out, fmt):
    """Write one rule file per dashboard family: recording rules for the ratios the alerts read,
    and the alerts, each with severity, summary, description, runbook_url and the dashboard
    panel that shows it. Thresholds, windows and `for` come from the settings (alert_*, slo_*,
    rules_interval). Nothing is written when a rule names an unknown metric, label or panel
    (exit 2) or fails the rule lint (exit 1). Unchanged files are not rewritten.
    """
    settings = app.settings()
    report = app.build()
    if report.errors:
        for err in report.errors:
            click.echo(f"dashctl: error: {err.one_line()}", err=True)
        raise BuildFailed(f"{len(report.errors)} dashboard(s) failed to build: alerts link to their panels")
    write_rules(app, settings, report.dashboards, out, fmt)
    return 0


def write_rules(app, settings, dashboards, out, fmt="prometheus"):
    """Lint the rules of `dashboards`, then write them to `out` (atomic, unchanged files untouched)
    and print one summary line; rule lint findings write nothing (FindingsError, exit 1)."""
    files = rule_files(settings, dashboards, fmt)
    findings = lint_rules(settings, dashboards)
    if findings:
        for f in findings:
            click.echo(f.line())
        raise FindingsError(f"{len(findings)} rule lint finding(s): nothing written")
    res = write_tree(out, files)
    for rel in res.written:
        app.log(f"wrote {out}/{rel}")
    click.echo(f"{len(files)} rule file(s) ({fmt}): {len(res.written)} written, {len(res.unchanged)} unchanged, "
               f"{len(res.removed)} removed -> {out}")
    return res
