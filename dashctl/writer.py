"""Write a tree of dashboard files the way Grafana's file provisioning needs it.

grafana-api.md "File provisioning": only `*.json` is read, recursively, dot-folders
skipped; a change is an MD5 of the content; two files with one uid stop provisioning.
So every file is written under a temporary name that does not end in `.json` and renamed
into place (a reader sees the old or the new file, never half of one); a file whose bytes
are unchanged is not touched (same mtime); files of dashboards that no longer exist are
removed, but only files this tool wrote, as listed in its manifest `.dashctl/manifest.json`
(inside a dot-folder, so Grafana never reads it as a dashboard).

A dashboard file's identity is its uid, the file's stem (`<folder>/<uid>.json`). A
dashboard that moved folder is renamed to its new path in one step (never two files with
one uid, never a moment with none), and that holds for files kept from an earlier build
too (`keep`). The manifest lists a new file before the file appears, so even a crash
never leaves a file this tool wrote but no longer knows it owns.

All or nothing (`TreeWrite`, `write_trees`): every new file of every tree is written under
its temporary name first; only when all of them are written are they renamed into place,
with Ctrl-C and SIGTERM held off for those renames. A failure while staging (a read-only
or full file system, a file where a directory must be) removes the temporaries and raises
OutputError naming the path: the trees are all old. The directories stay where they are
(no directory swap), so a bind mount of the output directory, as Grafana's container has,
keeps seeing it, and unchanged files keep their mtime.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import signal
import threading
from pathlib import Path, PurePosixPath
from typing import Mapping

import attrs

from llm_gateway_dashboards.dashctl.errors import DashctlError, OutputError

MANIFEST = Path(".dashctl") / "manifest.json"
_counter = itertools.count()


@attrs.frozen
class WriteReport:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    # (old path, new path) renamed in one step; also listed in `removed` and `written`
    moved: tuple[tuple[str, str], ...] = ()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def owned(root: Path) -> set[str]:
    """Relative paths this tool wrote under root (empty when there is no manifest)."""
    data = _read(Path(root) / MANIFEST)
    if not data:
        return set()
    try:
        return set(json.loads(data).get("files", []))
    except (ValueError, AttributeError):
        return set()


def kept_on_failure(root: str | Path, files: Mapping[str, bytes], failed: bool) -> set[str]:
    """What to keep when some dashboards failed to build: a failed module may have built any
    earlier file, so every earlier file not rebuilt now keeps its last good version."""
    return owned(Path(root)) - set(files) if failed else set()


def identity(rel: str) -> str:
    """What must be unique in a tree: the uid (stem) of a `.json` file, the path of any other."""
    p = PurePosixPath(rel)
    return f"uid:{p.stem}" if p.suffix == ".json" else f"path:{rel}"


def _manifest_bytes(files) -> bytes:
    return (json.dumps({"files": sorted(files), "tool": "dashctl"}, indent=2) + "\n").encode()


def _prune_dirs(root: Path, parent: Path) -> None:
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _remove(root: Path, rel: str) -> bool:
    path = root / rel
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    _prune_dirs(root, path.parent)
    return True


def _move(root: Path, old: str, new: str) -> bool:
    """Rename old -> new in one step when new does not exist yet; else just remove old."""
    src, dst = root / old, root / new
    if not src.exists():
        return False
    if dst.exists():
        return _remove(root, old)
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    _prune_dirs(root, src.parent)
    return True


class _Staging:
    """Files written under temporary names beside their final paths, and the directories made for
    them: `abort()` removes both."""

    durable = False

    def __init__(self):
        self._temps: list[tuple[Path, Path]] = []  # (temporary, final path)
        self._made: list[Path] = []  # directories staging created

    def _mkdirs(self, directory: Path) -> None:
        missing = []
        d = directory
        while not d.is_dir():
            missing.append(d)
            if d.parent == d:
                break
            d = d.parent
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError as exc:
                if not d.is_dir():
                    raise OutputError(d, exc, "create directory") from None
                continue
            except OSError as exc:
                raise OutputError(d, exc, "create directory") from None
            self._made.append(d)

    def _put(self, path: Path, data: bytes) -> None:
        self._mkdirs(path.parent)
        if path.is_dir():
            raise OutputError(path, IsADirectoryError(errno.EISDIR, "a directory is in the way of this file"))
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}-{next(_counter)}")
        self._temps.append((tmp, path))
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                if self.durable:
                    fh.flush()
                    os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(path, exc) from None

    def abort(self) -> None:
        for tmp, _ in self._temps:
            try:
                tmp.unlink()
            except OSError:  # never written, renamed into place, or a read-only file system that refused it
                pass
        self._temps = []
        for d in reversed(self._made):
            try:
                d.rmdir()
            except OSError:
                pass
        self._made = []


@attrs.frozen
class Staged:
    """A file handed to `write_tree` already written: under its temporary name `tmp`, or, when
    `tmp` is None, found byte-equal to the file at `path` (nothing written)."""

    path: Path
    tmp: Path | None

    def data(self) -> bytes:
        return (self.path if self.tmp is None else self.tmp).read_bytes()


class Stager(_Staging):
    """Writes files ahead, while a build still runs, so thousands of dashboards never hold all
    their bytes at once: `add` writes one under a temporary name beside its final path (or
    nothing when the file there has these bytes) and returns a `Staged` for `write_tree`, which
    renames it into place with the rest, all or nothing. `cleanup()` after `write_tree` (or a
    failure) removes whatever was not renamed into place and the directories left empty."""

    def __init__(self, root: str | Path):
        super().__init__()
        self.root = Path(root)
        self.failed = False

    def add(self, rel: str, data: bytes) -> Staged | bytes:
        """The file written ahead; after a failure (a read-only or full disk, a file in the way) the
        bytes themselves: `write_tree` then stages them and reports the failure, as without a Stager."""
        if self.failed:
            return data
        path = self.root / rel
        try:
            if _read(path) == data:
                return Staged(path, None)
            self._put(path, data)
        except (OSError, OutputError):
            self.failed = True
            return data
        return Staged(path, self._temps[-1][0])

    def sink(self, staged: dict, to_bytes=None, errors: list | None = None):
        """A `builder.build` sink: each Compiled's file (`to_bytes(compiled)`, default its data)
        written ahead into `staged` ({path: Staged}), the Compiled kept without its bytes. A
        DashctlError of `to_bytes` (a dashboard with no file in that form) goes to `errors`."""
        def write_ahead(compiled):
            try:
                data = to_bytes(compiled) if to_bytes else compiled.data
            except DashctlError as exc:
                if errors is None:
                    raise
                errors.append(exc)
                return compiled
            staged[compiled.path] = value = self.add(compiled.path, data)
            return compiled if value is data else attrs.evolve(compiled, data=b"")

        return write_ahead

    def cleanup(self) -> None:
        self.abort()


class TreeWrite(_Staging):
    """The changes that make `root` hold `files`, staged: every new file is already written
    under a temporary name beside its final path. `commit()` renames them into place (and
    removes stale files); `abort()` removes the temporaries and the directories staging made,
    leaving the tree as it was. Staging fails with OutputError (naming the path and what to do)
    and cleans up after itself, so a failure before commit leaves the tree all old.
    """

    def __init__(self, root: str | Path, files: Mapping[str, bytes], prune: bool = True, durable: bool = False,
                 keep: set[str] | frozenset = frozenset()):
        super().__init__()
        self.root, self.durable = Path(root), durable
        try:
            self._plan(files, prune, keep)
            self._stage(files)
        except BaseException:
            self.abort()
            raise

    def _plan(self, files, prune, keep) -> None:
        root = self.root
        try:
            before = owned(root)
        except OSError as exc:
            raise OutputError(root / MANIFEST, exc, "read") from None
        wanted: dict[str, str] = {}
        for rel in files:
            key = identity(rel)
            if key in wanted:
                raise ValueError(f"{wanted[key]} and {rel}: two files with one uid")
            wanted[key] = rel
        others = before - set(files)
        self.moves = {rel: wanted[identity(rel)] for rel in others if identity(rel) in wanted}
        self.stale = {rel for rel in others - set(self.moves) if rel not in keep} if prune else set()
        now = (before - self.stale - set(self.moves)) | set(files)
        self.manifest = _manifest_bytes(now)
        # list new files before they appear (a crash leaves no file this tool does not know it owns)
        self.first_manifest = _manifest_bytes(now | set(self.moves)) if set(files) - before else None
        # a dashboard that moved folder arrives with its old file's bytes (renamed in one step)
        arriving = {new: old for old, new in self.moves.items()
                    if (root / old).exists() and not (root / new).exists()}
        self.changed, self.unchanged, self.rewrite = [], [], set()
        for rel in sorted(files):
            value = files[rel]
            try:
                if isinstance(value, Staged) and rel not in arriving:
                    differs = value.tmp is not None  # compared with this very file when staged
                else:
                    data = value.data() if isinstance(value, Staged) else value
                    differs = _read(root / arriving.get(rel, rel)) != data
            except OSError as exc:
                raise OutputError(root / rel, exc, "read") from None
            if differs:
                self.rewrite.add(rel)
            (self.changed if differs or rel in arriving else self.unchanged).append(rel)

    def _stage(self, files) -> None:
        root = self.root
        self._mkdirs(root)
        if self.first_manifest is not None:
            self._put(root / MANIFEST, self.first_manifest)
        for new in sorted(self.moves.values()):
            self._mkdirs((root / new).parent)
        for rel in sorted(self.rewrite):
            value = files[rel]
            if isinstance(value, Staged) and value.tmp is not None:
                self._temps.append((value.tmp, root / rel))  # written ahead (Stager): renamed in at commit
            else:
                self._put(root / rel, value.data() if isinstance(value, Staged) else value)
        if self.manifest != (self.first_manifest or _read(root / MANIFEST)):
            self._put(root / MANIFEST, self.manifest)

    def commit(self) -> WriteReport:
        """Rename every staged file into place, move renamed dashboards, remove stale files."""
        root = self.root
        dirs = sorted({path.parent for _, path in self._temps} | {root})
        try:
            manifest_temps = [t for t in self._temps if t[1] == root / MANIFEST]
            if self.first_manifest is not None:
                os.replace(*manifest_temps.pop(0))
            moved = [(old, new) for old, new in sorted(self.moves.items()) if _move(root, old, new)]
            for tmp, path in self._temps:
                if path != root / MANIFEST:
                    os.replace(tmp, path)
            removed = [rel for rel in sorted(self.stale) if _remove(root, rel)]
            for tmp, path in manifest_temps:
                os.replace(tmp, path)
        except OSError as exc:
            self.abort()
            raise OutputError(exc.filename or root, exc) from None
        self._temps, self._made = [], []
        if self.durable:
            for d in dirs:
                if d.is_dir():
                    _fsync_dir(d)
        return WriteReport(tuple(self.changed), tuple(self.unchanged),
                           tuple(sorted(removed + [old for old, _ in moved])), tuple(moved))


@contextlib.contextmanager
def signals_deferred():
    """Ctrl-C (SIGINT) and SIGTERM wait until the block is done: a commit is never cut in half.
    A signal that came meanwhile is then handled as it would have been (KeyboardInterrupt, exit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: held.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if held:
            handler = previous[held[0]]
            if callable(handler):
                handler(held[0], None)
            elif handler != signal.SIG_IGN:
                signal.raise_signal(held[0])


def write_trees(trees: list[dict]) -> list[WriteReport]:
    """Stage every tree (each a dict of TreeWrite's arguments), then commit them all: when any
    staging fails, no tree changes."""
    staged: list[TreeWrite] = []
    try:
        for spec in trees:
            staged.append(TreeWrite(**spec))
    except BaseException:
        for t in staged:
            t.abort()
        raise
    with signals_deferred():
        return [t.commit() for t in staged]


def write_tree(root: str | Path, files: Mapping[str, bytes], prune: bool = True,
               durable: bool = False, keep: set[str] | frozenset = frozenset()) -> WriteReport:
    """Make `root` hold `files` ({relative path: bytes}), all or nothing (see TreeWrite).

    prune: remove files this tool wrote earlier that are not in `files` (except `keep`:
    files of dashboards that failed to build this time keep their last good version).
    An earlier file with the uid of a file in `files` at another path is moved, kept or not.
    Raises ValueError when `files` itself holds two files with one uid, OutputError when a
    path cannot be written (the tree is then unchanged).
    """
    return write_trees([{"root": root, "files": files, "prune": prune, "durable": durable, "keep": keep}])[0]


def out_of_date(root: str | Path, files: Mapping[str, bytes], keep: set[str] | frozenset = frozenset()) -> list[str]:
    """What `write_tree` would change, one line each: `path: missing|differs|stale`."""
    root = Path(root)
    out = []
    for rel in sorted(files):
        data = _read(root / rel)
        if data is None:
            out.append(f"{rel}: missing")
        elif data != files[rel]:
            out.append(f"{rel}: differs")
    ids = {identity(rel) for rel in files}
    for rel in sorted(owned(root) - set(files)):
        if (root / rel).exists() and (rel not in keep or identity(rel) in ids):
            out.append(f"{rel}: stale (no dashboard builds it any more)")
    return out
