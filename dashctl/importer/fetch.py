"""Dashboards read from a live Grafana (read-only, with push's client and credentials), without
what push adds for its own bookkeeping (its stamp and its managed tag).

A dashboard Grafana stores as v2 is read as v2 through the resource API (RES-17: at its stored
version) and imported from that: the classic GET would answer 406 (Grafana 12) or a lossy v1
downgrade that cannot be told from a v1 dashboard (Grafana 13, RES-18)."""

from __future__ import annotations

import os

import attrs

from llm_gateway_dashboards.dashctl.errors import RemoteError
from llm_gateway_dashboards.dashctl.importer.read import ImportInputError, Source, unwrap

PUSH_STAMP, PUSH_TAG = "dashctl", "dashctl-managed"  # dashctl.pusher.STAMP and MANAGED_TAG


def resource_reader(client):
    """The resource API of a Grafana that serves v2 dashboards (12+; one GET /apis), else None."""
    from llm_gateway_dashboards.dashctl.grafana_client import AuthError
    from llm_gateway_dashboards.dashctl.pusher.discover import discover, org_namespace
    from llm_gateway_dashboards.dashctl.pusher.resource import ResourceApi

    try:
        found = discover(client, org_namespace(client.org_id, os.environ.get("GRAFANA_STACK_ID")))
    except AuthError:
        raise
    except RemoteError:  # no usable /apis: the classic API alone, as before
        return None
    return ResourceApi(client, found) if found.resource and found.version("v2") else None


def _without_push_tag(model: dict) -> dict:
    model = dict(model)
    model.pop(PUSH_STAMP, None)
    if isinstance(model.get("tags"), list):
        model["tags"] = [t for t in model["tags"] if t != PUSH_TAG]
    return model


def from_grafana(client, uid: str, resources=None) -> Source:
    origin = f"{client.url} uid {uid}"
    stored = resources.get(uid, "v1") if resources is not None else None
    if stored is not None and stored.schema == "v2":
        resource = {"apiVersion": f"dashboard.grafana.app/{stored.stored_version}", "kind": "Dashboard",
                    "metadata": {"name": uid}, "spec": _without_push_tag(stored.content)}
        return attrs.evolve(unwrap(resource, origin), folder=stored.folder_title or "General")
    answer = client.get_dashboard(uid)
    if answer is None:
        raise ImportInputError(f"Grafana at {client.url} has no dashboard with uid {uid!r}")
    return unwrap(dict(answer, dashboard=_without_push_tag(answer.get("dashboard") or {})), origin)


def uids_in_folder(client, folder: str) -> list[str]:
    """The dashboards of a folder, by its title or uid."""
    hits = [h for h in client.search() if folder in (h.get("folderTitle"), h.get("folderUid"))]
    if not hits:
        raise RemoteError(f"Grafana at {client.url} has no dashboard in a folder {folder!r}")
    return sorted(h["uid"] for h in hits if h.get("uid"))
