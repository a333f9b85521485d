"""Password hashes (scrypt, random salt) and session tokens (only their sha256 is stored)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """(salt, scrypt hash) of a declaration password (申报密码)."""
    salt = salt or os.urandom(16)
    return salt, hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


def password_matches(password: str, salt: bytes, digest: bytes) -> bool:
    return hmac.compare_digest(hash_password(password, salt)[1], digest)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


DEMO_SECRET_FILE = "demo-secret"


def read_demo_secret(folder: Path) -> str | None:
    """The demo secret kept in `folder` (the bureau store's folder), or None when there is none."""
    try:
        secret = (Path(folder) / DEMO_SECRET_FILE).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return secret or None


def ensure_demo_secret(folder: Path) -> str:
    """The demo secret of `folder`, created (random, file mode 0600) when missing."""
    existing = read_demo_secret(folder)
    if existing:
        return existing
    path = Path(folder) / DEMO_SECRET_FILE
    secret = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    path.chmod(0o600)
    return secret


def secret_matches(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())  # type: ignore[union-attr]
