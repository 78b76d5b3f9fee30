"""`dashctl build`: compile every dashboard into build/dashboards/<folder>/<uid>.json."""

from __future__ import annotations

import time
from pathlib import Path

import click

from llm_gateway_dashboards.dashctl import incremental
from llm_gateway_dashboards.dashctl.context import pass_app
from llm_gateway_dashboards.dashctl.errors import BuildError, BuildFailed, FindingsError, OutputError

SCHEMAS = ("v1", "v2")  # panels.settings.SCHEMAS (a test keeps them equal): not imported, a no-change build is fast
DEFAULT_OUT = "build/dashboards"
MAX_DIFF_LINES = 12  # per dashboard in `build --check`


@click.command("build")
@click.option("--out", "out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Directory to write <folder>/<uid>.json into.")
@click.option("--only", "only", multiple=True, metavar="UID", help="Build only this dashboard (repeatable).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and list the dashboards that are out of date, each with a short "
                   "panel-level diff (for CI).")
@click.option("--module", "modules", multiple=True, metavar="PKG.MOD",
              help="Also build the dashboards of this importable module (repeatable).")
@click.option("--schema", type=click.Choice(SCHEMAS), default=None,
              help="v1: the classic dashboard JSON; v2: the dashboard.grafana.app/v2 resource (Grafana 13's "
                   "dynamic dashboards) [setting schema: v1].")
@pass_app
def command(app, out, only, check, modules, schema):
    """Compile the dashboards to Grafana JSON files: bare dashboard models, as file
    provisioning reads them, or with --schema v2 (setting `schema`) dashboard.grafana.app/v2
    resources. The whole tree is written first under temporary names, then renamed into place:
    a failure (a full disk, a file in the way) leaves it as it was.
    Files whose bytes are unchanged are not rewritten; files of dashboards that no longer
    exist are removed. A broken module is reported in one line and the others still build;
    the exit code is then 2. When nothing the last build read has changed (sources, settings,
    price file, installed packages, options), nothing is built again (see dashctl/incremental.py).
    """
    build_key = incremental.key({"command": "build", "config": app.config, "set": list(app.assignments), "out": out,
                                 "only": sorted(only), "modules": list(modules), "schema": schema})
    if not check and incremental.replay(app, out, build_key):
        return 0
    from llm_gateway_dashboards.dashctl.writer import Stager

    started_ns = time.time_ns()
    schema = app.settings(schema=schema).schema
    # each file is written ahead as soon as it is compiled, then renamed in with the rest
    stager = None if check else Stager(out)
    try:
        return _build(app, out, only, check, modules, schema, build_key, started_ns, stager)
    finally:
        if stager is not None:
            stager.cleanup()


def _build(app, out, only, check, modules, schema, build_key, started_ns, stager) -> int:
    from llm_gateway_dashboards.dashctl.compile import file_bytes
    from llm_gateway_dashboards.dashctl.writer import kept_on_failure, out_of_date, write_tree

    if stager is None:  # --check
        report = app.build(modules, only=only)
        files, errors = schema_files(report, schema)
    else:
        files, errors = {}, []
        report = app.build(modules, only=only, keep_models=False,
                           sink=stager.sink(files, lambda c: file_bytes(c, schema), errors))
        errors = list(report.errors) + errors
    keep = kept_on_failure(out, files, bool(errors))
    for err in errors:
        click.echo(f"dashctl: error: {err.one_line()}", err=True)
    if check:
        stale = out_of_date(out, files, keep=keep)
        for line in stale:
            click.echo(f"out of date: {out}/{line}")
            rel = line.split(": ", 1)[0]
            if line.endswith(": differs"):
                for change in _changes(Path(out) / rel, files[rel]):
                    click.echo(f"    {change}")
        if not stale:
            click.echo(f"{len(files)} dashboard(s) up to date in {out}")
    else:
        res = write_tree(out, files, prune=not only, keep=keep)
        for rel in res.written:
            app.log(f"wrote {out}/{rel}")
        for rel in res.removed:
            app.log(f"removed {out}/{rel}")
        lines = [f"{len(files)} dashboard(s): {len(res.written)} written, {len(res.unchanged)} unchanged, "
                 f"{len(res.removed)} removed -> {out}", *origin_lines(report.dashboards)]
        for line in lines:
            click.echo(line)
        if errors and (res.written or res.removed):
            incremental.forget(out)  # the record no longer describes the tree (it checks that too)
        elif not errors:
            again = [f"{len(files)} dashboard(s): 0 written, {len(files)} unchanged, 0 removed -> {out}", *lines[1:]]
            incremental.record(out, build_key, incremental.input_files(app.input_files()), files, again,
                               started_ns)
    if errors:
        raise BuildFailed(f"{len(errors)} dashboard(s) or module(s) failed to build")
    if check and stale:
        raise FindingsError(f"{len(stale)} file(s) out of date: run `dashctl build`")
    return 0


def schema_files(report, schema: str) -> tuple[dict[str, bytes], list[BuildError]]:
    """{<folder>/<uid>.json: bytes} in `schema`, and the build's errors plus those of dashboards with no such form."""
    from llm_gateway_dashboards.dashctl.compile import file_bytes

    files, errors = {}, list(report.errors)
    for d in report.dashboards:
        try:
            files[d.path] = file_bytes(d, schema)
        except BuildError as exc:
            errors.append(exc)
    return files, errors


def origin_lines(dashboards) -> list[str]:
    """`  11 shipped` and one line per other origin with its uids: where the dashboards came from."""
    by: dict[str, list[str]] = {}
    for d in dashboards:
        by.setdefault(d.origin, []).append(d.uid)
    return [f"  {len(uids)} shipped" if origin == "shipped" else f"  {len(uids)} from {origin}: {', '.join(uids)}"
            for origin, uids in sorted(by.items(), key=lambda kv: (kv[0] != "shipped", kv[0]))]


def _changes(path: Path, new: bytes) -> list[str]:
    """A short panel-level diff of the file on disk against the build (the one push shows)."""
    import orjson

    from llm_gateway_dashboards.dashctl.diff import change_lines

    try:
        old = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise OutputError(path, exc, "read") from None
    except orjson.JSONDecodeError:
        return ["(the file on disk is not JSON)"]
    if not isinstance(old, dict):
        return ["(the file on disk is not a dashboard)"]
    built = orjson.loads(new)
    if "spec" in old or "spec" in built:  # the panel diff reads v1 models
        return ["(a v2 resource: no panel-level diff)"]
    return change_lines(old, built, MAX_DIFF_LINES)
