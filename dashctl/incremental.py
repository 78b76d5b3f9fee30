"""A no-change `dashctl build`: decide from a hash of the inputs that the files are already right.

After a successful build, `record` writes `<out>/.dashctl/inputs.json` (beside the writer's
manifest, in the dot-folder Grafana skips): the key of the invocation and the content hash of
every input file the build read. The next `dashctl build` calls `unchanged` first: when the key
and every input file's content are the same and every output file is as written, nothing is
imported or built (no grafanalib, no panels, no dashboards) and the summary of the last build
is printed again.

The inputs, any change to which means a full build:
- the invocation: `--config`, `--set`, `--out`, `--only`, `--module`, the working directory,
  every `DASHCTL_*` environment variable, the interpreter and `sys.path`;
- the installed distributions: every `*.dist-info`/`*.egg-info`/`.pth` on `sys.path`, by name
  (name and version) and modification time (a reinstall makes a new one), so a new, removed or
  upgraded package (grafanalib, an entry-point package of dashboards) counts;
- by content (source and data files; others by size and modification time): every module the
  build loaded from outside the standard library and site-packages (our panels/, dashboards/
  and dashctl/ in a checkout, a consumer's own packages, `--module` files), every other file in
  those modules' directories (a new dashboard module, a data file), the settings file and the
  price file (or their absence);
- the outputs: each written file's size and modification time, so a file deleted or edited
  by hand is written again.
A file that changed while the build ran (modified after it started) makes no record: the next
build is a full one. Anything unreadable or unexpected in the record means a full build.
Not an input: a file a dashboard module opens by itself outside its own directory (other than
the settings and price files); removing the record (`<out>/.dashctl/inputs.json`) forces a
full build.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

try:  # hashlib's import loads OpenSSL (3 ms of a no-change run); blake2b is built in
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without the module
    from hashlib import blake2b

RECORD = Path(".dashctl") / "inputs.json"
FORMAT = 1
_INSTALLED = (".dist-info", ".egg-info", ".egg-link", ".pth")
_BY_CONTENT = (".py", ".yaml", ".yml", ".toml", ".json", ".csv", ".txt", ".cfg", ".ini")
_SKIP_PARTS = frozenset({"site-packages", "dist-packages"})


def key(invocation: dict) -> str:
    """The hash of everything but file contents: the invocation, environment, interpreter, packages."""
    doc = {
        "format": FORMAT,
        "invocation": invocation,
        "cwd": os.getcwd(),
        "env": sorted((k, v) for k, v in os.environ.items() if k.startswith("DASHCTL_")),
        "python": [sys.executable, sys.version, sys.flags.optimize],
        "path": sys.path,
        "installed": _installed(),
    }
    return blake2b(json.dumps(doc, sort_keys=True, default=str).encode(), digest_size=20).hexdigest()


def _installed() -> list:
    out = []
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as it:
                names = [(e.name, e.stat().st_mtime_ns) for e in it if e.name.endswith(_INSTALLED)]
        except OSError:
            continue
        out.append([entry, sorted(names)])
    return out


def _digest(path: str) -> str | None:
    """The content hash of a source or data file; of anything else its size and mtime (a large
    file beside a module is not read on every build)."""
    try:
        if not path.endswith(_BY_CONTENT):
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):  # --config /dev/null: its mtime moves with every write to it
                return f"special:{stat.S_IFMT(st.st_mode)}"
            return f"stat:{st.st_size}:{st.st_mtime_ns}"
        with open(path, "rb") as fh:
            return blake2b(fh.read(), digest_size=16).hexdigest()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:  # a directory, unreadable: never equal to a recorded digest
        return "unreadable"


def _is_project_file(path: str) -> bool:
    """A module file that is not part of the standard library or an installed distribution."""
    parts = Path(path).parts
    if _SKIP_PARTS.intersection(parts):
        return False
    stdlib = os.path.dirname(os.__file__)
    return not path.startswith(stdlib + os.sep)


def input_files(extra: list[str | Path]) -> list[str]:
    """Every project module loaded now, the other files of their directories, and `extra`."""
    files: set[str] = set()
    dirs: set[str] = set()
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if not f or not f.endswith(".py"):
            continue
        f = os.path.abspath(f)
        if _is_project_file(f):
            files.add(f)
            dirs.add(os.path.dirname(f))
    for d in dirs:
        try:
            with os.scandir(d) as it:
                files.update(e.path for e in it
                             if not e.name.startswith(".") and e.is_file() and not e.name.endswith((".pyc", "~")))
        except OSError:
            continue
    files.update(os.path.abspath(p) for p in extra)
    return sorted(files)


def _dir_listing(d: str) -> list[str]:
    try:
        with os.scandir(d) as it:
            return sorted(e.name for e in it
                          if not e.name.startswith(".") and e.is_file() and not e.name.endswith((".pyc", "~")))
    except OSError:
        return []


def _outputs(out: Path, rels) -> dict[str, list[int]] | None:
    stats = {}
    for rel in rels:
        try:
            st = os.stat(out / rel)
        except OSError:
            return None
        stats[rel] = [st.st_size, st.st_mtime_ns]
    return stats


def record(out: str | Path, build_key: str, inputs: list[str], outputs, summary: list[str], started_ns: int) -> bool:
    """Write the record after a successful build; False (and no record) when an input changed
    during the build or an output cannot be read back."""
    out = Path(out)
    digests: dict[str, str | None] = {}
    for f in inputs:
        try:
            if os.stat(f).st_mtime_ns >= started_ns:
                forget(out)
                return False
        except OSError:
            pass
        digests[f] = _digest(f)
    dirs = sorted({os.path.dirname(f) for f in digests if f.endswith(".py")})
    stats = _outputs(out, list(outputs) + [str(Path(".dashctl") / "manifest.json")])
    if stats is None:
        forget(out)
        return False
    doc = {"format": FORMAT, "key": build_key, "files": digests, "dirs": {d: _dir_listing(d) for d in dirs},
           "outputs": stats, "summary": summary}
    path = out / RECORD
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except OSError:
        forget(out)
        return False
    return True


SKIPPED = "inputs unchanged since the last run: nothing built"


def replay(app, out: str | Path, run_key: str) -> bool:
    """When nothing changed since the last run into `out`, print its summary again and say so (-v)."""
    summary = unchanged(out, run_key)
    if summary is None:
        return False
    import click

    app.log(SKIPPED)
    for line in summary:
        click.echo(line)
    return True


def forget(out: str | Path) -> None:
    """No record: the next build is a full one."""
    try:
        os.unlink(Path(out) / RECORD)
    except OSError:
        pass


def unchanged(out: str | Path, build_key: str) -> list[str] | None:
    """The summary lines of the last build when nothing it read has changed since, else None."""
    out = Path(out)
    try:
        doc = json.loads((out / RECORD).read_bytes())
        if doc.get("format") != FORMAT or doc.get("key") != build_key:
            return None
        files, dirs, outputs, summary = doc["files"], doc["dirs"], doc["outputs"], doc["summary"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if _outputs(out, outputs) != outputs:
        return None
    if any(_dir_listing(d) != names for d, names in dirs.items()):
        return None
    if any(_digest(f) != digest for f, digest in files.items()):
        return None
    return summary if isinstance(summary, list) else None
