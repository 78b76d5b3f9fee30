"""The push run: one job per dashboard (and per prune candidate) on a thread pool, through one API
(classic.py or resource.py), deciding with plan.py.

Failures: 400/404/412 and the like fail that dashboard only (its uid and Grafana's message);
401/403 stop the push (AuthError); when Grafana stays unavailable after the client's retries,
dashboards not yet started are not attempted (each would wait through its retries too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from llm_gateway_dashboards.dashctl.errors import RemoteError
from llm_gateway_dashboards.dashctl.grafana_client import RETRY_STATUSES, ApiError, AuthError, TransportError
from llm_gateway_dashboards.dashctl.pusher.plan import (
    Conflict,
    Target,
    content_hash,
    decide,
    decide_prune,
    folder_uid,
    upload,
)
from llm_gateway_dashboards.dashctl.pusher.report import Item, PushReport

DEFAULT_WORKERS = 8


# ---------------------------------------------------------------------- folders
class Folders:
    """Folder paths -> uids: existing ones are found (by stable uid, else by title under the parent),
    missing ones are created parents first. Thread-safe; each path is resolved once."""

    def __init__(self, api, log: Callable[[str, int], None]):
        self.client, self.log = api, log  # the API (classic.py or resource.py): get/list/create_folder
        self._lock = threading.RLock()
        self._known: dict[tuple[str, ...], tuple[str, bool]] = {(): ("", True)}
        self._failed: dict[tuple[str, ...], Exception] = {}
        self.created: list[str] = []
        self.planned: list[str] = []

    def uid(self, path: tuple[str, ...]) -> str:
        """The uid this path has (or will have when created). Reads only."""
        with self._lock:
            return self._resolve(path)[0]

    def _resolve(self, path):
        if path in self._known:
            return self._known[path]
        parent_uid, parent_exists = self._resolve(path[:-1])
        uid, exists = folder_uid(path), False
        if parent_exists:
            if self.client.get_folder(uid) is not None:
                exists = True
            else:
                title = path[-1]
                same = [f for f in self.client.list_folders(parent_uid) if f.get("title") == title]
                if same:  # made by hand (or by an older push): adopt it rather than add a twin
                    uid, exists = same[0]["uid"], True
        self._known[path] = (uid, exists)
        if not exists:
            self.planned.append("/".join(path))
        return uid, exists

    def ensure(self, path: tuple[str, ...]) -> str:
        """The uid of this path's folder, creating it (and its parents, first) when missing."""
        with self._lock:
            if path in self._failed:
                raise self._failed[path]
            uid, exists = self._resolve(path)
            if exists:
                return uid
            parent = self.ensure(path[:-1])
            try:
                self.client.create_folder(uid, path[-1], parent)
                self.created.append("/".join(path))
                self.log(f"created folder {'/'.join(path)} ({uid})", 1)
            except AuthError:
                raise
            except ApiError as exc:
                # 409: a retried POST whose first try got through, or another push at the same time
                if exc.status != 409 or self.client.get_folder(uid) is None:
                    err = ApiError(exc.method, exc.path, exc.status, exc.message, exc.reason, exc.attempts,
                                   hint=f"folder {'/'.join(path)!r} could not be created")
                    self._failed[path] = err
                    raise err from None
            self._known[path] = (uid, True)
            return uid


# ---------------------------------------------------------------------- the push
class _Abort(Exception):
    pass


class Pusher:
    """Pushes through `api` (ClassicApi or ResourceApi), writing `schema` ("v1" or "v2")."""

    def __init__(self, api, *, schema: str = "v1", force=False, prune=False, dry_run=False,
                 workers: int = DEFAULT_WORKERS, owner: str = "dashctl", message: str = "",
                 progress: Callable[[int, int], None] | None = None, log: Callable[[str, int], None] | None = None):
        self.api, self.schema = api, schema
        self.force, self.prune, self.dry_run = force, prune, dry_run
        self.workers, self.owner = max(1, int(workers)), owner
        self.message = message or "dashctl push"
        self.progress = progress or (lambda done, total: None)
        self.log = log or api.client.log
        self.folders = Folders(api, self.log)
        self._fatal: BaseException | None = None
        self._stopped = False
        self._unavailable: Exception | None = None
        self._lock = threading.Lock()
        self._done = 0

    def run(self, todo: list[Target]) -> PushReport:
        report = PushReport(self.api.client.url, self.dry_run, api=self.api.api, namespace=self.api.namespace,
                            api_version=self.api.version(self.schema) if self.api.api == "resource" else "")
        if report.api_version:
            report.api_version = f"dashboard.grafana.app/{report.api_version}"
        report.items = [Item(t.uid, t.title, "/".join(t.folder_path)) for t in todo]
        jobs: list[tuple] = [(self._dashboard, i, t) for i, t in zip(report.items, todo, strict=True)]
        self.api.check_access()  # a bad token (or namespace) is one error, not one per dashboard
        if self.prune:
            wanted = {t.uid for t in todo}
            for uid, title, folder in sorted(self.api.candidates()):
                if uid not in wanted:
                    item = Item(uid, title, folder, action="delete")
                    report.items.append(item)
                    jobs.append((self._prune, item, None))
        total = len(jobs)
        self.progress(0, total)
        self.api.client.ensure_pool(self.workers)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="dashctl-push") as pool:
            futures = [pool.submit(self._guard, fn, item, arg, total) for fn, item, arg in jobs]
            try:
                for f in futures:
                    f.result()
            except BaseException:  # Ctrl-C: start nothing new, let the requests in flight finish
                self._stopped = True
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        if self._fatal is not None:
            self._fatal.report = report
            raise self._fatal
        report.items = [i for i in report.items if i.action != "skip"]
        report.folders_created = list(self.folders.planned if self.dry_run else self.folders.created)
        if self._unavailable is not None:
            report.aborted = f"Grafana unavailable ({self._unavailable.one_line()})"
        return report

    def _guard(self, fn, item: Item, arg, total: int) -> None:
        try:
            if self._fatal is not None or self._stopped:
                raise _Abort
            if self._unavailable is not None:
                item.error = f"not attempted: Grafana unavailable ({self._unavailable.one_line()})"
                return
            fn(item, arg)
        except _Abort:
            return
        except AuthError as exc:  # every other request would fail the same way
            with self._lock:
                if self._fatal is None:
                    exc.args = (f"dashboard {item.uid}: {exc.one_line()}",)
                    self._fatal = exc
        except RemoteError as exc:
            item.error = exc.one_line()
            if isinstance(exc, TransportError) or (
                    isinstance(exc, ApiError) and exc.status in RETRY_STATUSES and exc.attempts > 1):
                with self._lock:
                    self._unavailable = self._unavailable or exc
        finally:
            with self._lock:
                self._done += 1
                done = self._done
            if self._fatal is None:
                self.progress(done, total)
        self.log(f"{item.uid}: {item.action}{' failed: ' + item.error if item.error else ''}", 2)

    # -------------------------------------------------------------- one dashboard
    def _read(self, item: Item):
        """How Grafana stores the dashboard (None: not there); its version and url noted on the item."""
        stored = self.api.get(item.uid, self.schema)
        if stored is not None:
            item.version = item.previous = stored.version
            item.url = stored.url
        return stored

    def _dashboard(self, item: Item, t: Target) -> None:
        path = t.folder_path
        fuid = self.folders.uid(path)
        new = upload(t, fuid, self.owner, self.schema)
        stored = self._read(item)
        decision = decide(stored, new, owner=self.owner, force=self.force, folder_title="/".join(path))
        item.action, item.reason, item.changes = decision.action, decision.reason, list(decision.changes)
        if decision.writes and not self.dry_run:
            self._save(item, new, stored, path)

    def _save(self, item: Item, new, stored, path: tuple[str, ...]) -> None:
        fuid = self.folders.ensure(path)
        try:
            item.version, item.url, item.warning = self.api.save(new, stored, fuid, self.message, self.force)
        except Conflict as conflict:
            landed = self._landed(item.uid, new, fuid)
            if landed is not None:  # our own earlier attempt (a retried write whose answer was lost) saved it
                item.version, item.url = landed.version, landed.url
            elif conflict.drift:  # RES-12: changed since our read: drift, never a blind retry
                e = conflict.error
                item.action, item.reason = "drifted", (
                    f"changed in Grafana during this push ({e.status} {e.reason or 'Conflict'}); nothing "
                    f"written: run the push again to see the change")
                return
            else:
                e = conflict.error
                raise ApiError(e.method, e.path, e.status, e.message, e.reason, e.attempts,
                               hint="changed in Grafana during this push: run it again to see the change") from None
        item.done = True

    def _landed(self, uid: str, new, fuid: str):
        """After a conflict: does Grafana hold exactly what we meant to write?"""
        stored = self.api.get(uid, self.schema)
        if stored is None or stored.schema != new.schema:
            return None
        stamp = stored.stamp or {}
        if stamp.get("hash") == new.hash and content_hash(stored.content) == new.hash and stored.folder_uid == fuid:
            return stored
        return None

    # -------------------------------------------------------------- prune
    def _prune(self, item: Item, _unused) -> None:
        stored = self._read(item)
        if stored is None:
            item.action = "skip"  # gone meanwhile
            return
        item.folder = stored.folder_title or item.folder
        decision = decide_prune(stored, self.owner, self.force)
        if decision is None:
            self.log(f"not pruning {item.uid}: tagged but not pushed by this owner", 1)
            item.action = "skip"  # never delete what this push did not create
            return
        item.action, item.reason, item.changes = decision.action, decision.reason, list(decision.changes)
        if decision.action != "delete" or self.dry_run:
            return
        try:
            self.api.delete(item.uid)
        except ApiError as exc:
            if exc.status != 404 or isinstance(exc, AuthError):  # 404: a retried DELETE that got through
                raise
        item.done = True
