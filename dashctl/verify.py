"""`dashctl verify`: run every target of every panel on a real Prometheus, as Grafana would with
every variable set to All, and report the panels that would show "No data" or an error.

Grafana's variables are substituted by dashctl.grafana_vars: `$__rate_interval`,
`$__interval` and `$__range` as Grafana computes them for the dashboard's time range and
the scrape interval; a dashboard variable becomes its All value (`.*`) inside matchers, or
its first value when it has no All. Range targets run as range queries over the dashboard's
time range ending at `--at`, instant targets as instant queries at `--at`.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

import attrs
import requests

from llm_gateway_dashboards.dashctl import grafana_vars as gv
from llm_gateway_dashboards.dashctl.compile import Compiled
from llm_gateway_dashboards.dashctl.errors import ConfigError, RemoteError
from llm_gateway_dashboards.dashctl.lint import LABEL_VALUES, Finding, iter_panels, variables

ALL = ".*"


def redact(url: str) -> str:
    """The URL without user:password (never printed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class Prometheus:
    """The three API calls verify needs; any transport failure is a RemoteError (exit 3)."""

    def __init__(self, url: str, timeout: float = 30.0):
        if not re.match(r"^https?://", url or ""):
            raise ConfigError(f"--prometheus {redact(url)!r}: expected http(s)://host:port")
        self.url, self.timeout = url.rstrip("/"), timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def _get(self, path: str, params) -> dict:
        try:
            r = self._session().get(f"{self.url}{path}", params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RemoteError(f"Prometheus at {redact(self.url)}: {type(exc).__name__}: cannot connect") from None
        try:
            body = r.json()
        except ValueError:
            raise RemoteError(f"Prometheus at {redact(self.url)}{path}: HTTP {r.status_code}, not JSON") from None
        if r.status_code in (400, 422) and body.get("status") == "error":
            return body  # a bad query: the caller reports it on the panel
        if r.status_code != 200:
            raise RemoteError(f"Prometheus at {redact(self.url)}{path}: HTTP {r.status_code}: "
                              f"{body.get('error', '')}")
        return body

    def query(self, expr: str, at: float) -> dict:
        return self._get("/api/v1/query", {"query": expr, "time": _ts(at)})

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict:
        return self._get("/api/v1/query_range", {"query": expr, "start": _ts(start), "end": _ts(end), "step": step})

    def label_values(self, label: str, match: str, start: float, end: float) -> list[str]:
        body = self._get(f"/api/v1/label/{label}/values", {"match[]": match, "start": _ts(start), "end": _ts(end)})
        return list(body.get("data") or []) if body.get("status") == "success" else []


def _ts(t: float) -> str:
    return f"{t:.3f}"


def parse_time(text: str, now: float | None = None) -> float:
    """`now`, `now-1h`, unix seconds, or RFC 3339 (2025-01-31T12:00:00Z) -> unix seconds."""
    now = time.time() if now is None else now
    text = (text or "now").strip()
    m = re.fullmatch(r"now(?:-(\d+)([smhd]))?", text)
    if m:
        return now - (int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] if m.group(1) else 0)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--at {text!r}: expected now, now-<N>[smhd], unix seconds or RFC 3339") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def parse_duration(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", (text or "").strip())
    if not m:
        raise ConfigError(f"duration {text!r}: expected e.g. 15s, 1h")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def dashboard_range(model: dict) -> float:
    """Seconds of the dashboard's default time range (`now-1h` -> 3600)."""
    m = re.fullmatch(r"now-(\d+)([smhdwMy])", (model.get("time") or {}).get("from", "now-1h"))
    if not m:
        return 3600.0
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000,
                              "y": 31536000}[m.group(2)]


@attrs.frozen
class Result:
    """One target, run: the query as sent, how many series came back, the error if any."""

    dashboard: str
    panel: str
    ref: str
    query: str
    instant: bool
    series: int = 0
    error: str = ""
    data: list = attrs.field(factory=list, eq=False, repr=False)  # Prometheus' result list


@attrs.frozen
class Options:
    at: float
    scrape_interval: float = 15.0
    range: float | None = None  # seconds; None: each dashboard's own time range
    variables: dict = attrs.field(factory=dict)  # name -> value, instead of All
    instant: bool = False  # True: every target as an instant query at `at` (spot checks)


def _variable_values(c: Compiled, prom: Prometheus, opts: Options, durations: gv.Durations,
                     start: float) -> tuple[dict, dict, list[Finding]]:
    """Each variable's value (in matchers, and outside strings): All (`.*`), a given value, or its
    first value; plus findings for query variables without any value."""
    values: dict[str, str] = {}
    code: dict[str, str] = dict(opts.variables)
    findings = []
    for name, var in variables(c.model).items():
        if var.get("type") == "datasource":
            continue
        if name in opts.variables:
            values[name] = opts.variables[name]
            continue
        query = var.get("query")
        definition = query.get("query", "") if isinstance(query, dict) else (query or var.get("definition", ""))
        m = LABEL_VALUES.match(definition or "")
        found = None
        if m and m.group(2) and var.get("type") == "query":
            match = gv.substitute(m.group(1), durations, strings=values)
            found = prom.label_values(m.group(2), match, start, opts.at)
            if not found:
                findings.append(Finding(c.uid, "", "no-data", f"variable {name}: label_values({match}, "
                                                              f"{m.group(2)}) has no values"))
        if var.get("includeAll"):
            values[name] = var.get("allValue") or (f"({'|'.join(map(re.escape, found))})" if found else ALL)
            continue
        current = (var.get("current") or {}).get("value")
        values[name] = found[0] if found else (current if isinstance(current, str) else ALL)
        if values[name] != ALL:
            code.setdefault(name, values[name])
    return values, code, findings


def run_dashboard(c: Compiled, prom: Prometheus, opts: Options, panels: Iterable[str] | None = None,
                  pool: ThreadPoolExecutor | None = None) -> tuple[list[Result], list[Finding]]:
    """Run the targets of a dashboard (or of the named panels) at opts.at."""
    span = opts.range or dashboard_range(c.model)
    durations = gv.grafana_durations(span, opts.scrape_interval)
    end = opts.at - opts.at % durations.interval
    start = end - span
    values, code, findings = _variable_values(c, prom, opts, durations, start)
    wanted = set(panels) if panels is not None else None
    jobs = []
    for p in iter_panels(c.model):
        if wanted is not None and p.get("title") not in wanted:
            continue
        for t in p.get("targets") or []:
            expr = t.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                continue
            instant = opts.instant or (bool(t.get("instant")) and not t.get("range", False))
            query = gv.substitute(expr, durations, variables=code, strings=values)
            jobs.append((p.get("title", ""), t.get("refId", "?"), query, instant))

    def one(job) -> Result:
        title, ref, query, instant = job
        body = prom.query(query, opts.at) if instant else prom.query_range(query, start, end, durations.interval)
        if body.get("status") != "success":
            return Result(c.uid, title, ref, query, instant, 0, body.get("error") or "query failed")
        data = (body.get("data") or {}).get("result") or []
        return Result(c.uid, title, ref, query, instant, len(data) if isinstance(data, list) else 1, "", data)

    results = list(pool.map(one, jobs)) if pool else [one(j) for j in jobs]
    return results, findings


def problems(results: Iterable[Result]) -> list[Finding]:
    """Panels whose targets failed, or none of whose targets returned a series."""
    panels: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        panels.setdefault((r.dashboard, r.panel), []).append(r)
    out = []
    for (uid, title), rs in panels.items():
        for r in rs:
            if r.error:
                out.append(Finding(uid, title, "query-error", f"{r.ref}: {r.error}: {r.query}"))
        if not any(r.series for r in rs):
            out.append(Finding(uid, title, "no-data", "no target returned data: "
                                                      + "; ".join(f"{r.ref}: {r.query}" for r in rs)))
    return out


def verify(compiled_list: Iterable[Compiled], prom: Prometheus, opts: Options,
           workers: int = 4) -> tuple[list[Result], list[Finding]]:
    """Every target of every dashboard; (results, findings: panels without data or with errors)."""
    results: list[Result] = []
    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for c in compiled_list:
            rs, fs = run_dashboard(c, prom, opts, pool=pool)
            results.extend(rs)
            findings.extend(fs)
    return results, findings + problems(results)
