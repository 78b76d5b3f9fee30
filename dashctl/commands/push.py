"""`dashctl push`: build the dashboards and deliver them to Grafana's API (see dashctl/pusher/)."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import click

from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.diff import lines as diff_lines
from llm_gateway_dashboards.dashctl.errors import BuildFailed, ConfigError, FindingsError, OutputError, RemoteError
from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient
from llm_gateway_dashboards.dashctl.pusher import APIS, DEFAULT_OWNER, DEFAULT_WORKERS, PAST, SCHEMAS, push
from llm_gateway_dashboards.dashctl.pusher.discover import org_namespace

MAX_CHANGE_LINES = 25
REFUSED_WHY = {"drifted": "changed in Grafana", "provisioned": "provisioned", "managed": "managed by another tool",
               "stored-v2": "stored as v2"}


@click.command("push")
@click.argument("uids", nargs=-1, metavar="[UID]...")
@click.option("--url", metavar="URL", help="Grafana's base URL (default: $GRAFANA_URL).")
@click.option("--token-file", type=click.Path(dir_okay=False, allow_dash=True), metavar="PATH",
              help="Read the service-account token from this file ('-' = stdin) instead of $GRAFANA_TOKEN.")
@click.option("--token", "token_flag", metavar="TOKEN",
              help="The token itself: lands in shell history and the process list (warned); "
                   "prefer $GRAFANA_TOKEN or --token-file.")
@click.option("--user", metavar="NAME",
              help="Basic-auth user (default: $GRAFANA_USER; the password comes from $GRAFANA_PASSWORD).")
@click.option("--org-id", metavar="N", help="Organisation id sent as X-Grafana-Org-Id (default: $GRAFANA_ORG_ID).")
@click.option("--dry-run", is_flag=True, help="Show what would be created, updated, refused or deleted, with a "
                                                "diff per dashboard; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite (or with --prune delete) dashboards changed in Grafana "
                                              "since the last push, or not pushed by dashctl.")
@click.option("--prune", is_flag=True, help="Delete dashboards this owner pushed earlier that are no longer in "
                                              "the code (never any other).")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one machine-readable summary on stdout (per uid: action, version, url, error).")
@click.option("--workers", type=click.IntRange(1, 64), default=DEFAULT_WORKERS, show_default=True,
              help="Dashboards handled at once.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--attempts", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Tries per request (with backoff) on answers 429/500/502/503/504, a connection reset or "
                   "closed mid-request, and timeouts.")
@click.option("--retry-connect", is_flag=True,
              help="Also retry a refused connection and a host name that does not resolve (a Grafana that is "
                   "starting); without it they fail at once, exit 3.")
@click.option("--owner", envvar="DASHCTL_PUSH_OWNER", default=DEFAULT_OWNER, show_default=True, metavar="NAME",
              help="Name stamped on what this push creates; --prune only deletes its own. Repositories "
                   "sharing one Grafana need different owners ($DASHCTL_PUSH_OWNER).")
@click.option("--module", "modules", multiple=True, metavar="PKG.MOD",
              help="Also push the dashboards of this importable module (repeatable).")
@click.option("--api", type=click.Choice(APIS), default="auto", show_default=True,
              help="auto: the resource API (/apis) when Grafana has it (12+), else the classic /api (10/11); "
                   "classic or resource: that one only.")
@click.option("--schema", type=click.Choice(SCHEMAS), default=None,
              help="Write v1 dashboards (classic JSON) or v2 (dynamic dashboards: resource API, Grafana 12 with "
                   "dynamic dashboards, 13). Default: the `schema` setting, else v1.")
@click.option("--namespace", envvar="GRAFANA_NAMESPACE", metavar="NS",
              help="The resource API's namespace (default: `default` for org 1, org-<N>, or stacks-<id> from "
                   "$GRAFANA_STACK_ID on Grafana Cloud; $GRAFANA_NAMESPACE).")
@pass_app
def command(app, uids, url, token_file, token_flag, user, org_id, dry_run, force, prune, output, workers, timeout,
            attempts, retry_connect, owner, modules, api, schema, namespace):
    """Push the dashboards (all, or the UIDs given) to Grafana, into their folders (created,
    parents first, when missing).

    Idempotent: a dashboard whose content is unchanged since the last push is not written.
    A dashboard changed in Grafana since the last push (edited or moved in the UI), or not
    pushed by dashctl, is refused unless --force; so is a v1 push over a dashboard stored as v2.
    Dashboards provisioned from files or managed by another tool (Git Sync, Terraform...) are
    never written.

    Credentials: GRAFANA_URL, GRAFANA_TOKEN (service-account token) or GRAFANA_USER and
    GRAFANA_PASSWORD, GRAFANA_ORG_ID; flags win. The token is never printed.

    Exit codes: 0 everything pushed or unchanged; 1 some dashboards refused (drifted,
    provisioned, managed by another tool, stored as v2); 2 bad input, or some dashboards
    failed to build (the others are pushed, nothing is pruned); 3 Grafana failed: bad
    credentials or permissions (the push stops), Grafana unreachable, or some dashboards
    refused by Grafana (each listed).
    """
    if prune and uids:
        raise ConfigError("--prune needs every dashboard: it cannot be combined with UIDs")
    token = _token(token_file, token_flag)
    client = GrafanaClient.from_env(url=url, token=token, user=user, org_id=org_id, timeout=(min(timeout, 10), timeout),
                                    attempts=attempts, pool_size=workers, log=app.log,
                                    user_agent="dashctl-push", retry_connect=retry_connect)
    schema = schema or getattr(app.settings(), "schema", None) or "v1"  # the `schema` setting, when there is one
    ns = namespace or (org_namespace(client.org_id, os.environ.get("GRAFANA_STACK_ID"))
                       if os.environ.get("GRAFANA_STACK_ID") else None)
    build = app.build(modules, only=uids)
    for err in build.errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    if build.errors and prune:
        click.echo("dashctl: warning: not pruning: the build failed, so the list of dashboards is incomplete",
                   err=True)
        prune = False
    bar = _Progress(enabled=output == "text" and not app.verbose and _isatty(sys.stderr))
    try:
        with client:
            report = push(build.dashboards, client, force=force, prune=prune, dry_run=dry_run, workers=workers,
                          owner=owner, progress=bar, api=api, schema=schema, namespace=ns)
    except RemoteError as exc:
        bar.close()
        if output == "json":
            click.echo(json.dumps({"grafana": client.url, "ok": False, "exit_code": exc.exit_code,
                                   "error": exc.one_line(), "dashboards": []}, indent=2))
        raise
    bar.close()
    if output == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _text(report, show_unchanged=dry_run or app.verbose > 0)
    if report.failed:
        names = ", ".join(i.uid for i in report.failed)
        why = f"{report.aborted}; " if report.aborted else ""
        raise RemoteError(f"{why}{len(report.failed)} dashboard(s) failed: {names}")
    if build.errors:
        raise BuildFailed(f"{len(build.errors)} dashboard(s) or module(s) failed to build")
    if report.refused:
        names = ", ".join(i.uid for i in report.refused)
        why = ", ".join(dict.fromkeys(REFUSED_WHY[i.action] for i in report.refused))
        raise FindingsError(f"{len(report.refused)} dashboard(s) refused ({why}): {names}")
    return 0


def _token(token_file, token_flag) -> str | None:
    if token_file and token_flag:
        raise ConfigError("give the token once: --token or --token-file")
    if token_flag:
        click.echo("dashctl: warning: --token puts the token in your shell history and the process list; "
                   "prefer GRAFANA_TOKEN or --token-file", err=True)
        return token_flag
    if token_file:
        try:
            text = sys.stdin.read() if token_file == "-" else Path(token_file).read_text()
        except OSError as exc:
            raise ConfigError(f"--token-file {OutputError(token_file, exc, 'read').one_line()}") from None
        if not text.strip():
            raise ConfigError(f"--token-file {token_file}: empty")
        return text.strip()
    return None


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress:
    """click's progress bar on stderr, fed from the push workers."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar, self.shown = enabled, None, 0
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        with self._lock:
            if self.bar is None:
                self.bar = click.progressbar(length=total, label="pushing", file=sys.stderr)
                self.bar.__enter__()
            if done > self.shown:
                self.bar.update(done - self.shown)
                self.shown = done

    def close(self) -> None:
        with self._lock:
            if self.bar is not None:
                self.bar.__exit__(None, None, None)
                self.bar = None


def _text(report, show_unchanged: bool) -> None:
    items = [i for i in report.items if show_unchanged or i.action != "unchanged" or i.error]
    width = max([len(i.uid) for i in items] + [10])
    fwidth = max([len(i.folder or "General") + 2 for i in items] + [9])
    if report.dry_run:
        click.echo(f"dry run against {report.grafana}: nothing is written")
    for path in report.folders_created:
        click.echo(f"{'create' if report.dry_run else 'created':<11} folder {path}")
    for i in items:
        verb = "failed" if i.error else i.action if report.dry_run or not i.done else PAST.get(i.action, i.action)
        where = f"[{i.folder or 'General'}]"
        if i.error:
            detail = f"{i.action}: {i.error}" if i.action != "error" else i.error
        elif i.action in ("create", "update") and i.done:
            detail = f"v{i.previous} -> v{i.version}" if i.previous else f"v{i.version}"
            detail += f"  {i.url}" if i.url else ""
        elif i.action == "unchanged":
            detail = f"v{i.version}"
        else:
            detail = i.reason
        click.echo(f"{verb:<11} {i.uid:<{width}}  {where:<{fwidth}}  {detail}".rstrip())
        if i.warning:
            click.echo(f"{'':<11}   warning: {i.warning}")
        if i.action in ("update", "drifted") or (report.dry_run and i.action == "delete"):
            for line in diff_lines(i.changes, MAX_CHANGE_LINES):
                click.echo(f"{'':<11}   {line}")
    click.echo(report.summary_line())
