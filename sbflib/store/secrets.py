"""Secrets the workbench must be able to use again (the proxy password), encrypted at rest.

The key lives in its own file, readable by the owner only (0600, in a 0700 folder when this creates
the folder), beside the store; the store itself only holds ciphertext. Declaration passwords are
never kept: the bureau checks them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from sbflib.store.db import make_private_folder


class SecretBox:
    def __init__(self, key_file: Path) -> None:
        self.key_file = Path(key_file)

    def _create_key(self) -> None:
        """Write a new key unless another process got there first (two tabs opening at once)."""
        make_private_folder(self.key_file.parent)
        draft = self.key_file.with_name(f".{self.key_file.name}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(draft, self.key_file)  # appears whole, or not at all if one exists
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not self.key_file.exists():
                    os.replace(draft, self.key_file)
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()

    def _fernet(self) -> Fernet:
        if not self.key_file.exists():
            self._create_key()
        elif os.stat(self.key_file).st_mode & 0o077:
            os.chmod(self.key_file, 0o600)  # a key written by an older version
        return Fernet(self.key_file.read_bytes())

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when the key was lost (the user types the password again)."""
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None
