"""Typed errors. Each says what is at fault (dashboard, panel, field) and carries the exit code
the CLI turns it into: 1 findings, 2 bad input or config, 3 remote failure."""

from __future__ import annotations

import errno

# the base and the configuration error are the building blocks' own (panels never imports dashctl)
from llm_gateway_dashboards.panels.errors import ConfigError  # noqa: F401
from llm_gateway_dashboards.panels.errors import LibraryError as DashctlError


class Interrupted(BaseException):  # noqa: N818 (the user's act, not a fault)
    """Ctrl-C while the CLI runs: its SIGINT handler raises this instead of KeyboardInterrupt, which
    click, wherever it catches it (parsing, context set-up, teardown), turns into a blank line and
    an Abort. Not an Exception, so no `except Exception` of a command swallows it."""


class UnknownUidError(ConfigError):
    """A uid named on the command line that no dashboard has."""

    def __init__(self, uids, known):
        self.uids, self.known = tuple(uids), tuple(known)
        names = ", ".join(self.uids)
        super().__init__(f"no dashboard with uid {names}; known: {', '.join(self.known)}")


class OutputError(DashctlError):
    """A file or directory dashctl cannot read or write: names the path and what to do (exit 2).
    `doing` is what failed: "write", "create directory", "read", "read settings file", ..."""

    def __init__(self, path, exc: OSError, doing: str = "write"):
        self.path, self.errno = str(path), exc.errno
        super().__init__(f"{self.path}: cannot {doing}: {_reason(exc, doing)}; {_hint(exc, doing)}")


def _in_the_way(exc: OSError) -> bool:
    return isinstance(exc, (FileExistsError, NotADirectoryError)) or exc.errno in (errno.EEXIST, errno.ENOTDIR)


def _reason(exc: OSError, doing: str) -> str:
    if _in_the_way(exc):
        return ("a part of the path is a file, not a directory" if doing.startswith("read")
                else "a file is in the way where a directory must be")
    return exc.strerror or type(exc).__name__


def _hint(exc: OSError, doing: str) -> str:
    code, reading = exc.errno, doing.startswith("read")
    if reading:
        return {errno.EISDIR: "give a file, not a directory",
                errno.EACCES: "fix its permissions"}.get(code, "check the path")
    if _in_the_way(exc):
        return "move that file away or choose another output directory"
    return {
        errno.EISDIR: "move that directory away or choose another output directory",
        errno.EACCES: "fix its permissions or choose another output directory",
        errno.EPERM: "fix its permissions or choose another output directory",
        errno.EROFS: "the file system is read-only: choose another output directory",
        errno.ENOSPC: "free some space or choose another output directory",
        errno.EDQUOT: "free some space or choose another output directory",
        errno.ENOENT: "choose an output directory whose parent exists and can hold directories",
    }.get(code, "check the path or choose another output directory")


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
    """Some dashboards failed to build; each was already reported on its own line, so the CLI
    adds no line of its own (exit 2)."""

    shown = True


class FindingsError(DashctlError):
    exit_code = 1


class RemoteError(DashctlError):
    """Grafana or Prometheus refused or failed."""

    exit_code = 3
