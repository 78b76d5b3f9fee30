"""What every subcommand shares: the settings (loaded once, lazily) and output verbosity."""

from __future__ import annotations

import click

from dashctl.errors import ConfigError
from panels.settings import SettingsError, load_settings, parse_assignments


class App:
    def __init__(self, config=None, assignments=(), debug=False, verbose=0):
        self.config, self.assignments, self.debug, self.verbose = config, tuple(assignments), debug, verbose
        self._settings = None

    def settings(self, **flags):
        """Defaults <- dashctl.toml <- env <- --set <- explicit flags of the subcommand."""
        if self._settings is None or flags:
            try:
                over = parse_assignments(self.assignments)
                over.update({k: v for k, v in flags.items() if v is not None})
                self._settings = load_settings(self.config, overrides=over)
            except SettingsError as exc:
                raise ConfigError(str(exc)) from None
        return self._settings

    def overrides(self):
        """[[overrides]] of the settings file (see dashctl/overrides.py)."""
        from pathlib import Path

        from dashctl.overrides import from_toml
        from panels.settings import DEFAULT_FILE, read_toml

        path = Path(self.config or DEFAULT_FILE)
        if not (self.config or path.exists()):
            return []
        try:
            return from_toml(read_toml(path).get("overrides", []), str(path))
        except SettingsError as exc:
            raise ConfigError(str(exc)) from None

    def build(self, modules=(), only=(), **kw):
        """Build every discovered dashboard (plus `modules`) with this app's settings and overrides."""
        from dashctl import discover
        from dashctl.builder import build

        return build(self.settings(), discover.all_modules(tuple(modules)), only=only,
                     overrides=self.overrides(), **kw)

    def log(self, message: str, level: int = 1) -> None:
        if self.verbose >= level:
            click.echo(message, err=True)


pass_app = click.make_pass_decorator(App)
