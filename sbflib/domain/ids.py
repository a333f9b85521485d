"""Identifier checks: resident ID (GB 11643), unified social credit code (GB 32100), taxpayer ID.

python-stdnum's check-character arithmetic is used as is. Its `cn.ric.is_valid()` is not: it raised
KeyError for counties missing from its table, rejected valid IDs whose area code was assigned later,
and accepted future birth dates. So length, alphabet and birth date are checked here, and an unknown
area code is only a warning (see shared/RULES-REFERENCE.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from . import clock

# Province-level prefixes of resident ID numbers (incl. 71 Taiwan, 81/82 HK/Macau residence permits).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class IdCheck:
    """Outcome of checking an identifier: `errors` refuse it, `warnings` only inform."""

    value: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_resident_id(value: str, *, today: dt.date | None = None) -> IdCheck:
    """Check an 18-character resident ID number (居民身份证号码); a birth date after `today`
    (default: the domain clock's today) is refused.

    >>> check_resident_id("11010519491231002X").ok
    True
    >>> check_resident_id("110105194912310021").errors
    ['校验码错误']
    """
    number = (value or "").strip().upper()
    errors: list[str] = []
    warnings: list[str] = []
    if len(number) != 18:
        return IdCheck(number, ["身份证号码应为18位"])
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        return IdCheck(number, ["身份证号码前17位应为数字，最后一位为数字或X"])
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        errors.append("出生日期无效")
    else:
        if birth > (today or clock.today()) or birth.year < 1900:
            errors.append("出生日期不在合理范围内")
    if _ric.calc_check_digit(number) != number[17]:
        errors.append("校验码错误")
    if number[:2] not in _PROVINCES:
        warnings.append(f"地区码{number[:6]}不是已知的省级行政区划代码")
    return IdCheck(number, errors, warnings)


def resident_id_birth_date(number: str) -> dt.date:
    """The birth date in digits 7-14 of a resident ID number.

    >>> resident_id_birth_date("11010519491231002X")
    datetime.date(1949, 12, 31)
    """
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def resident_id_gender(number: str) -> str:
    """男 when the 17th digit is odd, 女 when even.

    >>> resident_id_gender("11010519491231002X")
    '女'
    """
    return "男" if int(number[16]) % 2 else "女"


def resident_id_check_char(first17: str) -> str:
    """The check character for the first 17 digits (stdnum wants a placeholder in 18th place).

    >>> resident_id_check_char("11010519491231002")
    'X'
    """
    return _ric.calc_check_digit(first17[:17] + "0")


def check_uscc(value: str) -> IdCheck:
    """Check a unified social credit code (统一社会信用代码).

    >>> check_uscc("91110000600037341L").ok
    True
    """
    code = (value or "").strip().upper()
    if len(code) != 18:
        return IdCheck(code, ["统一社会信用代码应为18位"])
    if any(c not in _USCC_ALPHABET for c in code):
        return IdCheck(code, ["统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z）"])
    if _uscc.calc_check_digit(code[:17]) != code[17]:
        return IdCheck(code, ["统一社会信用代码校验码错误"])
    return IdCheck(code)


def uscc_check_char(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters (GB 32100).

    >>> uscc_check_char("91110000600037341")
    'L'
    """
    return _uscc.calc_check_digit(first17)


_TAXPAYER = re.compile(r"^[0-9A-Z]+$")


def check_taxpayer_id(value: str) -> IdCheck:
    """A taxpayer ID (纳税人识别号) is 15, 18 or 20 digits / capital letters; an 18-character one is
    a unified social credit code and must carry its check character.

    >>> check_taxpayer_id("91110000600037341L").ok, check_taxpayer_id("123").errors
    (True, ['纳税人识别号应为15位、18位或20位数字或大写字母'])
    """
    tid = (value or "").strip().upper()
    if not tid:
        return IdCheck(tid, ["请输入纳税人识别号"])
    if len(tid) not in (15, 18, 20) or not _TAXPAYER.match(tid):
        return IdCheck(tid, ["纳税人识别号应为15位、18位或20位数字或大写字母"])
    if len(tid) == 18:
        usc = check_uscc(tid)
        if not usc.ok:
            return IdCheck(tid, ["纳税人识别号不是有效的统一社会信用代码：" + usc.errors[0]])
    return IdCheck(tid)


def mask_id_number(number: str | None) -> str:
    """Mask the middle of an ID number for tables and exports.

    >>> mask_id_number("11010519491231002X"), mask_id_number("E12345678"), mask_id_number(None)
    ('110105********002X', 'E1*******', '')
    """
    if not number:
        return ""
    if len(number) <= 10:  # too short to keep 6 + 4 characters and still hide any
        return number[:2] + "*" * (len(number) - 2)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_id_sql(column: str) -> str:
    """`mask_id_number` as a SQL expression, for masking whole result sets inside DuckDB;
    tests/unit/test_sql_twins.py holds the two equal.

    >>> mask_id_sql("n").startswith("CASE WHEN n IS NULL")
    True
    """
    return (
        f"CASE WHEN {column} IS NULL THEN '' "
        f"WHEN length({column}) <= 10 THEN left({column}, 2) || repeat('*', length({column}) - 2) "
        f"ELSE left({column}, 6) || repeat('*', length({column}) - 10) || right({column}, 4) END"
    )
