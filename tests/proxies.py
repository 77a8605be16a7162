"""Real reverse proxies (Debian's nginx and Caddy) on the loopback, set up as the README says.

Each terminates TLS with a throwaway self-signed certificate and forwards to a running
`diary serve`, so the tests see what a self-hoster's browser sees.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.server import free_port

NGINX_SITE = """
server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate     {cert};
    ssl_certificate_key {key};
    client_max_body_size 16m;
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 60s;
    location / {{
        proxy_pass http://127.0.0.1:{upstream};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;
    }}
}}
"""

# What a test run needs around the README's server block: no daemon, files in the test's folder.
NGINX_MAIN = """
{user}
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    {site}
}}
"""

CADDY_SITE = """
{{
    admin off
    auto_https disable_redirects
    storage file_system {folder}/caddy-data
    servers {{
        timeouts {{
            read_header 10s
            read_body 5m
            idle 2m
        }}
    }}
}}
https://localhost:{port} {{
    bind 127.0.0.1
    tls {cert} {key}
    reverse_proxy {upstreams} {{
        lb_policy round_robin
        # For the tests only: which `diary serve` answered.
        header_down X-Upstream {{http.reverse_proxy.upstream.hostport}}
    }}
}}
"""


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "proxy.crt", folder / "proxy.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class ReverseProxy:
    """nginx or Caddy in front of upstream_port; `url` is what a browser opens.

    Caddy can also share requests out in turn among several upstreams (more_ports).
    """

    def __init__(self, kind: str, folder: Path, upstream_port: int, *more_ports: int):
        if more_ports and kind != "caddy":
            raise ValueError("only the Caddy set-up has several upstreams")
        self.kind = kind
        self.folder = folder
        self.port = free_port()
        self.url = f"https://localhost:{self.port}"
        self.upstream_port = upstream_port
        self.upstreams = " ".join(f"127.0.0.1:{p}" for p in (upstream_port, *more_ports))
        self.process: subprocess.Popen | None = None

    def start(self) -> "ReverseProxy":
        self.folder.mkdir(parents=True, exist_ok=True)
        cert, key = self_signed_certificate(self.folder)
        values = {"port": self.port, "upstream": self.upstream_port, "cert": cert, "key": key}
        if self.kind == "nginx":
            site = NGINX_SITE.format(**values)
            # As root, nginx's workers would run as nobody, who cannot reach the test's folder.
            user = "user root;" if os.geteuid() == 0 else ""
            config = self.folder / "nginx.conf"
            config.write_text(NGINX_MAIN.format(user=user, folder=self.folder, site=site))
            command = [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(config)]
            command += ["-p", str(self.folder)]
        else:
            config = self.folder / "Caddyfile"
            config.write_text(
                CADDY_SITE.format(folder=self.folder, upstreams=self.upstreams, **values)
            )
            command = ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"]
        env = {**os.environ, "HOME": str(self.folder), "XDG_DATA_HOME": str(self.folder)}
        with (self.folder / f"{self.kind}.log").open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError((self.folder / f"{self.kind}.log").read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
