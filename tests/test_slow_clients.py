"""`diary serve` against slow and greedy clients, over real sockets on the loopback.

Waitress's own defaults let 105 half-open sockets keep everyone out of the diary
(`connection_limit` 100) and spool a gigabyte body to disk before the diary could
refuse it; `diary serve` sets its limits (commands/serve.py, docs/security.md).
"""

import socket
import urllib.request

import pytest

from tests.server import DiaryServer

pytestmark = pytest.mark.diary_serve

SLOW_CLIENTS = 150


@pytest.fixture
def server(tmp_path):
    served = DiaryServer(tmp_path / "instance", DIARY_BACKUP_KEEP="0").start()
    yield served
    served.stop()


def healthz_status(server: DiaryServer) -> int:
    """Return the status /healthz answers with.

    A diary that lets the slow sockets keep others out does not answer: the wait gives up
    after 10 s, before the server closes the slow sockets as idle (30 s in `diary serve`,
    120 s in waitress's defaults) and could answer after all.
    """
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        return response.status


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
            assert healthz_status(server) == 200
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
