"""GrafanaClient against the stand-in Grafana: retries, backoff, Retry-After, typed errors, no leaked secret."""

from __future__ import annotations

import os
import socket
import sys
import traceback

import pytest

from llm_gateway_dashboards.dashctl.errors import ConfigError
from llm_gateway_dashboards.dashctl.grafana_client import (
    ApiError,
    AuthError,
    GrafanaClient,
    TransportError,
    _retry_after,
)

sys.path.insert(0, os.path.dirname(__file__))
from grafana_standin import StandInGrafana  # noqa: E402

TOKEN = "glsa_client_test_5ecret"


@pytest.fixture
def g():
    with StandInGrafana(token=TOKEN, basic=("admin", "pw-5ecret"), viewer_tokens={"glsa_viewer"}) as server:
        yield server


def client(g, sleeps=None, **kw):
    kw.setdefault("token", TOKEN)
    kw.setdefault("backoff", 0.01)
    if sleeps is not None:
        kw["sleep"] = sleeps.append  # record the waits instead of waiting
    return GrafanaClient(g.url, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_503_burst_is_retried_with_growing_jittered_backoff(g):
    sleeps = []
    c = client(g, sleeps, backoff=1.0, backoff_cap=100, attempts=5)
    g.fail_next(3, 503)
    assert c.search() == []
    assert len(g.requests) == 4
    # exponential 1, 2, 4 s with +-50 % jitter
    for wait, base in zip(sleeps, (1, 2, 4), strict=True):
        assert 0.5 * base <= wait <= 1.5 * base


def test_backoff_is_capped(g):
    sleeps = []
    c = client(g, sleeps, backoff=1.0, backoff_cap=2.0, attempts=6)
    g.fail_next(5, 502)
    c.search()
    assert max(sleeps) <= 3.0 and len(sleeps) == 5


def test_429_honours_retry_after_and_caps_it(g):
    sleeps = []
    c = client(g, sleeps, retry_after_cap=5.0)
    g.fail_next(1, 429, retry_after=3)
    g_first = c.search()
    assert g_first == [] and 3.0 <= sleeps[0] <= 3.3
    g.fail_next(1, 429, retry_after=3600)
    c.search()
    assert 5.0 <= sleeps[1] <= 5.5  # capped, not an hour


def test_retry_after_header_forms():
    assert _retry_after("7") == 7.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: retry now


def test_attempts_are_bounded_and_the_error_is_clear(g):
    sleeps = []
    c = client(g, sleeps, attempts=4)
    g.fail_next(100, 503)
    with pytest.raises(ApiError) as info:
        c.search()
    assert len(g.requests) == 4 and len(sleeps) == 3
    assert info.value.status == 503 and info.value.exit_code == 3
    assert str(info.value) == "GET /api/search: 503 Service Unavailable (gave up after 4 attempts)"


def test_dropped_connections_are_retried(g):
    c = client(g)
    g.drop_next(2)
    assert c.search() == []
    assert len(g.requests) == 3


def test_timeout_on_every_request(g):
    c = client(g, timeout=0.2, attempts=2)
    g.delay(1.0)
    with pytest.raises(TransportError) as info:
        c.search()
    g.delay(0)
    assert "no answer within 0.2 s" in str(info.value) and "gave up after 2 attempts" in str(info.value)
    assert len(g.requests) == 2


def test_401_is_not_retried_and_says_what_to_check(g):
    c = client(g, token="glsa_wrong")
    with pytest.raises(AuthError) as info:
        c.search()
    assert len(g.requests) == 1
    assert info.value.exit_code == 3 and info.value.status == 401
    assert "Invalid API key" in str(info.value) and "GRAFANA_TOKEN" in str(info.value)


def test_403_is_auth_error_but_quota_is_not(g):
    viewer = client(g, token="glsa_viewer")
    with pytest.raises(AuthError) as info:
        viewer.create_folder("f1", "F1")
    assert info.value.status == 403 and len(g.writes()) == 1
    g.max_dashboards = 0
    with pytest.raises(ApiError) as info:
        client(g).save_dashboard({"uid": "q", "title": "Q"}, "")
    assert not isinstance(info.value, AuthError) and "Quota reached" in str(info.value)


def test_400_carries_grafana_message_and_is_not_retried(g):
    c = client(g)
    with pytest.raises(ApiError) as info:
        c.save_dashboard({"uid": "bad uid!", "title": "T"}, "")
    assert info.value.status == 400 and info.value.message == "uid contains illegal characters"
    assert len(g.requests) == 1


def test_404_means_none_for_reads(g):
    c = client(g)
    assert c.get_dashboard("nope") is None and c.get_folder("nope") is None


def test_basic_auth_and_org_header(g):
    c = GrafanaClient(g.url, user="admin", password="pw-5ecret", org_id=2)
    c.save_dashboard({"uid": "o2", "title": "In org 2"}, "")
    assert "o2" in g.dashboards(org=2) and "o2" not in g.dashboards(org=1)
    assert g.requests[-1].header("X-Grafana-Org-Id") == "2"


def test_credentials_in_the_url_are_used_and_never_shown(g):
    url = g.url.replace("http://", "http://admin:pw-5ecret@") + "/"
    c = GrafanaClient(url)
    assert c.search() == []
    assert "pw-5ecret" not in repr(c) and "pw-5ecret" not in c.url and not c.url.endswith("/")


def test_connection_error_text_never_contains_the_token():
    c = GrafanaClient(f"http://127.0.0.1:{free_port()}", token=TOKEN, attempts=2, backoff=0.01, retry_connect=True)
    with pytest.raises(TransportError) as info:
        c.search()
    text = "".join(traceback.format_exception(info.value))
    assert "connection refused" in str(info.value) and "gave up after 2 attempts" in str(info.value)
    assert TOKEN not in text and "Bearer" not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_token_with_a_newline_is_refused_without_echoing_it():
    bad = TOKEN + "\nX-Evil: 1"
    with pytest.raises(ConfigError) as info:
        GrafanaClient("http://127.0.0.1:1", token=bad)
    assert TOKEN not in str(info.value)
    # a trailing newline (from a secret file or a Kubernetes secret) is just trimmed
    assert GrafanaClient("http://127.0.0.1:1", token=TOKEN + "\n").auth == "token"


def test_logs_redact_the_authorization_header(g):
    lines = []
    c = client(g, log=lambda m, level=1: lines.append(m))
    g.fail_next(1, 503)
    c.search()
    text = "\n".join(lines)
    assert "<redacted>" in text and "retry 1/4" in text and "GET /api/search -> 200" in text
    assert TOKEN not in text


def test_from_env_needs_url_and_credentials():
    with pytest.raises(ConfigError, match="GRAFANA_URL"):
        GrafanaClient.from_env({})
    with pytest.raises(ConfigError, match="credentials"):
        GrafanaClient.from_env({"GRAFANA_URL": "http://g:3000"})
    with pytest.raises(ConfigError, match="ORG_ID"):
        GrafanaClient.from_env({"GRAFANA_URL": "http://g:3000", "GRAFANA_TOKEN": "t", "GRAFANA_ORG_ID": "x"})
    c = GrafanaClient.from_env({"GRAFANA_URL": "http://g:3000", "GRAFANA_TOKEN": "t"}, url="https://other/grafana/")
    assert c.url == "https://other/grafana" and c.auth == "token"  # the argument beats the environment


# --- what is retried (README "Push from a deploy pipeline"): issue 13, point 6 -------------------------
def test_a_refused_connection_fails_at_once_unless_retry_connect():
    sleeps = []
    url = f"http://127.0.0.1:{free_port()}"
    c = GrafanaClient(url, token=TOKEN, attempts=5, sleep=sleeps.append)
    with pytest.raises(TransportError) as info:
        c.search()
    assert str(info.value) == (f"GET /api/search: connection refused [{url}]; check the URL, or pass "
                               f"--retry-connect to wait for a Grafana that is starting")
    assert info.value.exit_code == 3 and sleeps == []  # not retried: no wait at all
    c = GrafanaClient(url, token=TOKEN, attempts=3, sleep=sleeps.append, retry_connect=True)
    with pytest.raises(TransportError, match=r"connection refused .*\(gave up after 3 attempts\)$"):
        c.search()
    assert len(sleeps) == 2


def test_a_host_that_does_not_resolve_fails_at_once():
    sleeps = []
    c = GrafanaClient("http://no-such-host.invalid", token=TOKEN, attempts=5, sleep=sleeps.append)
    with pytest.raises(TransportError, match=r"cannot resolve the host name .*--retry-connect"):
        c.search()
    assert sleeps == []


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_429_and_5xx_answers_are_retried(g, status):
    sleeps = []
    g.fail_next(2, status)
    assert client(g, sleeps).search() == [] and len(g.requests) == 3 and len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 404, 409, 412, 501])
def test_other_answers_are_not_retried(g, status):
    sleeps = []
    g.fail_next(1, status)
    with pytest.raises(ApiError):
        client(g, sleeps).request("GET", "/api/search")
    assert len(g.requests) == 1 and sleeps == []


def test_a_connection_reset_mid_request_is_retried():
    """A server that resets the first connection after reading the request, then answers."""
    import threading

    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    seen = []

    def serve():
        for n in range(2):
            conn, _ = server.accept()
            seen.append(conn.recv(65536).split(b"\r\n", 1)[0])
            if n == 0:  # RST instead of an answer
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            else:
                conn.sendall(answer)
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    sleeps = []
    c = GrafanaClient(f"http://127.0.0.1:{server.getsockname()[1]}", token=TOKEN, sleep=sleeps.append)
    assert c.search() == []
    t.join(5)
    server.close()
    assert seen == [b"GET /api/search?type=dash-db&limit=1000&page=1 HTTP/1.1"] * 2 and len(sleeps) == 1
