"""Secrets the workbench must be able to use again (the proxy password), encrypted at rest.

The key lives in its own file, readable by the owner only, beside the store; the store itself only
holds ciphertext. Declaration passwords are never kept: the bureau checks them.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, key_file: Path) -> None:
        self.key_file = Path(key_file)

    def _fernet(self) -> Fernet:
        if not self.key_file.exists():
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        return Fernet(self.key_file.read_bytes())

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when the key was lost (the user types the password again)."""
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None
