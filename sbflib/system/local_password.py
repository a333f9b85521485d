"""登录密码设置 (SET-3): an optional local password that guards this data folder.

When set, `sbflib.open()` asks for it (`password=` or $SBF_LOCAL_PASSWORD) before it opens
anything else, and the app shell asks for it before its first screen. Only a slow scrypt hash is
kept (settings key `local_password`: salt, cost and hash; never the password). Wrong tries are
counted in the store (so every window and script of the folder shares the count): after
`FREE_TRIES` wrong tries in a row, each further try waits 30 s, 60 s, … up to 15 minutes.

This guards the workbench against someone at the clerk's desk, not against someone who can read
the files: the store itself is not encrypted (the folder's 0700 and the files' 0600 do that part).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from typing import Any

from sbflib.errors import AuthError, StateError, ValidationError, service_edge
from sbflib.store import settings as settings_repo
from sbflib.store.db import Store

KEY = "local_password"
TRIES_KEY = "local_password_tries"
ENV = "SBF_LOCAL_PASSWORD"

# scrypt cost: 2**15 × 8 × 1 takes ~0.1 s and 32 MiB here; a stolen hash costs as much per guess.
SCRYPT_N, SCRYPT_R, SCRYPT_P, DKLEN = 2**15, 8, 1, 32
MIN_LENGTH, MAX_LENGTH = 6, 64
FREE_TRIES = 5
FIRST_WAIT_S, LONGEST_WAIT_S = 30, 900

MSG_REQUIRED = "本客户端已设置登录密码，请输入登录密码"
MSG_WRONG = "登录密码错误"
MSG_OLD_WRONG = "原登录密码错误"


def _kdf(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=128 * r * n * 2 + 1024 * 1024)


def make_hash(password: str) -> dict[str, Any]:
    """The record kept for `password`: a fresh salt, the cost and the scrypt hash (base64)."""
    salt = os.urandom(16)
    digest = _kdf(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, DKLEN)
    return {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(), "hash": base64.b64encode(digest).decode()}


def matches(record: dict[str, Any], password: str) -> bool:
    """Whether `password` is the one `record` was made from (constant-time comparison)."""
    try:
        expected = base64.b64decode(record["hash"])
        digest = _kdf(password, base64.b64decode(record["salt"]), int(record["n"]), int(record["r"]),
                      int(record["p"]), len(expected))
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(digest, expected)


def check_new(password: object, confirm: object) -> str:
    """The new local password, checked: text of 6 to 64 characters, typed twice alike."""
    if not isinstance(password, str) or not password:
        raise ValidationError("请输入新登录密码", field="新密码")
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise ValidationError(f"登录密码长度应为{MIN_LENGTH}至{MAX_LENGTH}位", field="新密码")
    if password != password.strip():
        raise ValidationError("登录密码首尾不能是空格", field="新密码")
    if confirm != password:
        raise ValidationError("两次输入的新密码不一致", field="确认新密码")
    return password


def wait_after(failures: int) -> int:
    """Seconds a try must wait after `failures` wrong tries in a row.

    >>> [wait_after(n) for n in (0, 4, 5, 6, 7, 20)]
    [0, 0, 30, 60, 120, 900]
    """
    if failures < FREE_TRIES:
        return 0
    return int(min(FIRST_WAIT_S * 2 ** (failures - FREE_TRIES), LONGEST_WAIT_S))


@service_edge
class LocalPasswordService:
    """`wb.local_password`. `locked` is True while a password is set and this workbench has not
    been given it (the app shell shows its password screen first)."""

    def __init__(self, store: Store, *, unlocked: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._unlocked = unlocked

    def is_set(self) -> bool:
        with self.store.read() as con:
            return bool(settings_repo.read(con, KEY))

    @property
    def locked(self) -> bool:
        return not self._unlocked and self.is_set()

    def unlock(self, password: str | None) -> None:
        """Check the password (rate-limited); raises AuthError in Chinese when missing or wrong."""
        if not self.is_set():
            self._unlocked = True
            return
        self._check(password, MSG_WRONG)
        self._unlocked = True

    def _check(self, password: object, wrong: str) -> None:
        if not isinstance(password, str) or not password:
            raise AuthError("LOCAL_PASSWORD_REQUIRED", MSG_REQUIRED, status=401)
        with self.store.read() as con:
            record = settings_repo.read(con, KEY)
            tries = settings_repo.read(con, TRIES_KEY) or {}
        failures = int(tries.get("failures", 0))
        wait = wait_after(failures) - (self.clock() - float(tries.get("last", 0)))
        if wait > 0:
            raise AuthError("LOCAL_PASSWORD_LOCKED",
                            f"登录密码连续输错{failures}次，请{int(wait) + 1}秒后再试", status=429)
        ok = bool(record) and matches(record, password)
        with self.store.work() as con:
            if ok:
                settings_repo.write(con, TRIES_KEY, {"failures": 0, "last": 0})
            else:
                failures = int((settings_repo.read(con, TRIES_KEY) or {}).get("failures", 0)) + 1
                settings_repo.write(con, TRIES_KEY, {"failures": failures, "last": self.clock()})
        if not ok:
            left = FREE_TRIES - failures
            hint = f"，还可尝试{left}次" if left > 0 else f"，请{wait_after(failures)}秒后再试"
            raise AuthError("LOCAL_PASSWORD_WRONG", wrong + hint, status=401)

    def set(self, new: str, confirm: str) -> None:
        """设置登录密码 (none set yet)."""
        if self.is_set():
            raise StateError("已设置登录密码，如需更改请使用修改登录密码")
        record = make_hash(check_new(new, confirm))
        with self.store.work() as con:
            settings_repo.write(con, KEY, record)
            settings_repo.write(con, TRIES_KEY, {"failures": 0, "last": 0})
        self._unlocked = True

    def change(self, old: str, new: str, confirm: str) -> None:
        """修改登录密码: the old one is required."""
        if not self.is_set():
            raise StateError("尚未设置登录密码")
        if not old:
            raise ValidationError("请输入原登录密码", field="原密码")
        check_new(new, confirm)
        self._check(old, MSG_OLD_WRONG)
        record = make_hash(new)
        with self.store.work() as con:
            settings_repo.write(con, KEY, record)
        self._unlocked = True

    def remove(self, old: str) -> None:
        """取消登录密码: the current one is required; the folder opens without a password afterwards."""
        if not self.is_set():
            raise StateError("尚未设置登录密码")
        if not old:
            raise ValidationError("请输入原登录密码", field="原密码")
        self._check(old, MSG_OLD_WRONG)
        with self.store.work() as con:
            settings_repo.write(con, KEY, None)
            settings_repo.write(con, TRIES_KEY, {"failures": 0, "last": 0})
        self._unlocked = True


def admit(store: Store, password: str | None) -> LocalPasswordService:
    """The gate of `sbflib.open()`: a service unlocked with `password` (else $SBF_LOCAL_PASSWORD)
    when the folder has a local password; raises AuthError (Chinese) when it is missing or wrong."""
    service = LocalPasswordService(store)
    if service.is_set():
        given = password if password is not None else os.environ.get(ENV)
        service.unlock(given)
    else:
        service.unlock(None)
    return service
