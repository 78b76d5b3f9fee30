"""What every subcommand shares: the settings (loaded once, lazily) and output verbosity."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from llm_gateway_dashboards.dashctl.errors import ConfigError, OutputError

DEFAULT_FILE = "dashctl.toml"  # panels.settings.DEFAULT_FILE (a test keeps them equal); imported lazily


@contextlib.contextmanager
def settings_file_errors(path):
    """A settings file that cannot be used becomes one ConfigError naming it (exit 2)."""
    from llm_gateway_dashboards.panels.settings import SettingsError

    try:
        yield
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(OutputError(path, exc, "read settings file").one_line()) from None


class App:
    def __init__(self, config=None, assignments=(), debug=False, verbose=0):
        self.config, self.assignments, self.debug, self.verbose = config, tuple(assignments), debug, verbose
        self._settings = None

    @property
    def config_path(self) -> Path:
        return Path(self.config or DEFAULT_FILE)

    def settings(self, **flags):
        """Defaults <- dashctl.toml <- env <- --set <- explicit flags of the subcommand."""
        if self._settings is None or flags:
            from llm_gateway_dashboards.panels.settings import load_settings, parse_assignments

            with settings_file_errors(self.config_path):
                over = parse_assignments(self.assignments)
                over.update({k: v for k, v in flags.items() if v is not None})
                self._settings = load_settings(self.config, overrides=over)
        return self._settings

    def _section(self, name: str, default):
        """One top-level entry of the settings file (`default` when the file or the entry is absent)."""
        path = self.config_path
        if not (self.config or path.exists()):
            return default
        from llm_gateway_dashboards.panels.settings import read_toml

        with settings_file_errors(path):
            return read_toml(path).get(name, default)

    def overrides(self):
        """[[overrides]] of the settings file (see dashctl/overrides.py)."""
        from llm_gateway_dashboards.dashctl.overrides import from_toml

        entries = self._section("overrides", [])
        with settings_file_errors(self.config_path):
            return from_toml(entries, str(self.config_path))

    def discover_packages(self) -> tuple[str, ...]:
        """`[discover] packages = [...]` of the settings file: the consumer's own dashboard packages."""
        path = self.config_path
        table = self._section("discover", {})
        packages = table.get("packages", []) if isinstance(table, dict) else None
        if not isinstance(packages, list) or not all(isinstance(p, str) and p for p in packages):
            raise ConfigError(f'{path}: [discover] packages must be a list of package names, e.g. ["dashboards"]')
        unknown = sorted(set(table) - {"packages"})
        if unknown:
            raise ConfigError(f"{path}: [discover] has no key {unknown[0]!r} (known: packages)")
        return tuple(packages)

    def modules(self, extra=()):
        """Every dashboard module: shipped, entry points, configured packages, then `extra` (--module)."""
        from llm_gateway_dashboards.dashctl import discover

        packages = self.discover_packages()
        base = str(self.config_path.resolve().parent) if packages else None
        configured = discover.from_packages(packages, base, str(self.config_path))
        return discover.all_modules(tuple(extra), configured=configured)

    def build(self, modules=(), only=(), **kw):
        """Build every discovered dashboard (plus `modules`) with this app's settings and overrides."""
        from llm_gateway_dashboards.dashctl.builder import build

        return build(self.settings(), self.modules(modules), only=only, overrides=self.overrides(), **kw)

    def input_files(self) -> list[Path]:
        """The files a build read besides code: the settings file and the price file (or where they
        would be: their absence is an input too)."""
        from llm_gateway_dashboards.panels import prices

        return [self.config_path, prices.price_file(self.settings().prices_file), Path(prices.DEFAULT_FILE)]

    def log(self, message: str, level: int = 1) -> None:
        if self.verbose >= level:
            click.echo(message, err=True)


pass_app = click.make_pass_decorator(App)
