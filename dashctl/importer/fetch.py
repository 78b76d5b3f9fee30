"""Dashboards read from a live Grafana (read-only, with push's client and credentials), without
what push adds for its own bookkeeping (its stamp and its managed tag)."""

from __future__ import annotations

from llm_gateway_dashboards.dashctl.errors import RemoteError
from llm_gateway_dashboards.dashctl.importer.read import ImportInputError, Source, unwrap

PUSH_STAMP, PUSH_TAG = "dashctl", "dashctl-managed"  # dashctl.pusher.STAMP and MANAGED_TAG


def from_grafana(client, uid: str) -> Source:
    answer = client.get_dashboard(uid)
    if answer is None:
        raise ImportInputError(f"Grafana at {client.url} has no dashboard with uid {uid!r}")
    dashboard = dict(answer.get("dashboard") or {})
    dashboard.pop(PUSH_STAMP, None)
    if isinstance(dashboard.get("tags"), list):
        dashboard["tags"] = [t for t in dashboard["tags"] if t != PUSH_TAG]
    return unwrap(dict(answer, dashboard=dashboard), f"{client.url} uid {uid}")


def uids_in_folder(client, folder: str) -> list[str]:
    """The dashboards of a folder, by its title or uid."""
    hits = [h for h in client.search() if folder in (h.get("folderTitle"), h.get("folderUid"))]
    if not hits:
        raise RemoteError(f"Grafana at {client.url} has no dashboard in a folder {folder!r}")
    return sorted(h["uid"] for h in hits if h.get("uid"))
