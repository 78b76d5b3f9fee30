"""A stand-in for Grafana's HTTP API, for tests (no real Grafana can run here).

Built from /work/shared/docs/grafana-api.md ("the doc"); every branch cites the
rule it implements. Where the doc is silent and the stand-in still has to answer
something, the comment says "not in the doc" and names what Grafana's code does.

    with StandInGrafana(token="glsa_test") as g:
        requests.post(g.url + "/api/dashboards/db", json=..., headers=...)

`grafana="11" | "12" | "13"` adds the app-platform resource API of the doc's section "Grafana
12/13 resource API" (rules RES-1..RES-22): discovery under /apis, dashboards and folders as
resources in namespaces, one store behind both APIs, schema v1/v2 storage and conversion. Test
hooks for that side: store_v2() (a teammate's v2 save, by whom and when), set_manager() (owned by
Terraform, Git Sync...), add_provisioned() (classic file provisioning), fail_conversion(),
resource(), stored_version().

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
import uuid
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
    # the resource side of the same stored dashboard (RES-6..RES-8, RES-17)
    stored: str = ""  # the dashboard.grafana.app version it was last written with ("" = classic)
    spec_v2: dict | None = None  # the v2 spec when stored as v2; `data` then holds the lossy v1 view
    rv: int = 0  # resourceVersion (RES-7)
    annotations: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    created_by: str = ""
    updated_by: str = ""

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
    description: str = ""  # RES-21: spec.description of the folder resource
    rv: int = 0
    created_by: str = ""
    updated_by: str = ""


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
    who: str = "user:admin"  # RES-8: `<identity type>:<uid>` of the caller
    bearer: bool = False  # a service-account token (bound to one org) rather than a user


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


# ---------------------------------------------------------------------------------- resource API
# grafana= mode -> the version /api/health reports (None: the stand-in as it always was, no /apis)
_MODES = {None: "12.3.1", "11": "11.6.0", "12": "12.4.0", "13": "13.0.0"}
_DASH_GROUP, _FOLDER_GROUP = "dashboard.grafana.app", "folder.grafana.app"
_V2_LAYOUTS = ("GridLayout", "RowsLayout", "TabsLayout", "AutoGridLayout")
# RES-8: annotations; the server owns createdBy/updatedBy/updatedTimestamp, folder and message are
# the request's, managedBy/managerId/managerAllowsEdits say who owns the dashboard
A_FOLDER = "grafana.app/folder"
A_MESSAGE = "grafana.app/message"
A_CREATED_BY = "grafana.app/createdBy"
A_UPDATED_BY = "grafana.app/updatedBy"
A_UPDATED_TS = "grafana.app/updatedTimestamp"
A_MANAGED_BY = "grafana.app/managedBy"
A_MANAGER_ID = "grafana.app/managerId"
A_MANAGER_ALLOWS_EDITS = "grafana.app/managerAllowsEdits"
L_INTERNAL_ID = "grafana.app/deprecatedInternalID"
_REQUEST_ANNOTATIONS = (A_FOLDER, A_MESSAGE, A_CREATED_BY, A_UPDATED_BY, A_UPDATED_TS)
PROVISIONING_IDENTITY = "service-account:provisioning"
# RES-8, a grafana/grafana admission test (its spelling)
_REPO_ONLY = "Provisioned resources must be manaaged by the provisioning service account"
_CURSOR_SYNC = {0: "Off", 1: "Crosshair", 2: "Tooltip"}


def _is_v2_version(version: str) -> bool:
    return version.startswith("v2")


def _is_v2_body(dash: Any) -> bool:
    return isinstance(dash, dict) and str(dash.get("apiVersion", "")).startswith(f"{_DASH_GROUP}/v2")


def _status(code: int, reason: str, message: str, name: str | None = None, group: str = "", kind: str = "") -> ApiError:
    """RES-16: errors on /apis are Kubernetes Status objects."""
    details: dict = {}
    if name is not None:
        details["name"] = name
    if group:
        details.update(group=group, kind=kind)
    return ApiError(
        code,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": details,
            "code": code,
        },
    )


_REASONS = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "AlreadyExists", 422: "Invalid"}


def _as_status(e: ApiError, name: str | None, group: str, kind: str) -> ApiError:
    """A rule shared with the classic API (same store, RES-10), answered in the /apis shape (RES-16)."""
    return _status(e.status, _REASONS.get(e.status, "BadRequest"), str(e.body.get("message", "")), name, group, kind)


def _not_found(name: str, group: str, kind: str) -> ApiError:
    # RES-16: apimachinery's NewNotFound
    return _status(404, "NotFound", f'{kind}.{group} "{name}" not found', name, group, kind)


def _v1_to_v2(data: dict) -> dict:
    """RES-17: a v1-stored dashboard read at a v2 version. Structure only (panels -> elements,
    gridPos -> GridLayout items, row panels -> RowsLayout, targets -> PanelQuery/DataQuery);
    Grafana's own converter fills in more defaults."""
    elements: dict = {}

    def item(p: dict) -> dict:
        name = f"panel-{p.get('id')}"
        queries = []
        for t in p.get("targets") or []:
            ds = t.get("datasource") or p.get("datasource") or {}
            ds = ds if isinstance(ds, dict) else {}
            queries.append(
                {
                    "kind": "PanelQuery",
                    "spec": {
                        "refId": t.get("refId", ""),
                        "hidden": bool(t.get("hide")),
                        "query": {
                            "kind": "DataQuery",
                            "group": ds.get("type", ""),
                            "version": "v0",
                            "datasource": {"name": ds.get("uid", "")},
                            "spec": {k: v for k, v in t.items() if k not in ("refId", "hide", "datasource")},
                        },
                    },
                }
            )
        elements[name] = {
            "kind": "Panel",
            "spec": {
                "id": p.get("id"),
                "title": p.get("title", ""),
                "description": p.get("description", ""),
                "links": p.get("links") or [],
                "data": {
                    "kind": "QueryGroup",
                    "spec": {
                        "queries": queries,
                        "transformations": [
                            {"kind": "Transformation", "group": t.get("id", ""), "spec": t}
                            for t in p.get("transformations") or []
                        ],
                        "queryOptions": {},
                    },
                },
                "vizConfig": {
                    "kind": "VizConfig",
                    "group": p.get("type", ""),
                    "version": "",
                    "spec": {
                        "options": p.get("options") or {},
                        "fieldConfig": p.get("fieldConfig") or {"defaults": {}, "overrides": []},
                    },
                },
            },
        }
        g = p.get("gridPos") or {}
        return {
            "kind": "GridLayoutItem",
            "spec": {
                "x": g.get("x", 0),
                "y": g.get("y", 0),
                "width": g.get("w", 12),
                "height": g.get("h", 8),
                "element": {"kind": "ElementReference", "name": name},
            },
        }

    def grid(items: list) -> dict:
        return {"kind": "GridLayout", "spec": {"items": items}}

    loose: list = []
    rows: list[dict] = []
    for p in data.get("panels") or []:
        if p.get("type") == "row":
            rows.append({"title": p.get("title", ""), "collapse": bool(p.get("collapsed")),
                         "items": [item(c) for c in p.get("panels") or []]})
        else:
            (rows[-1]["items"] if rows else loose).append(item(p))
    if rows:
        first = [{"kind": "RowsLayoutRow", "spec": {"title": "", "collapse": False, "hideHeader": True,
                                                    "layout": grid(loose)}}] if loose else []
        layout = {"kind": "RowsLayout", "spec": {"rows": first + [
            {"kind": "RowsLayoutRow",
             "spec": {"title": r["title"], "collapse": r["collapse"], "layout": grid(r["items"])}}
            for r in rows
        ]}}
    else:
        layout = grid(loose)
    when, picker = data.get("time") or {}, data.get("timepicker") or {}
    return {
        "title": data.get("title", ""),
        "description": data.get("description", ""),
        "tags": data.get("tags") or [],
        "editable": data.get("editable", True),
        "links": data.get("links") or [],
        "annotations": [
            {"kind": "AnnotationQuery", "spec": {
                "name": a.get("name", ""), "enable": bool(a.get("enable", True)), "hide": bool(a.get("hide")),
                "iconColor": a.get("iconColor", ""), "builtIn": bool(a.get("builtIn")),
                "query": {"kind": "DataQuery", "group": (a.get("datasource") or {}).get("type", ""), "version": "v0",
                          "datasource": {"name": (a.get("datasource") or {}).get("uid", "")}, "spec": {}}}}
            for a in (data.get("annotations") or {}).get("list") or []
        ],
        "cursorSync": _CURSOR_SYNC.get(data.get("graphTooltip", 0), "Off"),
        "liveNow": bool(data.get("liveNow")),
        "preload": False,
        "elements": elements,
        "layout": layout,
        "variables": [
            {"kind": f"{str(v.get('type', 'custom')).capitalize()}Variable",
             "spec": {k: x for k, x in v.items() if k != "type"}}
            for v in (data.get("templating") or {}).get("list") or []
        ],
        "timeSettings": {
            "timezone": data.get("timezone", "browser"),
            "from": when.get("from", "now-6h"),
            "to": when.get("to", "now"),
            "autoRefresh": data.get("refresh") or "",
            "autoRefreshIntervals": picker.get("refresh_intervals") or [],
            "hideTimepicker": bool(picker.get("hidden")),
            "fiscalYearStartMonth": data.get("fiscalYearStartMonth", 0),
        },
    }


def _v2_to_v1(spec: dict) -> dict:
    """RES-17/RES-18: the lossy v1 view of a v2 dashboard. Grid items become panels, rows and tabs
    become row panels (nested rows flattened), auto-grid items a 3-column grid; repeats,
    conditional rendering and tab structure are lost (grafana/grafana issue #114924)."""
    elements = spec.get("elements") or {}
    ids = iter(range(1 + max([((e.get("spec") or {}).get("id") or 0) for e in elements.values()] + [0]), 10**9))

    def panel(name: str, x: int, y: int, w: int, h: int) -> dict:
        ps = (elements.get(name) or {}).get("spec") or {}
        viz = ps.get("vizConfig") or {}
        targets = []
        for q in ((ps.get("data") or {}).get("spec") or {}).get("queries") or []:
            qs = q.get("spec") or {}
            dq = qs.get("query") or {}
            t = {"refId": qs.get("refId", ""),
                 "datasource": {"type": dq.get("group", ""), "uid": (dq.get("datasource") or {}).get("name", "")},
                 **(dq.get("spec") or {})}
            if qs.get("hidden"):
                t["hide"] = True
            targets.append(t)
        return {"id": ps.get("id") or next(ids), "type": viz.get("group", ""), "title": ps.get("title", ""),
                "description": ps.get("description", ""), "gridPos": {"x": x, "y": y, "w": w, "h": h},
                "targets": targets, "options": (viz.get("spec") or {}).get("options") or {},
                "fieldConfig": (viz.get("spec") or {}).get("fieldConfig") or {"defaults": {}, "overrides": []}}

    def flat(layout: dict, top: int) -> tuple[list, int]:
        kind, ls = layout.get("kind"), layout.get("spec") or {}
        out: list = []
        if kind in ("GridLayout", "AutoGridLayout"):
            for i, it in enumerate(ls.get("items") or []):
                s = it.get("spec") or {}
                ref = (s.get("element") or {}).get("name", "")
                if kind == "GridLayout":
                    out.append(panel(ref, s.get("x", 0), top + s.get("y", 0), s.get("width", 12), s.get("height", 8)))
                else:
                    out.append(panel(ref, 8 * (i % 3), top + 8 * (i // 3), 8, 8))
            return out, max([p["gridPos"]["y"] + p["gridPos"]["h"] for p in out], default=top)
        if kind in ("RowsLayout", "TabsLayout"):
            y = top
            for r in ls.get("rows" if kind == "RowsLayout" else "tabs") or []:
                rs = r.get("spec") or {}
                inner, bottom = flat(rs.get("layout") or {}, y + 1)
                inner = [p for p in inner if p.get("type") != "row"]  # v1 rows do not nest
                collapsed = bool(rs.get("collapse"))
                out.append({"type": "row", "id": next(ids), "title": rs.get("title", ""), "collapsed": collapsed,
                            "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": inner if collapsed else []})
                out += [] if collapsed else inner
                y = y + 1 if collapsed else bottom
            return out, y
        return out, top

    ts = spec.get("timeSettings") or {}
    sync = {v: k for k, v in _CURSOR_SYNC.items()}
    return {
        "title": spec.get("title", ""),
        "description": spec.get("description", ""),
        "tags": spec.get("tags") or [],
        "editable": spec.get("editable", True),
        "graphTooltip": sync.get(spec.get("cursorSync"), 0),
        "links": spec.get("links") or [],
        "time": {"from": ts.get("from", "now-6h"), "to": ts.get("to", "now")},
        "timezone": ts.get("timezone", "browser"),
        "refresh": ts.get("autoRefresh", ""),
        "templating": {"list": [
            {"type": str(v.get("kind", "")).removesuffix("Variable").lower(), **(v.get("spec") or {})}
            for v in spec.get("variables") or []
        ]},
        "annotations": {"list": [
            {k: x for k, x in (a.get("spec") or {}).items() if k != "query"} for a in spec.get("annotations") or []
        ]},
        "schemaVersion": 42,
        "panels": flat(spec.get("layout") or {}, 0)[0],
    }


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
        version: str | None = None,
        grafana: str | None = None,
        stack_id: int | None = None,
        dynamic_dashboards: bool | None = None,
        custom_annotations: bool = True,
        reported_stored_version: str | None = None,
    ):
        """`grafana`: None = the classic API as before (no /apis); "11" = classic only (RES-1: /apis
        404); "12" = classic + /apis with dashboard.grafana.app v1beta1 (+ v2beta1 when
        `dynamic_dashboards`) and folder.grafana.app v1beta1; "13" = classic (deprecated, RES-20) +
        /apis with v1beta1, v1, v2beta1, v2 (dynamic dashboards on unless turned off).
        `stack_id`: a Grafana Cloud stack, whose org lives in namespace `stacks-<id>` (RES-5).
        `custom_annotations=False`: an instance that ignores annotations and labels outside
        grafana.app/ (RES-8). `reported_stored_version`: a build whose status.conversion names this
        storedVersion whatever the storage (RES-17 caveat, grafana/grafana #124675), e.g. "v0alpha1"."""
        if grafana not in _MODES:
            raise ValueError(f"grafana must be one of {sorted(m for m in _MODES if m)} or None")
        self.token, self.basic, self.token_org = token, basic, token_org
        self.viewer_tokens = set(viewer_tokens)
        self.viewer_basic = {tuple(c) for c in viewer_basic}
        self.max_dashboards, self.fail_db = max_dashboards, fail_db
        self.min_refresh = min_refresh
        self.version = version or _MODES[grafana]
        self.grafana, self.stack_id = grafana, stack_id
        self.dynamic_dashboards = (grafana == "13") if dynamic_dashboards is None else dynamic_dashboards
        self.custom_annotations, self.reported_stored_version = custom_annotations, reported_stored_version
        self._rv = 0
        self._failing_conversions: set[tuple[int, str]] = set()
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
        if grafana in ("12", "13"):
            self._routes += self._resource_routes()

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
            if d.spec_v2 is not None:
                raise ValueError(f"{uid!r} is stored as v2: edit it with store_v2()")
            data = copy.deepcopy(d.data)
            if callable(mutate):
                data = mutate(data) or data
            else:
                data.update(copy.deepcopy(mutate))
            d.version += 1
            data.update(id=d.id, uid=d.uid, version=d.version)
            d.data, d.updated, d.message = data, _now(), "ui edit"
            d.rv, d.updated_by = self._next_rv(), "user:admin"  # RES-7: any change moves it
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
            if _is_v2_body(dashboard_json):
                # RES-19 (PR #131718): file provisioning refuses v2 JSON
                raise ValueError(
                    "dashboard appears to be in v2 format. Please use the "
                    "/apis/dashboard.grafana.app/v2 API"
                )
            data = copy.deepcopy(dashboard_json)
            data.pop("id", None)  # the doc, "File provisioning": `id` is ignored
            uid = (
                data.get("uid")
                if isinstance(data.get("uid"), str) and data.get("uid")
                else _new_uid()
            )
            old = o.dashboards.get(uid)
            d = self._store(o, old, uid, data, folder_uid, "provisioned", "user:provisioning")
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
            who, bearer = self._who(headers)
            ctx = _Ctx(org, role, query, parsed, match.groupdict(), who, bearer)
            with self._lock:
                status, body = fn(ctx)
            return "answer", (status, body, self._deprecation(path))
        except ApiError as e:
            return "answer", (e.status, e.body, {**self._deprecation(path), **e.headers})

    def _deprecation(self, path: str) -> dict:
        if self.grafana == "13" and path.startswith("/api/") and path != "/api/health":
            # RES-20: the classic API is deprecated in 13 but works; the header is the stand-in's
            # own marker (unconfirmed on the wire)
            return {"Deprecation": "true"}
        return {}

    def _who(self, headers: dict[str, str]) -> tuple[str, bool]:
        """RES-8: the identity Grafana writes into createdBy/updatedBy, and whether it is a token."""
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        scheme, _, cred = auth.partition(" ")
        if scheme.lower() == "bearer":
            return ("service-account:viewer" if cred.strip() in self.viewer_tokens else "service-account:1"), True
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(cred.strip(), validate=True).decode().partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                user = "anonymous"
            return f"user:{user}", False
        return "user:admin", False

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
        who: str = "user:admin",
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
        # one store behind both APIs (RES-10): a classic write is a v1 write (RES-19: whatever v2
        # structure was stored is gone) and moves resourceVersion (RES-7)
        d.stored, d.spec_v2 = self._v1_version(), None
        d.rv, d.updated_by = self._next_rv(), who
        d.created_by = d.created_by or who
        d.labels["grafana.app/deprecatedInternalID"] = str(d.id)  # RES-7
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
        return 200, self._save(ctx.org, ctx.role, ctx.body, ctx.who)

    def _save(self, org: int, role: str, body: Any, who: str = "user:admin") -> dict:
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
        if self.grafana in ("12", "13") and _is_v2_body(dash):
            return self._save_v2_through_classic(org, role, who, dash, folder_uid or "", message)
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
            o, existing, uid or _new_uid(), copy.deepcopy(dash), folder_uid, message, who
        )
        return self._save_answer(d)

    @staticmethod
    def _save_answer(d: _Dash) -> dict:
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
        if d.spec_v2 is not None and self.grafana == "12":
            # RES-18: Grafana 12 cannot answer a v2-stored dashboard on /api
            ns = self._namespace(ctx.org)
            raise ApiError(
                406,
                {
                    "message": "dashboard api version not supported, use "
                    f"/apis/dashboard.grafana.app/{d.stored}/namespaces/{ns}/dashboards/{d.uid} instead"
                },
            )
        # RES-18, Grafana 13: a v2-stored dashboard answers its lossy v1 view (kept in `data`)
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
        return 200, self._create_folder(ctx.org, ctx.body, ctx.who)

    def _create_folder(self, org: int, body: Any, who: str = "user:admin") -> dict:
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
        f.rv, f.created_by, f.updated_by = self._next_rv(), who, who  # RES-7, RES-8 (one store, RES-10)
        o.folders[f.uid] = f
        return self._folder_json(f)

    def _api_get_folder(self, ctx: _Ctx):
        f = self._org(ctx.org).folders.get(ctx.params["uid"])
        if f is None:
            # the doc, "Folders": 404 {"status":"not-found","message":"folder not found"}
            raise ApiError(404, {"status": "not-found", "message": "folder not found"})
        return 200, self._folder_json(f)

    # ================================================================== resource API (RES-1..RES-22)
    def _resource_routes(self) -> list[tuple[str, re.Pattern, Callable, bool]]:
        base = r"/apis/(?P<group>[^/]+)/(?P<version>[^/]+)/namespaces/(?P<ns>[^/]+)/(?P<resource>[^/]+)"
        one = base + r"/(?P<name>[^/]+)"
        # RES-22: /apis authenticates like /api (RES-4: the paths)
        return [
            ("GET", re.compile(r"/apis/?"), self._apis_groups, True),
            ("GET", re.compile(r"/apis/(?P<group>[^/]+)/?"), self._apis_group, True),
            ("GET", re.compile(r"/apis/(?P<group>[^/]+)/(?P<version>[^/]+)/?"), self._apis_resources, True),
            ("GET", re.compile(base), self._apis_list, True),
            ("POST", re.compile(base), self._apis_create, True),
            ("GET", re.compile(one + r"/dto"), self._apis_get_dto, True),
            ("GET", re.compile(one), self._apis_get, True),
            ("PUT", re.compile(one), self._apis_update, True),
            ("DELETE", re.compile(one), self._apis_delete, True),
        ]

    # ------------------------------------------------------------------ discovery (RES-1..RES-3)
    def _served(self) -> dict[str, list[str]]:
        """Versions served per group, preferred first (RES-2: alpha versions are not served)."""
        if self.grafana == "13":
            dash = ["v1", "v1beta1"] + (["v2", "v2beta1"] if self.dynamic_dashboards else [])
        else:
            dash = ["v1beta1"] + (["v2beta1"] if self.dynamic_dashboards else [])
        # RES-21: folder v1beta1 (whether 13 also serves v1 is unconfirmed: not served here)
        return {_DASH_GROUP: dash, _FOLDER_GROUP: ["v1beta1"]}

    def _v1_version(self) -> str:
        """The v1-family version a classic write is stored at (RES-19)."""
        return "v1" if self.grafana == "13" else "v1beta1"

    def _api_group(self, group: str) -> dict:
        versions = self._served()[group]
        # RES-2: an APIGroup; preferredVersion is the manifest's v1 on 13, v1beta1 on 12
        gv = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gv, "preferredVersion": gv[0]}

    def _apis_groups(self, ctx: _Ctx):
        # RES-1: APIGroupList on Grafana 12+
        return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [self._api_group(g) for g in self._served()]}

    def _apis_group(self, ctx: _Ctx):
        group = ctx.params["group"]
        if group not in self._served():
            raise _status(404, "NotFound", "the server could not find the requested resource")
        return 200, self._api_group(group)

    def _apis_resources(self, ctx: _Ctx):
        group, version = ctx.params["group"], ctx.params["version"]
        if version not in self._served().get(group, []):
            # RES-2: a version not served answers 404
            raise _status(404, "NotFound", "the server could not find the requested resource")
        plural, kind = ("dashboards", "Dashboard") if group == _DASH_GROUP else ("folders", "Folder")
        verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
        resources = [{"name": plural, "singularName": plural[:-1], "namespaced": True, "kind": kind, "verbs": verbs}]
        if group == _DASH_GROUP:
            resources.append({"name": "dashboards/dto", "singularName": "", "namespaced": True, "kind": "Dashboard",
                              "verbs": ["get"]})  # RES-4
        # RES-3: an APIResourceList naming the resource
        return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                     "resources": resources}

    # ------------------------------------------------------------------ namespaces (RES-5)
    def _namespace(self, org: int) -> str:
        if self.stack_id is not None and org == 1:
            return f"stacks-{self.stack_id}"
        return "default" if org == 1 else f"org-{org}"

    def _ns_org(self, ns: str) -> int | None:
        if self.stack_id is not None:
            return 1 if ns == f"stacks-{self.stack_id}" else None
        if ns == "default":
            return 1
        m = re.fullmatch(r"org-([1-9]\d*)", ns)
        return int(m.group(1)) if m else None

    def _target(self, ctx: _Ctx, write: bool) -> tuple[str, str, str, int, _Org]:
        """(group, version, kind, org, store) of an object URL, after the namespace and permission rules."""
        group, version, resource = ctx.params["group"], ctx.params["version"], ctx.params["resource"]
        expected = {_DASH_GROUP: "dashboards", _FOLDER_GROUP: "folders"}.get(group)
        if resource != expected or version not in self._served()[group]:
            # RES-2: a version (or resource) not served answers 404
            raise _status(404, "NotFound", "the server could not find the requested resource")
        org = self._ns_org(ctx.params["ns"])
        # RES-5: the namespace selects the org; a token belongs to one org, users here to all
        if org is None or (ctx.bearer and org != ctx.org):
            if write:
                # RES-5, unconfirmed: a write into a namespace the caller does not belong to (stand-in: 403)
                raise _status(403, "Forbidden", f'{resource}.{group} is forbidden: namespace "{ctx.params["ns"]}" '
                              "does not belong to the caller", ctx.params.get("name"), group, resource)
            # RES-5: a wrong namespace shows up as a plain 404
            raise _not_found(ctx.params.get("name", ""), group, resource)
        if write and ctx.role != "admin":
            # RES-22: the classic permissions; a viewer reads but every write -> 403
            raise _status(403, "Forbidden", f'{resource}.{group} is forbidden: user "{ctx.who}" cannot '
                          f"write {resource}", ctx.params.get("name"), group, resource)
        kind = "Dashboard" if group == _DASH_GROUP else "Folder"
        return group, version, kind, org, self._org(org)

    def _body(self, ctx: _Ctx, group: str, version: str) -> tuple[dict, dict]:
        """(metadata, body) of a create/update, after the apiVersion rule (RES-11)."""
        body = ctx.body
        if not isinstance(body, dict):
            raise _status(400, "BadRequest", "the body of the request was in an unknown format")
        api_version = body.get("apiVersion")
        if api_version is not None and api_version != f"{group}/{version}":
            # RES-11: the body's apiVersion, when sent, must equal the URL's group/version
            raise _status(400, "BadRequest", f"the API version in the data ({api_version}) does not match the "
                          f"expected API version ({group}/{version})")
        meta = body.get("metadata") or {}
        if not isinstance(meta, dict) or not all(
            isinstance(meta.get(k) or {}, dict) and all(isinstance(v, str) for v in (meta.get(k) or {}).values())
            for k in ("annotations", "labels")
        ):
            raise _status(400, "BadRequest", "metadata.annotations and metadata.labels must map strings to strings")
        return meta, body

    def _new_name(self, meta: dict, group: str, kind: str) -> str:
        """RES-11: metadata.name, or metadata.generateName plus a random suffix."""
        if meta.get("resourceVersion") not in (None, ""):
            # RES-11: do not send resourceVersion on create
            raise _status(400, "BadRequest", "resourceVersion should not be set on objects to be created")
        name = meta.get("name")
        if not name:
            prefix = meta.get("generateName")
            if not (isinstance(prefix, str) and prefix):
                # RES-16: Invalid 422 for neither name nor generateName
                raise _status(422, "Invalid", f'{kind}.{group} "" is invalid: metadata.name: Required value: '
                              "name or generateName is required", "", group, kind)
            name = prefix + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        if not isinstance(name, str):
            raise _status(400, "BadRequest", "metadata.name must be a string")
        try:
            self._check_uid(name)  # the classic uid rules (checks 2 and 3): the name is the uid (RES-7)
        except ApiError as e:
            raise _status(422, "Invalid", f'{kind}.{group} "{name}" is invalid: {e.body["message"]}',
                          name, group, kind) from None
        return name

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    # ------------------------------------------------------------------ dashboards as resources
    def _dash_annotations(self, d: _Dash) -> dict:
        out = dict(d.annotations)
        if d.folder_uid:
            out[A_FOLDER] = d.folder_uid  # RES-8: absent = root
        if d.message:
            out[A_MESSAGE] = d.message
        out[A_CREATED_BY] = d.created_by or "user:admin"
        out[A_UPDATED_BY] = d.updated_by or d.created_by or "user:admin"
        out[A_UPDATED_TS] = d.updated
        if d.provisioned:
            # RES-8: classic file provisioning shows as a manager of its own kind
            out.setdefault(A_MANAGED_BY, "classic-file")
            out.setdefault(A_MANAGER_ID, "file-provisioning")
            out.setdefault(A_MANAGER_ALLOWS_EDITS, "true" if d.allow_ui_updates else "false")
        return out

    def _dash_object(self, org: int, d: _Dash, version: str) -> dict:
        stored = d.stored or self._v1_version()
        if _is_v2_version(version):
            spec = copy.deepcopy(d.spec_v2) if d.spec_v2 is not None else _v1_to_v2(d.data)
        else:
            # RES-6: the classic dashboard JSON (RES-18 in 13: the lossy view when stored as v2);
            # RES-7: the numeric id lives in a label. Unconfirmed: uid/version kept in the spec
            spec = copy.deepcopy(d.data)
            spec.pop("id", None)
            spec.update(uid=d.uid, version=d.version)
        status: dict = {}
        if version != stored:
            # RES-17: a converted answer says what it was stored as
            # RES-17 caveat (#124675): some builds name a storedVersion that is not the storage
            status["conversion"] = {"failed": False, "storedVersion": self.reported_stored_version or stored}
            if (org, d.uid) in self._failing_conversions:
                # RES-17: failed = the spec is not valid (empty); fetch storedVersion instead
                spec = {}
                status["conversion"].update(failed=True, error=f"cannot convert {stored} to {version}")
        return {
            "kind": "Dashboard",
            "apiVersion": f"{_DASH_GROUP}/{version}",
            "metadata": {
                "name": d.uid,  # RES-7: the dashboard uid
                "namespace": self._namespace(org),
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dashboard/{org}/{d.id}")),  # RES-7: internal id
                "resourceVersion": str(d.rv),
                "generation": d.version,  # RES-7: the classic version follows generation
                "creationTimestamp": d.created,
                "labels": dict(d.labels),
                "annotations": self._dash_annotations(d),
            },
            "spec": spec,
            "status": status,
        }

    def _check_owner(self, d: _Dash | None, who: str, annotations: dict, name: str) -> None:
        manager = annotations.get(A_MANAGED_BY)
        if manager == "repo" and who != PROVISIONING_IDENTITY:
            # RES-8: only the provisioning identity may create a managedBy: repo resource
            raise _status(403, "Forbidden", _REPO_ONLY, name, _DASH_GROUP, "dashboards")
        if d is None:
            return
        if d.provisioned and not d.allow_ui_updates:
            # the doc, "POST /api/dashboards/db" check 7, on the same store (RES-10); status not in the doc for /apis
            raise _status(400, "BadRequest", "Cannot save provisioned dashboard", name, _DASH_GROUP, "dashboards")
        if (d.annotations.get(A_MANAGED_BY) == "repo" and d.annotations.get(A_MANAGER_ALLOWS_EDITS) != "true"
                and who != PROVISIONING_IDENTITY):
            # RES-8: a Git Sync dashboard is written by the provisioning identity only
            raise _status(403, "Forbidden", _REPO_ONLY, name, _DASH_GROUP, "dashboards")

    def _validate_spec(self, name: str, version: str, spec: Any) -> None:
        if not isinstance(spec, dict):
            raise _status(400, "BadRequest", "spec is required", name, _DASH_GROUP, "dashboards")
        title = spec.get("title")
        if not (isinstance(title, str) and title.strip()):
            # the doc, "POST /api/dashboards/db" check 1 (RES-9: validation on write answers 400)
            raise _status(400, "BadRequest", "Dashboard title cannot be empty", name, _DASH_GROUP, "dashboards")
        if _is_v2_version(version):
            layout = spec.get("layout")
            if not isinstance(spec.get("elements"), dict) or not (
                isinstance(layout, dict) and layout.get("kind") in _V2_LAYOUTS
            ):
                # RES-6: a v2 spec has elements and one of the layouts
                raise _status(400, "BadRequest", f"spec is not a {version} dashboard: elements and layout "
                              f"({', '.join(_V2_LAYOUTS)}) are required", name, _DASH_GROUP, "dashboards")
            refresh = (spec.get("timeSettings") or {}).get("autoRefresh")
        else:
            refresh = spec.get("refresh")
        if isinstance(refresh, str) and refresh:
            secs, floor = _duration_seconds(refresh), _duration_seconds(self.min_refresh)
            if secs is not None and floor is not None and secs < floor:
                # RES-9: /apis refuses a too-low refresh (the classic POST raises it silently)
                raise _status(400, "BadRequest", "Dashboard refresh interval is too low", name, _DASH_GROUP,
                              "dashboards")

    def _write_dash(self, org: int, o: _Org, d: _Dash | None, name: str, version: str, meta: dict, spec: Any,
                    who: str) -> _Dash:
        """Create or update a dashboard through the resource API (RES-10..RES-13, RES-17..RES-19)."""
        annotations = dict(meta.get("annotations") or {})
        self._validate_spec(name, version, spec)
        self._check_owner(d, who, annotations, name)
        folder_uid = annotations.get(A_FOLDER, "")
        if folder_uid and folder_uid not in o.folders:
            # the doc, "POST /api/dashboards/db" check 4 (Grafana 12+), on the same store
            raise _status(400, "BadRequest", "folder not found", name, _DASH_GROUP, "dashboards")
        if d is None and self.max_dashboards is not None and len(o.dashboards) >= self.max_dashboards:
            # the doc, check 6: over quota (new dashboards) -> 403
            raise _status(403, "Forbidden", "Quota reached", name, _DASH_GROUP, "dashboards")
        message = annotations.get(A_MESSAGE, "")
        if _is_v2_version(version):
            same = d is not None and d.spec_v2 == spec
            data = _v2_to_v1(spec)
        else:
            data = {k: v for k, v in copy.deepcopy(spec).items() if k not in ("id", "uid", "version")}
            same = d is not None and d.spec_v2 is None and data == {
                k: v for k, v in d.data.items() if k not in ("id", "uid", "version")
            }
        if same:
            # RES-7: a metadata-only change moves resourceVersion, not generation
            d.folder_uid, d.message, d.updated, d.updated_by, d.rv = folder_uid, message, _now(), who, self._next_rv()
        else:
            d = self._store(o, d, name, data, folder_uid, message, who)
            # RES-17: stored at the version it was written with; RES-19: a v1 write drops the v2 spec
            d.stored, d.spec_v2 = version, copy.deepcopy(spec) if _is_v2_version(version) else None
        # RES-12: PUT replaces metadata; the server-owned annotations are the server's (RES-8)
        d.annotations = {k: v for k, v in annotations.items() if k not in _REQUEST_ANNOTATIONS}
        d.labels = {**dict(meta.get("labels") or {}), L_INTERNAL_ID: str(d.id)}
        if not self.custom_annotations:
            # RES-8: custom labels/annotations "will be ignored" where the instance does not support them
            d.annotations = {k: v for k, v in d.annotations.items() if k.startswith("grafana.app/")}
            d.labels = {k: v for k, v in d.labels.items() if k.startswith("grafana.app/")}
        return d

    def _save_v2_through_classic(self, org: int, role: str, who: str, dash: dict, folder_uid: str, message: str):
        if self.grafana == "12":
            # RES-19 (PR #118665): a v2 body on the classic POST is rejected
            raise ApiError(400, {"message": "dashboard api version not supported, use "
                                            f"/apis/{dash.get('apiVersion')} instead"})
        if not isinstance(dash.get("spec"), dict):
            # RES-19 (PR #119689): a clear error for a missing spec
            raise ApiError(400, {"message": "invalid v2 dashboard: spec is missing"})
        # RES-19 (PR #118946): routed to the resource API
        version = str(dash["apiVersion"]).rpartition("/")[2]
        if version not in self._served()[_DASH_GROUP]:
            raise ApiError(400, {"message": f"dashboard api version {version} is not served"})
        self._require_write(role)
        meta = dict(dash.get("metadata") or {})
        name = meta.get("name") or _new_uid()
        meta["annotations"] = {**(meta.get("annotations") or {}), A_FOLDER: folder_uid, A_MESSAGE: message}
        o = self._org(org)
        try:
            d = self._write_dash(org, o, o.dashboards.get(name), name, version, meta, dash["spec"], who)
        except ApiError as e:
            raise ApiError(e.status, {"message": e.body.get("message", "")}) from None
        return self._save_answer(d)

    # ------------------------------------------------------------------ folders as resources (RES-21)
    def _folder_object(self, org: int, f: _Folder, version: str) -> dict:
        annotations = {A_CREATED_BY: f.created_by or "user:admin", A_UPDATED_BY: f.updated_by or "user:admin",
                       A_UPDATED_TS: f.updated}
        if f.parent_uid:
            annotations[A_FOLDER] = f.parent_uid  # RES-21: the parent; absent = top level
        return {
            "kind": "Folder",
            "apiVersion": f"{_FOLDER_GROUP}/{version}",
            "metadata": {
                "name": f.uid,
                "namespace": self._namespace(org),
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"folder/{org}/{f.id}")),
                "resourceVersion": str(f.rv),
                "generation": f.version,
                "creationTimestamp": f.created,
                "labels": {L_INTERNAL_ID: str(f.id)},
                "annotations": annotations,
            },
            "spec": {"title": f.title, "description": f.description},
            "status": {},
        }

    def _write_folder(self, org: int, o: _Org, f: _Folder | None, name: str, meta: dict, spec: Any, who: str):
        if not isinstance(spec, dict):
            raise _status(400, "BadRequest", "spec is required", name, _FOLDER_GROUP, "folders")
        title, description = spec.get("title"), spec.get("description") or ""
        parent = (meta.get("annotations") or {}).get(A_FOLDER, "")
        if f is None:
            try:
                # RES-21: the /api/folders rules (parents first, 409 for an existing uid, depth, title)
                self._create_folder(org, {"uid": name, "title": title, "parentUid": parent}, who)
            except ApiError as e:
                raise _as_status(e, name, _FOLDER_GROUP, "folders") from None
            f = o.folders[name]
            f.description = description
            return f
        if not (isinstance(title, str) and title.strip()):
            raise _status(400, "BadRequest", "folder title cannot be empty", name, _FOLDER_GROUP, "folders")
        if parent != f.parent_uid:
            ancestors, up = set(), parent
            while up and up in o.folders:
                ancestors.add(up)
                up = o.folders[up].parent_uid
            if parent and parent not in o.folders:
                raise _status(400, "BadRequest", "parent folder not found", name, _FOLDER_GROUP, "folders")
            if name in ancestors or parent == name:
                raise _status(400, "BadRequest", "a folder cannot be moved into itself", name, _FOLDER_GROUP,
                              "folders")
            if self._depth(o, parent) + 1 + self._subtree_height(o, name) > _MAX_FOLDER_DEPTH:
                # the doc, "Folders": nesting at most 4 deep
                raise _status(400, "BadRequest", "Maximum nested folder depth reached", name, _FOLDER_GROUP,
                              "folders")
        if (title, description, parent) != (f.title, f.description, f.parent_uid):
            f.version += 1  # RES-7: generation follows the spec (the parent counts here)
        f.title, f.description, f.parent_uid = title, description, parent
        f.updated, f.updated_by, f.rv = _now(), who, self._next_rv()
        return f

    def _subtree_height(self, o: _Org, uid: str) -> int:
        """How many levels of folders sit below `uid`."""
        kids = [c.uid for c in o.folders.values() if c.parent_uid == uid]
        return max((1 + self._subtree_height(o, k) for k in kids), default=0)

    # ------------------------------------------------------------------ object endpoints (RES-10..RES-16)
    def _apis_list(self, ctx: _Ctx):
        group, version, kind, org, o = self._target(ctx, write=False)
        store = o.dashboards if group == _DASH_GROUP else o.folders
        names = sorted(store)
        try:
            start = int(base64.b64decode((ctx.query.get("continue") or [""])[0] or "MA==").decode())
        except ValueError:
            raise _status(400, "BadRequest", "invalid continue token") from None
        limit = _query_int(ctx.query, "limit")
        page = names[start : start + limit] if limit > 0 else names[start:]
        meta = {"resourceVersion": str(self._rv)}
        if start + len(page) < len(names):
            # RES-15: pass continue=<token> until a page comes without metadata.continue
            meta["continue"] = base64.b64encode(str(start + len(page)).encode()).decode()
        render = self._dash_object if group == _DASH_GROUP else self._folder_object
        # RES-15: items at the URL's version (RES-17 conversion)
        return 200, {"kind": f"{kind}List", "apiVersion": f"{group}/{version}", "metadata": meta,
                     "items": [render(org, store[n], version) for n in page]}

    def _apis_get(self, ctx: _Ctx):
        group, version, kind, org, o = self._target(ctx, write=False)
        name = ctx.params["name"]
        if group == _DASH_GROUP:
            d = o.dashboards.get(name)
            if d is None:
                raise _not_found(name, group, "dashboards")  # RES-16
            return 200, self._dash_object(org, d, version)
        f = o.folders.get(name)
        if f is None:
            raise _not_found(name, group, "folders")
        return 200, self._folder_object(org, f, version)

    def _apis_get_dto(self, ctx: _Ctx):
        if ctx.params["group"] != _DASH_GROUP:
            raise _status(404, "NotFound", "the server could not find the requested resource")
        status, obj = self._apis_get(ctx)
        slug = _slugify(obj["spec"].get("title", ""))
        # RES-4: the dto adds an access section
        obj["access"] = {"slug": slug, "url": f"/d/{obj['metadata']['name']}/{slug}", "canSave": ctx.role == "admin",
                         "canEdit": ctx.role == "admin", "canAdmin": ctx.role == "admin", "canStar": True,
                         "canDelete": ctx.role == "admin"}
        return status, obj

    def _apis_create(self, ctx: _Ctx):
        group, version, kind, org, o = self._target(ctx, write=True)
        meta, body = self._body(ctx, group, version)
        name = self._new_name(meta, group, kind)
        store = o.dashboards if group == _DASH_GROUP else o.folders
        if name in store:
            # RES-11 / RES-21: an existing name -> 409 AlreadyExists
            what = "dashboard" if group == _DASH_GROUP else "folder"
            raise _status(409, "AlreadyExists", f"{what} with the same uid already exists", name, group,
                          f"{what}s")
        if group == _DASH_GROUP:
            d = self._write_dash(org, o, None, name, version, meta, body.get("spec"), ctx.who)
            return 201, self._dash_object(org, d, version)  # RES-11: 201 Created with the object
        f = self._write_folder(org, o, None, name, meta, body.get("spec"), ctx.who)
        return 201, self._folder_object(org, f, version)

    def _apis_update(self, ctx: _Ctx):
        group, version, kind, org, o = self._target(ctx, write=True)
        meta, body = self._body(ctx, group, version)
        name = ctx.params["name"]
        plural = "dashboards" if group == _DASH_GROUP else "folders"
        current = (o.dashboards if group == _DASH_GROUP else o.folders).get(name)
        if current is None:
            raise _not_found(name, group, plural)  # RES-12, unconfirmed: PUT to a missing name (stand-in: 404)
        if meta.get("name") != name:
            # RES-12: metadata.name must equal the URL name
            raise _status(400, "BadRequest", f"the name of the object ({meta.get('name')}) does not match the "
                          f"name on the URL ({name})", name, group, plural)
        sent = meta.get("resourceVersion")
        if sent not in (None, "") and str(sent) != str(current.rv):
            # RES-12: a stale resourceVersion -> 409 Conflict (apimachinery NewConflict). RES-12,
            # unconfirmed: without one the update is unconditional (Kubernetes' default)
            raise _status(409, "Conflict", f'Operation cannot be fulfilled on {plural}.{group} "{name}": the object '
                          "has been modified; please apply your changes to the latest version and try again",
                          name, group, plural)
        # RES-13: a sent status is ignored
        if group == _DASH_GROUP:
            d = self._write_dash(org, o, current, name, version, meta, body.get("spec"), ctx.who)
            return 200, self._dash_object(org, d, version)  # RES-10: the stored object, new resourceVersion
        f = self._write_folder(org, o, current, name, meta, body.get("spec"), ctx.who)
        return 200, self._folder_object(org, f, version)

    def _apis_delete(self, ctx: _Ctx):
        group, version, kind, org, o = self._target(ctx, write=True)
        name = ctx.params["name"]
        plural = "dashboards" if group == _DASH_GROUP else "folders"
        if group == _DASH_GROUP:
            d = o.dashboards.get(name)
            if d is None:
                raise _not_found(name, group, plural)  # RES-14: 404 when missing
            if d.provisioned:
                # the doc, "DELETE /api/dashboards/uid/<uid>": a provisioned one -> 400 (same store)
                raise _status(400, "BadRequest", "Cannot delete provisioned dashboard", name, group, plural)
            self._check_owner(d, ctx.who, {}, name)
            uid = self._dash_object(org, d, version)["metadata"]["uid"]
            del o.dashboards[name]
        else:
            f = o.folders.get(name)
            if f is None:
                raise _not_found(name, group, plural)
            if any(x.folder_uid == name for x in o.dashboards.values()) or any(
                x.parent_uid == name for x in o.folders.values()
            ):
                # not in the doc: the stand-in deletes empty folders only
                raise _status(400, "BadRequest", "folder is not empty", name, group, plural)
            uid = self._folder_object(org, f, version)["metadata"]["uid"]
            del o.folders[name]
        self._rv += 1
        # RES-14: a Success Status naming what was deleted
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                     "details": {"name": name, "group": group, "kind": plural, "uid": uid}}

    # ------------------------------------------------------------------ test hooks for the resource side
    def store_v2(
        self,
        spec: dict,
        uid: str | None = None,
        *,
        folder_uid: str = "",
        by: str = "user:teammate",
        at: str | None = None,
        version: str | None = None,
        annotations: dict | None = None,
        org: int = 1,
    ) -> dict:
        """A dashboard saved as v2 (a new one, or over an existing one) by `by` at `at` (RFC 3339),
        as a teammate's dynamic-dashboards edit would store it. Returns the stored resource."""
        version = version or ("v2" if self.grafana == "13" else "v2beta1")
        with self._lock:
            o = self._org(org)
            name = uid or _new_uid()
            meta = {"annotations": {**(annotations or {}), A_FOLDER: folder_uid}}
            d = o.dashboards.get(name)
            if d is not None and d.provisioned:
                d.provisioned = False  # the teammate took it over
            d = self._write_dash(org, o, d, name, version, meta, copy.deepcopy(spec), by)
            if at is not None:
                d.updated = at
                if d.version == 1:
                    d.created = at
            return self._dash_object(org, d, version)

    def set_manager(self, uid: str, manager: str, manager_id: str = "", allows_edits: bool = False,
                    *, org: int = 1) -> None:
        """Mark a dashboard as managed by another tool (RES-8: `repo` = Git Sync, `terraform`, `kubectl`...)."""
        with self._lock:
            d = self._org(org).dashboards[uid]
            d.annotations.update({A_MANAGED_BY: manager, A_MANAGER_ID: manager_id or manager,
                                  A_MANAGER_ALLOWS_EDITS: "true" if allows_edits else "false"})
            d.rv = self._next_rv()

    def fail_conversion(self, uid: str, *, org: int = 1) -> None:
        """Reading this dashboard at any version but its stored one fails to convert (RES-17)."""
        with self._lock:
            self._failing_conversions.add((org, uid))

    def resource(self, uid: str, version: str | None = None, *, org: int = 1) -> dict:
        """The dashboard as GET /apis would answer it at `version` (default: the stored version)."""
        with self._lock:
            d = self._org(org).dashboards[uid]
            return self._dash_object(org, d, version or d.stored or self._v1_version())

    def stored_version(self, uid: str, *, org: int = 1) -> str:
        with self._lock:
            d = self._org(org).dashboards[uid]
            return d.stored or self._v1_version()

    def folder_resource(self, uid: str, *, org: int = 1) -> dict:
        with self._lock:
            return self._folder_object(org, self._org(org).folders[uid], "v1beta1")



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
