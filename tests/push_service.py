"""A local HTTP server that plays a Web Push service, and the keys a browser subscribes with.

It checks what a real push service checks (RFC 8292: a VAPID JWT signed by the key the
request names, for the endpoint's origin, not expired) and, holding the browser's private
key as the browser would, decrypts the aes128gcm body (RFC 8291).
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A device's P-256 key pair and auth secret, made as a browser makes them."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def keys(self) -> dict[str, str]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(point), "auth": b64url(self.auth_secret)}


@dataclass
class Delivery:
    path: str
    message: dict
    jwt_claims: dict
    vapid_key: str
    ttl: int


def verified_claims(authorization: str, origin: str) -> tuple[dict, str]:
    """Return the VAPID JWT's claims and public key; fail unless it is valid for origin."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    head, body, signature = token.split(".")
    assert json.loads(unb64url(head)) == {"typ": "JWT", "alg": "ES256"}
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    try:
        public.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID JWT's signature does not verify") from None
    claims = json.loads(unb64url(body))
    assert claims["aud"] == origin, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
    assert claims["sub"].startswith(("mailto:", "https:")), claims
    return claims, key


class PushService:
    """Push endpoints on loopback: /device/<name>; answers a status chosen per device."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.status: dict[str, int] = {}
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                name = self.path.rsplit("/", 1)[-1]
                try:
                    service.receive(self.path, self.headers, body, name)
                except (AssertionError, KeyError, ValueError) as exc:
                    service.problems.append(f"{type(exc).__name__}: {exc}")
                    self.send_response(400)
                else:
                    self.send_response(service.status.get(name, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def device(self, name: str) -> dict:
        """Return a new device's subscription, as PushSubscription.toJSON() gives it."""
        self.browsers[name] = Browser()
        return {"endpoint": f"{self.origin}/device/{name}", "keys": self.browsers[name].keys()}

    def receive(self, path: str, headers, body: bytes, name: str) -> None:
        claims, key = verified_claims(headers["Authorization"], self.origin)
        assert headers["Content-Encoding"] == "aes128gcm"
        browser = self.browsers[name]
        plain = http_ece.decrypt(
            body, private_key=browser.private_key, auth_secret=browser.auth_secret
        )
        message = json.loads(plain)
        self.deliveries.append(Delivery(path, message, claims, key, int(headers["TTL"])))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
