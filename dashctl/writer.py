"""Write a tree of dashboard files the way Grafana's file provisioning needs it.

grafana-api.md "File provisioning": only `*.json` is read, recursively, dot-folders
skipped; a change is an MD5 of the content; two files with one uid stop provisioning.
So every file is written under a temporary name that does not end in `.json` and renamed
into place (a reader sees the old or the new file, never half of one); a file whose bytes
are unchanged is not touched (same mtime); files of dashboards that no longer exist are
removed, but only files this tool wrote, as listed in its manifest `.dashctl/manifest.json`
(inside a dot-folder, so Grafana never reads it as a dashboard). A dashboard that moved
folder has its old file removed *before* the new one appears: never two files, one uid.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Mapping

import attrs

MANIFEST = Path(".dashctl") / "manifest.json"
_counter = itertools.count()


@attrs.frozen
class WriteReport:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def atomic_write(path: Path, data: bytes, durable: bool = False) -> None:
    """Write `data` to `path` through a temporary sibling `.<name>.tmp<pid>-<n>` and a rename."""
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


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def owned(root: Path) -> set[str]:
    """Relative paths this tool wrote under root (empty when there is no manifest)."""
    data = _read(root / MANIFEST)
    if not data:
        return set()
    try:
        return set(json.loads(data).get("files", []))
    except (ValueError, AttributeError):
        return set()


def _manifest_bytes(files) -> bytes:
    return (json.dumps({"files": sorted(files), "tool": "dashctl"}, indent=2) + "\n").encode()


def _remove(root: Path, rel: str) -> bool:
    path = root / rel
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    return True


def write_tree(root: str | Path, files: Mapping[str, bytes], prune: bool = True,
               durable: bool = False, keep: set[str] | frozenset = frozenset()) -> WriteReport:
    """Make `root` hold `files` ({relative path: bytes}).

    prune: remove files this tool wrote earlier that are not in `files` (except `keep`:
    files of dashboards that failed to build this time keep their last good version).
    """
    root = Path(root)
    before = owned(root)
    removed = []
    if prune:
        for rel in sorted(before - set(files) - set(keep)):
            if _remove(root, rel):
                removed.append(rel)
    written, unchanged = [], []
    for rel in sorted(files):
        path = root / rel
        if _read(path) == files[rel]:
            unchanged.append(rel)
            continue
        atomic_write(path, files[rel], durable)
        written.append(rel)
    now = (before & set(keep)) | set(files) if prune else before | set(files)
    manifest = _manifest_bytes(now)
    if _read(root / MANIFEST) != manifest:
        atomic_write(root / MANIFEST, manifest, durable)
    return WriteReport(tuple(written), tuple(unchanged), tuple(removed))


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
    for rel in sorted(owned(root) - set(files) - set(keep)):
        if (root / rel).exists():
            out.append(f"{rel}: stale (no dashboard builds it any more)")
    return out
