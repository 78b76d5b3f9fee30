"""attrs field factories for the alert settings (thresholds, windows, durations) of `Settings`.

Values come from TOML, environment variables or `--set` flags, so strings are converted
here; a value that is not a number (or not a Prometheus duration) is left for the validator,
whose message names the setting, so the CLI prints one line and exits 2.
"""

from __future__ import annotations

import re

import attrs
from attrs.validators import ge, instance_of, le, matches_re

DURATION = r"^[1-9][0-9]*(ms|s|m|h|d)$"
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _number(value):
    if isinstance(value, bool):
        return value  # True is not a threshold: the validator rejects it
    if isinstance(value, int):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


def _not_bool(inst, attribute, value):
    if isinstance(value, bool):
        raise TypeError(f"'{attribute.name}' must be a number, not {value!r}")


def number(default: float, low: float = 0.0, high: float | None = None):
    """A float setting (a threshold, a rate, an objective) between low and high."""
    validators = [_not_bool, instance_of(float), ge(low)]
    if high is not None:
        validators.append(le(high))
    return attrs.field(default=float(default), converter=_number, validator=validators)


def duration(default: str):
    """A Prometheus duration setting: 30s, 5m, 1h, 30d."""
    return attrs.field(default=default, validator=[instance_of(str), matches_re(DURATION)])


def seconds(text: str) -> float:
    """5m -> 300.0"""
    m = re.match(r"^(\d+)(ms|s|m|h|d)$", text)
    if not m:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return int(m.group(1)) * _UNITS[m.group(2)]
