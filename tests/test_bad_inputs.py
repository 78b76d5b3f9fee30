"""Every command given bad input, as a user would: one line on stderr (exact, or a precise
regex), the documented exit code (2 bad input or config, 3 remote failure, 130 interrupted),
no traceback, and the output tree exactly as it was (same bytes, same mtimes, no new file).

Each case runs in a fresh directory holding a good build (`out/`) and a good provisioning
tree (`prov/`), copies of one made once; the command runs there (so ./dashctl.toml and
./config/model_prices.yaml are the case's own), and everything under it is compared before
and after. Read-only and full output directories are real: a read-only or tiny tmpfs when
this runs as root (permission bits do not stop root), a directory without write permission
otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_dashctl

CLI = [sys.executable, "-m", "llm_gateway_dashboards.dashctl.cli"]  # dashctl in this interpreter

KNOWN_UIDS = ("brightstaff, llm-cost-dashboard, llm-error-retry-dashboard, llm-latency-ttft-dashboard, "
              "llm-security-safety-dashboard, otel-genai-latency, otel-genai-overview, otel-genai-tokens-cost, "
              "plano-http-red, plano-llm-cost, plano-llm-upstream, plano-process, "
              "plano-requests-overview, plano-routing")
SETTINGS = re.escape("known: datasource_uid, ")  # the start of the list of known settings
UNREACHABLE = "127.0.0.1:9"  # discard port: nothing listens there


# --- what each case puts in its directory ---------------------------------------------------------
def write(rel: str, text: str | bytes):
    def setup(tmp: Path):
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(
            text if isinstance(text, bytes) else textwrap.dedent(text))
    return setup


def mkdir(rel: str):
    return lambda tmp: (tmp / rel).mkdir(parents=True)


def replace_with_file(rel: str):
    """`out/Plano` (a directory of the good build) replaced by a file: a file in the way."""
    def setup(tmp: Path):
        shutil.rmtree(tmp / rel)
        (tmp / rel).write_text("not a directory\n")
    return setup


def replace_with_dir(rel: str):
    def setup(tmp: Path):
        (tmp / rel).unlink()
        (tmp / rel).mkdir()
        (tmp / rel / "keep").write_text("x")
    return setup


MODULES = {
    "syntax_mod": "def dashboard(s):\n    return kit.board(s, uid='x'\n",
    "raising_mod": "def dashboard(s):\n    return {}['missing']\n",
    "string_target_mod": """\
        from llm_gateway_dashboards.panels import kit


        def dashboard(s):
            panel = kit.timeseries("Raw", kit.target('sum(rate(x[5m]))'), unit="short", desc="d")
            return kit.board(s, uid="raw", title="Raw", folder="X", desc="d", rows=[kit.row("R", panel)])
        """,
    "dup_uid_mod": """\
        from llm_gateway_dashboards.panels import kit


        def dashboard(s):
            return kit.board(s, uid="plano-routing", title="Mine", folder="X", desc="d", rows=[])
        """,
    "empty_mod": "X = 1\n",
}


def module(name: str):
    return write(f"mods/{name}.py", MODULES[name])


PRICES_GOOD = """\
    - model: gpt-4o
      provider: openai
      input_price_per_1m: 2.5
      output_price_per_1m: 10
      version: "2025-01-15"
    """


# --- the table: (id, argv, expected stderr line, exit code, setup, env) --------------------------
# argv and env may use {tmp} (the case's directory); an expected line starting with "re:" is a regex.
CASES = [
    # global options and the settings file
    ("config-missing", ["--config", "nope.toml", "list"],
     "dashctl: error: nope.toml: settings file not found", 2, None, {}),
    ("config-directory", ["--config", "cfgdir", "list"],
     "dashctl: error: Invalid value for '--config': File 'cfgdir' is a directory. (see 'dashctl --help')", 2,
     mkdir("cfgdir"), {}),
    ("config-under-a-file", ["--config", "out/.dashctl/manifest.json/x.toml", "build", "--out", "out"],
     "dashctl: error: out/.dashctl/manifest.json/x.toml: cannot read settings file: a part of the path is a file, "
     "not a directory; check the path", 2, None, {}),
    ("config-malformed", ["--config", "bad.toml", "build", "--out", "out"],
     "re:dashctl: error: bad\\.toml: not valid TOML: .*\\(at line 2, column \\d+\\)", 2,
     write("bad.toml", "[settings]\nbrightstaff_job = \n"), {}),
    ("config-not-utf8", ["--config", "bin.toml", "list"],
     "dashctl: error: bin.toml: not valid TOML: not UTF-8 text", 2, write("bin.toml", b"\xff\xfe\x00[settings]"), {}),
    ("config-unknown-setting", ["--config", "c.toml", "provision", "--dir", "prov"],
     f"re:dashctl: error: c\\.toml \\[settings\\]: unknown setting\\(s\\) brightstaf_job; {SETTINGS}.*", 2,
     write("c.toml", "[settings]\nbrightstaf_job = 'x'\n"), {}),
    ("config-wrong-type", ["--config", "c.toml", "build", "--out", "out"],
     "dashctl: error: c.toml [settings]: setting org_id: 'abc' is not an integer", 2,
     write("c.toml", "[settings]\norg_id = 'abc'\n"), {}),
    ("config-settings-not-a-table", ["--config", "c.toml", "list"],
     "dashctl: error: c.toml: [settings] must be a table", 2, write("c.toml", "settings = 3\n"), {}),
    ("default-config-malformed", ["build", "--out", "out"],
     "re:dashctl: error: dashctl\\.toml: not valid TOML: .*", 2, write("dashctl.toml", "[settings\n"), {}),
    ("override-without-uid", ["build", "--out", "out"],
     "dashctl: error: dashctl.toml [[overrides]] entry 1: needs uid = \"<dashboard uid>\"", 2,
     write("dashctl.toml", "[[overrides]]\nremove_panel = 'x'\n"), {}),
    ("override-unknown-uid", ["build", "--out", "out"],
     "dashctl: error: dashboard no-such-board: override from dashctl.toml [[overrides]] entry 1: no dashboard "
     "has this uid", 2, write("dashctl.toml", "[[overrides]]\nuid = 'no-such-board'\nremove_panel = 'x'\n"), {}),
    ("set-not-an-integer", ["--set", "org_id=abc", "provision", "--dir", "prov"],
     "dashctl: error: flags: setting org_id: 'abc' is not an integer", 2, None, {}),
    ("set-not-a-boolean", ["--set", "allow_ui_updates=maybe", "provision", "--dir", "prov"],
     "dashctl: error: flags: setting allow_ui_updates: 'maybe' is not true or false", 2, None, {}),
    ("set-bad-pattern", ["--set", "datasource_uid=a b", "build", "--out", "out"],
     "dashctl: error: flags: setting datasource_uid: 'a b' does not match ^[A-Za-z0-9_-]{1,40}$", 2, None, {}),
    ("set-unknown", ["--set", "no_such=1", "list"],
     f"re:dashctl: error: flags: unknown setting\\(s\\) no_such; {SETTINGS}.*", 2, None, {}),
    ("set-without-equals", ["--set", "org_id", "list"],
     "dashctl: error: --set 'org_id': expected KEY=VALUE", 2, None, {}),
    ("env-out-of-range", ["build", "--out", "out"],
     "dashctl: error: environment: setting org_id: must be >= 1: 0", 2, None, {"DASHCTL_ORG_ID": "0"}),
    ("unknown-global-option", ["--nope", "list"],
     "dashctl: error: No such option '--nope'. (see 'dashctl --help')", 2, None, {}),
    ("unknown-command", ["bild"], "dashctl: error: No such command 'bild'. (see 'dashctl --help')", 2, None, {}),
    # the price file: one real file, errors name the path as the user gave it
    ("prices-missing", ["--set", "prices_file=prices/nope.yaml", "build", "--out", "out"],
     "dashctl: error: prices/nope.yaml: price file not found; create it or set prices_file (dashctl.toml, "
     "DASHCTL_PRICES_FILE or --set prices_file=PATH)", 2, None, {}),
    ("prices-directory", ["build", "--out", "out"],
     "dashctl: error: prices: cannot read price file: it is a directory; give a YAML file", 2, mkdir("prices"),
     {"DASHCTL_PRICES_FILE": "prices"}),
    ("prices-malformed-yaml", ["--set", "prices_file=p.yaml", "build", "--out", "out"],
     "re:dashctl: error: p\\.yaml: not valid YAML at line 2: .*", 2, write("p.yaml", "- model: [x\n  b: c\n"), {}),
    ("prices-wrong-type", ["--set", "prices_file=p.yaml", "build", "--out", "out"],
     "re:dashctl: error: p\\.yaml: expected a non-empty list of models \\(- model: .*\\)", 2,
     write("p.yaml", "gpt-4o: 2.5\n"), {}),
    ("prices-negative", ["--set", "prices_file=p.yaml", "provision", "--dir", "prov"],
     "dashctl: error: p.yaml: entry 1 (line 1, model 'gpt-4o'): field output_price_per_1m: must be a finite "
     "price >= 0, got -10", 2, write("p.yaml", PRICES_GOOD.replace("10", "-10")), {}),
    ("prices-not-utf8", ["--set", "prices_file=p.yaml", "build", "--out", "out"],
     "dashctl: error: p.yaml: cannot read price file: not UTF-8 text", 2, write("p.yaml", b"\xff\xfe- model"), {}),
    ("project-prices-malformed", ["build", "--out", "out"],
     "dashctl: error: config/model_prices.yaml: entry 1 (line 1, model 'gpt-4o'): field version: missing", 2,
     write("config/model_prices.yaml", PRICES_GOOD.replace('version: "2025-01-15"', "")), {}),
    # build: unknown uids and modules, broken modules, output directories
    ("build-unknown-uid", ["build", "--out", "out", "--only", "no-such-uid"],
     f"dashctl: error: no dashboard with uid no-such-uid; known: {KNOWN_UIDS}", 2, None, {}),
    ("build-unknown-module", ["build", "--out", "out", "--module", "no_such_module"],
     "dashctl: error: dashboard no_such_module: cannot import: No module named 'no_such_module'", 2, None, {}),
    ("build-module-syntax", ["build", "--out", "out", "--module", "syntax_mod"],
     "re:dashctl: error: dashboard syntax_mod: syntax error at .*/mods/syntax_mod\\.py:2: .*", 2,
     module("syntax_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("build-module-raises", ["build", "--out", "out", "--module", "raising_mod"],
     "re:dashctl: error: dashboard raising_mod: building failed: KeyError: 'missing' \\(.*/mods/raising_mod\\.py:2\\)",
     2, module("raising_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("build-kit-target-string", ["build", "--out", "out", "--module", "string_target_mod"],
     "re:dashctl: error: dashboard string_target_mod: building failed: KitUsageError: kit\\.target needs a queries "
     "expression, not str 'sum\\(rate\\(x\\[5m\\]\\)\\)': build it from the catalog with panels\\.queries "
     "\\(e\\.g\\. q\\.sum_rate\\(metric, by\\)\\) \\(.*/mods/string_target_mod\\.py:5\\)", 2,
     module("string_target_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("build-duplicate-uid", ["build", "--out", "out", "--module", "dup_uid_mod"],
     "dashctl: error: dashboard plano-routing: uid plano-routing is defined twice: in "
     "llm_gateway_dashboards.dashboards.plano_routing and in dup_uid_mod (--module)", 2,
     module("dup_uid_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("build-module-without-dashboard", ["build", "--out", "out", "--module", "empty_mod"],
     "dashctl: error: dashboard empty_mod: defines none of dashboard(settings), dashboards(settings), "
     "overrides(settings)", 2, module("empty_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("build-out-is-a-file", ["build", "--out", "out/.dashctl/manifest.json"],
     "dashctl: error: Invalid value for '--out': Directory 'out/.dashctl/manifest.json' is a file. "
     "(see 'dashctl build --help')", 2, None, {}),
    ("build-folder-is-a-file", ["--set", "title_prefix=[new] ", "build", "--out", "out"],
     "dashctl: error: out/Plano: cannot create directory: a file is in the way where a directory must be; move "
     "that file away or choose another output directory", 2, replace_with_file("out/Plano"), {}),
    ("build-file-is-a-directory", ["--set", "title_prefix=[new] ", "build", "--out", "out"],
     "dashctl: error: out/Plano/plano-routing.json: cannot write: a directory is in the way of this file; move that "
     "directory away or choose another output directory", 2, replace_with_dir("out/Plano/plano-routing.json"), {}),
    ("build-out-under-proc", ["build", "--out", "/proc/nope/out"],
     "dashctl: error: /proc/nope: cannot create directory: No such file or directory; choose an output directory "
     "whose parent exists and can hold directories", 2, None, {}),
    ("build-out-read-only", ["--set", "title_prefix=[new] ", "build", "--out", "ro/out"],
     "re:dashctl: error: ro/out/LLM Observability/llm-cost-dashboard\\.json: cannot write: (Read-only file system; "
     "the file system is read-only|Permission denied; fix its permissions): choose another output directory|"
     "dashctl: error: ro/out/LLM Observability/llm-cost-dashboard\\.json: cannot write: Permission denied; fix its "
     "permissions or choose another output directory", 2, "read-only", {}),
    ("build-out-full", ["--set", "title_prefix=[new] ", "build", "--out", "full/out"],
     "re:dashctl: error: full/out/.*\\.json: cannot write: No space left on device; free some space or choose "
     "another output directory", 2, "full", {}),
    ("build-check-unknown-uid", ["build", "--check", "--out", "out", "--only", "nope"],
     f"dashctl: error: no dashboard with uid nope; known: {KNOWN_UIDS}", 2, None, {}),
    # list
    ("list-unknown-module", ["list", "--module", "no_such_module"],
     "dashctl: error: dashboard no_such_module: cannot import: No module named 'no_such_module'", 2, None, {}),
    ("list-duplicate-uid", ["list", "--format", "json", "--module", "dup_uid_mod"],
     "dashctl: error: dashboard plano-routing: uid plano-routing is defined twice: in "
     "llm_gateway_dashboards.dashboards.plano_routing and in dup_uid_mod (--module)", 2,
     module("dup_uid_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("list-bad-format", ["list", "--format", "xml"],
     "dashctl: error: Invalid value for '--format': 'xml' is not one of 'text', 'json'. "
     "(see 'dashctl list --help')", 2, None, {}),
    # lint
    ("lint-unknown-uid", ["lint", "no-such-uid"],
     f"dashctl: error: no dashboard with uid no-such-uid; known: {KNOWN_UIDS}", 2, None, {}),
    ("lint-broken-module", ["lint", "--format", "json", "--module", "raising_mod"],
     "re:dashctl: error: dashboard raising_mod: building failed: KeyError: 'missing' .*", 2, module("raising_mod"),
     {"PYTHONPATH": "{tmp}/mods"}),
    ("lint-module-syntax", ["lint", "--module", "syntax_mod", "plano-routing"],
     "re:dashctl: error: dashboard syntax_mod: syntax error at .*/mods/syntax_mod\\.py:2: .*", 2,
     module("syntax_mod"), {"PYTHONPATH": "{tmp}/mods"}),
    ("lint-bad-format", ["lint", "--format", "yaml"],
     "dashctl: error: Invalid value for '--format': 'yaml' is not one of 'text', 'json'. "
     "(see 'dashctl lint --help')", 2, None, {}),
    # verify
    ("verify-no-prometheus", ["verify"],
     "dashctl: error: Missing option '--prometheus'. (see 'dashctl verify --help')", 2, None, {}),
    ("verify-bad-url", ["verify", "--prometheus", "ftp://x"],
     "dashctl: error: --prometheus 'ftp://x': expected http(s)://host:port", 2, None, {}),
    ("verify-bad-time", ["verify", "--prometheus", f"http://{UNREACHABLE}", "--at", "yesterday"],
     "dashctl: error: --at 'yesterday': expected now, now-<N>[smhd], unix seconds or RFC 3339", 2, None, {}),
    ("verify-bad-var", ["verify", "--prometheus", f"http://{UNREACHABLE}", "--var", "model"],
     "dashctl: error: --var 'model': expected NAME=VALUE", 2, None, {}),
    ("verify-unknown-uid", ["verify", "--prometheus", f"http://{UNREACHABLE}", "nope"],
     f"dashctl: error: no dashboard with uid nope; known: {KNOWN_UIDS}", 2, None, {}),
    ("verify-unreachable", ["verify", "--prometheus", f"http://{UNREACHABLE}"],
     f"re:dashctl: error: Prometheus at http://{re.escape(UNREACHABLE)}: .*", 3, None, {}),
    # push
    ("push-no-url", ["push"], "dashctl: error: no Grafana URL: set GRAFANA_URL or pass --url", 2, None, {}),
    ("push-no-credentials", ["push", "--url", f"http://{UNREACHABLE}"],
     "dashctl: error: no Grafana credentials: set GRAFANA_TOKEN (service-account token) or GRAFANA_USER and "
     "GRAFANA_PASSWORD", 2, None, {}),
    ("push-bad-url", ["push", "--url", "ftp://grafana"],
     "dashctl: error: the Grafana URL must look like http(s)://host[:port][/path]", 2, None,
     {"GRAFANA_TOKEN": "glsa_x"}),
    ("push-bad-org", ["push", "--url", f"http://{UNREACHABLE}"],
     "dashctl: error: GRAFANA_ORG_ID / --org-id must be a number, not 'one'", 2, None,
     {"GRAFANA_TOKEN": "glsa_x", "GRAFANA_ORG_ID": "one"}),
    ("push-token-file-missing", ["push", "--url", f"http://{UNREACHABLE}", "--token-file", "tok"],
     "dashctl: error: --token-file tok: cannot read: No such file or directory; check the path", 2, None, {}),
    ("push-token-file-directory", ["push", "--url", f"http://{UNREACHABLE}", "--token-file", "mods"],
     "dashctl: error: Invalid value for '--token-file': File 'mods' is a directory. (see 'dashctl push --help')", 2,
     mkdir("mods"), {}),
    ("push-token-file-empty", ["push", "--url", f"http://{UNREACHABLE}", "--token-file", "tok"],
     "dashctl: error: --token-file tok: empty", 2, write("tok", "\n"), {}),
    ("push-prune-with-uids", ["push", "--prune", "brightstaff"],
     "dashctl: error: --prune needs every dashboard: it cannot be combined with UIDs", 2, None, {}),
    ("push-unknown-uid", ["push", "--url", f"http://{UNREACHABLE}", "nope"],
     f"dashctl: error: no dashboard with uid nope; known: {KNOWN_UIDS}", 2, None, {"GRAFANA_TOKEN": "glsa_x"}),
    ("push-connection-refused", ["push", "--url", f"http://{UNREACHABLE}"],
     f"dashctl: error: GET /apis: connection refused [http://{UNREACHABLE}]; check the URL, or pass "
     f"--retry-connect to wait for a Grafana that is starting", 3, None, {"GRAFANA_TOKEN": "glsa_x"}),
    ("push-dns-failure", ["push", "--url", "http://grafana.invalid"],
     "dashctl: error: GET /apis: cannot resolve the host name [http://grafana.invalid]; check the URL, or "
     "pass --retry-connect to wait for a Grafana that is starting", 3, None, {"GRAFANA_TOKEN": "glsa_x"}),
    # provision
    ("provision-dir-under-proc", ["provision", "--dir", "/proc/nope"],
     "dashctl: error: /proc/nope: cannot create directory: No such file or directory; choose an output directory "
     "whose parent exists and can hold directories", 2, None, {}),
    ("provision-dir-is-a-file", ["provision", "--dir", "out/.dashctl/manifest.json"],
     "dashctl: error: Invalid value for '--dir': Directory 'out/.dashctl/manifest.json' is a file. "
     "(see 'dashctl provision --help')", 2, None, {}),
    ("provision-folder-is-a-file", ["--set", "title_prefix=[new] ", "provision", "--dir", "prov"],
     "dashctl: error: prov/dashboards/Plano: cannot create directory: a file is in the way where a directory must "
     "be; move that file away or choose another output directory", 2, replace_with_file("prov/dashboards/Plano"), {}),
    ("provision-relative-grafana-path", ["provision", "--dir", "prov", "--grafana-path", "dashboards"],
     "dashctl: error: --grafana-path 'dashboards': must be an absolute path inside Grafana", 2, None, {}),
    ("provision-org-not-a-number", ["provision", "--dir", "prov", "--org-id", "abc"],
     "dashctl: error: Invalid value for '--org-id': 'abc' is not a valid integer. (see 'dashctl provision --help')",
     2, None, {}),
    ("provision-interval-out-of-range", ["provision", "--dir", "prov", "--update-interval", "0"],
     "dashctl: error: flags: setting update_interval_seconds: must be >= 1: 0", 2, None, {}),
    ("provision-unknown-module", ["provision", "--dir", "prov", "--module", "no_such_module"],
     "dashctl: error: dashboard no_such_module: cannot import: No module named 'no_such_module'", 2, None, {}),
    ("provision-read-only", ["--set", "title_prefix=[new] ", "provision", "--dir", "ro/prov"],
     "re:dashctl: error: ro/prov/.*: cannot write: (Read-only file system; the file system is read-only: choose "
     "another output directory|Permission denied; fix its permissions or choose another output directory)", 2,
     "read-only", {}),
    ("provision-full", ["--set", "title_prefix=[new] ", "provision", "--dir", "full/prov"],
     "re:dashctl: error: full/prov/.*: cannot write: No space left on device; free some space or choose another "
     "output directory", 2, "full", {}),
    # watch (each stops before watching)
    ("watch-bad-setting", ["--set", "org_id=abc", "watch", "--dir", "prov"],
     "dashctl: error: flags: setting org_id: 'abc' is not an integer", 2, None, {}),
    ("watch-relative-grafana-path", ["watch", "--dir", "prov", "--grafana-path", "x"],
     "dashctl: error: --grafana-path 'x': must be an absolute path inside Grafana", 2, None, {}),
    ("watch-debounce-out-of-range", ["watch", "--dir", "prov", "--debounce", "1"],
     "dashctl: error: Invalid value for '--debounce': 1 is not in the range 5<=x<=5000. "
     "(see 'dashctl watch --help')", 2, None, {}),
    ("watch-push-without-url", ["watch", "--dir", "prov", "--push"],
     "dashctl: error: no Grafana URL: set GRAFANA_URL or pass --url", 2, None, {}),
    ("watch-config-missing", ["--config", "nope.toml", "watch", "--dir", "prov"],
     "dashctl: error: nope.toml: settings file not found", 2, None, {}),
    # watch, driven: it reports the error once, keeps watching, and Ctrl-C stops it (exit 0)
    ("watch-running-folder-is-a-file", ["--set", "title_prefix=[new] ", "watch", "--dir", "prov"],
     "dashctl: error: prov/dashboards/Plano: cannot create directory: a file is in the way where a directory must "
     "be; move that file away or choose another output directory", 0, replace_with_file("prov/dashboards/Plano"), {}),
    ("watch-running-broken-module", ["watch", "--dir", "prov", "--module", "raising_mod"],
     "re:dashctl: error: dashboard raising_mod: building failed: KeyError: 'missing' .*", 0, module("raising_mod"),
     {"PYTHONPATH": "{tmp}/mods"}),
]


# --- the directory each case runs in ------------------------------------------------------------------
def _snapshot(root: Path) -> dict:
    """Every entry under root: files by bytes and mtime, directories and links by kind."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(base, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", path.read_bytes(), path.stat().st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def good_trees(tmp_path_factory):
    """One good build (out/) and one good provisioning tree (prov/), copied into each case."""
    where = tmp_path_factory.mktemp("good")
    for args in (["build", "--out", "out"], ["provision", "--dir", "prov"]):
        r = run_dashctl(*args, cwd=where)
        assert r.returncode == 0, r.stderr
    return where


def _mount_works() -> bool:
    probe = Path(f"/tmp/dashctl-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=True)
        return ok
    except (FileNotFoundError, subprocess.CalledProcessError):
        return False
    finally:
        probe.rmdir()


ROOT_USER = os.geteuid() == 0
MOUNT = ROOT_USER and _mount_works()


class Special:
    """A read-only or full directory `ro/` or `full/` holding copies of the good trees."""

    def __init__(self, tmp: Path, kind: str, good: Path):
        self.path, self.kind, self.mounted = tmp / ("ro" if kind == "read-only" else "full"), kind, False
        self.path.mkdir()
        if ROOT_USER and not MOUNT:
            pytest.skip("running as root where mount does not work: no way to make a directory unwritable")
        if kind == "full" and not MOUNT:
            pytest.skip("a full file system needs a tiny tmpfs (mount, as root)")
        if MOUNT:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(self.path)], check=True)
            self.mounted = True
        try:
            self._fill(kind, good)
        except BaseException:
            self.close()
            raise

    def _fill(self, kind: str, good: Path):
        for name in ("out", "prov"):
            shutil.copytree(good / name, self.path / name)
        if kind == "full":
            fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(fd, b"\0" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
        elif MOUNT:
            subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)
        else:
            for base, dirs, _ in os.walk(self.path):
                for d in dirs:
                    os.chmod(Path(base, d), 0o555)
            os.chmod(self.path, 0o555)

    def close(self):
        if self.mounted:
            subprocess.run(["umount", str(self.path)], check=True)
        else:
            for base, _, _ in os.walk(self.path):
                os.chmod(base, 0o755)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_with_its_exit_code_and_leaves_the_tree_as_it_was(tmp_path, good_trees, case):
    _, argv, expected, code, setup, env = case
    for name in ("out", "prov"):
        shutil.copytree(good_trees / name, tmp_path / name)
    special = None
    if isinstance(setup, str):
        special = Special(tmp_path, setup, good_trees)
    elif setup:
        setup(tmp_path)
    try:
        before = _snapshot(tmp_path)
        env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
        argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
        r = _watch_until_ready(argv, tmp_path, env) if case[0].startswith("watch-running") else \
            run_dashctl(*argv, cwd=tmp_path, env=env, timeout=60)
        after = _snapshot(tmp_path)
    finally:
        if special:
            special.close()
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    if expected.startswith("re:"):
        assert re.fullmatch(expected[3:], lines[0]), lines[0]
    else:
        assert lines[0] == expected
    assert r.returncode == code, (r.returncode, r.stderr)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the command changed {changed}"


def _watch_until_ready(argv, cwd, env) -> subprocess.CompletedProcess:
    """`dashctl watch` until it says it is watching, then Ctrl-C."""
    full_env = {**os.environ, **env,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))}
    proc = subprocess.Popen([*CLI, *argv], cwd=cwd, env=full_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        if line.startswith("watching ") or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def test_the_table_covers_every_command_and_at_least_40_cases():
    commands = {next((a for a in argv if a in {"build", "list", "lint", "verify", "push", "provision", "watch"}),
                     "global") for _, argv, *_ in CASES}
    assert commands == {"build", "list", "lint", "verify", "push", "provision", "watch", "global"}
    assert len(CASES) >= 40 and len({c[0] for c in CASES}) == len(CASES)


# --- Ctrl-C during provision ---------------------------------------------------------------------------
MANY = """\
    from llm_gateway_dashboards.panels import kit, plano as p


    def dashboards(s):
        return [kit.board(s, uid=f"many-{i:03d}", title=f"Many {i:03d}", folder=f"Many {i % 7}", desc="generated",
                          rows=[kit.row("R", p.upstream_errors(s), p.upstream_error_ratio(s))]) for i in range(400)]
    """


def _contents(root: Path) -> dict:
    return {k: v[1] for k, v in _snapshot(root).items() if v[0] == "file" and ".tmp" not in k}


def test_ctrl_c_during_provision_leaves_the_tree_all_old_or_all_new(tmp_path):
    """SIGINT at many moments of a provision that rewrites ~400 files: exit 130 with one line (or 0
    when it finished first), never a traceback, and the tree is the old one or the new one, with
    no temporary file left."""
    write("mods/many_boards.py", MANY)(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path / "mods")])}
    base = CLI

    def provision(directory, prefix):
        return [*base, "--set", f"title_prefix={prefix}", "provision", "--dir", str(directory),
                "--module", "many_boards"]

    states = {}
    for prefix in ("[old] ", "[new] "):
        started = time.monotonic()
        subprocess.run(provision(tmp_path / prefix.strip("[] "), prefix), env=env, check=True, capture_output=True)
        took = time.monotonic() - started  # the signals land from the end of start-up to the end of the run
        states[prefix] = _contents(tmp_path / prefix.strip("[] "))
    assert states["[old] "] != states["[new] "]
    interrupted = 0
    for delay in [took * f for f in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]:
        work = tmp_path / f"run-{delay:.3f}"
        shutil.copytree(tmp_path / "old", work)
        proc = subprocess.Popen(provision(work, "[new] "), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        if proc.returncode == 130:
            interrupted += 1
            assert err == "dashctl: interrupted\n"
        else:
            assert proc.returncode == 0 and err == "", (proc.returncode, err)
        now = _contents(work)
        assert now in (states["[old] "], states["[new] "]), f"interrupted after {delay} s: a mixed tree"
        assert not [p for p in _snapshot(work) if ".tmp" in p], "temporary files left behind"
    assert interrupted, "no run was interrupted: the provision ended before the first signal"
