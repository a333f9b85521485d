"""Declaration passwords (申报密码), the lock after 5 wrong ones, and sessions.

Each unit's tries are decided one at a time under a per-unit lock (scrypt is slow on purpose, so
the store's write lock is held only for the counter update, and other units are not held up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb

from sbflib.domain import clock
from sbflib.domain.passwords import (
    check_new_password,
    initial_password_for_collector,
    initial_passwords_for_employer,
)

from .errors import Refusal, unit_not_found
from .security import hash_password, new_token, password_matches, token_digest
from .store import BureauStore, first_row

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8


@dataclass(frozen=True)
class PasswordOutcome:
    initial: bool  # the unit is still on an initial password: it must change it first


@dataclass(frozen=True)
class SessionGrant:
    token: str
    unit_id: str
    must_change_password: bool
    expires_at: dt.datetime


def initial_passwords(module: str, taxpayer_id: str, unit_numbers: Iterable[str]) -> set[str]:
    """初始申报密码: from any unit number (用人单位) or from the taxpayer ID (代收单位)."""
    if module == "collector":
        return {initial_password_for_collector(taxpayer_id)}
    return initial_passwords_for_employer(unit_numbers)


def initial_password_rows(
    unit_passwords: dict[str, set[str]], set_at: dt.datetime
) -> list[tuple[str, bytes, bytes, bool, dt.datetime]]:
    """Rows of `unit_passwords` for every unit's initial passwords, hashed in parallel threads."""
    pairs = [(unit_id, pw) for unit_id, pws in unit_passwords.items() for pw in sorted(pws)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # hashlib.scrypt releases the GIL
        hashes = list(pool.map(lambda pair: hash_password(pair[1]), pairs))
    return [(u, salt, digest, True, set_at) for (u, _), (salt, digest) in zip(pairs, hashes, strict=True)]


def _unit_row(cur: duckdb.DuckDBPyConnection, unit_id: str) -> tuple[str, str]:
    row = first_row(cur.execute("SELECT module, taxpayer_id FROM units WHERE unit_id = ?", [unit_id]))
    if row is None:
        raise unit_not_found(unit_id)
    return row[0], row[1]


def _locked_message(until: dt.datetime) -> str:
    return f"申报密码连续输错{MAX_FAILURES}次，该单位已锁定至{until:%Y-%m-%d %H:%M:%S}，请稍后再试。{FORGOTTEN_HINT}"


FORGOTTEN_HINT = "如忘记申报密码，请携带有效证件到主管税务机关办税服务厅重置"


def check_password(store: BureauStore, unit_id: str, password: str) -> PasswordOutcome:
    """Check a unit's declaration password, counting wrong ones towards the lock.

    Each try is decided in the unit's turn: the lock check, the scrypt comparison and the counter
    update happen one try at a time, and other units are not held up. A match resets the count of
    wrong tries, except in a burst (other tries of the unit waiting): then it counts as a try like
    any other, so parallel guesses get at most `MAX_FAILURES` comparisons per lock window whatever
    their order, and a match never clears a lock a concurrent try has set."""
    with store.reading() as cur:
        _unit_row(cur, unit_id)
    with store.unit_turn(unit_id) as others_waiting:
        return _decide_try(store, unit_id, password, burst=lambda: others_waiting() > 0)


def _decide_try(store: BureauStore, unit_id: str, password: str, burst: Callable[[], bool]) -> PasswordOutcome:
    now = clock.now()
    with store.reading() as cur:
        row = first_row(cur.execute(
            "SELECT failures, locked_until FROM unit_logins WHERE unit_id = ?", [unit_id]
        ))
        failures, locked_until = row if row else (0, None)
        if locked_until is not None and locked_until > now:
            raise Refusal(423, "UNIT_LOCKED", _locked_message(locked_until))
        hashes = cur.execute(
            "SELECT salt, digest, initial FROM unit_passwords WHERE unit_id = ?", [unit_id]
        ).fetchall()
    match = next((initial for salt, digest, initial in hashes if password_matches(password, salt, digest)), None)
    if locked_until is not None:
        failures, locked_until = 0, None  # the lock ran out: a fresh count
    if match is not None:
        # A right password resets the count only when no other try waits: inside a burst it must
        # not hand a guesser fresh tries, and it must not count as a wrong one either (ten tabs
        # logging in at once with the right password lock nobody out).
        if not burst():
            failures, locked_until = 0, None
    else:
        failures += 1
        if failures >= MAX_FAILURES:
            locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
    with store.writing() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO unit_logins (unit_id, failures, locked_until) VALUES (?, ?, ?)",
            [unit_id, failures, locked_until],
        )
    if match is not None:
        return PasswordOutcome(initial=bool(match))
    if locked_until is not None:
        # The fifth wrong password is still a wrong password; the calls after it meet the lock.
        raise Refusal(
            401,
            "PASSWORD_WRONG",
            f"申报密码错误，已连续输错{MAX_FAILURES}次，该单位已锁定至{locked_until:%Y-%m-%d %H:%M:%S}，"
            f"请稍后再试。{FORGOTTEN_HINT}",
        )
    left = MAX_FAILURES - failures
    raise Refusal(
        401,
        "PASSWORD_WRONG",
        f"申报密码错误，还可尝试{left}次；连续输错{MAX_FAILURES}次该单位将被锁定{LOCK_MINUTES}分钟。{FORGOTTEN_HINT}",
    )


def open_session(store: BureauStore, unit_id: str, password: str) -> SessionGrant:
    outcome = check_password(store, unit_id, password)
    token = new_token()
    now = clock.now()
    expires = now + dt.timedelta(hours=SESSION_HOURS)
    with store.writing() as cur:
        cur.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
        cur.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?)", [token_digest(token), unit_id, now, expires]
        )
    return SessionGrant(token, unit_id, outcome.initial, expires)


def close_session(store: BureauStore, token: str) -> None:
    """退出登录; an unknown (or already ended) token is refused as TOKEN_INVALID."""
    with store.writing() as cur:
        deleted = cur.execute("DELETE FROM sessions WHERE token_sha256 = ?", [token_digest(token)]).fetchall()
    if not deleted or not deleted[0][0]:
        raise Refusal(401, "TOKEN_INVALID", "登录信息无效，请重新登录")


@dataclass(frozen=True)
class SessionUnit:
    """The unit a token acts for, and whether it still has to change its initial password."""

    unit_id: str
    must_change_password: bool


def session_unit(store: BureauStore, token: str) -> SessionUnit:
    with store.reading() as cur:
        row = first_row(cur.execute(
            "SELECT s.unit_id, s.expires_at, coalesce(bool_or(p.initial), false) FROM sessions s "
            "LEFT JOIN unit_passwords p USING (unit_id) WHERE s.token_sha256 = ? "
            "GROUP BY s.unit_id, s.expires_at",
            [token_digest(token)],
        ))
    if row is None:
        raise Refusal(401, "TOKEN_INVALID", "登录信息无效，请重新登录")
    if row[1] <= clock.now():
        raise Refusal(401, "TOKEN_INVALID", "登录已过期，请重新登录")
    return SessionUnit(row[0], bool(row[2]))


def _unit_initial_passwords(cur: duckdb.DuckDBPyConnection, unit_id: str) -> set[str]:
    module, taxpayer_id = _unit_row(cur, unit_id)
    numbers = [r[0] for r in cur.execute(
        "SELECT unit_number FROM unit_numbers WHERE unit_id = ?", [unit_id]
    ).fetchall()]
    return initial_passwords(module, taxpayer_id, numbers)


def change_password(store: BureauStore, unit_id: str, old: str, new: str, keep_token: str | None = None) -> None:
    """修改申报密码: the old one must be right (it counts towards the lock), the new one acceptable.

    Every other session of the unit ends; the caller's own (`keep_token`) goes on, so the forced
    change of the initial password continues without a new login."""
    check_password(store, unit_id, old)
    with store.reading() as cur:
        initial = _unit_initial_passwords(cur, unit_id)
    reason = check_new_password(new, old, initial)
    if reason:
        raise Refusal(400, "PASSWORD_REJECTED", reason)
    salt, digest = hash_password(new)
    with store.writing() as cur:
        cur.execute("DELETE FROM unit_passwords WHERE unit_id = ?", [unit_id])
        cur.execute(
            "INSERT INTO unit_passwords VALUES (?, ?, ?, false, ?)", [unit_id, salt, digest, clock.now()]
        )
        cur.execute(
            "DELETE FROM sessions WHERE unit_id = ? AND token_sha256 IS DISTINCT FROM ?",
            [unit_id, token_digest(keep_token) if keep_token else None],
        )


def reset_password(store: BureauStore, unit_id: str, *, forget_keys: bool = False) -> None:
    """What the tax hall does for a clerk who forgot it: initial passwords again, lock cleared,
    the unit's sessions ended. With `forget_keys` (the demo's whole reset of a unit), the idempotency
    records of the unit and of its sessions go too."""
    with store.reading() as cur:
        initial = _unit_initial_passwords(cur, unit_id)
    rows = initial_password_rows({unit_id: initial}, clock.now())
    with store.writing() as cur:
        if forget_keys:
            cur.execute(
                "DELETE FROM idempotency WHERE unit_id = ? OR caller IN "
                "(SELECT 'token:' || token_sha256 FROM sessions WHERE unit_id = ?)",
                [unit_id, unit_id],
            )
        cur.execute("DELETE FROM unit_passwords WHERE unit_id = ?", [unit_id])
        cur.executemany("INSERT INTO unit_passwords VALUES (?, ?, ?, ?, ?)", rows)
        cur.execute("DELETE FROM unit_logins WHERE unit_id = ?", [unit_id])
        cur.execute("DELETE FROM sessions WHERE unit_id = ?", [unit_id])
