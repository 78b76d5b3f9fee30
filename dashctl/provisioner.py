"""File provisioning: a directory Grafana reads dashboards and their datasource from.

Layout under DIR (grafana-api.md "File provisioning"):

    DIR/provisioning/dashboards/<provider>.yaml    the dashboard provider (mount as
    DIR/provisioning/datasources/<provider>.yaml   /etc/grafana/provisioning)
    DIR/dashboards/<folder>/<uid>.json             the dashboards (mount at `grafana_path`)

The provider uses `foldersFromFilesStructure` (folder and folderUid empty), so each
dashboard lands in the folder its module declared. Every file goes through
`dashctl.writer.write_trees`: staged under temporary names and renamed, untouched when
its bytes are unchanged, removed when no dashboard builds it any more (only files listed
in the tool's manifest), a dashboard that changed folder renamed in one step.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable

import attrs
import orjson
import yaml

from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.writer import WriteReport, identity, kept_on_failure, owned, write_trees

DASHBOARDS = "dashboards"
PROVISIONING = "provisioning"
GRAFANA_PATH = "/var/lib/grafana/dashboards"
HEADER = b"# Written by dashctl provision: edit the settings (dashctl.toml), not this file.\n"


@attrs.frozen
class Options:
    """How to write: where Grafana sees the dashboards, whether to write the datasource file."""

    grafana_path: str = GRAFANA_PATH
    datasource: bool = True
    durable: bool = False

    def __attrs_post_init__(self):
        if not self.grafana_path.startswith("/"):
            raise ConfigError(f"--grafana-path {self.grafana_path!r}: must be an absolute path inside Grafana")


def provider(settings, options: Options = Options()) -> dict:
    return {"apiVersion": 1, "providers": [{
        "name": settings.provider_name,
        "orgId": settings.org_id,
        "type": "file",
        "folder": "",  # foldersFromFilesStructure needs folder and folderUid empty
        "folderUid": "",
        "disableDeletion": settings.disable_deletion,
        "allowUiUpdates": settings.allow_ui_updates,
        "updateIntervalSeconds": settings.update_interval_seconds,
        "options": {"path": options.grafana_path, "foldersFromFilesStructure": True},
    }]}


def datasource(settings) -> dict:
    """The Prometheus datasource, with the stable uid every dashboard's `datasource` variable selects."""
    return {"apiVersion": 1, "datasources": [{
        "name": settings.datasource_name,
        "type": "prometheus",
        "uid": settings.datasource_uid,
        "url": settings.datasource_url,
        "access": "proxy",
        "orgId": settings.org_id,
        "isDefault": True,
        "editable": False,
        "jsonData": {"timeInterval": "15s"},
    }]}


def _yaml(doc: dict) -> bytes:
    return HEADER + yaml.safe_dump(doc, sort_keys=True, default_flow_style=False, allow_unicode=True).encode()


@functools.lru_cache(maxsize=8)
def config_files(settings, options: Options = Options()) -> dict[str, bytes]:
    """{path under DIR/provisioning: bytes} of the provider (and datasource) YAML."""
    files = {f"dashboards/{settings.provider_name}.yaml": _yaml(provider(settings, options))}
    if options.datasource:
        files[f"datasources/{settings.provider_name}.yaml"] = _yaml(datasource(settings))
    return files


def dashboard_files(dashboards) -> tuple[dict[str, bytes], bool]:
    """{<folder>/<uid>.json: bytes} of a BuildReport or an iterable of Compiled; and whether a build failed."""
    failed = bool(getattr(dashboards, "errors", ()))
    items: Iterable = getattr(dashboards, "dashboards", dashboards)
    return {d.path: d.data for d in items}, failed


def foreign_duplicates(root: Path, files: dict[str, bytes]) -> list[str]:
    """`path: uid` of *.json files under root that this tool did not write and that carry one of our uids."""
    ours = owned(root) | set(files)
    uids = {identity(rel)[4:] for rel in files}
    found = []
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # as Grafana: dot-folders skipped
        for name in sorted(names):
            if not name.endswith(".json"):
                continue
            rel = Path(base, name).relative_to(root).as_posix()
            if rel in ours:
                continue
            try:
                uid = orjson.loads(Path(base, name).read_bytes()).get("uid")
            except (OSError, orjson.JSONDecodeError, AttributeError):
                continue
            if uid in uids:
                found.append(f"{rel}: {uid}")
    return found


def refuse_v2(settings) -> None:
    """File provisioning reads v1 models only (grafana-api.md RES-19: Grafana refuses v2 JSON there, "dashboard
    appears to be in v2 format"): with the `schema` setting at v2, nothing is provisioned (ConfigError, exit 2)."""
    if getattr(settings, "schema", "v1") == "v2":
        raise ConfigError("schema v2: Grafana's file provisioning reads only v1 dashboard JSON (it refuses v2: "
                          "\"dashboard appears to be in v2 format\"); provision with --set schema=v1, or "
                          "`dashctl build --schema v2` and push the resources to the /apis resource API")


def provision(directory: str | Path, dashboards, settings, options: Options = Options(),
              keep: set[str] | None = None) -> WriteReport:
    """Write the dashboards and the provider/datasource YAML under `directory`.

    `dashboards`: a BuildReport or Compiled objects. `keep`: paths (under DIR/dashboards)
    of earlier files to keep although no dashboard built them this time; by default, when
    the report has errors, every earlier file is kept (the failed module may have built
    any of them). Raises ConfigError when a file this tool did not write already holds one
    of the uids (two files with one uid stop Grafana's provisioning). Paths in the report
    are relative to `directory`.
    """
    refuse_v2(settings)
    root = Path(directory)
    files, failed = dashboard_files(dashboards)
    board_root = root / DASHBOARDS
    if keep is None:
        keep = kept_on_failure(board_root, files, failed)
    clash = foreign_duplicates(board_root, files) if board_root.is_dir() else []
    if clash:
        raise ConfigError(f"{board_root}: file(s) not written by dashctl hold the uid of one of our dashboards "
                          f"(Grafana stops provisioning on duplicate uids): {', '.join(clash)}; remove them")
    config, boards = write_trees([  # both trees new, or both as they were
        {"root": root / PROVISIONING, "files": dict(config_files(settings, options)), "durable": options.durable},
        {"root": board_root, "files": files, "durable": options.durable, "keep": keep}])

    def under(prefix, rels):
        return tuple(f"{prefix}/{r}" for r in rels)

    return WriteReport(
        written=under(PROVISIONING, config.written) + under(DASHBOARDS, boards.written),
        unchanged=under(PROVISIONING, config.unchanged) + under(DASHBOARDS, boards.unchanged),
        removed=under(PROVISIONING, config.removed) + under(DASHBOARDS, boards.removed),
        moved=tuple((f"{DASHBOARDS}/{a}", f"{DASHBOARDS}/{b}") for a, b in boards.moved),
    )
