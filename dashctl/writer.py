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
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path, PurePosixPath
from typing import Mapping

import attrs

MANIFEST = Path(".dashctl") / "manifest.json"
_counter = itertools.count()


@attrs.frozen
class WriteReport:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    # (old path, new path) renamed in one step; also listed in `removed` and `written`
    moved: tuple[tuple[str, str], ...] = ()


def atomic_write(path: Path, data: bytes, durable: bool = False) -> None:
    """Write `data` to `path` through a temporary sibling `.<name>.tmp<pid>-<n>` and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}-{next(_counter)}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


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


def write_tree(root: str | Path, files: Mapping[str, bytes], prune: bool = True,
               durable: bool = False, keep: set[str] | frozenset = frozenset()) -> WriteReport:
    """Make `root` hold `files` ({relative path: bytes}).

    prune: remove files this tool wrote earlier that are not in `files` (except `keep`:
    files of dashboards that failed to build this time keep their last good version).
    An earlier file with the uid of a file in `files` at another path is moved, kept or not.
    Raises ValueError when `files` itself holds two files with one uid.
    """
    root = Path(root)
    before = owned(root)
    wanted: dict[str, str] = {}
    for rel in files:
        key = identity(rel)
        if key in wanted:
            raise ValueError(f"{wanted[key]} and {rel}: two files with one uid")
        wanted[key] = rel
    others = before - set(files)
    moves = {rel: wanted[identity(rel)] for rel in others if identity(rel) in wanted}
    stale = {rel for rel in others - set(moves) if rel not in keep} if prune else set()
    removed = [rel for rel in sorted(stale) if _remove(root, rel)]
    remaining = before - stale - set(moves)
    now = remaining | set(files)
    manifest = _manifest_bytes(now)
    if set(files) - before:  # list new files before they appear (a crash leaves no unknown file)
        atomic_write(root / MANIFEST, _manifest_bytes(now | set(moves)), durable)
    moved = [(old, new) for old, new in sorted(moves.items()) if _move(root, old, new)]
    arrived = {new for _, new in moved}
    written, unchanged = [], []
    for rel in sorted(files):
        path = root / rel
        if _read(path) == files[rel]:
            (written if rel in arrived else unchanged).append(rel)
            continue
        atomic_write(path, files[rel], durable)
        written.append(rel)
    if _read(root / MANIFEST) != manifest:
        atomic_write(root / MANIFEST, manifest, durable)
    removed = sorted(removed + [old for old, _ in moved])
    return WriteReport(tuple(written), tuple(unchanged), tuple(removed), tuple(moved))


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
