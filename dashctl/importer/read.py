"""Read what a user hands `dashctl import`: a dashboard model, the answer of
`/api/dashboards/uid/<uid>`, or a `dashboard.grafana.app` resource (v1, or v2 read as v1 by v2.py,
its losses noted); refuse what is no dashboard."""

from __future__ import annotations

import re

import attrs
import orjson

from llm_gateway_dashboards.dashctl.errors import DashctlError
from llm_gateway_dashboards.dashctl.importer import v2
from llm_gateway_dashboards.dashctl.importer.migrate import Note

MAX_BYTES = 5 * 1024 * 1024  # the largest dashboards we know are ~1 MB; 10 MB is no dashboard


class ImportInputError(DashctlError):
    """Input that cannot be imported: names the file and why (exit 2)."""


@attrs.frozen
class Source:
    """One dashboard model to import, where it came from and what the reader had to decide."""

    model: dict
    origin: str
    folder: str = "General"
    notes: tuple[str, ...] = ()
    losses: tuple[Note, ...] = ()  # what reading a v2 dashboard as v1 could not map, by JSON path
    v2: bool = False  # read from a v2 dashboard: it has no schemaVersion, the module's is the setting's


def slug(title: str) -> str:
    """A uid from a title: `Ceph - Cluster` -> `ceph-cluster` (at most 40 characters)."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return text[:40].strip("-") or "imported"


def read(data: bytes, origin: str) -> Source:
    if len(data) > MAX_BYTES:
        raise ImportInputError(f"{origin}: {len(data) / 1e6:.1f} MB is too large for a dashboard "
                               f"(limit {MAX_BYTES // (1024 * 1024)} MB)")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportInputError(f"{origin}: not JSON ({exc})") from None
    return unwrap(doc, origin)


def unwrap(doc, origin: str) -> Source:
    folder, notes, losses, v2_api = "General", [], [], False
    if isinstance(doc, dict) and isinstance(doc.get("dashboard"), dict):  # /api/dashboards/uid/<uid>
        folder = (doc.get("meta") or {}).get("folderTitle") or folder
        doc = doc["dashboard"]
    if v2.is_v2(doc):
        if not isinstance((doc.get("spec") or doc).get("elements"), dict):
            raise ImportInputError(f"{origin}: a v2 dashboard resource without an `elements` object")
        doc, losses = v2.to_v1(doc)
        v2_api = True
    elif isinstance(doc, dict) and isinstance(doc.get("spec"), dict) and "apiVersion" in doc:
        meta = doc.get("metadata") or {}
        doc = dict(doc["spec"])
        doc.setdefault("uid", meta.get("name"))
    if not isinstance(doc, dict) or not (isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list)):
        raise ImportInputError(f"{origin}: no Grafana dashboard in it (no `panels` or `rows` list)")
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ImportInputError(f"{origin}: the dashboard has no title")
    uid = doc.get("uid")
    if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
        doc = dict(doc, uid=slug(title))
        notes.append(f"no usable uid ({uid!r}): derived {doc['uid']!r} from the title")
    return Source(doc, origin, folder, tuple(notes), tuple(losses), bool(v2_api))
