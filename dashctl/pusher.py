"""Push compiled dashboards to Grafana's API: idempotent, drift-safe, folder-aware, parallel.

    from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient
    from llm_gateway_dashboards.dashctl import push
    report = push(build(settings).dashboards, GrafanaClient.from_env())
    print(report.summary_line()); sys.exit(report.exit_code)

The stamp. Every uploaded model carries the tag `dashctl-managed` and a top-level key
`"dashctl": {"hash", "folderUid", "owner", "source"}` (Grafana keeps unknown top-level keys).
`hash` is a SHA-256 of the uploaded model as sorted JSON without `id`, `version` and the stamp.
On the next push, for each dashboard, one GET decides:
- no such uid -> create;
- provisioned -> skipped (Grafana refuses to save it);
- the stored content hashes to its stamp and it sits in the stamped folder (nobody changed it
  since our push): unchanged when stamp == the new build, else update (sending the stored
  `version`, so an edit made in between is a 412, never silently lost);
- otherwise (edited or moved in Grafana, pushed by another owner, or never pushed by dashctl)
  -> drifted: refused, unless `force`.
Prune deletes dashboards with our tag and stamp (same owner) that are not in `dashboards`,
never anything else; an edited one is refused like an update.

Failures: 400/404/412 and the like fail that dashboard only (its uid and Grafana's message);
401/403 stop the push (AuthError); when Grafana stays unavailable after the client's retries,
dashboards not yet started are not attempted (each would wait through its retries too).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import attrs
import orjson

from llm_gateway_dashboards.dashctl.diff import Change, count_panels, diff
from llm_gateway_dashboards.dashctl.errors import ConfigError, RemoteError
from llm_gateway_dashboards.dashctl.grafana_client import (
    RETRY_STATUSES,
    ApiError,
    AuthError,
    GrafanaClient,
    TransportError,
)

MANAGED_TAG = "dashctl-managed"
STAMP = "dashctl"
DEFAULT_OWNER = "dashctl"
DEFAULT_WORKERS = 8
VOLATILE = ("id", "version", STAMP)  # Grafana sets id/version; the stamp describes the rest
ROOT_NAMES = {"", "general"}  # Grafana's root folder is called "General"

ACTIONS = ("create", "update", "unchanged", "drifted", "provisioned", "delete", "error")
PAST = {"create": "created", "update": "updated", "delete": "deleted"}


@attrs.frozen
class Target:
    """One dashboard to push: its model and folder path ("Team/Sub", "" or "General" = root)."""

    uid: str
    title: str
    folder: str
    model: dict = attrs.field(eq=False, repr=False)
    source: str = ""

    @property
    def folder_path(self) -> tuple[str, ...]:
        return folder_path(self.folder)


@attrs.define
class Item:
    """What push decided (and did) for one uid."""

    uid: str
    title: str = ""
    folder: str = ""
    action: str = "error"
    reason: str = ""
    version: int | None = None  # the version in Grafana after the push (or now, when nothing is written)
    previous: int | None = None  # the version found in Grafana before the push
    url: str = ""
    error: str = ""
    done: bool = False  # the write happened
    changes: list[Change] = attrs.field(factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.error)

    @property
    def refused(self) -> bool:
        return not self.error and self.action in ("drifted", "provisioned")

    def to_json(self) -> dict:
        return {"uid": self.uid, "title": self.title, "folder": self.folder, "action": self.action,
                "done": self.done, "version": self.version, "previous_version": self.previous, "url": self.url or None,
                "error": self.error or None, "reason": self.reason or None,
                "changes": [str(c) for c in self.changes]}


@attrs.define
class PushReport:
    grafana: str
    dry_run: bool
    items: list[Item] = attrs.field(factory=list)
    folders_created: list[str] = attrs.field(factory=list)
    aborted: str = ""  # why dashboards were left unattempted

    def by_uid(self) -> dict[str, Item]:
        return {i.uid: i for i in self.items}

    def counts(self) -> Counter:
        c = Counter(i.action for i in self.items if not i.error)
        c["failed"] = sum(1 for i in self.items if i.error)
        return c

    @property
    def failed(self) -> list[Item]:
        return [i for i in self.items if i.error]

    @property
    def refused(self) -> list[Item]:
        return [i for i in self.items if i.refused]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused

    @property
    def exit_code(self) -> int:
        """0 all done or unchanged; 1 some refused (drifted, provisioned); 3 some failed."""
        return 3 if self.failed else 1 if self.refused else 0

    def summary_line(self) -> str:
        c = self.counts()
        n = sum(1 for i in self.items if i.action != "delete")
        words = {"create": "to create", "update": "to update", "delete": "to delete"} if self.dry_run else PAST
        parts = [f"{c[a]} {words.get(a, a)}" for a in ("create", "update", "unchanged", "delete") if c[a]]
        parts += [f"{c['drifted']} drifted (refused)"] if c["drifted"] else []
        parts += [f"{c['provisioned']} provisioned (skipped)"] if c["provisioned"] else []
        parts += [f"{c['failed']} failed"] if c["failed"] else []
        head = f"{n} dashboard(s){' (dry run, nothing written)' if self.dry_run else ''}"
        return f"{head}: {', '.join(parts) or 'nothing to do'}"

    def to_json(self) -> dict:
        c = self.counts()
        return {"grafana": self.grafana, "dry_run": self.dry_run, "ok": self.ok, "exit_code": self.exit_code,
                "summary": {a: c[a] for a in (*ACTIONS[:-1], "failed")}, "aborted": self.aborted or None,
                "folders_created": self.folders_created, "dashboards": [i.to_json() for i in self.items]}


# ---------------------------------------------------------------------- model helpers
def folder_path(folder: str | None) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in (folder or "").split("/") if p.strip())
    return () if len(parts) == 1 and parts[0].lower() in ROOT_NAMES else parts


def folder_uid(path: tuple[str, ...]) -> str:
    """A stable uid for a folder path: slug of its title + a hash of the whole path (<= 40, [a-z0-9-])."""
    slug = re.sub(r"[^a-z0-9]+", "-", path[-1].lower()).strip("-")[:28].strip("-") or "folder"
    return f"{slug}-{hashlib.sha256('/'.join(path).encode()).hexdigest()[:10]}"


def content_hash(model: dict) -> str:
    """SHA-256 of the model as sorted JSON, without Grafana's id/version and our stamp."""
    content = {k: v for k, v in model.items() if k not in VOLATILE}
    return "sha256:" + hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def upload_model(target: Target, folder_uid_: str, owner: str) -> dict:
    """The model push sends: the target's, with its uid, our tag and the stamp."""
    model = orjson.loads(orjson.dumps(target.model))
    for key in VOLATILE:
        model.pop(key, None)
    model["uid"] = target.uid
    tags = [t for t in model.get("tags") or []]
    if MANAGED_TAG not in tags:
        tags.append(MANAGED_TAG)
    model["tags"] = tags
    model[STAMP] = {"hash": content_hash(model), "folderUid": folder_uid_, "owner": owner, "source": target.source}
    return model


def targets(dashboards: Iterable) -> list[Target]:
    """Compiled dashboards (anything with .uid/.model/.folder), (model, folder) pairs or bare models."""
    out, seen = [], set()
    for d in dashboards:
        if isinstance(d, Target):
            t = d
        elif hasattr(d, "model") and hasattr(d, "uid"):
            t = Target(d.uid, getattr(d, "title", "") or d.model.get("title", ""), getattr(d, "folder", ""),
                       d.model, getattr(d, "source", ""))
        elif isinstance(d, tuple) and len(d) == 2 and isinstance(d[0], dict):
            t = Target(d[0].get("uid"), d[0].get("title", ""), d[1] or "", d[0])
        elif isinstance(d, dict):
            t = Target(d.get("uid"), d.get("title", ""), "", d)
        else:
            raise ConfigError(f"cannot push {type(d).__name__}: expected a compiled dashboard or a model dict")
        if not isinstance(t.uid, str) or not t.uid:
            raise ConfigError(f"dashboard {t.title!r} has no uid: push needs one to find it again")
        if t.uid in seen:
            raise ConfigError(f"uid {t.uid} appears twice in the dashboards to push")
        seen.add(t.uid)
        out.append(t)
    return out


def _state(current: dict, meta: dict, owner: str) -> tuple[str, str]:
    """("ours", "") when Grafana holds exactly what we pushed last, else ("drifted", why)."""
    stamp = current.get(STAMP)
    if not isinstance(stamp, dict) or not stamp.get("hash"):
        return "drifted", "exists in Grafana but was not pushed by dashctl"
    if stamp.get("owner", DEFAULT_OWNER) != owner:
        return "drifted", f"pushed by another dashctl owner ({stamp.get('owner')!r}, this push is {owner!r})"
    if content_hash(current) != stamp["hash"]:
        return "drifted", f"edited in Grafana since the last push (now version {meta.get('version')})"
    if (meta.get("folderUid") or "") != (stamp.get("folderUid") or ""):
        return "drifted", f"moved in Grafana to folder {meta.get('folderTitle') or 'General'!r} since the last push"
    return "ours", ""


# ---------------------------------------------------------------------- folders
class Folders:
    """Folder paths -> uids: existing ones are found (by stable uid, else by title under the parent),
    missing ones are created parents first. Thread-safe; each path is resolved once."""

    def __init__(self, client: GrafanaClient, log: Callable[[str, int], None]):
        self.client, self.log = client, log
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
    def __init__(self, client: GrafanaClient, *, force=False, prune=False, dry_run=False,
                 workers: int = DEFAULT_WORKERS, owner: str = DEFAULT_OWNER, message: str = "",
                 progress: Callable[[int, int], None] | None = None, log: Callable[[str, int], None] | None = None):
        self.client, self.force, self.prune, self.dry_run = client, force, prune, dry_run
        self.workers, self.owner = max(1, int(workers)), owner
        self.message = message or "dashctl push"
        self.progress = progress or (lambda done, total: None)
        self.log = log or client.log
        self.folders = Folders(client, self.log)
        self._fatal: BaseException | None = None
        self._stopped = False
        self._unavailable: Exception | None = None
        self._lock = threading.Lock()
        self._done = 0

    def run(self, dashboards) -> PushReport:
        todo = targets(dashboards)
        report = PushReport(self.client.url, self.dry_run)
        report.items = [Item(t.uid, t.title, "/".join(t.folder_path)) for t in todo]
        jobs: list[tuple] = [(self._dashboard, i, t) for i, t in zip(report.items, todo, strict=True)]
        if not self.prune:
            self.client.check_access()  # a bad token is one error, not one per dashboard
        else:
            wanted = {t.uid for t in todo}
            hits = self.client.search(tags=[MANAGED_TAG])  # also checks the credentials first
            for hit in sorted(hits, key=lambda h: h.get("uid", "")):
                if hit.get("uid") and hit["uid"] not in wanted:
                    item = Item(hit["uid"], hit.get("title", ""), hit.get("folderTitle", ""), action="delete")
                    report.items.append(item)
                    jobs.append((self._prune, item, None))
        total = len(jobs)
        self.progress(0, total)
        self.client.ensure_pool(self.workers)
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
    def _fetch(self, item: Item) -> tuple[dict, dict] | None:
        """GET the dashboard as Grafana holds it: (model, meta), its version and url noted on the item."""
        got = self.client.get_dashboard(item.uid)
        if got is None:
            return None
        current, meta = got.get("dashboard") or {}, got.get("meta") or {}
        item.version, item.url = meta.get("version"), self.client.link(meta.get("url") or "")
        item.previous = item.version
        return current, meta

    def _dashboard(self, item: Item, t: Target) -> None:
        path = t.folder_path
        fuid = self.folders.uid(path)
        new = upload_model(t, fuid, self.owner)
        got = self._fetch(item)
        if got is None:
            item.action = "create"
            item.reason = f"{count_panels(new)} panel(s)"
            self._save(item, new, path, version=None)
            return
        current, meta = got
        if meta.get("provisioned"):
            item.action = "provisioned"
            item.reason = ("provisioned from a file in Grafana, which refuses to save it: remove it from the "
                           "file provisioning, or give this dashboard another uid")
            return
        state, why = _state(current, meta, self.owner)
        stamp = current.get(STAMP) or {}
        folder_moves = (meta.get("folderUid") or "") != fuid
        if state == "ours" and stamp.get("hash") == new[STAMP]["hash"] and not folder_moves:
            item.action = "unchanged"
            return
        item.changes = diff(current, new)
        if folder_moves:
            item.changes.insert(0, Change("changed", "dashboard", "folder", meta.get("folderTitle") or "General",
                                          "/".join(path) or "General"))
        if state != "ours" and not self.force:
            item.action, item.reason = "drifted", (
                f"{why}; refusing to overwrite: run `dashctl push --force {t.uid}` to replace it with the code's "
                f"version, or copy the change into the code first (`--dry-run` shows the difference)")
            return
        item.action = "update"
        item.reason = f"overwrites: {why} (--force)" if state != "ours" else ""
        self._save(item, new, path, version=meta.get("version"))

    def _save(self, item: Item, new: dict, path: tuple[str, ...], version) -> None:
        if self.dry_run:
            return
        fuid = self.folders.ensure(path)
        body = dict(new)
        if version is not None:
            body["version"] = version  # grafana-api.md check 5: an edit since our GET is a 412, not lost
        try:
            res = self.client.save_dashboard(body, fuid, message=self.message, overwrite=self.force)
        except ApiError as exc:
            if exc.status != 412 or isinstance(exc, AuthError):
                raise
            res = self._landed(item.uid, new, fuid)
            if res is None:
                raise ApiError(exc.method, exc.path, exc.status, exc.message, exc.reason, exc.attempts,
                               hint="changed in Grafana during this push: run it again to see the change") from None
        item.version, item.url, item.done = res.get("version"), self.client.link(res.get("url") or ""), True

    def _landed(self, uid: str, new: dict, fuid: str) -> dict | None:
        """After a 412: did our own earlier attempt (a retried POST whose answer was lost) save it?"""
        got = self.client.get_dashboard(uid)
        if got is None:
            return None
        current, meta = got.get("dashboard") or {}, got.get("meta") or {}
        stamp = current.get(STAMP) or {}
        if (stamp.get("hash") == new[STAMP]["hash"] and content_hash(current) == stamp["hash"]
                and (meta.get("folderUid") or "") == fuid):
            return {"version": meta.get("version"), "url": meta.get("url")}
        return None

    # -------------------------------------------------------------- prune
    def _prune(self, item: Item, _unused) -> None:
        got = self._fetch(item)
        if got is None:
            item.action = "skip"  # gone meanwhile
            return
        current, meta = got
        item.folder = meta.get("folderTitle") or item.folder
        stamp = current.get(STAMP)
        if meta.get("provisioned") or not isinstance(stamp, dict) or stamp.get("owner", DEFAULT_OWNER) != self.owner:
            self.log(f"not pruning {item.uid}: tagged {MANAGED_TAG} but not pushed by this owner", 1)
            item.action = "skip"  # never delete what this push did not create
            return
        state, why = _state(current, meta, self.owner)
        item.changes = [Change("removed", "dashboard", f"{count_panels(current)} panel(s)")]
        if state != "ours" and not self.force:
            item.action, item.reason = "drifted", (
                f"{why}; no longer in the code, but not deleting it: run `dashctl push --prune --force` to delete "
                f"it anyway, or export the change first")
            return
        item.action = "delete"
        item.reason = f"no longer in the code{'; ' + why + ' (--force)' if state != 'ours' else ''}"
        if self.dry_run:
            return
        try:
            self.client.delete_dashboard(item.uid)
        except ApiError as exc:
            if exc.status != 404 or isinstance(exc, AuthError):  # 404: a retried DELETE that got through
                raise
        item.done = True


def push(dashboards, client: GrafanaClient, *, force: bool = False, prune: bool = False, dry_run: bool = False,
         workers: int = DEFAULT_WORKERS, owner: str = DEFAULT_OWNER, message: str = "",
         progress: Callable[[int, int], None] | None = None,
         log: Callable[[str, int], None] | None = None) -> PushReport:
    """Push `dashboards` (compiled dashboards, (model, folder) pairs or models) to Grafana through `client`.

    `force` overwrites (and with `prune` deletes) dashboards changed in Grafana since our last push;
    `prune` deletes dashboards this `owner` pushed earlier that are not in `dashboards` (so pass
    the complete set); `dry_run` plans and diffs, and writes nothing; `workers` bounds the
    dashboards handled at once; `progress(done, total)` is called as dashboards finish.
    Raises AuthError (401/403) or RemoteError when Grafana cannot be used at all; any other failure
    is recorded on the dashboard's Item, and the others still go through.
    """
    return Pusher(client, force=force, prune=prune, dry_run=dry_run, workers=workers, owner=owner,
                  message=message, progress=progress, log=log).run(dashboards)
