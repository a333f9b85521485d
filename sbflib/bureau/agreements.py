"""Three-party agreements (单位三方协议, manual 2.18): unit, tax bureau and bank agree that the bank pays
the unit's fees from one account.

A unit may have several. A new or modified agreement is 未验证; 验证 asks the simulated bank, which
answers 验证通过 or 验证失败 (with a reason; a demo call plans its next answers, and an account number
ending in 0000 is one the bank does not know). Only one verified agreement per unit may carry the
batch flag 费批扣 or 所有批扣. 作废 only while not verified (未验证 / 验证失败), 撤销 only once verified; both
end it (协议终止). Only a verified agreement pays (`usable_for_payment`, the 征收子系统's check).

The bank cascade of the form (行政区划 → 银行行别 → 开户网点) is static reference data built from the demo
regions' districts and the main banks' CNAPS type codes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from sbflib.domain import clock

from .errors import Refusal, unit_not_found
from .regions import REGIONS
from .store import BureauStore, first_row

UNVERIFIED = "未验证"
VERIFIED = "验证通过"
FAILED = "验证失败"
ENDED = "协议终止"
STATUSES = (UNVERIFIED, VERIFIED, FAILED, ENDED)
VOIDED = "作废"
REVOKED = "撤销"
FEE_BATCH = "费批扣"
ALL_BATCH = "所有批扣"
NO_BATCH = "所有非批扣"
BATCH_FLAGS = (FEE_BATCH, ALL_BATCH, NO_BATCH)
_DEBITING = (FEE_BATCH, ALL_BATCH)
NOT_USABLE = "AGREEMENT_NOT_USABLE"
ACCOUNT_PATTERN = re.compile(r"^[0-9]{8,32}$")


# --- the bank cascade ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bank:
    code: str  # 银行行别 (CNAPS bank type code)
    name: str
    short: str


BANKS: tuple[Bank, ...] = (
    Bank("102", "中国工商银行", "工商银行"),
    Bank("103", "中国农业银行", "农业银行"),
    Bank("104", "中国银行", "中国银行"),
    Bank("105", "中国建设银行", "建设银行"),
    Bank("301", "交通银行", "交通银行"),
    Bank("308", "招商银行", "招商银行"),
    Bank("403", "中国邮政储蓄银行", "邮储银行"),
)
_BANKS = {b.code: b for b in BANKS}
# CNAPS city codes of the demo regions (the 4 digits after the bank type in a 12-digit bank number).
_CITY_CODES = {"330100": "3310", "440300": "5840", "310100": "2900"}
_CITY_NAMES = {"330100": "杭州", "440300": "深圳", "310100": "上海"}
_BRANCH_KINDS = ("支行", "营业部")


@dataclass(frozen=True)
class Branch:
    branch_no: str  # 开户行行号 (12 digits)
    name: str
    bank_code: str
    region_code: str  # district (行政区划) code


def _check_digit(body: str) -> str:
    return str(sum((i + 1) * int(c) for i, c in enumerate(body)) % 10)


def _districts() -> list[tuple[str, str, str]]:
    """(district code, full name, city region code) of every demo district."""
    return [(d.area_code, f"{r.name}{d.name}", r.code) for r in REGIONS for d in r.districts]


def banking_regions(q: str | None = None) -> list[dict[str, str]]:
    """行政区划 the cascade offers (fuzzy search by `q` on name or code)."""
    out = [{"region_code": code, "region_name": name} for code, name, _ in _districts()]
    return [r for r in out if not q or q in r["region_name"] or q in r["region_code"]]


def _district(region_code: str) -> tuple[str, str, str] | None:
    return next((d for d in _districts() if d[0] == region_code), None)


def banks(region_code: str) -> list[dict[str, str]]:
    """银行行别 with branches in a district."""
    if _district(region_code) is None:
        raise Refusal(404, "REGION_NOT_FOUND", f"行政区划{region_code}不存在")
    return [{"bank_code": b.code, "bank_name": b.name} for b in BANKS]


def _branches(region_code: str, bank_code: str) -> list[Branch]:
    found = _district(region_code)
    bank = _BANKS.get(bank_code)
    if found is None or bank is None:
        return []
    code, _name, city = found
    district_name = next(d.name for r in REGIONS for d in r.districts if d.area_code == code)
    short = district_name.removesuffix("区").removesuffix("新")
    out = []
    for i, kind in enumerate(_BRANCH_KINDS):
        body = f"{bank.code}{_CITY_CODES[city]}{code[-2:]}{i + 1:02d}"
        out.append(Branch(body + _check_digit(body), f"{bank.name}{_CITY_NAMES[city]}{short}{kind}", bank.code, code))
    return out


def clearing_bank_no(region_code: str, bank_code: str) -> str:
    """清算行行号: the bank's clearing office in the district's city."""
    city = _district(region_code)
    body = f"{bank_code}{_CITY_CODES[city[2]] if city else '0000'}0000"
    return body + _check_digit(body)


def branches(region_code: str, bank_code: str, q: str | None = None) -> list[dict[str, str]]:
    """开户网点 of a bank in a district (fuzzy search by `q` on name or number)."""
    if _district(region_code) is None:
        raise Refusal(404, "REGION_NOT_FOUND", f"行政区划{region_code}不存在")
    if bank_code not in _BANKS:
        raise Refusal(404, "BANK_NOT_FOUND", f"银行行别{bank_code}不存在")
    return [{"branch_no": b.branch_no, "branch_name": b.name, "bank_code": b.bank_code,
             "clearing_bank_no": clearing_bank_no(region_code, bank_code)}
            for b in _branches(region_code, bank_code) if not q or q in b.name or q in b.branch_no]


def _branch(region_code: str, bank_code: str, branch_no: str) -> Branch | None:
    return next((b for b in _branches(region_code, bank_code) if b.branch_no == branch_no), None)


_BRANCH_INDEX: dict[str, Branch] = {}


def _branch_name(branch_no: str) -> str:
    if not _BRANCH_INDEX:
        for code, _name, _city in _districts():
            for bank in BANKS:
                for b in _branches(code, bank.code):
                    _BRANCH_INDEX[b.branch_no] = b
    found = _BRANCH_INDEX.get(branch_no)
    return found.name if found else ""


# --- agreements ----------------------------------------------------------------------------------

_COLUMNS = ("agreement_id, unit_id, protocol_no, agreement_name, tax_authority, region_code, bank_code, "
            "clearing_bank_no, branch_no, account_name, account_no, batch_flag, status, verify_reason, "
            "verified_on, ended_how, ended_at, created_at, updated_at")


def mask_account(account_no: str) -> str:
    """The account as screens show it: ****6700."""
    return "****" + account_no[-4:]


def _actions(status: str) -> list[str]:
    if status == UNVERIFIED:
        return ["修改", "作废", "验证"]
    if status == FAILED:
        return ["修改", "作废", "验证"]
    if status == VERIFIED:
        return ["修改", "撤销"]
    return []


def _public(row: tuple[Any, ...]) -> dict[str, Any]:
    rec = dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))
    bank = _BANKS.get(rec["bank_code"])
    district = _district(rec["region_code"])
    rec["bank_name"] = bank.name if bank else ""
    rec["branch_name"] = _branch_name(rec["branch_no"])
    rec["region_name"] = district[1] if district else ""
    rec["customer_name"] = rec["account_name"]
    rec["account_masked"] = mask_account(rec["account_no"])
    rec["allow_debit"] = rec["batch_flag"] in _DEBITING
    rec["usable"] = rec["status"] == VERIFIED
    rec["actions"] = _actions(rec["status"])
    return rec


def _get(cur: duckdb.DuckDBPyConnection, agreement_id: str) -> dict[str, Any] | None:
    row = first_row(cur.execute(f"SELECT {_COLUMNS} FROM agreements WHERE agreement_id = ?", [agreement_id]))
    return None if row is None else _public(row)


def _own(cur: duckdb.DuckDBPyConnection, unit_id: str, agreement_id: str) -> dict[str, Any]:
    rec = _get(cur, agreement_id)
    if rec is None or rec["unit_id"] != unit_id:
        raise Refusal(404, "AGREEMENT_NOT_FOUND", f"三方协议{agreement_id}不存在或不属于本单位")
    return rec


def usable_for_payment(cur: duckdb.DuckDBPyConnection, unit_id: str, agreement_id: str) -> dict[str, Any]:
    """The agreement a payment may use (验证通过 and the unit's own), as on the wire: agreement_id,
    protocol_no, bank_code, bank_name, clearing_bank_no, branch_no, branch_name, account_name,
    account_no (full), account_masked (****6700), batch_flag, allow_debit, status, tax_authority,
    verified_on ... Otherwise Refusal(409, AGREEMENT_NOT_USABLE) saying why, in Chinese."""
    rec = _get(cur, agreement_id)
    if rec is None or rec["unit_id"] != unit_id:
        raise Refusal(409, NOT_USABLE, f"三方协议{agreement_id}不是本单位的三方协议，不能用于缴费")
    label = f"三方协议{agreement_id}（{rec['bank_name']} {rec['account_masked']}）"
    if rec["status"] == ENDED:
        how = "已撤销" if rec["ended_how"] == REVOKED else "已作废"
        raise Refusal(409, NOT_USABLE, f"{label}{how}（协议终止），不能再用于缴费")
    if rec["status"] == UNVERIFIED:
        raise Refusal(409, NOT_USABLE, f"{label}未验证，须验证通过后方可用于缴费")
    if rec["status"] == FAILED:
        why = f"（{rec['verify_reason']}）" if rec["verify_reason"] else ""
        raise Refusal(409, NOT_USABLE, f"{label}验证失败{why}，请修改后重新验证")
    return rec


def _unit_row(cur: duckdb.DuckDBPyConnection, unit_id: str) -> tuple[str, str, str]:
    row = first_row(cur.execute("SELECT name, region, coalesce(tax_authority, '') FROM units WHERE unit_id = ?",
                                [unit_id]))
    if row is None:
        raise unit_not_found(unit_id)
    return row[0], row[1], row[2]


def tax_authorities(cur: duckdb.DuckDBPyConnection, unit_id: str) -> list[str]:
    """所属税务机关 the form offers: the unit's registered tax authorities."""
    _name, _region, main = _unit_row(cur, unit_id)
    rows = cur.execute("SELECT DISTINCT tax_authority FROM unit_numbers WHERE unit_id = ? ORDER BY 1",
                       [unit_id]).fetchall()
    found = [main] if main else []
    return found + [r[0] for r in rows if r[0] not in found]


def list_agreements(store: BureauStore, unit_id: str) -> list[dict[str, Any]]:
    """The unit's agreements, the newest first."""
    with store.reading() as cur:
        _unit_row(cur, unit_id)
        rows = cur.execute(f"SELECT {_COLUMNS} FROM agreements WHERE unit_id = ? "
                           "ORDER BY created_at DESC, agreement_id DESC", [unit_id]).fetchall()
    return [_public(r) for r in rows]


def agreement(store: BureauStore, unit_id: str, agreement_id: str) -> dict[str, Any]:
    with store.reading() as cur:
        return _own(cur, unit_id, agreement_id)


def form_options(store: BureauStore, unit_id: str) -> dict[str, Any]:
    """What the new/modify form offers before the cascade: the tax authorities and batch choices."""
    with store.reading() as cur:
        return {"tax_authorities": tax_authorities(cur, unit_id),
                "batch_flags": [{"allow_debit": True, "batch_flag": FEE_BATCH, "label": "允许代扣"},
                                {"allow_debit": False, "batch_flag": NO_BATCH, "label": "不允许代扣"}]}


def _check_form(cur: duckdb.DuckDBPyConnection, unit_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The form's fields checked (every one required); the row's values."""
    authorities = tax_authorities(cur, unit_id)
    if body["tax_authority"] not in authorities:
        raise Refusal(422, "AGREEMENT_FIELD_INVALID",
                      f"所属税务机关须为本单位参保登记的税务机关：{'、'.join(authorities)}")
    if _district(body["region_code"]) is None:
        raise Refusal(422, "AGREEMENT_FIELD_INVALID", f"行政区划{body['region_code']}不存在，请重新选择")
    if body["bank_code"] not in _BANKS:
        raise Refusal(422, "AGREEMENT_FIELD_INVALID", f"银行行别{body['bank_code']}不存在，请重新选择")
    branch = _branch(body["region_code"], body["bank_code"], body["branch_no"])
    if branch is None:
        raise Refusal(422, "AGREEMENT_FIELD_INVALID", "开户网点不属于所选行政区划和银行行别，请重新选择")
    name = body["account_name"].strip()
    if not name:
        raise Refusal(422, "AGREEMENT_FIELD_INVALID", "账户名称不能为空")
    account = body["account_no"].strip()
    if not ACCOUNT_PATTERN.fullmatch(account):
        raise Refusal(422, "AGREEMENT_FIELD_INVALID", "缴费账号须为8至32位数字")
    return {"tax_authority": body["tax_authority"], "region_code": body["region_code"],
            "bank_code": body["bank_code"], "branch_no": branch.branch_no,
            "clearing_bank_no": clearing_bank_no(body["region_code"], body["bank_code"]),
            "account_name": name, "account_no": account,
            "batch_flag": FEE_BATCH if body["allow_debit"] else NO_BATCH}


def _no_duplicate(cur: duckdb.DuckDBPyConnection, unit_id: str, account_no: str, bank_code: str,
                  except_id: str | None = None) -> None:
    row = first_row(cur.execute(
        "SELECT agreement_id FROM agreements WHERE unit_id = ? AND account_no = ? AND bank_code = ? "
        "AND status <> ? AND agreement_id <> ?", [unit_id, account_no, bank_code, ENDED, except_id or ""]))
    if row is not None:
        raise Refusal(409, "AGREEMENT_DUPLICATE",
                      f"该银行账户已签订三方协议{row[0]}，无需重复签订；如需变更请修改原协议")


def _new_ids(cur: duckdb.DuckDBPyConnection, region: str) -> tuple[str, str]:
    seq = cur.execute("SELECT nextval('agreement_seq')").fetchall()[0][0]
    today = clock.today().strftime("%Y%m%d")
    return f"{region}{today}{seq:06d}", f"3{region}{seq:013d}"


def create(store: BureauStore, unit_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """新增: a new agreement, 未验证."""
    now = clock.now()
    with store.writing() as cur:
        _name, region, _a = _unit_row(cur, unit_id)
        values = _check_form(cur, unit_id, body)
        _no_duplicate(cur, unit_id, values["account_no"], values["bank_code"])
        agreement_id, protocol_no = _new_ids(cur, region)
        bank = _BANKS[values["bank_code"]]
        cur.execute(f"INSERT INTO agreements ({_COLUMNS}) VALUES ({', '.join('?' * 19)})", [
            agreement_id, unit_id, protocol_no, f"{bank.short}{mask_account(values['account_no'])}缴费协议",
            values["tax_authority"], values["region_code"], values["bank_code"], values["clearing_bank_no"],
            values["branch_no"], values["account_name"], values["account_no"], values["batch_flag"],
            UNVERIFIED, None, None, None, None, now, now])
        return _own(cur, unit_id, agreement_id)


def modify(store: BureauStore, unit_id: str, agreement_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """修改: new values; the agreement is 未验证 again (must be verified before it pays)."""
    with store.writing() as cur:
        rec = _own(cur, unit_id, agreement_id)
        if rec["status"] == ENDED:
            raise Refusal(409, "AGREEMENT_ENDED", f"三方协议{agreement_id}已{rec['ended_how'] or '终止'}（协议终止），不能修改")
        values = _check_form(cur, unit_id, body)
        _no_duplicate(cur, unit_id, values["account_no"], values["bank_code"], except_id=agreement_id)
        bank = _BANKS[values["bank_code"]]
        cur.execute(
            "UPDATE agreements SET tax_authority = ?, region_code = ?, bank_code = ?, clearing_bank_no = ?, "
            "branch_no = ?, account_name = ?, account_no = ?, batch_flag = ?, agreement_name = ?, status = ?, "
            "verify_reason = NULL, verified_on = NULL, updated_at = ? WHERE agreement_id = ?",
            [values["tax_authority"], values["region_code"], values["bank_code"], values["clearing_bank_no"],
             values["branch_no"], values["account_name"], values["account_no"], values["batch_flag"],
             f"{bank.short}{mask_account(values['account_no'])}缴费协议", UNVERIFIED, clock.now(), agreement_id])
        return _own(cur, unit_id, agreement_id)


def void(store: BureauStore, unit_id: str, agreement_id: str) -> dict[str, Any]:
    """作废: only an agreement not verified (未验证 / 验证失败); it ends (协议终止)."""
    with store.writing() as cur:
        rec = _own(cur, unit_id, agreement_id)
        if rec["status"] == VERIFIED:
            raise Refusal(409, "AGREEMENT_NOT_VOIDABLE",
                          f"三方协议{agreement_id}已验证通过，不能作废；如不再使用请撤销")
        if rec["status"] == ENDED:
            raise Refusal(409, "AGREEMENT_ENDED", f"三方协议{agreement_id}已{rec['ended_how'] or '终止'}（协议终止）")
        now = clock.now()
        cur.execute("UPDATE agreements SET status = ?, ended_how = ?, ended_at = ?, updated_at = ? "
                    "WHERE agreement_id = ?", [ENDED, VOIDED, now, now, agreement_id])
        return _own(cur, unit_id, agreement_id)


def revoke(store: BureauStore, unit_id: str, agreement_id: str) -> dict[str, Any]:
    """撤销: only a verified agreement; it ends (协议终止) and can no longer pay."""
    with store.writing() as cur:
        rec = _own(cur, unit_id, agreement_id)
        if rec["status"] == ENDED:
            raise Refusal(409, "AGREEMENT_ENDED", f"三方协议{agreement_id}已{rec['ended_how'] or '终止'}（协议终止）")
        if rec["status"] != VERIFIED:
            raise Refusal(409, "AGREEMENT_NOT_REVOCABLE",
                          f"三方协议{agreement_id}为{rec['status']}状态，只有验证通过的协议可以撤销；未验证的协议请作废")
        now = clock.now()
        cur.execute("UPDATE agreements SET status = ?, ended_how = ?, ended_at = ?, updated_at = ? "
                    "WHERE agreement_id = ?", [ENDED, REVOKED, now, now, agreement_id])
        return _own(cur, unit_id, agreement_id)


def _bank_answer(cur: duckdb.DuckDBPyConnection, unit_id: str, account_no: str) -> tuple[str, str | None]:
    """The simulated bank's answer to a verification: a planned one first (demo), else by the account."""
    plan = first_row(cur.execute(
        "SELECT rowid, outcome, reason FROM bank_plans WHERE unit_id = ? AND purpose = 'verify' "
        "AND remaining > 0 ORDER BY planned_at LIMIT 1", [unit_id]))
    if plan is not None:
        cur.execute("UPDATE bank_plans SET remaining = remaining - 1 WHERE rowid = ?", [plan[0]])
        cur.execute("DELETE FROM bank_plans WHERE remaining <= 0")
        if plan[1] == "fail":
            return FAILED, plan[2] or "银行校验账户信息不符"
        return VERIFIED, None
    if account_no.endswith("0000"):
        return FAILED, "开户银行未查询到该缴费账号，请核对缴费账号和开户网点"
    return VERIFIED, None


def verify(store: BureauStore, unit_id: str, agreement_id: str) -> dict[str, Any]:
    """验证: the bank checks the account; 验证通过 (then usable) or 验证失败 with its reason. Refused for
    an ended agreement, one already verified, and a debiting one while another verified agreement of
    the unit debits (费批扣 / 所有批扣)."""
    with store.writing() as cur:
        rec = _own(cur, unit_id, agreement_id)
        if rec["status"] == ENDED:
            how = "已撤销" if rec["ended_how"] == REVOKED else "已作废"
            raise Refusal(409, "AGREEMENT_ENDED", f"三方协议{agreement_id}{how}（协议终止），不能发起验证")
        if rec["status"] == VERIFIED:
            raise Refusal(409, "AGREEMENT_VERIFIED", f"三方协议{agreement_id}已验证通过，无需再次验证")
        if rec["batch_flag"] in _DEBITING:
            other = first_row(cur.execute(
                "SELECT agreement_id, batch_flag FROM agreements WHERE unit_id = ? AND status = ? "
                "AND batch_flag IN (?, ?) AND agreement_id <> ?",
                [unit_id, VERIFIED, FEE_BATCH, ALL_BATCH, agreement_id]))
            if other is not None:
                raise Refusal(409, "AGREEMENT_BATCH_EXISTS",
                              f"本单位已有验证通过的{other[1]}协议{other[0]}，只允许一个费批扣或所有批扣协议验证通过；"
                              "请将本协议改为不允许代扣，或先撤销原协议")
        status, reason = _bank_answer(cur, unit_id, rec["account_no"])
        cur.execute("UPDATE agreements SET status = ?, verify_reason = ?, verified_on = ?, updated_at = ? "
                    "WHERE agreement_id = ?",
                    [status, reason, clock.today() if status == VERIFIED else None, clock.now(), agreement_id])
        return _own(cur, unit_id, agreement_id)


def plan_bank(store: BureauStore, unit_id: str, outcome: str, reason: str | None, times: int) -> dict[str, Any]:
    """Demo: the bank's next `times` verifications of the unit's agreements pass or fail."""
    with store.writing() as cur:
        _unit_row(cur, unit_id)
        cur.execute("DELETE FROM bank_plans WHERE unit_id = ? AND purpose = 'verify'", [unit_id])
        cur.execute("INSERT INTO bank_plans VALUES (?, 'verify', ?, ?, ?, ?)",
                    [unit_id, outcome, reason, times, clock.now()])
    return {"outcome": outcome, "reason": reason, "times": times}


# --- demo data -----------------------------------------------------------------------------------


def seed_demo(cur: duckdb.DuckDBPyConnection, unit_ids: list[str] | None = None) -> int:
    """Two agreements per employer unit (or per unit of `unit_ids`): a verified 费批扣 one at 中国工商银行
    and an unverified 所有非批扣 one at 中国建设银行, in the unit's first district. Returns how many."""
    where = "module = 'employer'" + (" AND unit_id IN (SELECT unnest(?))" if unit_ids is not None else "")
    units = cur.execute(f"SELECT unit_id, name, region, coalesce(tax_authority, '') FROM units WHERE {where} "
                        "ORDER BY unit_id", [unit_ids] if unit_ids is not None else []).fetchall()
    now = clock.now()
    rows = []
    for unit_id, name, region, authority in units:
        district = next((d.area_code for r in REGIONS if r.code == region for d in r.districts), None)
        if district is None:
            continue
        digits = "".join(c for c in unit_id if c.isdigit()).rjust(6, "0")[-6:]
        for bank_code, flag, status, account in (("102", FEE_BATCH, VERIFIED, f"1202{digits}09006700"),
                                                 ("105", NO_BATCH, UNVERIFIED, f"3305{digits}01234518")):
            agreement_id, protocol_no = _new_ids(cur, region)
            branch = _branches(district, bank_code)[0]
            rows.append((agreement_id, unit_id, protocol_no,
                         f"{_BANKS[bank_code].short}{mask_account(account)}缴费协议", authority, district, bank_code,
                         clearing_bank_no(district, bank_code), branch.branch_no, name, account, flag, status,
                         None, clock.today() - dt.timedelta(days=400) if status == VERIFIED else None,
                         None, None, now, now))
    if rows:
        cur.executemany(f"INSERT INTO agreements ({_COLUMNS}) VALUES ({', '.join('?' * 19)})", rows)
    return len(rows)


def clear_unit(store: BureauStore, unit_id: str) -> None:
    """Demo reset: the unit's agreements as seeded, no bank plans."""
    with store.writing() as cur:
        cur.execute("DELETE FROM agreements WHERE unit_id = ?", [unit_id])
        cur.execute("DELETE FROM bank_plans WHERE unit_id = ?", [unit_id])
        seed_demo(cur, [unit_id])
