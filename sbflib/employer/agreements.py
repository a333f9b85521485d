"""单位三方协议管理 (manual 2.18): the unit's three-party agreements as the 征收子系统 keeps them, and 新增 /
修改 / 作废 / 撤销 / 验证.

    a = wb.employer.agreements
      .list() -> tuple[Agreement, ...]         fetched from the bureau (on entry and 刷新), newest first
      .frame() -> DataFrame                    the same as a table: COLUMNS, account masked (****6700)
      .new(form) / .modify(agreement_id, form) -> Agreement (未验证)
      .void(agreement_id) / .revoke(agreement_id) / .verify(agreement_id) -> Agreement
      .tax_authorities()                       所属税务机关 choices (the unit's registered ones)
      .regions(q) -> banks(region_code) -> branches(region_code, bank_code, q)    the form's cascade
      .check(form)                             the form's own checks (every field required, 8-32 digits)

Nothing is kept in the store: the page asks the bureau on entry (manual 2.18.2 二). The rules (one
verified 费批扣 agreement, 作废 only unverified, 撤销 only verified, no verification of an ended one)
are the bureau's; its refusals reach the clerk as its Chinese messages.

Every state-changing call carries one Idempotency-Key per logical call. The key is kept while the
answer is unknown (a dropped answer, a timeout): the same action on the same agreement with the same
values sent again, also by a second click, reuses it, so the bureau answers with its first answer and
does the action once. An answer or a refusal forgets the key.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import pyarrow as pa

from sbflib.errors import BureauError, ConnectionFailed, ValidationError, service_edge
from sbflib.gateway.agreements import Agreement, AgreementForm, Bank, BankingRegion, Branch
from sbflib.system.context import Context

__all__ = ["ALLOW", "COLUMNS", "DENY", "Agreement", "AgreementForm", "AgreementService"]

ALLOW = "允许代扣"
DENY = "不允许代扣"

#: The list's columns (manual 2.18 图 三方协议列表), display order; the account masked.
COLUMNS = {
    "customer_name": "客户名称",
    "bank_name": "银行名称",
    "account_masked": "缴费账号",
    "agreement_name": "协议名称",
    "agreement_id": "协议编号",
    "protocol_no": "三方协议号",
    "clearing_bank_no": "清算行行号",
    "branch_no": "开户行行号",
    "tax_authority": "协议所属税务机关",
    "verified_on": "协议通过日期",
    "status": "协议状态",
    "batch_flag": "协议用途",
}
_EXTRA = ("branch_name", "region_code", "region_name", "bank_code", "account_name", "allow_debit", "verify_reason",
          "ended_how", "usable", "actions")

_ACCOUNT = re.compile(r"[0-9]{8,32}")
_REGION = re.compile(r"[0-9]{6}")
_BANK = re.compile(r"[0-9]{3}")
_BRANCH = re.compile(r"[0-9]{12}")

LOST = ("没有收到税务局的应答，无法确认是否已{what}。请稍后刷新查看；再次{what}不会重复办理")

T = TypeVar("T")


def check_form(form: AgreementForm) -> AgreementForm:
    """The form's own checks before the call (manual 2.18.2 三: every field required), naming the field;
    the values trimmed."""
    if not isinstance(form, AgreementForm):
        raise ValidationError("协议信息不完整", field="协议信息")
    if not isinstance(form.allow_debit, bool):
        raise ValidationError("请选择是否允许银行代扣", field="是否允许银行代扣")
    authority = (form.tax_authority or "").strip()
    if not authority:
        raise ValidationError("请选择所属税务机关", field="所属税务机关")
    if not _REGION.fullmatch(form.region_code or ""):
        raise ValidationError("请选择行政区划", field="行政区划")
    if not _BANK.fullmatch(form.bank_code or ""):
        raise ValidationError("请选择银行行别", field="银行行别")
    if not _BRANCH.fullmatch(form.branch_no or ""):
        raise ValidationError("请选择开户网点", field="开户网点")
    name = (form.account_name or "").strip()
    if not name:
        raise ValidationError("请输入账户名称", field="账户名称")
    if len(name) > 100:
        raise ValidationError("账户名称不能超过100个字", field="账户名称")
    account = re.sub(r"\s+", "", form.account_no or "")
    if not account:
        raise ValidationError("请输入缴费账号", field="缴费账号")
    if not _ACCOUNT.fullmatch(account):
        raise ValidationError("缴费账号应为8至32位数字", field="缴费账号")
    return AgreementForm(form.allow_debit, authority, form.region_code, form.bank_code, form.branch_no, name, account)


def agreements_frame(agreements: tuple[Agreement, ...] | list[Agreement]) -> pd.DataFrame:
    """The agreements as a DataFrame (COLUMNS first, then the form's values); dates as dates."""
    names = [*COLUMNS, *_EXTRA]
    rows = []
    for a in agreements:
        row = {k: getattr(a, k) for k in names}
        row["actions"] = "、".join(a.actions)
        rows.append(row)
    schema = pa.schema([(k, pa.date32() if k == "verified_on" else pa.bool_() if k in ("allow_debit", "usable")
                         else pa.string()) for k in names])
    return pa.Table.from_pylist(rows, schema=schema).to_pandas(date_as_object=True)


@service_edge
class AgreementService:
    """`wb.employer.agreements` (单位三方协议管理)."""

    COLUMNS = COLUMNS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._pending: dict[str, str] = {}   # the signature of a call whose answer is unknown -> its key
        self._lock = threading.Lock()

    def _unit_id(self) -> str:
        return self.ctx.require_unit("employer").unit_id

    # ---- list ------------------------------------------------------------------------------
    def list(self) -> tuple[Agreement, ...]:
        """The unit's agreements from the 征收子系统, newest first."""
        return self.ctx.client.agreements.list(self._unit_id())

    def frame(self) -> pd.DataFrame:
        """The agreements as a table (the list's columns; 缴费账号 masked)."""
        return agreements_frame(self.list())

    def get(self, agreement_id: str) -> Agreement:
        return self.ctx.client.agreements.get(self._unit_id(), agreement_id)

    # ---- the form ---------------------------------------------------------------------------
    def check(self, form: AgreementForm) -> AgreementForm:
        """The form's checks (every field required; 缴费账号 8 to 32 digits); the trimmed form."""
        return check_form(form)

    def tax_authorities(self) -> tuple[str, ...]:
        """所属税务机关: the tax authorities the unit is registered with (the main one first)."""
        reg = self.ctx.client.units.registration(self._unit_id())
        found = [reg.tax_authority] if reg.tax_authority else []
        for n in sorted(reg.unit_numbers, key=lambda n: n.tax_authority):
            if n.tax_authority and n.tax_authority not in found:
                found.append(n.tax_authority)
        return tuple(found)

    def regions(self, q: str = "") -> tuple[BankingRegion, ...]:
        """行政区划 (fuzzy on name or code)."""
        return self.ctx.client.agreements.regions((q or "").strip()[:50] or None)

    def banks(self, region_code: str) -> tuple[Bank, ...]:
        """银行行别 in a 行政区划."""
        return self.ctx.client.agreements.banks(region_code)

    def branches(self, region_code: str, bank_code: str, q: str = "") -> tuple[Branch, ...]:
        """开户网点 of a bank in a 行政区划 (fuzzy on name or number)."""
        return self.ctx.client.agreements.branches(region_code, bank_code, (q or "").strip()[:50] or None)

    # ---- actions -----------------------------------------------------------------------------
    def new(self, form: AgreementForm) -> Agreement:
        """新增 (保存): the agreement 未验证 (it pays only once verified)."""
        form = check_form(form)
        unit_id = self._unit_id()
        return self._once("保存", ("new", unit_id, form.to_wire()),
                          lambda key: self.ctx.client.agreements.create(unit_id, form, key=key))

    def modify(self, agreement_id: str, form: AgreementForm) -> Agreement:
        """修改: the new values; the agreement is 未验证 again."""
        form = check_form(form)
        unit_id = self._unit_id()
        return self._once("修改", ("modify", unit_id, agreement_id, form.to_wire()),
                          lambda key: self.ctx.client.agreements.modify(unit_id, agreement_id, form, key=key))

    def void(self, agreement_id: str) -> Agreement:
        """作废 (only an agreement not verified): 协议终止."""
        unit_id = self._unit_id()
        return self._once("作废", ("void", unit_id, agreement_id),
                          lambda key: self.ctx.client.agreements.void(unit_id, agreement_id, key=key))

    def revoke(self, agreement_id: str) -> Agreement:
        """撤销 (only a verified agreement): 协议终止; it no longer pays."""
        unit_id = self._unit_id()
        return self._once("撤销", ("revoke", unit_id, agreement_id),
                          lambda key: self.ctx.client.agreements.revoke(unit_id, agreement_id, key=key))

    def verify(self, agreement_id: str) -> Agreement:
        """验证 with the bank: 验证通过, or 验证失败 with the bank's reason."""
        unit_id = self._unit_id()
        return self._once("验证", ("verify", unit_id, agreement_id),
                          lambda key: self.ctx.client.agreements.verify(unit_id, agreement_id, key=key))

    def pending(self) -> int:
        """How many calls have an unknown answer (their keys kept for a retry)."""
        with self._lock:
            return len(self._pending)

    def _once(self, what: str, signature: tuple[object, ...], send: Callable[[str], T]) -> T:
        """Send with the key kept for this signature (a fresh one when none is kept)."""
        sig = json.dumps(signature, ensure_ascii=False, sort_keys=True, default=str)
        with self._lock:
            key = self._pending.setdefault(sig, uuid.uuid4().hex)
        try:
            result = send(key)
        except ConnectionFailed as lost:
            if lost.code == "BAD_RESPONSE":
                raise
            raise ConnectionFailed(LOST.format(what=what), detail=f"{lost.code}: {lost.detail}",
                                   code=lost.code) from lost
        except BureauError:
            with self._lock:
                self._pending.pop(sig, None)
            raise
        with self._lock:
            self._pending.pop(sig, None)
        return result
