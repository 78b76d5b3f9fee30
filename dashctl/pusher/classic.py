"""Push through the classic API (/api): Grafana 10 and 11, or `--api classic` (deprecated in 13, RES-20).

grafana-api.md: `GET /api/dashboards/uid/<uid>` reads; `POST /api/dashboards/db` writes, always
with `folderUid` (omitting it moves the dashboard to the root) and the stored `version` (an edit
since our read is a 412); folders `POST /api/folders`, parents first; prune finds candidates by
our tag with `/api/search`. This API cannot see who manages a dashboard (RES-8 annotations live
on the resource API), only file provisioning (`meta.provisioned`). A v2-stored dashboard answers
406 on Grafana 12 (RES-18), read here as "stored as v2"; Grafana 13 answers a lossy v1 view that
carries no stamp of ours, so it reads as "not pushed by dashctl" (refused without --force).
"""

from __future__ import annotations

import re

from llm_gateway_dashboards.dashctl.grafana_client import ApiError, AuthError, GrafanaClient
from llm_gateway_dashboards.dashctl.pusher.plan import MANAGED_TAG, Conflict, Stored, Upload

_STORED_AT = re.compile(r"/apis/dashboard\.grafana\.app/(v[0-9a-z]+)/")


class ClassicApi:
    api = "classic"
    api_version = ""
    namespace = ""

    def __init__(self, client: GrafanaClient):
        self.client = client

    def check_access(self) -> None:
        self.client.check_access()

    def link(self, path: str) -> str:
        return self.client.link(path)

    # ------------------------------------------------------------------ dashboards
    def get(self, uid: str, schema: str) -> Stored | None:
        try:
            got = self.client.get_dashboard(uid)
        except ApiError as exc:
            if exc.status != 406 or isinstance(exc, AuthError):
                raise
            # RES-18, Grafana 12: "dashboard api version not supported, use /apis/.../<storedVersion>/..."
            m = _STORED_AT.search(exc.message)
            return Stored(uid, "v2", {}, stored_version=m.group(1) if m else "v2")
        if got is None:
            return None
        model, meta = got.get("dashboard") or {}, got.get("meta") or {}
        return Stored(uid, "v1", model, folder_uid=meta.get("folderUid") or "", folder_title=meta.get("folderTitle")
                      or "", version=meta.get("version"), url=self.client.link(meta.get("url") or ""),
                      provisioned=bool(meta.get("provisioned")))

    def save(self, new: Upload, stored: Stored | None, folder_uid: str, message: str, force: bool) -> tuple:
        """(version, url, warning) after writing `new`; raises Conflict on a 412."""
        body = dict(new.content)
        if stored is not None and stored.version is not None:
            body["version"] = stored.version  # grafana-api.md check 5: an edit since our GET is a 412, not lost
        try:
            res = self.client.save_dashboard(body, folder_uid, message=message, overwrite=force)
        except ApiError as exc:
            if exc.status != 412 or isinstance(exc, AuthError):
                raise
            raise Conflict(exc, drift=False) from None
        return res.get("version"), self.client.link(res.get("url") or ""), ""

    def delete(self, uid: str) -> None:
        self.client.delete_dashboard(uid)

    def candidates(self) -> list[tuple[str, str, str]]:
        """(uid, title, folder title) of every dashboard carrying our tag (prune reads each one again)."""
        return [(h["uid"], h.get("title", ""), h.get("folderTitle", ""))
                for h in self.client.search(tags=[MANAGED_TAG]) if h.get("uid")]

    # ------------------------------------------------------------------ folders
    def get_folder(self, uid: str) -> dict | None:
        return self.client.get_folder(uid)

    def list_folders(self, parent_uid: str = "") -> list[dict]:
        return self.client.list_folders(parent_uid)

    def create_folder(self, uid: str, title: str, parent_uid: str = "") -> None:
        self.client.create_folder(uid, title, parent_uid)
