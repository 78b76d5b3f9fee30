"""The `dashctl` command line. Subcommands live in dashctl/commands/ and load only when used.

Errors become one clear line on stderr and an exit code (0 ok, 1 findings, 2 bad input or
config, 3 remote failure); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import gc
import os
import signal
import sys


def _interrupted_while_starting(signum, frame):  # nothing to clean up yet: no traceback, exit 130
    os.write(2, b"dashctl: interrupted\n")
    os._exit(130)


if __name__ == "__main__" or os.path.basename(sys.argv[0]) == "dashctl":  # the CLI, not a library import
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    # a one-shot command: reference counting frees what it allocates, and the cyclic collector only
    # rescans the imported modules' objects again and again (`dashctl watch` turns it back on)
    gc.disable()

import importlib  # noqa: E402

import click  # noqa: E402

from llm_gateway_dashboards.dashctl.context import App  # noqa: E402
from llm_gateway_dashboards.dashctl.errors import DashctlError, Interrupted, OutputError  # noqa: E402

DIST = "llm-gateway-dashboards"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DIST)
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(ctx, param, value):  # the version is looked up only when asked for (importlib.metadata is slow)
    if value and not ctx.resilient_parsing:
        click.echo(f"dashctl {_version()}")
        ctx.exit()


COMMANDS = {
    "build": "llm_gateway_dashboards.dashctl.commands.build",
    "list": "llm_gateway_dashboards.dashctl.commands.listing",
    "lint": "llm_gateway_dashboards.dashctl.commands.lint",
    "verify": "llm_gateway_dashboards.dashctl.commands.verify",
    "push": "llm_gateway_dashboards.dashctl.commands.push",
    "provision": "llm_gateway_dashboards.dashctl.commands.provision",
    "watch": "llm_gateway_dashboards.dashctl.commands.watch",
    "import": "llm_gateway_dashboards.dashctl.commands.import_",
    "pull": "llm_gateway_dashboards.dashctl.commands.pull",
    "rules": "llm_gateway_dashboards.dashctl.commands.rules",
    "init": "llm_gateway_dashboards.dashctl.commands.init",
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when it runs (or when help lists it)."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        module = COMMANDS.get(name)
        return importlib.import_module(module).command if module else None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="Settings file (default: ./dashctl.toml when it exists).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Override one setting (repeatable), e.g. --set brightstaff_job=plano.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for more).")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
@click.pass_context
def cli(ctx, config, assignments, debug, verbose):
    """Dashboards as code for LLM gateways: build Grafana JSON from Python modules,
    check it, and deliver it (push to the Grafana API or write a provisioning directory).

    Settings come from defaults, then dashctl.toml [settings], then DASHCTL_<NAME>
    environment variables, then --set flags.
    """
    ctx.obj = App(config=config, assignments=assignments, debug=debug, verbose=verbose)


def _interrupted(signum, frame):
    raise Interrupted()


def main(argv=None) -> int:
    cli_process = signal.getsignal(signal.SIGINT) is _interrupted_while_starting
    try:
        return _run(argv)
    finally:
        if cli_process:  # the command is over, its exit code decided: Ctrl-C while Python exits changes nothing
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(argv) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    if signal.getsignal(signal.SIGINT) is _interrupted_while_starting:  # the CLI process, not a library call
        signal.signal(signal.SIGINT, _interrupted)  # from here on, Ctrl-C cleans up (see below)
    try:
        rv = cli.main(args=argv, prog_name="dashctl", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Abort:
        click.echo("dashctl: aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:  # one line, as every error: what is wrong and where the help is
        where = exc.ctx.command_path if exc.ctx is not None else "dashctl"
        click.echo(f"dashctl: error: {' '.join(exc.format_message().split())} (see '{where} --help')", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"dashctl: error: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except DashctlError as exc:
        if debug:
            raise
        if not exc.shown:
            click.echo(f"dashctl: error: {exc.one_line()}", err=True)
        return exc.exit_code
    except OSError as exc:  # a path no command checked first: still one line naming it
        if debug:
            raise
        where = exc.filename or "a file"
        click.echo(f"dashctl: error: {OutputError(where, exc, 'use').one_line()}", err=True)
        return 2
    except (KeyboardInterrupt, Interrupted):
        click.echo("dashctl: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug of ours: still one line unless --debug
        if debug:
            raise
        click.echo(f"dashctl: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
