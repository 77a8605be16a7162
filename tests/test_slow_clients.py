"""`diary serve` against slow and greedy clients, over real sockets on the loopback.

Waitress's own defaults let 105 half-open sockets keep everyone out of the diary
(`connection_limit` 100) and spool a gigabyte body to disk before the diary could
refuse it; `diary serve` sets its limits (commands/serve.py, docs/security.md).
"""

import socket
import time
import urllib.request

import pytest

from tests.server import DiaryServer

SLOW_CLIENTS = 150


@pytest.fixture
def server(tmp_path):
    served = DiaryServer(tmp_path / "instance", DIARY_BACKUP_KEEP="0").start()
    yield served
    served.stop()


def healthz_seconds(server: DiaryServer) -> float:
    """Return how long /healthz took to answer 200 (at most one second is waited)."""
    started = time.monotonic()
    with urllib.request.urlopen(server.url + "/healthz", timeout=1) as response:
        assert response.status == 200
    return time.monotonic() - started


def test_a_slowloris_of_150_sockets_does_not_keep_others_out(server):
    sockets = []
    try:
        for _ in range(SLOW_CLIENTS):
            slow = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            slow.sendall(b"GET /healthz HT")  # a request line, never finished
            sockets.append(slow)
        for _ in range(3):
            # One more byte each now and then, so that none of them is ever idle.
            for slow in sockets:
                slow.sendall(b"T")
            assert healthz_seconds(server) < 1
    finally:
        for slow in sockets:
            slow.close()


def test_a_gigabyte_body_is_refused_from_its_content_length(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(
            b"POST /import HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n\r\n"
        )
        # Answered at once, with not one byte of the body sent.
        assert client.recv(100).startswith(b"HTTP/1.1 413")
