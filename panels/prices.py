"""Model prices: the LLM instrumentation SDK's `config/model_prices.yaml`, read and checked.

A source that counts tokens but not money (brightstaff) gets its cost from this file
(panels/cost.py turns it into queries). The format is a YAML list, one entry per model:

    - model: gpt-4o                  # the model name as the gateway labels it
      provider: openai
      input_price_per_1m: 2.50       # USD per million prompt tokens
      output_price_per_1m: 10.00     # USD per million completion tokens
      version: "2025-10-01"
      cache_read_price_per_1m: 1.25  # optional; default: the input price
      cache_write_price_per_1m: 3.75 # optional; default: the input price

Which file (`price_file`), one rule: the `prices_file` setting, read exactly as given
(relative to the working directory). Unset, it is `config/model_prices.yaml` of the working
directory (the project's own file, a real file in this repository); only when the working
directory has no such path is the list packaged with the library (`panels/data/`) used, so
an installed copy builds without one. An edited project file is always the one read: the
build compares the written bytes, so a changed price rewrites the cost dashboard.

A file that cannot be used raises `ConfigError` naming the file as the user gave it, the
entry (number, line, model) and the field: a missing or unknown field, a price that is
negative, not a number or not finite, a duplicate model.
"""

from __future__ import annotations

import datetime
import math
import os
from pathlib import Path

import attrs
import yaml

from llm_gateway_dashboards.panels.errors import ConfigError

DEFAULT_FILE = Path("config") / "model_prices.yaml"  # the project's file, relative to the working directory
PACKAGED_FILE = Path(__file__).resolve().parent / "data" / "model_prices.yaml"  # when the project has none
REQUIRED = ("model", "provider", "input_price_per_1m", "output_price_per_1m", "version")
OPTIONAL = ("cache_read_price_per_1m", "cache_write_price_per_1m")
PRICES = ("input_price_per_1m", "output_price_per_1m") + OPTIONAL


def _price(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _check_price(inst, attribute, value):
    if value is not None and not _price(value):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _name(inst, attribute, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")


@attrs.frozen
class ModelPrice:
    """One model's list prices, USD per million tokens."""

    model: str = attrs.field(validator=_name)
    provider: str = attrs.field(validator=_name)
    input_price_per_1m: float = attrs.field(validator=_check_price)
    output_price_per_1m: float = attrs.field(validator=_check_price)
    version: str = attrs.field(validator=_name)
    cache_read_price_per_1m: float | None = attrs.field(default=None, validator=_check_price)
    cache_write_price_per_1m: float | None = attrs.field(default=None, validator=_check_price)

    def per_kind(self) -> dict[str, float]:
        """USD per million tokens of each brightstaff token kind; cache tokens default to the input price."""
        def cache(price):
            return self.input_price_per_1m if price is None else price

        return {"prompt": self.input_price_per_1m, "completion": self.output_price_per_1m,
                "cache_read": cache(self.cache_read_price_per_1m),
                "cache_write": cache(self.cache_write_price_per_1m)}


@attrs.frozen
class PriceList:
    """The models of one price file, in file order."""

    path: str
    models: tuple[ModelPrice, ...] = attrs.field(converter=tuple)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.model for m in self.models)

    def get(self, model: str) -> ModelPrice | None:
        return next((m for m in self.models if m.model == model), None)

    @property
    def version(self) -> str:
        """The file's version: its entries' one version, or the oldest … newest."""
        versions = sorted({m.version for m in self.models})
        return versions[0] if len(versions) == 1 else f"{versions[0]} … {versions[-1]}"


def _version(value):
    if isinstance(value, (datetime.date, int, float)) and not isinstance(value, bool):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)  # unquoted 2025-10-01
    return value


def _entry_lines(text: str) -> list[int]:
    """1-based line of each entry of the top-level list (for messages)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    return [item.start_mark.line + 1 for item in getattr(node, "value", ())] if node is not None else []


def price_file(setting: str | Path | None = None) -> Path:
    """The price file the setting `prices_file` means: the path as given; unset, the working
    directory's config/model_prices.yaml, or the packaged list when that path does not exist."""
    if setting:
        return Path(setting)
    return DEFAULT_FILE if os.path.lexists(DEFAULT_FILE) else PACKAGED_FILE


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: price file not found; create it or set prices_file "
                          f"(dashctl.toml, DASHCTL_PRICES_FILE or --set prices_file=PATH)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: cannot read price file: it is a directory; give a YAML file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: cannot read price file: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read price file: {exc.strerror or exc}") from None


def _where(path: Path, index: int, line: int | None, model) -> str:
    who = ", ".join(filter(None, [f"line {line}" if line else "",
                                  f"model {model!r}" if isinstance(model, str) else ""]))
    return f"{path}: entry {index}" + (f" ({who})" if who else "")


def _entry(path: Path, index: int, line: int | None, entry) -> ModelPrice:
    """One checked entry; the first problem raises, naming file, entry and field."""
    model = entry.get("model") if isinstance(entry, dict) else None

    def fail(field: str, why: str) -> ConfigError:
        where = _where(path, index, line, model)
        return ConfigError(f"{where}: field {field}: {why}" if field else f"{where}: {why}")

    if not isinstance(entry, dict):
        raise fail("", f"expected a mapping of {', '.join(REQUIRED)}, got {type(entry).__name__}")
    for field in REQUIRED:
        if field not in entry or entry[field] is None:
            raise fail(field, "missing")
    for field in entry:
        if field not in REQUIRED + OPTIONAL:
            raise fail(str(field), f"unknown field; known: {', '.join(REQUIRED + OPTIONAL)}")
    for field in ("model", "provider"):
        if not isinstance(entry[field], str) or not entry[field].strip():
            raise fail(field, f"must be a non-empty string, got {entry[field]!r}")
    for field in PRICES:
        value = entry.get(field)
        if value is None and field in OPTIONAL:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(field, f"must be a number (USD per million tokens), got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise fail(field, f"must be a finite price >= 0, got {value!r}")
    version = _version(entry["version"])
    if not isinstance(version, str) or not version.strip():
        raise fail("version", f"must be a non-empty string, got {entry['version']!r}")
    return ModelPrice(**{**entry, "version": version})


def load_prices(path: str | Path | None = None) -> PriceList:
    """The price file at `path` ("" or None: see `price_file`), checked entry by entry."""
    path = price_file(path)
    text = _read(path)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(doc, list) or not doc:
        raise ConfigError(f"{path}: expected a non-empty list of models (- model: ..., provider: ..., "
                          f"input_price_per_1m: ..., output_price_per_1m: ..., version: ...)")
    lines = _entry_lines(text)
    seen: dict[str, int] = {}
    models = []
    for i, entry in enumerate(doc, 1):
        line = lines[i - 1] if len(lines) >= i else None
        price = _entry(path, i, line, entry)
        if price.model in seen:
            raise ConfigError(f"{_where(path, i, line, price.model)}: field model: duplicate: "
                              f"{price.model!r} is already priced by entry {seen[price.model]}")
        seen[price.model] = i
        models.append(price)
    return PriceList(str(path), models)
