"""Sessions: counsellors' console logins, and each young person's conversation, in signed cookies.

The cookie holds the counsellor's name, role, an expiry and a random id, signed with
HMAC-SHA256 (stdlib; the secret comes from settings or a file in the data dir, created once).
It is HttpOnly and SameSite=Strict. Every console event re-reads it and re-checks that the
account still exists and is active, so the page alone never grants access. Never logs a
password or a cookie.

A youth's conversation id rides in its own signed, HttpOnly, SameSite=Lax cookie
(`YOUTH_COOKIE`), signed with the same secret under another key: any app process sharing the
secret carries the conversation on, and no one can open a conversation without its cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COOKIE = "companion_console"
YOUTH_COOKIE = "companion_youth"
MAX_AGE_S = 8 * 3600  # one shift
SECRET_FILE = "web_secret.key"


@dataclass(frozen=True)
class Staff:
    """The logged-in counsellor, as the console knows them from the cookie."""

    username: str
    role: str  # "counsellor" | "supervisor"

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


def load_secret(settings: Any) -> bytes:
    """The signing secret: `settings.session_secret` if set, else data_dir/web_secret.key (0600)."""
    configured = getattr(settings, "session_secret", None)
    if configured:
        return str(configured).encode()
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Issues and checks console session tokens; `end()` revokes one before it expires."""

    def __init__(self, secret: bytes, max_age_s: int = MAX_AGE_S) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"companion-console-session\x00" + secret).digest()
        self.max_age_s = max_age_s
        self._revoked: dict[str, float] = {}  # session id -> expiry
        self._lock = threading.Lock()

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, username: str, role: str) -> str:
        payload = {"u": username, "r": role, "exp": int(time.time()) + self.max_age_s, "sid": secrets.token_hex(12)}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def _payload(self, token: str | None) -> dict | None:
        if not token or token.count(".") != 1 or len(token) > 2048:
            return None
        body, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict) or payload.get("exp", 0) < time.time():
            return None
        with self._lock:
            if payload.get("sid") in self._revoked:
                return None
        return payload

    def read(self, token: str | None) -> Staff | None:
        payload = self._payload(token)
        if payload is None or not isinstance(payload.get("u"), str) or payload.get("r") not in ROLES:
            return None
        return Staff(payload["u"], payload["r"])

    def end(self, token: str | None) -> None:
        payload = self._payload(token)
        if payload is None:
            return
        with self._lock:
            now = time.time()
            self._revoked = {sid: exp for sid, exp in self._revoked.items() if exp > now}
            self._revoked[payload["sid"]] = payload["exp"]


ROLES = ("counsellor", "supervisor")


def same_origin(headers: Any) -> bool:
    """A form post from our own page: Origin (or Referer) names this host, or is absent."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    host = headers.get("host", "")
    return origin.split("://", 1)[-1].split("/", 1)[0] == host


_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


class YouthCookies:
    """Signs and checks the youth's conversation cookie: `<conversation id>.<expiry>.<signature>`."""

    def __init__(self, secret: bytes, max_age_s: int = 24 * 3600) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"companion-youth-session\x00" + secret).digest()
        self.max_age_s = max_age_s

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, conversation_id: str) -> str:
        if not _CONVERSATION_ID.fullmatch(conversation_id):
            raise ValueError("not a conversation id")
        body = f"{conversation_id}.{int(time.time()) + self.max_age_s}"
        return f"{body}.{self._sign(body)}"

    def read(self, token: str | None) -> str | None:
        """The conversation id in a valid, unexpired cookie; None for anything else."""
        if not isinstance(token, str) or len(token) > 256 or token.count(".") != 2:
            return None
        conversation_id, expiry, signature = token.split(".")
        if not hmac.compare_digest(signature.encode(), self._sign(f"{conversation_id}.{expiry}").encode()):
            return None
        if not _CONVERSATION_ID.fullmatch(conversation_id) or not expiry.isdigit() or int(expiry) < time.time():
            return None
        return conversation_id
