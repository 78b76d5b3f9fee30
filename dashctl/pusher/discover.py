"""Which API a Grafana offers for dashboards, at which versions, in which namespace.

`GET /apis` (RES-1) answers an `APIGroupList` on Grafana 12+ and 404 on Grafana 10/11 ("classic
API only"). The resource API is used for dashboards only when `dashboard.grafana.app` serves
`v1beta1` or later (RES-1, the marker mcp-grafana uses for Grafana >= 12.0); alpha versions are
ignored. Versions are chosen from what the group lists, never assumed (RES-2): for v1 output the
preferred version when it is a v1 one, else the newest served of `v1`, `v1beta1`; for v2 output
the newest served of `v2`, `v2beta1`. Folders: `folder.grafana.app`, its preferred version
(RES-21). The namespace (RES-5): `--namespace`/`GRAFANA_NAMESPACE` when given, `stacks-<id>` for a
Grafana Cloud stack (`GRAFANA_STACK_ID`), `org-<N>` for organisation N > 1, else `default`.
"""

from __future__ import annotations

import attrs

from llm_gateway_dashboards.dashctl.errors import ConfigError, RemoteError
from llm_gateway_dashboards.dashctl.grafana_client import ApiError, AuthError, GrafanaClient

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
V1_VERSIONS = ("v1", "v1beta1")  # newest first; v0alpha1 does not count (RES-1)
V2_VERSIONS = ("v2", "v2beta1")
FOLDER_VERSIONS = ("v1", "v1beta1")
APIS = ("auto", "classic", "resource")


@attrs.frozen
class Discovery:
    """What the server offers. `resource` False: the classic /api only (Grafana 10/11)."""

    resource: bool
    dashboard_versions: tuple[str, ...] = ()  # as the group lists them
    preferred: str = ""
    folder_version: str = ""
    namespace: str = ""

    def version(self, schema: str) -> str | None:
        """The dashboard.grafana.app version to read and write `schema` ("v1"/"v2") at, or None."""
        if schema == "v1" and self.preferred in V1_VERSIONS:
            return self.preferred
        return next((v for v in (V1_VERSIONS if schema == "v1" else V2_VERSIONS) if v in self.dashboard_versions),
                    None)


def org_namespace(org_id: int | None = None, stack_id: int | str | None = None, explicit: str | None = None) -> str:
    """RES-5: org 1 -> default, org N -> org-N, a Grafana Cloud stack -> stacks-<id>."""
    if explicit:
        return explicit
    if stack_id not in (None, ""):
        try:
            return f"stacks-{int(stack_id)}"
        except ValueError:
            raise ConfigError(f"GRAFANA_STACK_ID must be a number, not {stack_id!r}") from None
    return "default" if org_id in (None, 1) else f"org-{int(org_id)}"


def _versions(group: dict | None) -> tuple[tuple[str, ...], str]:
    if not isinstance(group, dict):
        return (), ""
    versions = tuple(v.get("version", "") for v in group.get("versions") or [] if isinstance(v, dict))
    preferred = (group.get("preferredVersion") or {}).get("version", "")
    return versions, preferred


def discover(client: GrafanaClient, ns: str) -> Discovery:
    """One `GET /apis`. 404 (or no usable dashboard version) -> classic only. 401/403 raise AuthError."""
    try:
        answer = client.request("GET", "/apis")
    except AuthError:
        raise
    except ApiError as exc:
        if exc.status == 404:  # RES-1: Grafana 10/11
            return Discovery(False)
        raise
    if not isinstance(answer, dict) or answer.get("kind") != "APIGroupList":
        raise RemoteError(f"GET /apis: not a Kubernetes APIGroupList from {client.url}; is the URL a Grafana?")
    groups = {g.get("name"): g for g in answer.get("groups") or [] if isinstance(g, dict)}
    dash_versions, preferred = _versions(groups.get(DASHBOARD_GROUP))
    folder_versions, folder_preferred = _versions(groups.get(FOLDER_GROUP))
    folder_version = folder_preferred if folder_preferred in FOLDER_VERSIONS else next(
        (v for v in FOLDER_VERSIONS if v in folder_versions), "")
    usable = any(v in dash_versions for v in V1_VERSIONS + V2_VERSIONS)
    if not usable or not folder_version:  # RES-1: Grafana 11's v0alpha1 groups at most
        return Discovery(False, dash_versions, preferred)
    return Discovery(True, dash_versions, preferred, folder_version, ns)


def choose(client: GrafanaClient, api: str, ns: str) -> Discovery:
    """The API to use for `--api auto|classic|resource`."""
    if api not in APIS:
        raise ConfigError(f"--api must be one of {', '.join(APIS)}, not {api!r}")
    if api == "classic":
        return Discovery(False)
    found = discover(client, ns)
    if api == "resource" and not found.resource:
        served = ", ".join(found.dashboard_versions) or "no /apis"
        raise ConfigError(f"--api resource: {client.url} has no usable dashboard.grafana.app resource API "
                          f"({served}; v1beta1 or later is needed, Grafana 12+): use --api classic or auto")
    return found
