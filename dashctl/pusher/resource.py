"""Push through the resource API (/apis, Grafana 12+): dashboards and folders as app-platform resources.

Paths `/apis/<group>/<version>/namespaces/<ns>/<resource>[/<name>]` (RES-4), name = the uid
(RES-7), the folder in the annotation `grafana.app/folder` (RES-8, RES-21). Reading: at the version
we would write; a converted answer (`status.conversion`, RES-17) is read again at its
`storedVersion`, so drift is judged on what is stored and a v2 dashboard is known as v2 before
any write (RES-19). Writing: create = POST with `metadata.name` and no resourceVersion (RES-11),
update = PUT of the whole object with the resourceVersion we read (RES-12), the folder
annotation on every write, never `status` (RES-13); a 409 is a conflict: re-read, never
overwritten blindly. Delete (RES-14). Lists page with `continue` (RES-15). Errors are Status
objects keyed on code and reason (RES-16, grafana_client). Ownership by another tool:
`grafana.app/managedBy` (RES-8; `classic-file` is file provisioning).
"""

from __future__ import annotations

import re

from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.grafana_client import ApiError, AuthError, GrafanaClient
from llm_gateway_dashboards.dashctl.pusher.discover import DASHBOARD_GROUP, FOLDER_GROUP, Discovery
from llm_gateway_dashboards.dashctl.pusher.plan import A_HASH, A_OWNER, MANAGED_TAG, STAMP, Conflict, Stored, Upload

# RES-8 annotations
A_FOLDER = "grafana.app/folder"
A_MESSAGE = "grafana.app/message"
A_UPDATED_BY = "grafana.app/updatedBy"
A_UPDATED_TS = "grafana.app/updatedTimestamp"
A_MANAGED_BY = "grafana.app/managedBy"
A_MANAGER_ID = "grafana.app/managerId"
SERVER_OWNED = ("grafana.app/createdBy", A_UPDATED_BY, A_UPDATED_TS)  # RES-8: set by the server
FILE_PROVISIONING = ("classic-file",)  # RES-8: the managedBy of classic file provisioning
LIST_LIMIT = 500


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _is_v2(version: str) -> bool:
    return version.startswith("v2")


class ResourceApi:
    api = "resource"

    def __init__(self, client: GrafanaClient, found: Discovery):
        self.client, self.found = client, found
        self.namespace = found.namespace
        self.api_version = f"{DASHBOARD_GROUP}/{found.version('v1') or found.version('v2')}"
        self._titles: dict[str, str] = {"": ""}

    def _path(self, version: str, name: str = "", group: str = DASHBOARD_GROUP, plural: str = "dashboards") -> str:
        # RES-4: the name only for get/update/delete
        return f"/apis/{group}/{version}/namespaces/{self.namespace}/{plural}" + (f"/{name}" if name else "")

    def _folder_path(self, name: str = "") -> str:
        return self._path(self.found.folder_version, name, FOLDER_GROUP, "folders")

    def _get(self, path: str) -> dict | None:
        try:
            return self.client.request("GET", path)
        except ApiError as exc:
            if exc.status == 404 and not isinstance(exc, AuthError):  # RES-14/RES-16: NotFound
                return None
            raise

    def _list(self, path: str):
        """Every item of a list, page by page (RES-15: until a page without metadata.continue)."""
        token = ""
        while True:
            params = {"limit": str(LIST_LIMIT), **({"continue": token} if token else {})}
            page = self.client.request("GET", path, params=params)
            yield from page.get("items") or []
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return

    def version(self, schema: str) -> str:
        v = self.found.version(schema)
        if v is None:
            raise ConfigError(f"{self.client.url} serves no dashboard.grafana.app {schema} version "
                              f"({', '.join(self.found.dashboard_versions)})")
        return v

    def check_access(self) -> None:
        """One list request in our namespace: a wrong namespace is a plain 404 (RES-5), said here once."""
        path = self._path(self.version("v1") if self.found.version("v1") else self.version("v2"))
        try:
            self.client.request("GET", path, params={"limit": "1"})
        except ApiError as exc:
            if exc.status != 404 or isinstance(exc, AuthError):
                raise
            raise ConfigError(f"GET {path}: 404: namespace {self.namespace!r} is not this token's organisation; "
                              f"set GRAFANA_NAMESPACE (org-<N>, or stacks-<id> on Grafana Cloud), GRAFANA_ORG_ID "
                              f"or GRAFANA_STACK_ID") from None

    def link(self, path: str) -> str:
        return self.client.link(path)

    # ------------------------------------------------------------------ dashboards
    def _read(self, uid: str, want: str) -> tuple[dict, str] | None:
        """(object, the version it is stored at) of a dashboard (RES-17)."""
        obj = self._get(self._path(want, uid))
        if obj is None:
            return None
        conversion = (obj.get("status") or {}).get("conversion") or {}
        stored = conversion.get("storedVersion") or want
        if stored == want:
            return obj, want
        if stored in self.found.dashboard_versions:  # RES-17: read it as it is stored
            again = self._get(self._path(stored, uid))
            return (again, stored) if again is not None else None
        if not _is_v2(want):
            # RES-17 caveat (grafana/grafana #124675): some builds report a storedVersion that is not
            # the storage; read it at v2: no status.conversion there = stored as v2
            v2 = self.found.version("v2")
            if v2 is not None:
                other = self._get(self._path(v2, uid))
                if other is not None and not (other.get("status") or {}).get("conversion"):
                    return other, v2
        return obj, ("v2" if _is_v2(stored) else want)

    def get(self, uid: str, schema: str) -> Stored | None:
        read = self._read(uid, self.version(schema))
        if read is None:
            return None
        obj, at = read
        meta = obj.get("metadata") or {}
        annotations = dict(meta.get("annotations") or {})
        conversion = (obj.get("status") or {}).get("conversion") or {}
        spec = {} if conversion.get("failed") else dict(obj.get("spec") or {})  # RES-17: failed = not valid
        if not _is_v2(at) and spec:
            spec.setdefault("uid", uid)  # RES-7: the name is the uid
        manager = annotations.get(A_MANAGED_BY, "")
        folder = annotations.get(A_FOLDER, "")
        title = spec.get("title") or ""
        return Stored(uid, "v2" if _is_v2(at) else "v1", spec, folder_uid=folder,
                      folder_title=self.folder_title(folder),
                      version=meta.get("generation"), resource_version=meta.get("resourceVersion"),
                      url=self.client.link(f"/d/{uid}/{_slug(title)}"), provisioned=manager in FILE_PROVISIONING,
                      manager="" if manager in FILE_PROVISIONING else manager,
                      manager_id=annotations.get(A_MANAGER_ID, ""), stored_version=at,
                      updated_by=annotations.get(A_UPDATED_BY, ""), updated_at=annotations.get(A_UPDATED_TS, ""),
                      annotations=annotations, labels=dict(meta.get("labels") or {}))

    def save(self, new: Upload, stored: Stored | None, folder_uid: str, message: str, force: bool) -> tuple:
        """(version, url, warning) after writing `new`; raises Conflict on a 409."""
        version = self.version(new.schema)
        kept = {k: v for k, v in (stored.annotations if stored else {}).items()
                if k not in SERVER_OWNED and k != A_FOLDER}
        annotations = {**kept, **new.annotations(), A_MESSAGE: message[:500]}
        if folder_uid:
            annotations[A_FOLDER] = folder_uid  # RES-12: PUT replaces metadata: send the folder every time
        meta = {"name": new.uid, "annotations": annotations}
        if stored is not None:
            meta["labels"] = stored.labels
            meta["resourceVersion"] = stored.resource_version  # RES-12: always the one we read
        body = {"apiVersion": f"{DASHBOARD_GROUP}/{version}", "kind": "Dashboard", "metadata": meta,
                "spec": new.content}  # RES-13: no status
        try:
            if stored is None:
                res = self.client.request("POST", self._path(version), json=body, ok=(200, 201))  # RES-11
            else:
                res = self.client.request("PUT", self._path(version, new.uid), json=body)  # RES-12
        except ApiError as exc:
            if exc.status != 409 or isinstance(exc, AuthError):
                raise
            raise Conflict(exc, drift=True) from None  # RES-11 AlreadyExists / RES-12 Conflict
        rmeta = res.get("metadata") or {}  # RES-10: the stored object with its new resourceVersion
        title = (res.get("spec") or {}).get("title") or ""
        warning = ""
        if new.schema == "v2" and A_HASH not in (rmeta.get("annotations") or {}):
            # RES-8: "if they are not yet supported on your instance, they will be ignored"
            warning = ("Grafana ignored dashctl's annotations (custom annotations unsupported here, RES-8): this v2 "
                       "dashboard carries no stamp, so the next push sees it as not pushed by dashctl")
        return rmeta.get("generation"), self.client.link(f"/d/{new.uid}/{_slug(title)}"), warning

    def delete(self, uid: str) -> None:
        self.client.request("DELETE", self._path(self.version("v1") if self.found.version("v1")
                                                 else self.version("v2"), uid))  # RES-14

    def candidates(self) -> list[tuple[str, str, str]]:
        """(uid, title, folder title) of every dashboard with our annotation or tag (RES-15 list)."""
        out = []
        version = self.found.version("v1") or self.version("v2")
        for item in self._list(self._path(version)):
            meta, spec = item.get("metadata") or {}, item.get("spec") or {}
            annotations = meta.get("annotations") or {}
            if A_OWNER in annotations or MANAGED_TAG in (spec.get("tags") or []) or STAMP in spec:
                out.append((meta.get("name", ""), spec.get("title", ""),
                            self.folder_title(annotations.get(A_FOLDER, ""))))
        return [c for c in out if c[0]]

    # ------------------------------------------------------------------ folders (RES-21)
    def folder_title(self, uid: str) -> str:
        if uid not in self._titles:
            folder = self.get_folder(uid)
            self._titles[uid] = folder["title"] if folder else uid
        return self._titles[uid]

    def get_folder(self, uid: str) -> dict | None:
        obj = self._get(self._folder_path(uid))
        if obj is None:
            return None
        return {"uid": uid, "title": (obj.get("spec") or {}).get("title", "")}

    def list_folders(self, parent_uid: str = "") -> list[dict]:
        return [{"uid": (f.get("metadata") or {}).get("name", ""), "title": (f.get("spec") or {}).get("title", "")}
                for f in self._list(self._folder_path())
                if ((f.get("metadata") or {}).get("annotations") or {}).get(A_FOLDER, "") == parent_uid]

    def create_folder(self, uid: str, title: str, parent_uid: str = "") -> None:
        meta = {"name": uid, **({"annotations": {A_FOLDER: parent_uid}} if parent_uid else {})}
        body = {"apiVersion": f"{FOLDER_GROUP}/{self.found.folder_version}", "kind": "Folder", "metadata": meta,
                "spec": {"title": title}}
        self.client.request("POST", self._folder_path(), json=body, ok=(200, 201))  # RES-21, RES-11
        self._titles[uid] = title
