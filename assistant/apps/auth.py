"""Logins and roles for the web app: password hashes, signed session cookies.

Two roles. A *visitor* asks and searches; when an all-users password is configured,
only after logging in with it. An *administrator* (the admin password) also uploads,
replaces and deletes documents and rebuilds the index. Passwords are stored as scrypt
hashes; a session is a cookie holding the role and an expiry, signed with HMAC-SHA256,
so the server keeps no session table and a restart with the same secret keeps logins.

Make a hash for the config file:  python -m assistant.apps.auth
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
from dataclasses import dataclass
from typing import Mapping

COOKIE = "budget_qa_session"
ADMIN, USER, VISITOR = "admin", "user", "visitor"

# scrypt cost: 16 MiB and ~50 ms per check on this 2-core machine, which makes guessing slow
# without making a login wait.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16


def hash_password(password: str) -> str:
    """'scrypt$N$r$p$salt$hash' (base64) for a config file or environment variable."""
    if not password:
        raise ValueError("an empty password cannot be used; choose one")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """True when password matches a hash made by hash_password (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def check_hash(stored: str, name: str) -> None:
    """Refuse at start-up a configured hash that no password could ever match."""
    if stored and (stored.count("$") != 5 or not stored.startswith("scrypt$")):
        raise ValueError(f"{name} is not a password hash: make one with `python -m assistant.apps.auth` "
                         "(or put the plain password in BUDGET_QA_ADMIN_PASSWORD / BUDGET_QA_USER_PASSWORD)")


@dataclass
class Sessions:
    """Issues and reads signed session tokens (the cookie value)."""

    secret: bytes
    hours: float = 12.0

    @classmethod
    def from_secret(cls, secret: str, hours: float = 12.0) -> Sessions:
        # No configured secret: a fresh one per start (logins end with a restart).
        key = secret.encode("utf-8") if secret else secrets.token_bytes(32)
        return cls(hashlib.sha256(b"budget-qa-session\0" + key).digest(), hours)

    def issue(self, role: str, now: float | None = None) -> str:
        body = _b64(json.dumps({"r": role, "x": int((now or time.time()) + self.hours * 3600)}).encode())
        return f"{body}.{self._sign(body)}"

    def read(self, token: str | None, now: float | None = None) -> str | None:
        """The role a token grants, or None when it is missing, forged or expired."""
        if not token or token.count(".") != 1:
            return None
        body, sig = token.split(".")
        if not hmac.compare_digest(sig, self._sign(body)):
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("r") not in (ADMIN, USER):
            return None
        if float(data.get("x", 0)) < (now or time.time()):
            return None
        return data["r"]

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.secret, body.encode("ascii"), hashlib.sha256).digest())


@dataclass
class Gate:
    """Who may do what, from the configured hashes and a request's cookie or bearer token."""

    sessions: Sessions
    admin_hash: str = ""
    user_hash: str = ""

    @property
    def read_only(self) -> bool:
        return not self.admin_hash

    @property
    def login_required(self) -> bool:
        return bool(self.user_hash)

    def login(self, password: str) -> str | None:
        """The role a password opens (admin first), or None."""
        if self.admin_hash and verify_password(password, self.admin_hash):
            return ADMIN
        if self.user_hash and verify_password(password, self.user_hash):
            return USER
        return None

    def role(self, cookies: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
        """ADMIN or USER for a valid session; VISITOR without one when no login is required;
        None when a login is required and missing."""
        token = cookies.get(COOKIE)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        role = self.sessions.read(token)
        if role == ADMIN and self.read_only:
            role = None  # the admin password was removed from the configuration since
        if role is not None:
            return role
        return None if self.login_required else VISITOR


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main() -> int:
    """Print a hash of a password typed twice (not echoed), for the config file."""
    import getpass

    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        print("error: the two passwords differ; run it again", file=sys.stderr)
        return 2
    try:
        print(hash_password(first))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
