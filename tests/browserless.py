"""A small HTTP(S) client that keeps cookies and connects from a chosen loopback address.

Linux answers on all of 127.0.0.0/8, so 127.0.0.2 and 127.0.0.3 are two different
clients to a reverse proxy on this machine: two people on the same home network.
"""

import http.client
import re
import ssl
import threading
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit


class Visitor:
    def __init__(self, base_url: str, source: str = "127.0.0.1"):
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.source = source
        self.timeout = 30  # seconds a request may wait for its answer
        self.base_url = base_url
        self.cookies: dict[str, str] = {}
        self.last_set_cookies: list[str] = []
        # Set once a request with a body has gone out whole, while its answer is awaited:
        # a test can then act while the server works on it.
        self.body_sent = threading.Event()

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        """Send one request on a new connection; return (status, headers, text)."""
        if self.https:
            context = ssl._create_unverified_context()  # noqa: S323 (the test's own certificate)
            conn = http.client.HTTPSConnection(
                self.host,
                self.port,
                source_address=(self.source, 0),
                context=context,
                timeout=self.timeout,
            )
        else:
            conn = http.client.HTTPConnection(
                self.host, self.port, source_address=(self.source, 0), timeout=self.timeout
            )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        if body is not None:
            self.body_sent.set()
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")  # a zip comes back mangled; fine
        self.last_set_cookies = response.headers.get_all("Set-Cookie") or []
        for line in self.last_set_cookies:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, text

    def get(self, path: str, headers=None):
        return self.request("GET", path, headers=headers)

    def post_file(
        self, path: str, field: str, filename: str, data: bytes, token_from: str, fields=None
    ):
        """POST one file as multipart/form-data (with other fields), as a browser's form does."""
        _, _, page = self.get(token_from)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        boundary = "----diary-test-boundary"
        parts = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in {"csrf_token": token, **(fields or {})}.items()
        )
        body = (
            (
                f"{parts}--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": self.base_url + token_from,
        }
        return self.request("POST", path, body, headers)

    def post_form(self, path: str, fields: dict, headers=None, token_from: str | None = None):
        """POST a form, with the CSRF token of the page at token_from (default: path)."""
        _, _, page = self.get(token_from or path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        data = dict(fields, csrf_token=match.group(1)) if match else dict(fields)
        # A browser names the page the form came from; Flask-WTF insists on it over HTTPS.
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.base_url + (token_from or path),
            **(headers or {}),
        }
        return self.request("POST", path, urlencode(data).encode(), headers)
