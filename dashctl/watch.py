"""`dashctl watch`: rebuild on save, in the running process, and write atomically.

What a change rebuilds:
- a dashboard module: that module is reloaded and only its dashboards are built again
  (unless a module declares `overrides(settings)` or the module's uids changed: then all);
- a panels module (or any module the dashboards import): it and every loaded module that
  imports it, in dependency order (read from their `import` statements), then everything;
- the settings file, the price file or a data file: every dashboard, with settings re-read.
Reloading happens in this process (`importlib.reload`), never in a new interpreter.
Bytecode caches are bypassed here: a save within the same second and with the same size
as the last one would otherwise load the stale `.pyc`.

A module that fails to import or build prints one error line and keeps its last good
files; the others still build. While a panels module is broken nothing is written. The
files go through `dashctl.provisioner` (temporary name + rename, unchanged files untouched,
a dashboard that left the code removed). With a push callback, the dashboards whose file
changed are pushed too (a failed push is retried on the next change).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

import attrs

from llm_gateway_dashboards.dashctl import discover
from llm_gateway_dashboards.dashctl.errors import BuildError, ConfigError, DashctlError
from llm_gateway_dashboards.dashctl.provisioner import DASHBOARDS, Options, provision
from llm_gateway_dashboards.dashctl.writer import owned

# modules that hold the running watcher: never reloaded
NEVER_RELOAD = ("__main__", "llm_gateway_dashboards.dashctl.watch", "llm_gateway_dashboards.dashctl.cli")
NEVER_RELOAD_PREFIX = ("llm_gateway_dashboards.dashctl.commands.",)
DATA_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
SKIP_DIRS = {"__pycache__", "node_modules", "build", "dist"}


@attrs.frozen
class Cycle:
    """What one change did."""

    kind: str  # start | dashboards | all | broken | none
    modules: tuple[str, ...] = ()  # modules rebuilt (all of them for `all`)
    failed: tuple[str, ...] = ()  # dashboard modules that failed to import: not rebuilt
    dashboards: int = 0  # dashboards compiled
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[DashctlError, ...] = ()
    seconds: float = 0.0
    pushed: str = ""  # the push summary line, when pushing

    def line(self) -> str:
        if self.kind == "none":
            return "nothing to rebuild"
        what = ("all modules" if self.kind in ("start", "all") else
                ", ".join(sorted({*self.modules, *self.failed})) or "nothing")
        ms = f"{self.seconds * 1000:.0f} ms"
        if self.kind == "broken":
            text = f"{what}: nothing written (a shared module or the settings are broken) in {ms}"
        else:
            text = (f"{what}: {self.dashboards} dashboard(s) built in {ms}, {len(self.written)} file(s) written, "
                    f"{len(self.removed)} removed")
        if self.errors:
            text += f"; {len(self.errors)} error(s), last good file(s) kept"
        return text + (f"; push: {self.pushed}" if self.pushed else "")


def _resolve(path) -> Path:
    return Path(path).expanduser().resolve()


class Watcher:
    """Keeps the last good build of every module and rebuilds what a set of changed paths touches.

    `app` is a dashctl.context.App (settings, overrides, log); `push(compiled)` returns a
    summary line and the uids that failed, or raises DashctlError.
    """

    def __init__(self, app, directory, *, extra: Iterable[str] = (), options: Options = Options(),
                 settings_flags: dict | None = None, push: Callable | None = None,
                 echo: Callable[[str], None] = print, error: Callable[[str], None] = print):
        self.app, self.directory, self.extra = app, Path(directory), tuple(extra)
        self.options, self.flags, self.push = options, dict(settings_flags or {}), push
        self.echo, self.error = echo, error
        self.settings = None
        self.modules: list[discover.DashboardModule] = []
        self.discover_error: DashctlError | None = None  # why the configured packages are missing, if so
        self.outputs: dict[str, dict] = {}  # module -> uid -> last good Compiled
        self.failing: dict[str, DashctlError] = {}  # module name or uid -> its current error
        self.pending: set[str] = set()  # modules to reload again on the next change (their reload failed)
        self.push_pending: set[str] = set()  # uids whose push failed
        self._asts: dict[Path, tuple[tuple, set]] = {}
        self._real: dict[str, str] = {}  # module file -> real path
        self._pycache = tempfile.TemporaryDirectory(prefix="dashctl-watch-pycache-")
        self._saved = (sys.dont_write_bytecode, sys.pycache_prefix)
        sys.dont_write_bytecode = True
        sys.pycache_prefix = self._pycache.name  # empty: every (re)load compiles the saved source

    def close(self) -> None:
        """Give the process its bytecode cache back."""
        sys.dont_write_bytecode, sys.pycache_prefix = self._saved
        self._pycache.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- where to look -------------------------------------------------------------------
    @property
    def settings_file(self) -> Path:
        from llm_gateway_dashboards.panels.settings import DEFAULT_FILE

        return _resolve(self.app.config or DEFAULT_FILE)

    @property
    def price_file(self) -> Path | None:
        if self.settings is not None and self.settings.prices_file:
            return _resolve(self.settings.prices_file)
        prices = sys.modules.get("llm_gateway_dashboards.panels.prices")
        default = getattr(prices, "DEFAULT_FILE", None)
        return _resolve(default) if default else None

    def roots(self) -> list[tuple[Path, bool]]:
        """(directory, recursive) holding panel and dashboard sources: packages whole, single modules' dirs."""
        out: dict[Path, bool] = {}
        # our two source packages by their own names (each is its own folder in a checkout); a
        # user's module by its top-level package, so sibling modules are watched too
        ours = ["llm_gateway_dashboards.panels", discover.SHIPPED_PACKAGE]
        for name in ours + [m.name.split(".")[0] for m in self.modules]:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            if spec is None:
                continue
            if spec.submodule_search_locations:
                for loc in spec.submodule_search_locations:
                    out[_resolve(loc)] = True
            elif spec.origin and spec.origin not in ("built-in", "frozen"):
                out.setdefault(_resolve(spec.origin).parent, False)
        return sorted(out.items())

    def watched_dirs(self) -> list[Path]:
        out = _resolve(self.directory)
        dirs = set()
        for root, recursive in self.roots():
            if not root.is_dir():
                continue
            dirs.add(root)
            if recursive:
                for sub in root.rglob("*"):
                    if (sub.is_dir() and not any(p.startswith(".") or p in SKIP_DIRS
                                                 for p in sub.relative_to(root).parts)
                            and not sub.is_relative_to(out)):
                        dirs.add(sub)
        for f in (self.settings_file, self.price_file):
            if f is not None and f.parent.is_dir():
                dirs.add(f.parent)
        return sorted(d for d in dirs if not d.is_relative_to(out))

    def wants(self, change, path: str) -> bool:
        """watchfiles filter: sources, data files in source packages, the settings and price files."""
        p = Path(path)
        if p.name.startswith(".") or p.name.endswith("~") or "__pycache__" in p.parts:
            return False
        if p in (self.settings_file, self.price_file):
            return True
        if p.is_relative_to(_resolve(self.directory)):
            return False
        if p.suffix == ".py":
            return True
        return p.suffix in DATA_SUFFIXES and any(rec and p.is_relative_to(r) for r, rec in self.roots())

    # --- modules and their imports -------------------------------------------------------
    def _project(self) -> dict[str, Path]:
        """Loaded modules whose source lives under a root (or in dashctl): name -> file."""
        dashctl_dir = _resolve(Path(discover.__file__).parent)
        roots = self.roots()
        trees = tuple(str(r) + os.sep for r, rec in roots if rec) + (str(dashctl_dir) + os.sep,)
        flat = {str(r) for r, rec in roots if not rec}
        out = {}
        for name, mod in list(sys.modules.items()):
            f = getattr(mod, "__file__", None)
            if not f or not f.endswith(".py"):
                continue
            real = self._real.get(f)
            if real is None:
                real = self._real[f] = os.path.realpath(f)
            if real.startswith(trees) or os.path.dirname(real) in flat:
                out[name] = Path(real)
        return out

    def _imports(self, name: str, path: Path, known: set[str]) -> set[str]:
        """Modules of `known` that `name` imports at module level (imports inside functions run anew)."""
        try:
            st = path.stat()
            key = (st.st_mtime_ns, st.st_size)
        except OSError:
            return set()
        cached = self._asts.get(path)
        if cached and cached[0] == key:
            raw = cached[1]
        else:
            raw = set()
            try:
                tree = ast.parse(path.read_bytes())
            except (SyntaxError, ValueError, OSError):
                tree = ast.Module(body=[], type_ignores=[])
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            for node in _module_level(tree):
                if isinstance(node, ast.Import):
                    raw.update((a.name, "") for a in node.names)
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                        base = ".".join(x for x in [*parts, base] if x)
                    raw.update((base, a.name) for a in node.names)
            self._asts[path] = (key, raw)
        out = set()
        for base, attr in raw:
            # `from pkg import sub` depends on the module pkg.sub when there is one, else on pkg
            if attr and f"{base}.{attr}" in known:
                out.add(f"{base}.{attr}")
            elif base in known:
                out.add(base)
        out.discard(name)
        return out

    def _reload_order(self, changed: set[str], project: dict[str, Path]) -> list[str]:
        """`changed` and every loaded project module importing one of them, dependencies first."""
        known = set(project) | {m.name for m in self.modules}
        deps = {n: self._imports(n, p, known) for n, p in project.items()}
        users = defaultdict(set)
        for n, ds in deps.items():
            for d in ds:
                users[d].add(n)
        todo, closure = list(changed), set()
        while todo:
            n = todo.pop()
            if n in closure:
                continue
            closure.add(n)
            todo.extend(users.get(n, ()))
        closure = {n for n in closure if n not in NEVER_RELOAD and not n.startswith(NEVER_RELOAD_PREFIX)}
        order, seen = [], set()

        def visit(n):
            if n in seen:
                return
            seen.add(n)
            for d in sorted(deps.get(n, ())):
                if d in closure:
                    visit(d)
            order.append(n)

        for n in sorted(closure):
            visit(n)
        return order

    def _file_map(self, project: dict[str, Path]) -> dict[Path, str]:
        out = {p: n for n, p in project.items()}
        for m in self.modules:
            try:
                spec = importlib.util.find_spec(m.name)
            except (ImportError, ValueError):
                spec = None
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                out.setdefault(_resolve(spec.origin), m.name)
        return out

    @staticmethod
    def _reload(name: str) -> None:
        try:
            mod = sys.modules.get(name)
            if mod is None:
                importlib.import_module(name)
            else:
                importlib.reload(mod)
        except SyntaxError as exc:
            where = f"{exc.filename}:{exc.lineno}" if exc.filename else name
            raise BuildError(f"module {name}: syntax error at {where}: {exc.msg}") from exc
        except Exception as exc:  # any error while importing user code
            raise BuildError(f"module {name}: import failed: {discover.describe(exc)}") from exc

    def _all_modules(self) -> list:
        """Every dashboard module, the configured packages of the settings file included. When those
        cannot be found (the file unreadable, a bad [discover] table), the others, and the error
        is kept in `discover_error` for the cycle to report after the settings load."""
        self.discover_error = None
        try:
            return self.app.modules(self.extra)
        except DashctlError as exc:
            self.discover_error = exc
            return discover.all_modules(self.extra)

    def _settings_or_error(self) -> DashctlError | None:
        """Read the settings again; the error of that, or of finding the modules, or None."""
        try:
            self._load_settings()
        except DashctlError as exc:
            return exc
        return self.discover_error

    def _load_settings(self):
        self.app._settings = None  # the App caches them: read the file again
        self.settings = self.app.settings(**self.flags)
        return self.settings

    # --- one change ----------------------------------------------------------------------
    def start(self) -> Cycle:
        """The first full build (importing everything) and write."""
        t0 = time.perf_counter()
        self.modules = self._all_modules()
        exc = self._settings_or_error()
        if exc is not None:
            return self._report(Cycle("broken", errors=(exc,), seconds=time.perf_counter() - t0))
        cycle = self._build_and_write("start", self.modules, set(), [], t0)
        self._reload_order(set(), self._project())  # read the imports now: the first change is fast
        return cycle

    def changed(self, paths: Iterable) -> Cycle:
        """Rebuild what `paths` (changed, added or removed files) touch; write; push."""
        t0 = time.perf_counter()
        paths = {_resolve(p) for p in paths}
        data = any(p.suffix != ".py" for p in paths)  # settings, prices, data files
        importlib.invalidate_caches()
        before = {m.name for m in self.modules}
        self.modules = self._all_modules()
        names = {m.name for m in self.modules}
        for gone in before - names:
            self.outputs.pop(gone, None)
            sys.modules.pop(gone, None)
        project = self._project()
        files = self._file_map(project)
        changed = {files[p] for p in paths if p.suffix == ".py" and p in files} | (names - before)
        if not (changed or data or self.pending or before != names):
            return self._report(Cycle("none", seconds=time.perf_counter() - t0))
        order = self._reload_order(changed | self.pending, project)
        # partial only when no module declares overrides(settings): those may change any dashboard
        full = data or before != names or bool(set(order) - names) or bool(self._hooked())
        errors: list[DashctlError] = []
        failed: set[str] = set()
        for i, name in enumerate(order):
            if name not in names and name in project and not project[name].exists():
                sys.modules.pop(name, None)  # its file was deleted: the modules importing it say so
                continue
            try:
                if name in names:
                    discover.load_hooks(discover.DashboardModule(name), reload=True)
                else:
                    self._reload(name)
            except BuildError as exc:
                errors.append(exc)
                failed.add(name)
                if name not in names:  # a shared module: everything after it would use a broken one
                    self.pending = set(order[i:]) | (self.pending & names)
                    for e in errors:
                        self.failing[e.dashboard or name] = e
                    return self._report(Cycle("broken", failed=(name,), errors=tuple(errors),
                                              seconds=time.perf_counter() - t0))
        self.pending = failed
        full = full or bool(self._hooked())
        if full:
            exc = self._settings_or_error()
            if exc is not None:
                return self._report(Cycle("broken", ("settings",), errors=tuple(errors) + (exc,),
                                          seconds=time.perf_counter() - t0))
            targets = [m for m in self.modules if m.name not in failed]
        else:
            targets = [m for m in self.modules if m.name in set(order) - failed]
        return self._build_and_write("all" if full else "dashboards", targets, failed, errors, t0)

    def _hooked(self) -> set[str]:
        return {m.name for m in self.modules if callable(getattr(sys.modules.get(m.name), "overrides", None))}

    def _build_and_write(self, kind: str, targets, failed: set[str], errors: list, t0: float) -> Cycle:
        """Build `targets` (the changed dashboard modules, or all), merge with the last good builds, write."""
        # looked up now: it may have been reloaded
        build = importlib.import_module("llm_gateway_dashboards.dashctl.builder").build
        try:
            toml = self.app.overrides()
        except DashctlError as exc:
            return self._report(Cycle("broken", errors=tuple(errors) + (exc,), seconds=time.perf_counter() - t0))
        names = {m.name for m in targets}
        old = {uid for n in names for uid in self.outputs.get(n, {})}
        if kind == "dashboards":
            report = build(self.settings, targets, overrides=[o for o in toml if o.uid in old])
            errs = {e.dashboard for e in report.errors}
            expected = {uid for n in names - errs for uid in self.outputs.get(n, {})}
            if {c.uid for c in report.dashboards} | (errs & old) != expected:
                kind = "all"  # uids appeared or went: other modules and overrides may be involved
        if kind != "dashboards":
            targets = [m for m in self.modules if m.name not in failed]
            names = {m.name for m in targets}
            report = build(self.settings, targets, overrides=toml)
            self.failing = {}
        else:  # forget the earlier errors of what was rebuilt
            self.failing = {k: e for k, e in self.failing.items() if k not in names | old}
        errors = list(errors) + list(report.errors)
        for e in errors:
            self.failing[e.dashboard] = e
        self._merge(report, names)
        return self._write(Cycle(kind, tuple(sorted(names)), tuple(sorted(failed)), len(report.dashboards),
                                 errors=tuple(errors)), t0)

    def _merge(self, report, names: set[str]) -> None:
        fresh = defaultdict(dict)
        for c in report.dashboards:
            fresh[c.source][c.uid] = c
        failed = {e.dashboard for e in report.errors}
        for n in names:
            prev = self.outputs.get(n, {})
            if n in failed:
                continue  # the module itself failed: all its last good dashboards stay
            new = dict(fresh.get(n, {}))
            new.update({uid: c for uid, c in prev.items() if uid in failed and uid not in new})
            self.outputs[n] = new
        valid = {m.name for m in self.modules}
        by_uid = {c.uid: c for c in report.dashboards}
        for n in list(self.outputs):
            if n not in valid:
                del self.outputs[n]
                continue
            # a kept dashboard whose uid another module built this time: the fresh one wins
            self.outputs[n] = {u: c for u, c in self.outputs[n].items() if by_uid.get(u, c) is c}

    def _write(self, cycle: Cycle, t0: float) -> Cycle:
        compiled = [c for out in self.outputs.values() for c in out.values()]
        covered = set(self.outputs) | {c.uid for c in compiled}
        board_root = self.directory / DASHBOARDS
        # an error not covered by a kept build (e.g. a module broken since start): keep every earlier file
        keep = owned(board_root) - {c.path for c in compiled} if set(self.failing) - covered else None
        try:
            res = provision(self.directory, compiled, self.settings, self.options, keep=keep or set())
        except OSError as exc:
            exc = ConfigError(f"cannot write {self.directory}: {exc.strerror or exc} ({exc.filename or ''})")
            return self._report(attrs.evolve(cycle, errors=cycle.errors + (exc,), seconds=time.perf_counter() - t0))
        except DashctlError as exc:
            return self._report(attrs.evolve(cycle, errors=cycle.errors + (exc,), seconds=time.perf_counter() - t0))
        cycle = attrs.evolve(cycle, written=res.written, removed=res.removed, seconds=time.perf_counter() - t0)
        if self.push is not None:
            written = set(res.written)
            todo = [c for c in compiled if cycle.kind == "start" or c.uid in self.push_pending
                    or f"{DASHBOARDS}/{c.path}" in written]
            if todo:
                try:
                    summary, failed_uids = self.push(todo)
                    self.push_pending = set(failed_uids)
                    cycle = attrs.evolve(cycle, pushed=summary)
                except DashctlError as exc:
                    self.push_pending |= {c.uid for c in todo}
                    cycle = attrs.evolve(cycle, pushed="failed", errors=cycle.errors + (exc,))
        return self._report(cycle)

    def _report(self, cycle: Cycle) -> Cycle:
        for e in cycle.errors:
            self.error(f"dashctl: error: {e.one_line()}")
        if cycle.kind != "none":
            self.echo(f"[{time.strftime('%H:%M:%S')}] {cycle.line()}")
        return cycle

    # --- the loop ------------------------------------------------------------------------
    def _stat_all(self, dirs: list[Path]) -> dict[Path, tuple[int, int, int]]:
        """(mtime, size, inode) of every watched file, for polling and for saves made while starting."""
        out = {}
        for d in dirs:
            try:
                entries = list(os.scandir(d))
            except OSError:
                continue
            for e in entries:
                try:
                    if e.is_file() and self.wants(None, e.path):
                        st = e.stat()
                        out[Path(e.path)] = (st.st_mtime_ns, st.st_size, st.st_ino)
                except OSError:
                    continue
        return out

    def _poll(self, dirs: list[Path], debounce_ms: int, stop_event=None, interval: float = 0.2):
        """The polling fallback: compares (mtime in ns, size, inode) of the watched files every
        `interval` s; a burst ends after `debounce_ms` without a change. (watchfiles' own poller
        compares whole-second mtimes: a same-size save within the second goes unseen.)"""
        last = self._stat_all(dirs)
        yield set()  # ready
        while not (stop_event is not None and stop_event.is_set()):
            time.sleep(interval)
            now = self._stat_all(dirs)
            paths = _diff(last, now)
            while paths:
                time.sleep(debounce_ms / 1000)
                later = self._stat_all(dirs)
                more = _diff(now, later)
                now = later
                if not more:
                    break
                paths |= more
            last = now
            if paths:
                yield paths

    def _notified(self, dirs: list[Path], debounce_ms: int, stop_event=None):
        """Changed paths from file notifications (inotify, FSEvents, ...) through watchfiles."""
        import watchfiles

        for changes in watchfiles.watch(*dirs, watch_filter=self.wants, step=debounce_ms,
                                        debounce=max(1600, debounce_ms * 4), stop_event=stop_event,
                                        force_polling=False, recursive=False, rust_timeout=100,
                                        yield_on_timeout=True):
            yield {Path(p) for _, p in changes}  # an empty set first: the watches are in place

    def run(self, *, poll: bool = False, debounce_ms: int = 10, stop_event=None) -> None:
        """Build once, then rebuild on every change until Ctrl-C (KeyboardInterrupt) or `stop_event`."""
        self.modules = self._all_modules()  # their directories are watched
        dirs = self.watched_dirs()
        snapshot = self._stat_all(dirs)
        self.start()
        while True:
            ready, restart = False, False
            changes = (self._poll if poll else self._notified)(dirs, debounce_ms, stop_event)
            while True:
                try:
                    paths = next(changes)
                except StopIteration:
                    return
                except (OSError, RuntimeError) as exc:  # no notifications here (limits, file systems)
                    if poll:
                        raise
                    self.error(f"dashctl: warning: file notifications failed ({exc}); polling instead")
                    poll, restart = True, True
                    break
                if not ready:  # watching now: catch up on saves made while starting
                    ready = True
                    paths = paths | _diff(snapshot, self._stat_all(dirs))
                    how = "polling" if poll else "file notifications"
                    self.echo(f"watching {len(dirs)} director{'y' if len(dirs) == 1 else 'ies'} ({how}), "
                              f"writing {self.directory}; Ctrl-C to stop")
                if not paths:
                    continue
                self.app.log(f"changed: {', '.join(sorted(map(str, paths)))}")
                snapshot = self._stat_all(dirs)  # a restart catches up from here
                self.changed(paths)
                new_dirs = self.watched_dirs()
                if new_dirs != dirs:  # a directory appeared or went: watch the new set
                    dirs, restart = new_dirs, True
                    break
            changes.close()
            if not restart:
                return


def _diff(before: dict, after: dict) -> set[Path]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def _module_level(tree: ast.Module):
    """Statements executed at import: the module body, into if/try/with blocks and class bodies."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            todo.extend(getattr(node, field, []) or [])

