"""What to write, for both APIs: the stamp, the upload, and the decision for each stored dashboard.

The stamp. Every uploaded dashboard carries the tag `dashctl-managed` and a stamp
`{"hash", "folderUid", "owner", "source"}`: in a v1 dashboard a top-level key `"dashctl"` of the
model (Grafana keeps unknown top-level keys, on /api and in a v1 resource's spec), in a v2 resource
the annotations `dashctl/hash`, `dashctl/owner`, `dashctl/folder`, `dashctl/source` (a v2 spec is
typed: no key of ours survives there). Resource writes carry those annotations in v1 too, so
ownership reads the same at every version. `hash` is a SHA-256 of the uploaded model or v2 spec
as sorted JSON without `id`, `version` and the stamp.

For each dashboard one read of how Grafana stores it (`Stored`, filled by classic.py or
resource.py) decides (`decide`):
- no such uid -> create;
- provisioned from a file -> skipped; managed by another tool (`grafana.app/managedBy`, RES-8:
  Git Sync, Terraform, kubectl, a plugin) -> refused; `--force` does not get past either;
- stored as v2 while this push writes v1 -> refused (RES-19: a v1 write drops its v2 structure),
  unless `force`; a v2 push over a v1 dashboard of ours is an ordinary update (v2 never downgrades);
- the stored content hashes to its stamp and it sits in the stamped folder (nobody changed it
  since our push): unchanged when the stamp is the new build's and the schema is the same, else
  update (sending the stored version / resourceVersion, so an edit made in between is a 412 / 409,
  never silently lost);
- otherwise (edited or moved in Grafana, pushed by another owner, never pushed by dashctl)
  -> drifted: refused, unless `force`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import attrs
import orjson

from llm_gateway_dashboards.dashctl.diff import Change, count_panels, diff
from llm_gateway_dashboards.dashctl.errors import ConfigError

MANAGED_TAG = "dashctl-managed"
STAMP = "dashctl"
DEFAULT_OWNER = "dashctl"
VOLATILE = ("id", "version", STAMP)  # Grafana sets id/version; the stamp describes the rest
ROOT_NAMES = {"", "general"}  # Grafana's root folder is called "General"
# our annotations on a resource (RES-8: custom annotations; we never write grafana.app/managedBy ourselves)
A_HASH, A_OWNER, A_FOLDER_STAMP, A_SOURCE = "dashctl/hash", "dashctl/owner", "dashctl/folder", "dashctl/source"
SCHEMAS = ("v1", "v2")
MANAGERS = {"repo": "Git Sync", "terraform": "Terraform", "kubectl": "kubectl", "plugin": "a plugin"}  # RES-8


@attrs.frozen
class Target:
    """One dashboard to push: its model, folder path ("Team/Sub", "" or "General" = root) and,
    for a v2 push, its v2 spec."""

    uid: str
    title: str
    folder: str
    model: dict = attrs.field(eq=False, repr=False)
    source: str = ""
    v2: dict | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def folder_path(self) -> tuple[str, ...]:
        return folder_path(self.folder)


@attrs.frozen
class Upload:
    """What push sends for one dashboard: the v1 model or the v2 spec, stamped."""

    uid: str
    schema: str  # "v1" or "v2"
    content: dict = attrs.field(repr=False)  # v1: the model (stamp inside); v2: the spec
    stamp: dict = attrs.field(repr=False)

    @property
    def hash(self) -> str:
        return self.stamp["hash"]

    def annotations(self) -> dict[str, str]:
        s = self.stamp
        return {A_HASH: s["hash"], A_OWNER: s["owner"], A_FOLDER_STAMP: s["folderUid"], A_SOURCE: s["source"]}


@attrs.frozen
class Stored:
    """A dashboard as Grafana stores it, read through either API."""

    uid: str
    schema: str  # "v1" or "v2": how it is stored (RES-17), "v1" on Grafana 10/11
    content: dict = attrs.field(repr=False)  # the v1 model or v2 spec at the stored version ({} if unreadable)
    folder_uid: str = ""
    folder_title: str = ""
    version: int | None = None  # classic version = generation (RES-7)
    resource_version: str | None = None  # RES-7: the optimistic-concurrency token (resource API only)
    url: str = ""
    provisioned: bool = False  # classic file provisioning (Grafana refuses to save it)
    manager: str = ""  # RES-8 grafana.app/managedBy of another tool ("" = none)
    manager_id: str = ""
    stored_version: str = ""  # e.g. "v2beta1"
    updated_by: str = ""  # RES-8 grafana.app/updatedBy
    updated_at: str = ""  # RES-8 grafana.app/updatedTimestamp
    annotations: dict = attrs.field(factory=dict, repr=False)
    labels: dict = attrs.field(factory=dict, repr=False)

    @property
    def stamp(self) -> dict | None:
        """Our stamp: in a v1 model, else from our annotations."""
        inside = self.content.get(STAMP) if self.schema == "v1" else None
        if isinstance(inside, dict) and inside.get("hash"):
            return inside
        a = self.annotations
        if a.get(A_HASH):
            return {"hash": a[A_HASH], "owner": a.get(A_OWNER, DEFAULT_OWNER), "folderUid": a.get(A_FOLDER_STAMP, ""),
                    "source": a.get(A_SOURCE, "")}
        return None

    @property
    def owner(self) -> str | None:
        stamp = self.stamp
        return stamp.get("owner", DEFAULT_OWNER) if stamp else None


class Conflict(Exception):
    """The stored dashboard changed between our read and our write (classic 412, resource 409 Conflict)."""

    def __init__(self, error: Exception, drift: bool):
        super().__init__(str(error))
        self.error, self.drift = error, drift  # drift: report as drifted (resource API), else as a failure


@attrs.frozen
class Decision:
    action: str  # create, update, unchanged, drifted, provisioned, managed, stored-v2
    reason: str = ""
    changes: tuple[Change, ...] = ()

    @property
    def writes(self) -> bool:
        return self.action in ("create", "update")


# ---------------------------------------------------------------------- model helpers
def folder_path(folder: str | None) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in (folder or "").split("/") if p.strip())
    return () if len(parts) == 1 and parts[0].lower() in ROOT_NAMES else parts


def folder_uid(path: tuple[str, ...]) -> str:
    """A stable uid for a folder path: slug of its title + a hash of the whole path (<= 40, [a-z0-9-])."""
    slug = re.sub(r"[^a-z0-9]+", "-", path[-1].lower()).strip("-")[:28].strip("-") or "folder"
    return f"{slug}-{hashlib.sha256('/'.join(path).encode()).hexdigest()[:10]}"


def content_hash(model: dict) -> str:
    """SHA-256 of a model (or v2 spec) as sorted JSON, without Grafana's id/version and our stamp."""
    content = {k: v for k, v in model.items() if k not in VOLATILE}
    return "sha256:" + hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _tagged(tags) -> list:
    tags = list(tags or [])
    return tags if MANAGED_TAG in tags else [*tags, MANAGED_TAG]


def upload_model(target: Target, folder_uid_: str, owner: str) -> dict:
    """The v1 model push sends: the target's, with its uid, our tag and the stamp."""
    model = orjson.loads(orjson.dumps(target.model))
    for key in VOLATILE:
        model.pop(key, None)
    model["uid"] = target.uid
    model["tags"] = _tagged(model.get("tags"))
    model[STAMP] = {"hash": content_hash(model), "folderUid": folder_uid_, "owner": owner, "source": target.source}
    return model


def upload(target: Target, folder_uid_: str, owner: str, schema: str) -> Upload:
    """The stamped v1 model or v2 spec of `target`."""
    if schema == "v1":
        model = upload_model(target, folder_uid_, owner)
        return Upload(target.uid, "v1", model, model[STAMP])
    spec = orjson.loads(orjson.dumps(target.v2))
    spec["tags"] = _tagged(spec.get("tags"))
    stamp = {"hash": content_hash(spec), "folderUid": folder_uid_, "owner": owner, "source": target.source}
    return Upload(target.uid, "v2", spec, stamp)


def v2_spec(resource: dict, uid: str) -> dict:
    """The spec of what a v2 emitter returned (a whole resource, or the spec itself)."""
    spec = resource.get("spec") if isinstance(resource.get("spec"), dict) else resource
    if not isinstance(spec, dict) or not isinstance(spec.get("elements"), dict) or not isinstance(
            spec.get("layout"), dict):
        raise ConfigError(f"dashboard {uid}: the v2 emitter returned no v2 spec (elements and layout)")
    return spec


def targets(dashboards: Iterable, to_v2=None) -> list[Target]:
    """Compiled dashboards (anything with .uid/.model/.folder), (model, folder) pairs or bare models;
    with `to_v2`, each one's v2 spec too (to_v2(compiled) -> a v2 resource or spec)."""
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
        if to_v2 is not None and t.v2 is None:
            t = attrs.evolve(t, v2=v2_spec(to_v2(d), t.uid))
        seen.add(t.uid)
        out.append(t)
    return out


# ---------------------------------------------------------------------- the diff view of a v2 spec
def view(content: dict, schema: str) -> dict:
    """A v1-shaped view of a v1 model or v2 spec, for the panel diff (not a conversion: enough for
    titles, types, units, descriptions, queries, positions, variables)."""
    if schema == "v1":
        return content
    elements = content.get("elements") or {}
    panels: list[dict] = []

    def walk(layout: dict, top: int) -> None:
        kind, spec = layout.get("kind"), layout.get("spec") or {}
        if kind in ("GridLayout", "AutoGridLayout"):
            for i, item in enumerate(spec.get("items") or []):
                s = item.get("spec") or {}
                panels.append(_v2_panel(elements.get((s.get("element") or {}).get("name", "")) or {}, {
                    "x": s.get("x", 8 * (i % 3)), "y": top + s.get("y", 8 * (i // 3)),
                    "w": s.get("width", 8), "h": s.get("height", 8)}))
        for key in ("rows", "tabs"):
            for r in spec.get(key) or []:
                rs = r.get("spec") or {}
                panels.append({"type": "row", "title": rs.get("title", ""), "collapsed": bool(rs.get("collapse"))})
                walk(rs.get("layout") or {}, top)

    walk(content.get("layout") or {}, 0)
    return {"title": content.get("title"), "description": content.get("description"), "tags": content.get("tags"),
            "panels": panels,
            "templating": {"list": [{"type": str(v.get("kind", "")).removesuffix("Variable").lower(),
                                     **(v.get("spec") or {})} for v in content.get("variables") or []]}}


def _v2_panel(element: dict, pos: dict) -> dict:
    spec = element.get("spec") or {}
    viz = spec.get("vizConfig") or {}
    targets_ = []
    for q in ((spec.get("data") or {}).get("spec") or {}).get("queries") or []:
        qs = q.get("spec") or {}
        targets_.append({"refId": qs.get("refId", ""), **((qs.get("query") or {}).get("spec") or {})})
    return {"id": spec.get("id"), "type": viz.get("group", ""), "title": spec.get("title", ""),
            "description": spec.get("description", ""), "gridPos": pos, "targets": targets_,
            "fieldConfig": (viz.get("spec") or {}).get("fieldConfig") or {},
            "options": (viz.get("spec") or {}).get("options") or {}}


def changes(stored: Stored, new: Upload) -> list[Change]:
    return diff(view(stored.content, stored.schema), view(new.content, new.schema))


def panel_count(content: dict, schema: str) -> int:
    return count_panels(view(content, schema))


# ---------------------------------------------------------------------- decisions
def ownership(stored: Stored, owner: str) -> tuple[str, str]:
    """("ours", "") when Grafana holds exactly what this owner pushed last, else ("drifted", why)."""
    stamp = stored.stamp
    if stamp is None:
        return "drifted", "exists in Grafana but was not pushed by dashctl"
    if stamp.get("owner", DEFAULT_OWNER) != owner:
        return "drifted", f"pushed by another dashctl owner ({stamp.get('owner')!r}, this push is {owner!r})"
    if content_hash(stored.content) != stamp["hash"]:
        return "drifted", f"edited in Grafana since the last push (now version {stored.version})"
    if stored.folder_uid != (stamp.get("folderUid") or ""):
        return "drifted", f"moved in Grafana to folder {stored.folder_title or 'General'!r} since the last push"
    return "ours", ""


def refusal(stored: Stored, schema: str, force: bool) -> Decision | None:
    """Refusals that come before any content check: file-provisioned, managed by another tool,
    a v1 push over a v2 dashboard."""
    if stored.provisioned:
        return Decision("provisioned", "provisioned from a file in Grafana, which refuses to save it: remove it "
                                       "from the file provisioning, or give this dashboard another uid")
    if stored.manager:
        tool = MANAGERS.get(stored.manager, stored.manager)
        ident = f", managerId {stored.manager_id}" if stored.manager_id else ""
        return Decision("managed", f"managed by {tool} (grafana.app/managedBy {stored.manager}{ident}): change it "
                                   f"there, or release it from that tool first; push never overwrites another "
                                   f"tool's dashboard")
    if stored.schema == "v2" and schema == "v1" and not force:
        who = stored.updated_by or "someone"
        when = stored.updated_at or "an unknown time"
        return Decision("stored-v2", f"stored as v2 by {who} at {when}; a v1 push would drop its v2 layout: push "
                                     f"with --schema v2, or --force to replace it with v1")
    return None


def decide(stored: Stored | None, new: Upload, *, owner: str, force: bool, folder_title: str) -> Decision:
    """What to do with one dashboard, given how Grafana stores it (None: not there)."""
    if stored is None:
        return Decision("create", f"{panel_count(new.content, new.schema)} panel(s)")
    refused = refusal(stored, new.schema, force)
    if refused is not None:
        return refused
    state, why = ownership(stored, owner)
    folder_moves = stored.folder_uid != new.stamp["folderUid"]
    if state == "ours" and stored.stamp["hash"] == new.hash and not folder_moves and stored.schema == new.schema:
        return Decision("unchanged")
    found = changes(stored, new)
    if folder_moves:
        found.insert(0, Change("changed", "dashboard", "folder", stored.folder_title or "General",
                               folder_title or "General"))
    if stored.schema != new.schema:
        found.insert(0, Change("changed", "dashboard", "schema", stored.schema, new.schema))
    if state != "ours" and not force:
        return Decision("drifted", f"{why}; refusing to overwrite: run `dashctl push --force {new.uid}` to replace "
                                   f"it with the code's version, or copy the change into the code first "
                                   f"(`--dry-run` shows the difference)", tuple(found))
    reason = f"overwrites: {why} (--force)" if state != "ours" else ""
    if stored.schema == "v2" and new.schema == "v1":
        reason = "; ".join(x for x in (reason, f"replaces a v2 dashboard with v1 (--force; was saved by "
                                                f"{stored.updated_by or 'someone'})") if x)
    return Decision("update", reason, tuple(found))


def decide_prune(stored: Stored, owner: str, force: bool) -> Decision | None:
    """None: not ours to delete (never delete what this owner did not push); else delete or drifted."""
    if stored.provisioned or stored.manager or stored.owner != owner:
        return None
    state, why = ownership(stored, owner)
    removed = (Change("removed", "dashboard", f"{panel_count(stored.content, stored.schema)} panel(s)"),)
    if state != "ours" and not force:
        return Decision("drifted", f"{why}; no longer in the code, but not deleting it: run `dashctl push --prune "
                                   f"--force` to delete it anyway, or export the change first", removed)
    return Decision("delete", f"no longer in the code{'; ' + why + ' (--force)' if state != 'ours' else ''}",
                    removed)
