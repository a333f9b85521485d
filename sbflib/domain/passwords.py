"""Declaration password (申报密码) rules: the initial password and what a new one must be."""

from __future__ import annotations

from collections.abc import Iterable


def initial_password_for_unit_number(unit_number: str) -> str:
    """用人单位: last 6 characters of a unit number, right-padded with 0 when shorter.

    >>> initial_password_for_unit_number("1234")
    '123400'
    >>> initial_password_for_unit_number("12345")
    '123450'
    >>> initial_password_for_unit_number("330106000123")
    '000123'
    """
    tail = unit_number.strip()[-6:]
    return tail.ljust(6, "0")


def initial_passwords_for_employer(unit_numbers: Iterable[str]) -> set[str]:
    """An employer may use the initial password of any of its unit numbers.

    >>> sorted(initial_passwords_for_employer(["1234", "330106000123"]))
    ['000123', '123400']
    """
    return {initial_password_for_unit_number(n) for n in unit_numbers}


def initial_password_for_collector(taxpayer_id: str) -> str:
    """代收单位: the last 6 characters of the taxpayer ID.

    >>> initial_password_for_collector("12440300455755717M")
    '55717M'
    """
    return taxpayer_id.strip()[-6:]


def check_new_password(new: str, old: str, initial: set[str] | None = None) -> str | None:
    """Return None when `new` is acceptable, else the Chinese reason it is refused.

    >>> check_new_password("Sb2026#ok", "123400") is None
    True
    >>> check_new_password("123400", "123400")
    '新申报密码不能与原密码相同'
    """
    if not 6 <= len(new) <= 20:
        return "新申报密码长度应为6至20位"
    if not new.isascii() or not new.isprintable() or " " in new:
        return "新申报密码只能包含字母、数字和常用符号，不能有空格"
    if new == old:
        return "新申报密码不能与原密码相同"
    if initial and new in initial:
        return "新申报密码不能使用初始申报密码"
    return None
