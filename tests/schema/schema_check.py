"""Type-check dashboard JSON against Grafana's published `@grafana/schema` types with `tsc --strict`.

The pinned packages (package.json + package-lock.json beside this file) are installed once with
`npm ci` into tests/schema/node_modules (git-ignored); a stamp holding the lock file's hash says
when a reinstall is due. Each check writes one .ts file that embeds every JSON document as a typed
constant (object literals, so TypeScript's excess-property check applies), runs tsc once, and maps
each error back to the document, panel and JSON path it is about.

    python tests/schema/schema_check.py install        # what `make schema-deps` runs
    python tests/schema/schema_check.py v1 DIR          # every *.json under DIR, all versions
    python tests/schema/schema_check.py v2 FILE 13.2    # one v2 resource
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
STAMP = NODE_MODULES / ".lock-sha256"

# Grafana line -> npm alias in package.json (pinned exactly there and in package-lock.json)
PACKAGES = {"11.6": "grafana-schema-11", "12.4": "grafana-schema-12", "13.2": "grafana-schema-13"}
V1_VERSIONS = tuple(PACKAGES)
# the v2 dashboard types are published from 12.x on (11.6 has only v2alpha0)
V2_VERSIONS = ("12.4", "13.2")

# panel type -> the panelcfg module name prefix in @grafana/schema
PANEL_CFG = {
    "timeseries": "TimeSeries",
    "stat": "Stat",
    "gauge": "Gauge",
    "bargauge": "BarGauge",
    "table": "Table",
    "piechart": "PieChart",
    "barchart": "BarChart",
    "text": "Text",
    "histogram": "Histogram",
    "heatmap": "Heatmap",
    "statetimeline": "StateTimeline",
}

# JSON as TypeScript sees it once parsed: a string enum member becomes its string value. `Loose`
# makes every property optional (Grafana fills defaults in for the v1 panel options it loads);
# both keep TypeScript's excess-property check, which is what finds options a panel does not have.
_PRELUDE = """\
type IsAny<T> = 0 extends (1 & T) ? true : false;
export type Json<T> = IsAny<T> extends true ? T : unknown extends T ? T
  : T extends string ? `${T}` : T extends number | boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
export type Loose<T> = IsAny<T> extends true ? T : unknown extends T ? T
  : T extends string ? `${T}` : T extends number | boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { [K in keyof T]?: Loose<T[K]> } : T;
"""


class SchemaCheckError(RuntimeError):
    """The checker itself could not run (npm missing, install failed, tsc crashed)."""


@dataclass(frozen=True, order=True)
class Finding:
    version: str  # Grafana line, e.g. "12.4"
    uid: str  # dashboard uid (v1) or metadata.name (v2)
    panel: str  # panel title, "" when the finding is not inside a panel
    path: str  # JSON path, e.g. panels[3].options.showThresholdLabels
    message: str  # tsc's message, first line

    def one_line(self) -> str:
        where = f"panel {self.panel!r} " if self.panel else ""
        return f"{self.version} {self.uid} {where}{self.path}: {self.message}"


# ---------------------------------------------------------------------------------- install
def npm_available() -> bool:
    return shutil.which("npm") is not None and shutil.which("node") is not None


def ensure_installed() -> Path:
    """Install the pinned packages when the lock file changed since the last install."""
    want = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == want:
        return NODE_MODULES
    if not npm_available():
        raise SchemaCheckError("npm and node are needed for the schema check (apt-get install npm)")
    lock_file = Path(tempfile.gettempdir()) / f"schema-check-{hashlib.sha256(bytes(HERE)).hexdigest()[:12]}.lock"
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes must not run npm ci at once
        if STAMP.is_file() and STAMP.read_text().strip() == want:
            return NODE_MODULES
        r = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=HERE, capture_output=True, text=True, timeout=600,
        )
        if r.returncode != 0:
            raise SchemaCheckError(f"npm ci failed in {HERE}: {(r.stderr or r.stdout).strip()[-500:]}")
        STAMP.write_text(want + "\n")
    return NODE_MODULES


def package_version(version: str) -> str:
    """The exact @grafana/schema version installed for a Grafana line."""
    return json.loads((NODE_MODULES / PACKAGES[version] / "package.json").read_text())["version"]


def _package_root(version: str) -> Path:
    return NODE_MODULES / PACKAGES[version]


def _types_entry(version: str) -> Path:
    root = _package_root(version)
    for rel in ("dist/types/index.d.ts", "dist/esm/index.d.ts"):
        if (root / rel).is_file():
            return root / rel
    raise SchemaCheckError(f"no type entry point in {root}")


def _panel_cfg(version: str, panel_type: str) -> Path | None:
    name = PANEL_CFG.get(panel_type)
    if name is None:
        return None
    f = _package_root(version) / (
        f"dist/esm/raw/composable/{panel_type}/panelcfg/x/{name}PanelCfg_types.gen.d.ts"
    )
    return f if f.is_file() else None


def _v2_dir(version: str, api_version: str) -> Path:
    d = _package_root(version) / "dist/types/schema/dashboard" / api_version
    if not (d / "index.d.ts").is_file():
        raise SchemaCheckError(f"@grafana/schema {package_version(version)} has no {api_version} dashboard types")
    return d


# ---------------------------------------------------------------------------------- generation
class _Source:
    """A .ts file being written, remembering what each line is about."""

    def __init__(self, suppress: frozenset[tuple[str, str]] = frozenset()):
        self.suppress = suppress  # (uid, JSON path) already reported: emitted `as any`
        self.lines: list[str] = []
        self.about: list[tuple[str, str, str] | None] = []  # per line: (uid, panel, JSON path)

    def add(self, line: str, about: tuple[str, str, str] | None = None) -> None:
        self.lines.append(line)
        self.about.append(about)

    def const(self, name: str, type_: str, value, uid: str, panel: str, path: str) -> None:
        """`export const name: type_ = <value>;` with one JSON member per line."""
        self.add(f"export const {name}: {type_} =", (uid, panel, path))
        self._value(value, uid, panel, path, ";")

    def _value(self, v, uid, panel, path, end) -> None:
        if (uid, path) in self.suppress:
            end = " as any" + end
        if isinstance(v, dict) and v:
            self.add("{", (uid, panel, path))
            for i, (k, item) in enumerate(v.items()):
                sub = f"{path}.{k}" if path else k
                sep = "," if i < len(v) - 1 else ""
                if isinstance(item, (dict, list)) and item:
                    self.add(f"{json.dumps(k)}:", (uid, panel, sub))
                    self._value(item, uid, panel, sub, sep)
                else:
                    cast = " as any" if (uid, sub) in self.suppress else ""
                    self.add(f"{json.dumps(k)}: {json.dumps(item)}{cast}{sep}", (uid, panel, sub))
            self.add("}" + end, (uid, panel, path))
        elif isinstance(v, list) and v:
            self.add("[", (uid, panel, path))
            for i, item in enumerate(v):
                sep = "," if i < len(v) - 1 else ""
                self._value(item, uid, panel, f"{path}[{i}]", sep)
            self.add("]" + end, (uid, panel, path))
        else:
            self.add(json.dumps(v) + end, (uid, panel, path))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _panels(model: dict):
    """(JSON path, panel) for every panel, rows' children included."""
    for i, p in enumerate(model.get("panels") or []):
        yield f"panels[{i}]", p
        for j, child in enumerate(p.get("panels") or []):
            yield f"panels[{i}].panels[{j}]", child


def _v1_source(version: str, models: list[dict], suppress=frozenset()) -> _Source:
    src = _Source(suppress)
    src.add(f'import type {{ Dashboard }} from "{_types_entry(version).as_posix()}";')
    src.add('import type { Loose } from "./prelude";')
    cfg_alias: dict[str, str] = {}
    for ptype in sorted({p.get("type") for m in models for _, p in _panels(m)} - {None, "row"}):
        f = _panel_cfg(version, ptype)
        if f is not None:
            cfg_alias[ptype] = f"P_{ptype}"
            src.add(f'import type * as P_{ptype} from "{f.as_posix()}";')
            if "export interface FieldConfig " not in f.read_text():
                cfg_alias[ptype] += "!nofieldconfig"
    for n, m in enumerate(models):
        uid = _uid_of(m)
        src.const(f"d{n}", "Loose<Dashboard>", m, uid, "", "")
        for path, p in _panels(m):
            alias = cfg_alias.get(p.get("type"))
            if alias is None:
                continue
            name, _, nofc = alias.partition("!")
            title = str(p.get("title", ""))
            var = f"d{n}_{re.sub(r'[^A-Za-z0-9]', '_', path)}"
            if "options" in p:
                src.const(var + "_options", f"Loose<{name}.Options>", p["options"], uid, title, path + ".options")
            custom = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("custom")
            if custom is not None and not nofc:
                src.const(var + "_custom", f"Loose<{name}.FieldConfig>", custom, uid, title,
                          path + ".fieldConfig.defaults.custom")
    return src


def _v2_source(version: str, docs: list[dict], suppress=frozenset()) -> _Source:
    src = _Source(suppress)
    src.add('import type { Json } from "./prelude";')
    aliases: dict[str, str] = {}
    for resource in docs:
        api_version = str(resource.get("apiVersion", "")).rpartition("/")[2] or "v2"
        if api_version not in aliases:
            aliases[api_version] = alias = f"S_{re.sub(r'[^A-Za-z0-9]', '_', api_version)}"
            d = _v2_dir(version, api_version)
            src.add(f'import type {{ Spec as {alias}_Spec, Status as {alias}_Status }} from '
                    f'"{(d / "index.d.ts").as_posix()}";')
            # a resource as a client sends it: no status (server-owned, RES-13), namespace from the URL
            src.add(f"type {alias} = {{ apiVersion: string; kind: \"Dashboard\"; metadata: {{ name: string;"
                    " namespace?: string; resourceVersion?: string; generation?: number;"
                    " labels?: Record<string, string>; annotations?: Record<string, string> };"
                    f" spec: Json<{alias}_Spec>; status?: Json<{alias}_Status> }};")
    for n, resource in enumerate(docs):
        api_version = str(resource.get("apiVersion", "")).rpartition("/")[2] or "v2"
        src.const(f"resource{n}", aliases[api_version], resource, _uid_of(resource), "", "")
    return src


# ---------------------------------------------------------------------------------- tsc
_TSC_LINE = re.compile(r"^(?P<file>[^(\s]+)\((?P<line>\d+),(?P<col>\d+)\): error (?P<code>TS\d+): (?P<msg>.*)$")


def _run_tsc(version: str, src: _Source) -> list[Finding]:
    tsc = NODE_MODULES / "typescript" / "bin" / "tsc"
    with tempfile.TemporaryDirectory(prefix="schema-check-") as tmp:
        work = Path(tmp)
        (work / "prelude.ts").write_text(_PRELUDE)
        (work / "check.ts").write_text(src.text())
        config = {
            "compilerOptions": {
                "strict": True, "noEmit": True, "skipLibCheck": True, "target": "es2022",
                "module": "esnext", "moduleResolution": "bundler", "lib": ["es2022"], "types": [],
                # the panelcfg modules import '@grafana/schema': resolve it to this version's package
                "paths": {"@grafana/schema": [_types_entry(version).as_posix()]},
            },
            "files": ["check.ts"],
        }
        (work / "tsconfig.json").write_text(json.dumps(config))
        r = subprocess.run(["node", str(tsc), "-p", str(work / "tsconfig.json"), "--pretty", "false"],
                           cwd=work, capture_output=True, text=True, timeout=600)
    findings, unplaced = [], []
    for line in r.stdout.splitlines():
        m = _TSC_LINE.match(line)
        if not m:
            continue
        about = src.about[int(m["line"]) - 1] if m["file"].endswith("check.ts") else None
        if about is None:
            unplaced.append(line)
            continue
        uid, panel, path = about
        findings.append(Finding(version, uid, panel, path, f"{m['code']} {m['msg']}"))
    if unplaced or (r.returncode not in (0, 2)) or (r.returncode == 2 and not findings):
        raise SchemaCheckError(f"tsc ({version}) failed outside the checked JSON: "
                               f"{(unplaced or [r.stdout.strip() or r.stderr.strip()])[:3]}")
    return sorted(set(findings))


# tsc reports one problem per object literal branch and then stops looking inside it: after each
# run, an unknown key is removed and a wrong value is emitted `as any`, and tsc runs again until a
# run finds nothing new (one run when the documents are clean; bounded)
_EXCESS = "TS2353"
_MAX_ROUNDS = 8


def _without(doc: dict, path: str) -> None:
    """Delete the key at a JSON path like panels[3].options.footer from a document, in place."""
    steps = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = doc
    for step in steps[:-1]:
        node = node[int(step[1:-1])] if step.startswith("[") else node[step]
    node.pop(steps[-1], None)


def _check_rounds(version: str, docs: list[dict], source) -> list[Finding]:
    docs = copy.deepcopy(docs)
    by_uid = {_uid_of(d): d for d in docs}
    found: set[Finding] = set()
    suppress: set[tuple[str, str]] = set()
    for _ in range(_MAX_ROUNDS):
        new = set(_run_tsc(version, source(version, docs, frozenset(suppress)))) - found
        if not new:
            break
        found |= new
        for f in new:
            if f.message.startswith(_EXCESS) and f.uid in by_uid:
                _without(by_uid[f.uid], f.path)
            else:
                suppress.add((f.uid, f.path))
    return sorted(found)


def _uid_of(doc: dict) -> str:
    if "spec" in doc and "metadata" in doc:
        return str(doc["metadata"].get("name", ""))
    return str(doc.get("uid"))


def check_v1(models: list[dict], version: str) -> list[Finding]:
    """Findings of the v1 dashboard models against one Grafana line's published types."""
    ensure_installed()
    return _check_rounds(version, models, _v1_source)


def check_v1_dir(directory: Path, versions=V1_VERSIONS) -> dict[str, list[Finding]]:
    """Findings per Grafana line for every dashboard file under a build directory (dot-folders
    skipped, as file provisioning does); the lines are checked side by side, one tsc each."""
    files = sorted(p for p in Path(directory).rglob("*.json")
                   if not any(s.startswith(".") for s in p.relative_to(directory).parts))
    models = [json.loads(f.read_text()) for f in files]
    ensure_installed()
    with ThreadPoolExecutor(max_workers=len(versions)) as pool:
        return dict(zip(versions, pool.map(lambda v: check_v1(models, v), versions), strict=True))


def check_v2(file: Path, version: str) -> list[Finding]:
    """Findings of one v2 dashboard resource (dashboard.grafana.app/v2beta1 or v2) against a Grafana line."""
    return check_v2_docs([json.loads(Path(file).read_text())], version)


def check_v2_docs(docs: list[dict], version: str) -> list[Finding]:
    """Findings of v2 dashboard resources (each named by its metadata.name, unique) against a Grafana line,
    in one tsc run."""
    ensure_installed()
    if version not in V2_VERSIONS:
        raise SchemaCheckError(f"no published v2 types for Grafana {version}; use one of {V2_VERSIONS}")
    return _check_rounds(version, docs, _v2_source)


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["install"]:
            print(f"schema check packages in {ensure_installed()}")
            return 0
        if argv[:1] == ["v1"] and len(argv) == 2:
            found = [f for fs in check_v1_dir(Path(argv[1])).values() for f in fs]
        elif argv[:1] == ["v2"] and len(argv) == 3:
            found = check_v2(Path(argv[1]), argv[2])
        else:
            print(__doc__.strip().splitlines()[-3:], file=sys.stderr)
            return 64
    except SchemaCheckError as e:
        print(f"schema check: {e}", file=sys.stderr)
        return 2
    for f in found:
        print(f.one_line())
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
