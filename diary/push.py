"""Web Push (RFC 8030) with VAPID (RFC 8292) and encrypted messages (RFC 8291), via pywebpush.

The installation has one VAPID key pair, made once. It is kept 0600 in the instance folder
and in the database, so that every backup holds the key its devices subscribed with;
a restored database's key wins over the file's, since its subscriptions need it.
"""

import base64
import json
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import select

from diary.config import instance_secret
from diary.extensions import db
from diary.models import PushSubscription, VapidKey
from diary.services.writes import writes

KEY_FILE = "vapid_private_key.pem"
# The push service's answers that say the subscription is gone for good (RFC 8030 §7.3).
GONE = frozenset({404, 410})
TIMEOUT_SECONDS = 30


def _new_pem() -> str:
    key = Vapid02()
    key.generate_keys()
    return key.private_pem().decode()


def vapid_pem() -> str | None:
    """Return the installation's VAPID private key (PEM), or None before it was made."""
    return db.session.scalar(select(VapidKey.private_pem).order_by(VapidKey.id))


@writes
def make_key() -> None:
    """Make the VAPID key pair once, in the database and 0600 in the instance folder.

    When the file and the database differ (a restored database), the database's key is
    written to the file: its subscriptions were made with it.
    """
    stored = vapid_pem()
    folder = Path(current_app.instance_path)
    pem = instance_secret(folder, KEY_FILE, lambda: stored or _new_pem())
    if stored is None:
        db.session.add(VapidKey(private_pem=pem))
        db.session.flush()
    elif stored.strip() != pem:
        (folder / KEY_FILE).unlink()
        instance_secret(folder, KEY_FILE, lambda: stored)


def application_server_key() -> str | None:
    """Return the public key browsers subscribe with (base64url P-256 point), once made."""
    pem = vapid_pem()
    if pem is None:
        return None
    raw = Vapid02.from_pem(pem.encode()).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def contact() -> str:
    """Return the VAPID "sub" claim: how a push service may reach the self-hoster."""
    config = current_app.config
    if config.get("PUSH_CONTACT"):
        return config["PUSH_CONTACT"]
    return f"mailto:{config.get('MAIL_FROM') or 'headache-diary@localhost'}"


def send(subscription: PushSubscription, pem: str, message: dict, ttl: int) -> int:
    """Send one encrypted message to a device with the VAPID key; return the HTTP status.

    No answer at all (the service unreachable) is reported as status 0.
    """
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        response = webpush(
            info,
            json.dumps(message, ensure_ascii=False),
            vapid_private_key=Vapid02.from_pem(pem.encode()),
            vapid_claims={"sub": contact()},
            content_encoding="aes128gcm",
            ttl=ttl,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        return exc.response.status_code if exc.response is not None else 0
    except requests.RequestException:
        return 0
    return response.status_code
