"""A small, careful HTTP client for Grafana: the classic API's endpoints, and `request` for any path
(the resource API under /apis: dashctl/pusher/resource.py) (/work/shared/docs/grafana-api.md).

One `requests.Session` (keep-alive, connection pool sized for the push workers), a timeout on
every request, retries with exponential backoff and jitter (honouring `Retry-After`, capped) of
what can recover: answers 429, 500, 502, 503 and 504, a connection reset or closed mid-request,
and timeouts (connect or read). A refused connection and a host name that does not resolve
fail at once (nothing listens there: waiting rarely helps) unless `retry_connect`, for a
Grafana that is still starting. A bounded number of attempts, and typed errors:
`AuthError` (401/403, never retried), `ApiError` (any other refusal: status, Grafana's
`status`/`messageId` and its message). Secrets never appear in an error, a log line or a repr:
requests' own exceptions are replaced by a sanitised one-line description.
"""

from __future__ import annotations

import base64
import email.utils
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

from llm_gateway_dashboards.dashctl.errors import ConfigError, RemoteError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})  # grafana-api.md: overload answers 429, 503 or 504
MIN_SCRUB = 6
SEARCH_LIMIT = 1000  # grafana-api.md: /api/search limit defaults to 1000, above 5000 -> 422


class ApiError(RemoteError):
    """Grafana answered with an error: HTTP `status`, its `reason` (`status`/`messageId`) and `message`."""

    def __init__(self, method: str, path: str, status: int, message: str, reason: str = "", attempts: int = 1,
                 hint: str = ""):
        self.method, self.path, self.status, self.message, self.reason = method, path, status, message, reason
        self.attempts, self.hint = attempts, hint
        super().__init__(self._text())

    def _text(self) -> str:
        what = f"{self.status} {self.message}" + (f" ({self.reason})" if self.reason else "")
        tail = f" (gave up after {self.attempts} attempts)" if self.attempts > 1 else ""
        return f"{self.method} {self.path}: {what}{tail}" + (f"; {self.hint}" if self.hint else "")


class TransportError(RemoteError):
    """No usable answer: connection refused or broken, timeout, TLS failure."""


class AuthError(ApiError):
    """401 (bad or missing credentials) or 403 (not allowed). Never retried."""

    def _text(self) -> str:
        if self.status == 401:
            hint = ("Grafana refused the credentials; check GRAFANA_TOKEN (a service-account token of this "
                    "Grafana and organisation) or GRAFANA_USER/GRAFANA_PASSWORD")
        else:
            hint = "the credentials are not allowed to do this (the service account needs the Editor role or more)"
        return f"{super()._text()}: {hint}"


class GrafanaClient:
    """Grafana's classic API with one Session. Safe to share between threads.

    `url` may carry a path prefix (Grafana served under a sub-path). Credentials: a
    service-account `token` (Bearer) or `user`/`password` (Basic); `org_id` is sent as
    X-Grafana-Org-Id. `attempts` bounds the tries of one request; the wait before try k+1
    is min(backoff_cap, backoff * 2**(k-1)) with +-50% jitter, or Retry-After (capped at
    `retry_after_cap`) when Grafana sends one. `log(message, level)` receives request lines
    (level 2), retries (1) and redacted headers (3).
    """

    def __init__(self, url: str, *, token: str | None = None, user: str | None = None,
                 password: str | None = None, org_id: int | None = None, timeout: float | tuple = (5.0, 30.0),
                 attempts: int = 5, backoff: float = 0.5, backoff_cap: float = 8.0, retry_after_cap: float = 30.0,
                 pool_size: int = 16, verify: bool | str = True, log: Callable[[str, int], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, user_agent: str = "dashctl",
                 retry_connect: bool = False):
        base, url_user, url_password = _split_url(url)
        user, password = user or url_user, password if password is not None else url_password
        self.url = base
        self.timeout = timeout
        self.attempts = max(1, int(attempts))
        self.retry_connect = retry_connect
        self.backoff, self.backoff_cap, self.retry_after_cap = backoff, backoff_cap, retry_after_cap
        self._sleep = sleep
        self._log = log or (lambda message, level=1: None)
        self._secrets: list[str] = []
        self._rand = random.Random()
        self._rand_lock = threading.Lock()
        self.session = requests.Session()
        # read proxy and CA settings from the environment once, not on every request (requests
        # re-scans os.environ per request when trust_env is on: a fifth of a request's CPU)
        self.session.trust_env = False
        self.session.proxies = requests.utils.get_environ_proxies(base)  # honours no_proxy
        if verify is True:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.session.verify = verify
        self.pool_size = 0
        self.ensure_pool(pool_size)
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        token = token.strip() if token else token
        if token:
            _check_secret(token, "the Grafana token", spaces_ok=False)
            headers["Authorization"] = f"Bearer {token}"
            self._secrets.append(token)
            self.auth = "token"
        elif user:
            pair = f"{user}:{password or ''}"
            _check_secret(pair, "the Grafana user or password", spaces_ok=True)
            encoded = base64.b64encode(pair.encode()).decode()
            headers["Authorization"] = f"Basic {encoded}"
            self._secrets.extend(s for s in (password, encoded) if s)
            self.auth = "basic"
        else:
            self.auth = "none"
        self.org_id = int(org_id) if org_id is not None else None
        if org_id is not None:
            headers["X-Grafana-Org-Id"] = str(int(org_id))
        self.session.headers.update(headers)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, url: str | None = None, token: str | None = None,
                 user: str | None = None, org_id: int | str | None = None, require_auth: bool = True, **kw):
        """GRAFANA_URL, GRAFANA_TOKEN or GRAFANA_USER/GRAFANA_PASSWORD, GRAFANA_ORG_ID; arguments win."""
        env = os.environ if environ is None else environ
        url = url or env.get("GRAFANA_URL", "")
        if not url:
            raise ConfigError("no Grafana URL: set GRAFANA_URL or pass --url")
        token = token or env.get("GRAFANA_TOKEN") or None
        user = user or env.get("GRAFANA_USER") or None
        password = env.get("GRAFANA_PASSWORD")
        org = org_id if org_id not in (None, "") else env.get("GRAFANA_ORG_ID") or None
        if org is not None:
            try:
                org = int(org)
            except ValueError:
                raise ConfigError(f"GRAFANA_ORG_ID / --org-id must be a number, not {org!r}") from None
        _, url_user, _ = _split_url(url)
        if require_auth and not (token or user or url_user):
            raise ConfigError("no Grafana credentials: set GRAFANA_TOKEN (service-account token) "
                              "or GRAFANA_USER and GRAFANA_PASSWORD")
        if user and not token and password is None and not url_user:
            raise ConfigError("GRAFANA_USER is set but GRAFANA_PASSWORD is not")
        return cls(url, token=token, user=user, password=password, org_id=org, **kw)

    def ensure_pool(self, size: int) -> None:
        """Keep up to `size` connections alive (one per concurrent request, so none is discarded)."""
        with self._rand_lock:
            if size <= self.pool_size:
                return
            self.pool_size = size
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"GrafanaClient({self.url!r}, auth={self.auth})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ plumbing
    def scrub(self, text: str) -> str:
        """`text` with every secret this client holds replaced by ***."""
        for s in self._secrets:
            if len(s) >= MIN_SCRUB:  # shorter ones would blank out ordinary words (and never get printed anyway)
                text = text.replace(s, "***")
        return text

    def log(self, message: str, level: int = 1) -> None:
        self._log(self.scrub(message), level)

    def link(self, path: str) -> str:
        """An absolute URL for a path Grafana answered (e.g. a dashboard's /d/<uid>/<slug>)."""
        return self.url + path if path.startswith("/") else path

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            base = min(max(retry_after, 0.0), self.retry_after_cap)
            with self._rand_lock:
                return base + self._rand.uniform(0, min(0.1 * base, 1.0))
        exp = min(self.backoff_cap, self.backoff * 2 ** (attempt - 1))
        with self._rand_lock:
            return exp * self._rand.uniform(0.5, 1.5)

    def request(self, method: str, path: str, *, params=None, json=None, ok=(200,)) -> object:
        """Send one request (retrying transient failures); the decoded JSON body of a success."""
        url = self.url + path
        data = orjson.dumps(json) if json is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else None
        last = ""
        for attempt in range(1, self.attempts + 1):
            started = time.perf_counter()
            if attempt == 1:
                self._log_headers(method, path)
            try:
                resp = self.session.request(method, url, params=params, data=data, headers=headers,
                                            timeout=self.timeout)
            except requests.RequestException as exc:
                last = self.scrub(_describe(exc, self.timeout))
                unreachable = _unreachable(exc)
                if attempt < self.attempts and _transient(exc) and (self.retry_connect or not unreachable):
                    wait = self._wait(attempt, None)
                    self.log(f"{method} {path}: {last}; retry {attempt}/{self.attempts - 1} in {wait:.2f} s", 1)
                    self._sleep(wait)
                    continue
                tail = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                hint = ("; check the URL, or pass --retry-connect to wait for a Grafana that is starting"
                        if unreachable and not self.retry_connect else "")
                raise TransportError(f"{method} {path}: {last} [{self.url}]{tail}{hint}") from None
            elapsed = (time.perf_counter() - started) * 1000
            self.log(f"{method} {path} -> {resp.status_code} in {elapsed:.0f} ms", 2)
            if resp.status_code in ok:
                return _json(resp)
            if resp.status_code in RETRY_STATUSES and attempt < self.attempts:
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                wait = self._wait(attempt, retry_after)
                note = f", Retry-After {resp.headers['Retry-After']}" if retry_after is not None else ""
                self.log(f"{method} {path}: {resp.status_code}{note}; retry {attempt}/{self.attempts - 1} "
                         f"in {wait:.2f} s", 1)
                self._sleep(wait)
                continue
            raise self._error(method, path, resp, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _log_headers(self, method: str, path: str) -> None:
        shown = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in self.session.headers.items()}
        self.log(f"{method} {self.url}{path} headers {shown}", 3)

    def _error(self, method: str, path: str, resp: requests.Response, attempt: int) -> ApiError:
        body = _json(resp, default=None)
        message, reason = "", ""
        if isinstance(body, dict):
            message = str(body.get("message") or "")
            if body.get("kind") == "Status":  # RES-16: the resource API's Kubernetes Status (key on its reason)
                reason = str(body.get("reason") or "")
            else:
                reason = str(body.get("status") or body.get("messageId") or "")
        if not message:
            message = resp.reason or "error"
        message = self.scrub(" ".join(message.split()))[:300]
        kind = AuthError if resp.status_code == 401 or (
            resp.status_code == 403 and "quota" not in message.lower()) else ApiError
        return kind(method, path, resp.status_code, message, self.scrub(reason), attempts=attempt)

    # ------------------------------------------------------------------ endpoints
    def check_access(self) -> None:
        """One cheap authenticated request: bad credentials or an unreachable Grafana fail here, once."""
        self.request("GET", "/api/search", params={"type": "dash-db", "limit": 1})

    def health(self) -> dict:
        return self.request("GET", "/api/health")

    def _get_or_none(self, path: str) -> dict | None:
        """GET path, or None on 404 (an auth error still raises)."""
        try:
            return self.request("GET", path)
        except ApiError as exc:
            if exc.status == 404 and not isinstance(exc, AuthError):
                return None
            raise

    def _pages(self, path: str, params: list[tuple[str, str]]):
        """Each page of a paged listing (limit SEARCH_LIMIT), until a short or non-list page."""
        page = 1
        while True:
            batch = self.request("GET", path, params=[*params, ("limit", str(SEARCH_LIMIT)), ("page", str(page))])
            yield batch
            if not isinstance(batch, list) or len(batch) < SEARCH_LIMIT:
                return
            page += 1

    def get_dashboard(self, uid: str) -> dict | None:
        """{"dashboard": ..., "meta": ...}, or None when there is no such dashboard."""
        return self._get_or_none(f"/api/dashboards/uid/{uid}")

    def save_dashboard(self, dashboard: dict, folder_uid: str, *, message: str = "",
                       overwrite: bool = False) -> dict:
        # grafana-api.md: omitting folderUid on an update moves the dashboard to the root; always send it
        body = {"dashboard": dashboard, "folderUid": folder_uid, "overwrite": overwrite, "message": message[:500]}
        return self.request("POST", "/api/dashboards/db", json=body)

    def delete_dashboard(self, uid: str) -> dict:
        return self.request("DELETE", f"/api/dashboards/uid/{uid}")

    def search(self, *, tags=(), kind: str = "dash-db", query: str = "") -> list[dict]:
        """Every hit (all pages). `tags` are ANDed, as Grafana does."""
        params = [("type", kind)] + [("tag", t) for t in tags]  # grafana-api.md: `tag` is a repeated parameter
        if query:
            params.append(("query", query))
        hits: list[dict] = []
        for batch in self._pages("/api/search", params):
            if not isinstance(batch, list):
                raise RemoteError(f"GET /api/search: unexpected answer from {self.url}")
            hits.extend(batch)
        return hits

    def get_folder(self, uid: str) -> dict | None:
        return self._get_or_none(f"/api/folders/{uid}")

    def list_folders(self, parent_uid: str = "") -> list[dict]:
        params = [("parentUid", parent_uid)] if parent_uid else []
        return [f for batch in self._pages("/api/folders", params) if isinstance(batch, list) for f in batch]

    def create_folder(self, uid: str, title: str, parent_uid: str = "") -> dict:
        body = {"uid": uid, "title": title}
        if parent_uid:
            body["parentUid"] = parent_uid
        return self.request("POST", "/api/folders", json=body)


# ---------------------------------------------------------------------- helpers
def _split_url(url: str) -> tuple[str, str | None, str | None]:
    """(base URL without credentials or trailing slash, user, password) of a Grafana URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("the Grafana URL must look like http(s)://host[:port][/path]")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("the Grafana URL has an invalid port") from None
    netloc = f"{host}:{port}" if port else host
    base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return base, parts.username or None, parts.password


def _check_secret(value: str, what: str, spaces_ok: bool) -> None:
    # requests would quote the whole header value (the secret) in its InvalidHeader message: refuse first
    if any(ord(c) < 0x20 or ord(c) == 0x7F or (c == " " and not spaces_ok) for c in value):
        raise ConfigError(f"{what} contains whitespace or control characters (a stray newline?)")
    if not spaces_ok and not value.isascii():
        raise ConfigError(f"{what} contains non-ASCII characters")


def _json(resp: requests.Response, default=...):
    if not resp.content:
        return {} if default is ... else default
    try:
        return orjson.loads(resp.content)
    except ValueError:
        if default is not ...:
            return default
        raise RemoteError(f"{resp.request.method} {urlsplit(resp.url).path}: answer is not JSON "
                          f"(status {resp.status_code}); is the URL a Grafana?") from None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _transient(exc: requests.RequestException) -> bool:
    return isinstance(exc, (requests.ConnectionError, requests.Timeout)) and not isinstance(
        exc, requests.exceptions.SSLError)


def _unreachable(exc: requests.RequestException) -> bool:
    """Nothing listens there (connection refused) or the host name does not resolve."""
    if isinstance(exc, requests.Timeout):
        return False
    names = {type(e).__name__ for e in _causes(exc)}
    return bool(names & {"ConnectionRefusedError", "gaierror", "NameResolutionError"})


def _causes(exc: BaseException):
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.extend([e.__cause__, e.__context__, getattr(e, "reason", None)])
        stack.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))


def _describe(exc: requests.RequestException, timeout) -> str:
    """A one-line description of a requests failure that carries no header, body or credential."""
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    connect = timeout[0] if isinstance(timeout, tuple) else timeout
    if isinstance(exc, requests.ConnectTimeout):
        return f"could not connect within {connect:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {read:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate or protocol)"
    names = [type(e).__name__ for e in _causes(exc)]
    if "ConnectionRefusedError" in names:
        return "connection refused"
    if "gaierror" in names or "NameResolutionError" in names:
        return "cannot resolve the host name"
    if "RemoteDisconnected" in names:
        return "connection closed without an answer"
    if "ConnectionResetError" in names:
        return "connection reset"
    if "ProtocolError" in names or "ChunkedEncodingError" in names:
        return "connection broken during the answer"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return "invalid URL"
    return f"request failed ({type(exc).__name__})"
