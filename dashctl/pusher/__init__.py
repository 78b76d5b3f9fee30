"""Push compiled dashboards to Grafana: idempotent, drift-safe, folder-aware, parallel, through the
classic API (Grafana 10/11) or the resource API (Grafana 12/13), as v1 or v2 dashboards.

    from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient
    from llm_gateway_dashboards.dashctl import push
    report = push(build(settings).dashboards, GrafanaClient.from_env())
    print(report.summary_line()); sys.exit(report.exit_code)

Layout: `discover.py` (GET /apis: which API, versions, namespace), `plan.py` (stamp, upload and
the decision per dashboard, shared by both APIs), `classic.py` (/api), `resource.py` (/apis),
`engine.py` (the run: folders parents first, one job per dashboard, failures), `report.py`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.grafana_client import GrafanaClient
from llm_gateway_dashboards.dashctl.pusher.classic import ClassicApi
from llm_gateway_dashboards.dashctl.pusher.discover import APIS, choose, org_namespace
from llm_gateway_dashboards.dashctl.pusher.engine import DEFAULT_WORKERS, Pusher
from llm_gateway_dashboards.dashctl.pusher.plan import (
    DEFAULT_OWNER,
    MANAGED_TAG,
    SCHEMAS,
    STAMP,
    Target,
    content_hash,
    folder_path,
    folder_uid,
    targets,
    upload_model,
)
from llm_gateway_dashboards.dashctl.pusher.report import ACTIONS, PAST, Item, PushReport
from llm_gateway_dashboards.dashctl.pusher.resource import ResourceApi

__all__ = ["ACTIONS", "APIS", "DEFAULT_OWNER", "DEFAULT_WORKERS", "MANAGED_TAG", "PAST", "SCHEMAS", "STAMP", "Item",
           "PushReport", "Target", "content_hash", "folder_path", "folder_uid", "push",
           "targets", "upload_model"]

def _at_version(emitter: Callable, version: str) -> Callable:
    """The emitter writing the served v2 version's shapes (v2beta1 on Grafana 12, v2 on 13), when
    it takes `api_version` (ours does); any other emitter as it is."""
    try:
        takes = "api_version" in inspect.signature(emitter).parameters
    except (TypeError, ValueError):
        takes = False
    return functools.partial(emitter, api_version=version) if takes else emitter


def push(dashboards, client: GrafanaClient, *, force: bool = False, prune: bool = False, dry_run: bool = False,
         workers: int = DEFAULT_WORKERS, owner: str = DEFAULT_OWNER, message: str = "",
         progress: Callable[[int, int], None] | None = None, log: Callable[[str, int], None] | None = None,
         api: str = "auto", schema: str = "v1", to_v2: Callable | None = None,
         namespace: str | None = None) -> PushReport:
    """Push `dashboards` (compiled dashboards, (model, folder) pairs or models) to Grafana through `client`.

    `api`: "auto" (the resource API when the server has it, RES-1; else classic), "classic" or
    "resource". `schema`: "v1" or "v2" (v2 needs the resource API with a v2 version, and `to_v2`:
    compiled -> v2 resource or spec; default `dashctl.compile.to_v2`).
    `namespace`: the resource API's namespace (default from the client's org, RES-5).
    `force` overwrites (and with `prune` deletes) dashboards changed in Grafana since our last push,
    and a v2 dashboard with v1; `prune` deletes dashboards this `owner` pushed earlier that are not
    in `dashboards` (so pass the complete set); `dry_run` plans and diffs, and writes nothing;
    `workers` bounds the dashboards handled at once; `progress(done, total)` is called as
    dashboards finish. Raises ConfigError (bad api/schema, v2 not possible here), AuthError
    (401/403) or RemoteError when Grafana cannot be used at all; any other failure is recorded on
    the dashboard's Item, and the others still go through.
    """
    if schema not in SCHEMAS:
        raise ConfigError(f"schema must be one of {', '.join(SCHEMAS)}, not {schema!r}")
    if api not in APIS:
        raise ConfigError(f"--api must be one of {', '.join(APIS)}, not {api!r}")
    emitter = None
    if schema == "v2":
        if to_v2 is None:
            from llm_gateway_dashboards.dashctl.compile import to_v2
        emitter = to_v2
        if api == "classic":
            raise ConfigError("--schema v2 needs the resource API (Grafana 12+): the classic /api writes v1 only")
    dashboards = list(dashboards)
    todo = targets(dashboards)  # a bad input is refused before Grafana is asked anything
    found = choose(client, api, org_namespace(client.org_id, explicit=namespace))
    if schema == "v2":
        if not found.resource or found.version("v2") is None:
            served = ", ".join(found.dashboard_versions) or "no resource API"
            raise ConfigError(f"--schema v2: {client.url} serves no dashboard.grafana.app v2 ({served}); push v1, "
                              f"or turn on dynamic dashboards (Grafana 12) / use Grafana 13")
        todo = targets(dashboards, _at_version(emitter, found.version("v2")))
    backend = ResourceApi(client, found) if found.resource else ClassicApi(client)
    client.log(f"push through the {backend.api} API"
               + (f" ({backend.version(schema)}, namespace {found.namespace})" if found.resource else ""), 1)
    return Pusher(backend, schema=schema, force=force, prune=prune, dry_run=dry_run, workers=workers, owner=owner,
                  message=message, progress=progress, log=log).run(todo)
