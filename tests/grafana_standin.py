"""A stand-in for Grafana's HTTP API, for tests (no real Grafana can run here).

Built from /work/shared/docs/grafana-api.md ("the doc"); every branch cites the
rule it implements. Where the doc is silent and the stand-in still has to answer
something, the comment says "not in the doc" and names what Grafana's code does.

    with StandInGrafana(token="glsa_test") as g:
        requests.post(g.url + "/api/dashboards/db", json=..., headers=...)

Standard library only.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import socket
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

_UID_OK = re.compile(r"^[A-Za-z0-9_-]*$")
_MAX_UID = 40
_MAX_MESSAGE = 500
_MAX_SEARCH_LIMIT = 5000
_DEFAULT_LIMIT = 1000
_MAX_FOLDER_DEPTH = 4
_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "M": 30 * 86400,
    "y": 365 * 86400,
}


class ApiError(Exception):
    """An HTTP error answer: status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(f"{status} {body}")
        self.status, self.body, self.headers = status, body, headers or {}


def _bad_request() -> ApiError:
    # brief / Grafana web.Bind failure: invalid JSON body -> 400 "bad request data"
    return ApiError(400, {"message": "bad request data"})


def _unauthorized() -> ApiError:
    # the doc, "Error bodies": the authentication error body
    return ApiError(
        401,
        {
            "statusCode": 401,
            "messageId": "auth.unauthorized",
            "message": "Unauthorized",
        },
    )


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # raw, as received (secrets included)
    body: Any  # parsed JSON, or None (empty or not JSON)
    raw_body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return default


@dataclass
class _Dash:
    id: int
    uid: str
    data: dict
    folder_uid: str
    version: int
    created: str
    updated: str
    message: str = ""
    provisioned: bool = False
    allow_ui_updates: bool = False

    @property
    def title(self) -> str:
        t = self.data.get("title")
        return t if isinstance(t, str) else ""


@dataclass
class _Folder:
    id: int
    uid: str
    title: str
    parent_uid: str
    created: str
    updated: str
    version: int = 1


@dataclass
class _Org:
    dashboards: dict[str, _Dash] = field(default_factory=dict)
    folders: dict[str, _Folder] = field(default_factory=dict)


@dataclass
class _Ctx:
    org: int
    role: str  # "admin" or "viewer"
    query: dict[str, list[str]]
    body: Any
    params: dict[str, str]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _new_uid() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(alphabet) for _ in range(13)
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _duration_seconds(text: str) -> float | None:
    """Grafana's gtime.ParseDuration: "5s", "1m", "1h30m", "500ms", "1d", "1w"..."""
    m = re.fullmatch(r"(\d+)([dwMy])", text)
    if m:
        return int(m.group(1)) * _UNITS[m.group(2)]
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _query_int(query: dict[str, list[str]], name: str) -> int:
    # not in the doc: Grafana reads limit/page with QueryInt64, unparsable -> 0
    try:
        return int(query.get(name, ["0"])[0])
    except ValueError:
        return 0


class StandInGrafana:
    """Stand-in Grafana server. Auth is off when no credential is configured."""

    def __init__(
        self,
        token: str | None = None,
        basic: tuple[str, str] | None = None,
        *,
        viewer_tokens=(),
        viewer_basic=(),
        token_org: int = 1,
        max_dashboards: int | None = None,
        fail_db: bool = False,
        min_refresh: str = "5s",
        version: str = "12.3.1",
    ):
        self.token, self.basic, self.token_org = token, basic, token_org
        self.viewer_tokens = set(viewer_tokens)
        self.viewer_basic = {tuple(c) for c in viewer_basic}
        self.max_dashboards, self.fail_db = max_dashboards, fail_db
        self.min_refresh, self.version = min_refresh, version
        self._lock = threading.RLock()
        self._orgs: dict[int, _Org] = {}
        self._next_id = 1
        self._log: list[RecordedRequest] = []
        self._fail: dict | None = None
        self._drop: dict | None = None
        self._delay = 0.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._routes: list[tuple[str, re.Pattern, Callable, bool]] = [
            ("GET", re.compile(r"/api/health"), self._api_health, False),
            ("POST", re.compile(r"/api/dashboards/db"), self._api_save_dashboard, True),
            (
                "GET",
                re.compile(r"/api/dashboards/uid/(?P<uid>[^/]+)"),
                self._api_get_dashboard,
                True,
            ),
            (
                "DELETE",
                re.compile(r"/api/dashboards/uid/(?P<uid>[^/]+)"),
                self._api_delete_dashboard,
                True,
            ),
            ("GET", re.compile(r"/api/search"), self._api_search, True),
            ("GET", re.compile(r"/api/folders"), self._api_list_folders, True),
            ("POST", re.compile(r"/api/folders"), self._api_create_folder, True),
            (
                "GET",
                re.compile(r"/api/folders/(?P<uid>[^/]+)"),
                self._api_get_folder,
                True,
            ),
        ]

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="standin-grafana",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for c in conns:  # idle keep-alive connections would otherwise linger
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("stand-in not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ test hooks
    def fail_next(
        self,
        n: int,
        status: int = 503,
        retry_after: int | str | None = None,
        include_health: bool = False,
    ) -> None:
        """The next n requests (not /api/health unless asked) answer `status`."""
        with self._lock:
            self._fail = (
                {
                    "n": n,
                    "status": status,
                    "retry_after": retry_after,
                    "include_health": include_health,
                }
                if n > 0
                else None
            )

    def drop_next(self, n: int, include_health: bool = False) -> None:
        """The next n requests are read, then the connection is closed unanswered."""
        with self._lock:
            self._drop = {"n": n, "include_health": include_health} if n > 0 else None

    def delay(self, seconds: float) -> None:
        """Sleep this long before answering every request (0 to stop)."""
        with self._lock:
            self._delay = float(seconds)

    def ui_edit(
        self,
        uid: str,
        mutate: Callable[[dict], dict | None] | dict,
        *,
        org: int = 1,
        folder_uid: str | None = None,
    ) -> dict:
        """Someone saves the dashboard in the UI: JSON changed, version bumped."""
        with self._lock:
            d = self._org(org).dashboards.get(uid)
            if d is None:
                raise KeyError(f"no dashboard {uid!r} in org {org}")
            if d.provisioned and not d.allow_ui_updates:
                # the doc, "POST /api/dashboards/db" check 7: the UI could not save it either
                raise PermissionError("Cannot save provisioned dashboard")
            data = copy.deepcopy(d.data)
            if callable(mutate):
                data = mutate(data) or data
            else:
                data.update(copy.deepcopy(mutate))
            d.version += 1
            data.update(id=d.id, uid=d.uid, version=d.version)
            d.data, d.updated, d.message = data, _now(), "ui edit"
            if folder_uid is not None:
                d.folder_uid = folder_uid
            return copy.deepcopy(data)

    def add_provisioned(
        self,
        dashboard_json: dict,
        folder_uid: str = "",
        allow_ui_updates: bool = False,
        *,
        org: int = 1,
    ) -> str:
        """A dashboard as file provisioning would store it; returns its uid."""
        with self._lock:
            o = self._org(org)
            if folder_uid and folder_uid not in o.folders:
                raise ValueError("folder not found")
            data = copy.deepcopy(dashboard_json)
            data.pop("id", None)  # the doc, "File provisioning": `id` is ignored
            uid = (
                data.get("uid")
                if isinstance(data.get("uid"), str) and data.get("uid")
                else _new_uid()
            )
            old = o.dashboards.get(uid)
            d = self._store(o, old, uid, data, folder_uid, "provisioned")
            d.provisioned, d.allow_ui_updates = True, allow_ui_updates
            return uid

    def add_dashboard(
        self, dashboard_json: dict, folder_uid: str = "", *, org: int = 1
    ) -> dict:
        """Seed a dashboard through the normal save path (overwrite); returns the save answer."""
        with self._lock:
            return self._save(
                org,
                "admin",
                {
                    "dashboard": dashboard_json,
                    "folderUid": folder_uid,
                    "overwrite": True,
                },
            )

    def add_folder(
        self, title: str, uid: str | None = None, parent_uid: str = "", *, org: int = 1
    ) -> dict:
        """Create a folder with the API's rules; raises ApiError when refused."""
        with self._lock:
            body = {"title": title, "parentUid": parent_uid}
            if uid is not None:
                body["uid"] = uid
            return self._create_folder(org, body)

    # ------------------------------------------------------------------ accessors
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def writes(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method in _WRITE_METHODS]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def dashboards(self, org: int = 1) -> dict[str, dict]:
        with self._lock:
            return {
                uid: {
                    "id": d.id,
                    "uid": uid,
                    "title": d.title,
                    "folderUid": d.folder_uid,
                    "version": d.version,
                    "provisioned": d.provisioned,
                    "allowUiUpdates": d.allow_ui_updates,
                    "message": d.message,
                    "created": d.created,
                    "updated": d.updated,
                    "dashboard": copy.deepcopy(d.data),
                }
                for uid, d in self._org(org).dashboards.items()
            }

    def folders(self, org: int = 1) -> dict[str, dict]:
        with self._lock:
            return {
                uid: dict(self._folder_json(f), parentUid=f.parent_uid)
                for uid, f in self._org(org).folders.items()
            }

    # ------------------------------------------------------------------ request pipeline
    def _handle(self, method: str, target: str, headers: dict[str, str], raw: bytes):
        """Returns ("drop", None) or ("answer", (status, body, headers))."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        try:
            parsed = json.loads(raw) if raw else None
            body_ok = True
        except ValueError:
            parsed, body_ok = None, False
        is_health = path == "/api/health"
        with self._lock:
            self._log.append(
                RecordedRequest(method, path, query, dict(headers), parsed, raw)
            )
            wait = self._delay
            drop = self._take("_drop", is_health)
            fail = None if drop else self._take("_fail", is_health)
        if wait:
            time.sleep(wait)
        if drop:
            return "drop", None
        if fail:
            # brief: injected failure (the doc: "under storage overload Grafana 12+ answers 429, 503 or 504")
            extra = (
                {"Retry-After": str(fail["retry_after"])}
                if fail["retry_after"] is not None
                else {}
            )
            phrase = (
                HTTPStatus(fail["status"]).phrase
                if fail["status"] in HTTPStatus._value2member_map_
                else "error"
            )
            return "answer", (fail["status"], {"message": phrase}, extra)
        try:
            for m, rx, fn, needs_auth in self._routes:  # noqa: B007 (used after the break)
                match = rx.fullmatch(path)
                if m == method and match:
                    break
            else:
                # brief: unknown route (or method) -> 404 {"message":"Not found"}
                raise ApiError(404, {"message": "Not found"})
            org, role = self._authenticate(headers) if needs_auth else (1, "admin")
            if method in ("POST", "PUT") and not body_ok:
                raise _bad_request()
            ctx = _Ctx(org, role, query, parsed, match.groupdict())
            with self._lock:
                status, body = fn(ctx)
            return "answer", (status, body, {})
        except ApiError as e:
            return "answer", (e.status, e.body, e.headers)

    def _take(self, name: str, is_health: bool) -> dict | None:
        """Consume one use of the armed hook `name` (caller holds the lock)."""
        hook = getattr(self, name)
        if hook is None or (is_health and not hook["include_health"]):
            return None
        hook["n"] -= 1
        if hook["n"] <= 0:
            setattr(self, name, None)
        return hook

    def _authenticate(self, headers: dict[str, str]) -> tuple[int, str]:
        lower = {k.lower(): v for k, v in headers.items()}
        org_header = lower.get("x-grafana-org-id", "").strip()
        try:
            header_org = int(org_header) if org_header else None
        except ValueError:
            header_org = None
        if (
            self.token is None
            and self.basic is None
            and not self.viewer_tokens
            and not self.viewer_basic
        ):
            return header_org or 1, "admin"  # stand-in with auth switched off
        auth = lower.get("authorization", "")
        scheme, _, cred = auth.partition(" ")
        cred = cred.strip()
        if scheme.lower() == "bearer":
            if self.token is not None and cred == self.token:
                role = "admin"
            elif cred in self.viewer_tokens:
                role = "viewer"
            else:
                # the doc, "Authentication": a bad token -> 401 messageId api-key.invalid
                raise ApiError(
                    401,
                    {
                        "statusCode": 401,
                        "messageId": "api-key.invalid",
                        "message": "Invalid API key",
                    },
                )
            if header_org is not None and header_org != self.token_org:
                # not in the doc: Grafana's authn API-key client refuses a token sent for another org
                raise ApiError(
                    401,
                    {
                        "statusCode": 401,
                        "messageId": "api-key.organization-mismatch",
                        "message": "API key does not belong to the requested organization",
                    },
                )
            return self.token_org, role
        if scheme.lower() == "basic":
            try:
                user, _, pw = (
                    base64.b64decode(cred, validate=True).decode().partition(":")
                )
            except (ValueError, UnicodeDecodeError):
                user = pw = None
            if self.basic is not None and (user, pw) == tuple(self.basic):
                role = "admin"
            elif (user, pw) in self.viewer_basic:
                role = "viewer"
            else:
                # the doc, "Authentication": bad basic credentials -> 401 (body per "Error bodies")
                raise _unauthorized()
            # the doc, "Authentication": X-Grafana-Org-Id selects the organisation for basic-auth users
            return header_org or 1, role
        # the doc, "Error bodies": no credentials at all -> 401 auth.unauthorized
        raise _unauthorized()

    @staticmethod
    def _require_write(role: str) -> None:
        if role != "admin":
            # the doc, "POST /api/dashboards/db" check 6: no permission -> 403
            raise ApiError(403, {"message": "Permission denied"})

    # ------------------------------------------------------------------ state helpers
    def _org(self, org: int) -> _Org:
        return self._orgs.setdefault(org, _Org())

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _store(
        self,
        o: _Org,
        old: _Dash | None,
        uid: str,
        data: dict,
        folder_uid: str,
        message: str,
    ) -> _Dash:
        now = _now()
        refresh = data.get("refresh")
        if isinstance(refresh, str) and refresh:
            secs, floor = (
                _duration_seconds(refresh),
                _duration_seconds(self.min_refresh),
            )
            if secs is not None and floor is not None and secs < floor:
                # the doc: a refresh below the server minimum (default 5s) is silently raised
                data["refresh"] = self.min_refresh
        if old is None:
            # the doc, "Success": version is 1 on insert
            d = _Dash(self._new_id(), uid, data, folder_uid, 1, now, now, message)
            o.dashboards[uid] = d
        else:
            # the doc, "Success": stored+1 on every update
            d = old
            d.version, d.data, d.folder_uid, d.updated, d.message = (
                old.version + 1,
                data,
                folder_uid,
                now,
                message,
            )
        # the doc: the JSON is stored as sent; only id/uid/version are forced
        data.update(id=d.id, uid=d.uid, version=d.version)
        return d

    def _folder_json(self, f: _Folder) -> dict:
        out = {
            "id": f.id,
            "uid": f.uid,
            "title": f.title,
            "url": f"/dashboards/f/{f.uid}/{_slugify(f.title)}",
            "version": f.version,
            "hasAcl": False,
            "canSave": True,
            "canEdit": True,
            "canAdmin": True,
            "canDelete": True,
            "created": f.created,
            "updated": f.updated,
        }
        if f.parent_uid:
            # not in the doc: Grafana's dtos.Folder has `parentUid,omitempty` (absent at top level)
            out["parentUid"] = f.parent_uid
        return out

    def _depth(self, o: _Org, uid: str) -> int:
        depth = 0
        while uid:
            depth += 1
            uid = o.folders[uid].parent_uid
        return depth

    @staticmethod
    def _check_uid(uid: str) -> None:
        if not _UID_OK.match(uid):
            # the doc, "POST /api/dashboards/db" check 2
            raise ApiError(400, {"message": "uid contains illegal characters"})
        if len(uid) > _MAX_UID:
            # the doc, "POST /api/dashboards/db" check 3
            raise ApiError(400, {"message": "uid too long, max 40 characters"})

    # ------------------------------------------------------------------ endpoints
    def _api_health(self, ctx: _Ctx):
        # the doc, "Authentication": /api/health needs no auth; 503 when the DB fails
        if self.fail_db:
            return 503, {
                "database": "failing",
                "version": self.version,
                "commit": "abc",
            }
        return 200, {"database": "ok", "version": self.version, "commit": "abc"}

    def _api_save_dashboard(self, ctx: _Ctx):
        return 200, self._save(ctx.org, ctx.role, ctx.body)

    def _save(self, org: int, role: str, body: Any) -> dict:
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            raise _bad_request()
        dash = body["dashboard"]
        message = body.get("message") or ""
        folder_uid = body.get("folderUid")
        if not isinstance(message, str) or not isinstance(
            folder_uid, (str, type(None))
        ):
            raise _bad_request()
        if len(message) > _MAX_MESSAGE:
            # the doc: "`message` is at most 500 characters" (a body rule, checked before the numbered checks)
            raise ApiError(400, {"message": "message too long, max 500 characters"})
        # the doc: **omitting folderUid on an update moves the dashboard to the root folder**
        # (folderId is deprecated and ignored here)
        folder_uid = folder_uid or ""
        overwrite = body.get("overwrite") is True
        title = dash.get("title")
        # the doc: `uid` counts only if a string, `id` only if a number (null = new)
        uid = dash["uid"] if isinstance(dash.get("uid"), str) and dash["uid"] else None
        dash_id = int(dash["id"]) if _is_number(dash.get("id")) and dash["id"] else None
        o = self._org(org)

        if not (isinstance(title, str) and title.strip()):
            # the doc, "POST /api/dashboards/db" check 1: empty title (after trimming)
            raise ApiError(
                400,
                {"status": "empty-name", "message": "Dashboard title cannot be empty"},
            )
        if uid is not None:
            self._check_uid(uid)  # checks 2 and 3
        if folder_uid and folder_uid not in o.folders:
            # the doc, "POST /api/dashboards/db" check 4: unknown folderUid -> 400
            raise ApiError(400, {"message": "folder not found"})

        existing = None
        if uid is not None:
            existing = o.dashboards.get(uid)
        elif dash_id is not None:
            existing = next((d for d in o.dashboards.values() if d.id == dash_id), None)
            if existing is None:
                # not in the doc: Grafana's code answers 404 for an unknown numeric id
                raise ApiError(404, {"message": "Dashboard not found"})
        if existing is not None:
            # the doc: `version` is honoured only when id or uid is present (i.e. here)
            sent = dash.get("version")
            sent = sent if _is_number(sent) else None
            if sent != existing.version and not overwrite:
                # the doc, "POST /api/dashboards/db" check 5: version mismatch -> 412
                raise ApiError(
                    412,
                    {
                        "status": "version-mismatch",
                        "message": "The dashboard has been changed by someone else",
                    },
                )
            # check 5, overwrite: the stored version is silently adopted (nothing to do)

        self._require_write(role)  # check 6: no permission -> 403
        if (
            existing is None
            and self.max_dashboards is not None
            and len(o.dashboards) >= self.max_dashboards
        ):
            # the doc, "POST /api/dashboards/db" check 6: over quota (new dashboards) -> 403
            raise ApiError(403, {"message": "Quota reached"})
        if (
            existing is not None
            and existing.provisioned
            and not existing.allow_ui_updates
        ):
            # the doc, "POST /api/dashboards/db" check 7: overwrite does not get past this
            raise ApiError(400, {"message": "Cannot save provisioned dashboard"})

        d = self._store(
            o, existing, uid or _new_uid(), copy.deepcopy(dash), folder_uid, message
        )
        slug = _slugify(d.title)
        # the doc, "Success" body
        return {
            "status": "success",
            "id": d.id,
            "uid": d.uid,
            "url": f"/d/{d.uid}/{slug}",
            "version": d.version,
            "slug": slug,
            "folderUid": d.folder_uid,
        }

    def _api_get_dashboard(self, ctx: _Ctx):
        o = self._org(ctx.org)
        d = o.dashboards.get(ctx.params["uid"])
        if d is None:
            # the doc, "Other dashboard endpoints": 404 {"message":"Dashboard not found"}
            raise ApiError(404, {"message": "Dashboard not found"})
        f = o.folders.get(d.folder_uid)
        slug = _slugify(d.title)
        data = copy.deepcopy(d.data)
        # the doc, "GET /api/dashboards/uid/<uid>": id/uid/version forced to stored values
        data.update(id=d.id, uid=d.uid, version=d.version)
        meta = {
            "type": "db",
            "canSave": True,
            "canEdit": True,
            "canAdmin": True,
            "canStar": True,
            "canDelete": True,
            "slug": slug,
            "url": f"/d/{d.uid}/{slug}",
            "expires": "0001-01-01T00:00:00Z",
            "created": d.created,
            "updated": d.updated,
            "version": d.version,
            "hasAcl": False,
            "isFolder": False,
            # the doc: folderTitle is "General" at root
            "folderId": f.id if f else 0,
            "folderUid": d.folder_uid,
            "folderTitle": f.title if f else "General",
            "folderUrl": f"/dashboards/f/{f.uid}/{_slugify(f.title)}" if f else "",
            # not in the doc: Grafana sets meta.provisioned only when allowUiUpdates is false
            "provisioned": d.provisioned and not d.allow_ui_updates,
            "provisionedExternalId": f"{d.uid}.json" if d.provisioned else "",
        }
        return 200, {"dashboard": data, "meta": meta}

    def _api_delete_dashboard(self, ctx: _Ctx):
        o = self._org(ctx.org)
        d = o.dashboards.get(ctx.params["uid"])
        if d is None:
            # the doc, "Other dashboard endpoints": 404 {"message":"Dashboard not found"}
            raise ApiError(404, {"message": "Dashboard not found"})
        self._require_write(
            ctx.role
        )  # Grafana: 404, then guardian 403, then provisioned
        if d.provisioned:
            # the doc, "DELETE /api/dashboards/uid/<uid>": a provisioned one -> 400
            raise ApiError(400, {"message": "Cannot delete provisioned dashboard"})
        del o.dashboards[d.uid]
        # the doc: 200 {"title","message","uid"}
        return 200, {
            "title": d.title,
            "message": f"Dashboard {d.title} deleted",
            "uid": d.uid,
        }

    def _api_search(self, ctx: _Ctx):
        q = ctx.query
        limit, page = _query_int(q, "limit"), _query_int(q, "page")
        if limit > _MAX_SEARCH_LIMIT:
            # the doc, "GET /api/search": limit above 5000 -> 422
            raise ApiError(422, {"message": "Limit is too large"})
        limit = (
            limit if limit > 0 else _DEFAULT_LIMIT
        )  # the doc: limit defaults to 1000
        page = max(page, 1)
        kind = (q.get("type") or [""])[0]
        text = (q.get("query") or [""])[0].lower()
        tags = [
            t for t in q.get("tag", []) if t
        ]  # the doc: `tag` is a repeated parameter
        # the doc: `folderUIDs` is a repeated parameter; Grafana also reads "general" as the root
        folder_uids = {("" if u == "general" else u) for u in q.get("folderUIDs", [])}
        dash_uids = set(
            q.get("dashboardUIDs", [])
        )  # not in the doc: Grafana's dashboardUIDs
        o = self._org(ctx.org)
        hits = []
        if kind in ("", "dash-folder") and not tags:
            for f in o.folders.values():
                if (
                    text in f.title.lower()
                    and (not folder_uids or f.parent_uid in folder_uids)
                    and (not dash_uids or f.uid in dash_uids)
                ):
                    hits.append(
                        self._hit(
                            o,
                            "dash-folder",
                            f.id,
                            f.uid,
                            f.title,
                            f"/dashboards/f/{f.uid}/{_slugify(f.title)}",
                            [],
                            f.parent_uid,
                        )
                    )
        if kind in ("", "dash-db"):
            for d in o.dashboards.values():
                dtags = [t for t in d.data.get("tags") or [] if isinstance(t, str)]
                if (
                    text in d.title.lower()
                    and all(t in dtags for t in tags)
                    and (not folder_uids or d.folder_uid in folder_uids)
                    and (not dash_uids or d.uid in dash_uids)
                ):
                    hits.append(
                        self._hit(
                            o,
                            "dash-db",
                            d.id,
                            d.uid,
                            d.title,
                            f"/d/{d.uid}/{_slugify(d.title)}",
                            dtags,
                            d.folder_uid,
                        )
                    )
        # not in the doc: Grafana's HitList sorts folders first, then by lower-cased title
        hits.sort(
            key=lambda h: (h["type"] != "dash-folder", h["title"].lower(), h["uid"])
        )
        return 200, hits[(page - 1) * limit : page * limit]

    @staticmethod
    def _hit(
        o: _Org,
        kind: str,
        id_: int,
        uid: str,
        title: str,
        url: str,
        tags: list,
        folder_uid: str,
    ):
        slug = _slugify(title)
        hit = {
            "id": id_,
            "uid": uid,
            "title": title,
            "uri": f"db/{slug}",
            "url": url,
            "slug": slug,
            "type": kind,
            "tags": tags,
            "isStarred": False,
            "sortMeta": 0,
        }
        f = o.folders.get(folder_uid)
        if f is not None:
            # not in the doc: Grafana's search Hit has folderId/Uid/Title/Url `omitempty`, so a
            # hit at the root has no folderUid/folderTitle keys at all
            hit.update(
                folderId=f.id,
                folderUid=f.uid,
                folderTitle=f.title,
                folderUrl=f"/dashboards/f/{f.uid}/{_slugify(f.title)}",
            )
        return hit

    def _api_list_folders(self, ctx: _Ctx):
        parent = (ctx.query.get("parentUid") or [""])[0]
        limit, page = (
            _query_int(ctx.query, "limit"),
            max(_query_int(ctx.query, "page"), 1),
        )
        limit = limit if limit > 0 else _DEFAULT_LIMIT
        items = sorted(
            (f for f in self._org(ctx.org).folders.values() if f.parent_uid == parent),
            key=lambda f: (f.title.lower(), f.uid),
        )
        out = []
        for f in items[(page - 1) * limit : page * limit]:
            hit = {"id": f.id, "uid": f.uid, "title": f.title}
            if f.parent_uid:
                hit["parentUid"] = (
                    f.parent_uid
                )  # Grafana's FolderSearchHit: parentUid,omitempty
            out.append(hit)
        return 200, out

    def _api_create_folder(self, ctx: _Ctx):
        self._require_write(ctx.role)
        return 200, self._create_folder(ctx.org, ctx.body)

    def _create_folder(self, org: int, body: Any) -> dict:
        if not isinstance(body, dict):
            raise _bad_request()
        title, uid, parent = (
            body.get("title"),
            body.get("uid") or "",
            body.get("parentUid") or "",
        )
        if not isinstance(uid, str) or not isinstance(parent, str):
            raise _bad_request()
        o = self._org(org)
        if not (isinstance(title, str) and title.strip()):
            # the doc, "Folders": empty title -> 400
            raise ApiError(400, {"message": "folder title cannot be empty"})
        if uid.strip().lower() == "general":
            # the doc, "Folders": uid `general` is reserved -> 400
            raise ApiError(400, {"message": "invalid uid for folder provided"})
        if uid:
            self._check_uid(
                uid
            )  # not in the doc for folders: Grafana applies the dashboard uid rules
        if parent and parent not in o.folders:
            # the doc, "Folders": parents before children. Status not in the doc: Grafana's folder
            # error mapping answers ErrFolderNotFound with 404, the same body as GET /api/folders/<uid>
            raise ApiError(404, {"status": "not-found", "message": "folder not found"})
        if self._depth(o, parent) + 1 > _MAX_FOLDER_DEPTH:
            # the doc, "Folders": nesting at most 4 deep -> 400
            raise ApiError(
                400,
                {
                    "statusCode": 400,
                    "messageId": "folder.maximum-depth-reached",
                    "message": "Maximum nested folder depth reached",
                },
            )
        if uid in o.folders:
            # the doc, "Folders": existing uid -> 409
            raise ApiError(
                409,
                {
                    "status": "folder-exists",
                    "message": "a folder with the same uid already exists",
                },
            )
        now = _now()
        f = _Folder(self._new_id(), uid or _new_uid(), title, parent, now, now)
        o.folders[f.uid] = f
        return self._folder_json(f)

    def _api_get_folder(self, ctx: _Ctx):
        f = self._org(ctx.org).folders.get(ctx.params["uid"])
        if f is None:
            # the doc, "Folders": 404 {"status":"not-found","message":"folder not found"}
            raise ApiError(404, {"status": "not-found", "message": "folder not found"})
        return 200, self._folder_json(f)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent clients are not refused


class _Handler(BaseHTTPRequestHandler):
    owner: StandInGrafana
    protocol_version = "HTTP/1.1"  # keep-alive, like Grafana
    server_version = "StandInGrafana"

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without TCP_NODELAY, Nagle + the client's delayed
        # ACK add ~40 ms to every answer on a kept-alive connection (Grafana's Go server sets it)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.owner._lock:
            self.owner._conns.add(self.connection)

    def finish(self):
        with self.owner._lock:
            self.owner._conns.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind, answer = self.owner._handle(
            self.command, self.path, dict(self.headers.items()), raw
        )
        if kind == "drop":
            # brief, drop_next: close the connection without answering
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, body, headers = answer
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch
