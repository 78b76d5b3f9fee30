"""The errors the building blocks raise, and their base: what is at fault and the exit code the
CLI turns it into (1 findings, 2 bad input or config, 3 remote failure). `dashctl` builds its own
errors on the same base, so one `except LibraryError` catches everything either raises."""

from __future__ import annotations


class LibraryError(Exception):
    exit_code = 2
    shown = False  # already reported line by line (the CLI then prints nothing more)

    def one_line(self) -> str:
        return " ".join(str(self).split())


class ConfigError(LibraryError):
    """A settings file, flag, environment variable or price file that cannot be used."""
