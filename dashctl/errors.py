"""Typed errors. Each says what is at fault (dashboard, panel, field) and carries the exit code
the CLI turns it into: 1 findings, 2 bad input or config, 3 remote failure."""

from __future__ import annotations


class DashctlError(Exception):
    exit_code = 2

    def one_line(self) -> str:
        return " ".join(str(self).split())


class ConfigError(DashctlError):
    """A settings file, flag, environment variable or price file that cannot be used."""


class BuildError(DashctlError):
    """A dashboard that cannot be built: names the dashboard (or module), the panel and the field."""

    def __init__(self, message: str, *, dashboard: str = "", panel: str = "", field: str = ""):
        self.dashboard, self.panel, self.field, self.message = dashboard, panel, field, message
        super().__init__(self._text())

    def _text(self) -> str:
        where = []
        if self.dashboard:
            where.append(f"dashboard {self.dashboard}")
        if self.panel:
            where.append(f"panel {self.panel!r}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class DuplicateUidError(BuildError):
    """Two dashboards declare one uid."""


class BuildFailed(DashctlError):
    """Some dashboards failed to build (each already reported on its own line)."""


class FindingsError(DashctlError):
    exit_code = 1


class RemoteError(DashctlError):
    """Grafana or Prometheus refused or failed."""

    exit_code = 3
