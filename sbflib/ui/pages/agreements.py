"""单位三方协议管理 (manual 2.18): on entering, the page asks the 征收子系统 for the unit's agreements
(through `run_call`) and lists them with the manual's columns — 序号, 客户名称, 银行名称, 缴费账号 (masked,
****6700), 协议名称, 协议编号, 三方协议号, 清算行行号, 开户行行号, 协议所属税务机关, 协议通过日期, 协议状态,
协议用途 — and 操作: 修改 / 作废 / 撤销 / 验证. 新增 and 修改 open the form (是否允许银行代扣, 所属税务机关,
行政区划 → 银行行别 → 开户网点 with fuzzy search, 账户名称, 缴费账号; 保存 / 验证 / 取消). 作废 and 撤销 ask
first. 刷新 asks the bureau again. What the bureau refuses (a second 费批扣, 作废 of a verified agreement …)
is shown as its Chinese message.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from sbflib.employer.agreements import ALLOW, COLUMNS, DENY, Agreement, AgreementForm
from sbflib.errors import ValidationError
from sbflib.ui.components.cells import date_text, text_of
from sbflib.ui.components.dialogs import Dialog
from sbflib.ui.components.html import escape, text_html
from sbflib.ui.components.tick_table import TickTable
from sbflib.ui.context import Ui, button, field
from sbflib.ui.page import Page

TIP = ("温馨提示：1、单位允许银行代扣的协议只有一个，若已签订允许银行代扣的协议，需要变更原协议的批扣标志，"
       "或将原协议作废处理。2、行政区划、开户网点可模糊搜索。")
PAGE_TIP = "新增或修改后的协议状态为“未验证”，需要验证通过方可用于缴费；未验证的协议可作废，验证通过的协议可撤销。"
#: The list's columns on screen: the manual's, with 缴费账号 masked; 协议名称 and 清算行行号 are shown in
#: the 修改 form (long labels shortened: at 1366 px the row, 操作 included, fits with every heading
#: readable; at 1024 px the columns shrink towards MIN_WIDTHS and 操作 stays in view).
LIST_COLUMNS = {"customer_name": "客户名称", "bank_name": "银行名称", "account_masked": "缴费账号",
                "agreement_id": "协议编号", "protocol_no": "三方协议号", "branch_no": "开户行号",
                "tax_authority": "税务机关", "verified_on": "通过日期", "status": "协议状态", "batch_flag": "协议用途"}
WIDTHS = {"序号": 52, "客户名称": 102, "银行名称": 80, "缴费账号": 80, "协议编号": 80, "三方协议号": 94,
          "开户行号": 80, "税务机关": 80, "通过日期": 86, "协议状态": 80, "协议用途": 80}
MIN_WIDTHS = {"序号": 40, "客户名称": 48, "银行名称": 52, "缴费账号": 76, "协议编号": 36, "三方协议号": 36,
              "开户行号": 36, "税务机关": 40, "通过日期": 72, "协议状态": 64, "协议用途": 52}
END = "作废"      # the second 操作 link: 撤销 for a verified agreement, else 作废
PLEASE = "请选择"
LABEL_WIDTH = "130px"


class AgreementsPage(Page):
    menu_id = "EMP-18"
    title = "单位三方协议管理"

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.agreements = ui.wb.employer.agreements
        self.frame = pd.DataFrame(columns=list(COLUMNS))
        self.add_button = button("新增", self.add, primary=True, css="sbf-agreement-add")
        self.refresh_button = button("刷新", self.load, css="sbf-agreement-refresh")
        self.note = text_html("", "sbf-hint")
        toolbar = w.HBox([self.add_button, self.refresh_button, text_html(PAGE_TIP, "sbf-hint")])
        toolbar.add_class("sbf-toolbar")
        toolbar.add_class("sbf-wrap")
        self.table = AgreementTable(self._fetch, LIST_COLUMNS, table_key="agreements", settings=ui.wb.settings,
                                    id_column="agreement_id", height="440px", ticks=False,
                                    actions={"修改": self.modify, END: self.end, "验证": self.verify},
                                    formatters={"verified_on": date_text},
                                    default_widths=WIDTHS, min_widths=MIN_WIDTHS)
        for part in (toolbar, self.note, self.table):
            part.layout.flex = "0 0 auto"
        card = w.VBox([toolbar, self.note, self.table])
        card.add_class("sbf-card")
        super().__init__(ui, [card], css="sbf-agreements-page", show_title=True)
        self.form_dialog: AgreementDialog | None = None
        self.load()  # entering the page asks the 征收子系统 (manual 2.18.2 二)

    # ---- list --------------------------------------------------------------------------------
    def _fetch(self, page: int, size: int) -> tuple[pd.DataFrame, int]:
        return self.frame.iloc[(page - 1) * size: page * size], len(self.frame)

    def on_show(self) -> None:
        self.load()

    def load(self) -> None:
        """刷新: the unit's agreements from the 征收子系统."""
        self.run_call(self.agreements.frame, on_done=self._loaded, title="刷新",
                      label="正在获取单位三方协议信息，请稍候……")

    def _loaded(self, frame: pd.DataFrame) -> None:
        self.frame = frame.reset_index(drop=True)
        usable = int(self.frame["usable"].sum()) if "usable" in self.frame.columns and len(self.frame) else 0
        self.note.value = escape(f"共{len(self.frame)}份协议，其中验证通过{usable}份。")
        self.ui.call(self.table.refresh, 1)

    def row(self, agreement_id: Any) -> dict[str, Any]:
        hit = self.frame[self.frame["agreement_id"] == agreement_id]
        return hit.iloc[0].to_dict() if len(hit) else {}

    def _described(self, agreement_id: Any) -> str:
        r = self.row(agreement_id)
        return f"{text_of(r.get('bank_name'))} {text_of(r.get('account_masked'))}".strip()

    # ---- 新增 / 修改 ----------------------------------------------------------------------------
    def add(self) -> None:
        self.run_call(self._choices, None, on_done=lambda c: self._open_form(None, c), title="新增",
                      label="正在获取协议信息，请稍候……")

    def modify(self, agreement_id: Any) -> None:
        self.run_call(self._choices, str(agreement_id), on_done=lambda c: self._open_form(str(agreement_id), c),
                      title="修改", label="正在获取协议信息，请稍候……")

    def _choices(self, agreement_id: str | None) -> dict[str, Any]:
        """What the form needs (in the background): tax authorities, regions and, for 修改, the
        agreement with the banks and branches of its region."""
        out: dict[str, Any] = {"authorities": self.agreements.tax_authorities(),
                               "regions": self.agreements.regions("")}
        if agreement_id is not None:
            agreement = self.agreements.get(agreement_id)
            out["agreement"] = agreement
            out["banks"] = self.agreements.banks(agreement.region_code)
            out["branches"] = self.agreements.branches(agreement.region_code, agreement.bank_code)
        return out

    def _open_form(self, agreement_id: str | None, choices: dict[str, Any]) -> None:
        self.form_dialog = AgreementDialog(self, choices)
        self.ui.dialogs.show(self.form_dialog)

    # ---- 作废 / 撤销 / 验证 -------------------------------------------------------------------
    def end(self, agreement_id: Any) -> None:
        """The second 操作 link: 撤销 a verified agreement, 作废 any other (the bureau refuses what its
        status does not allow, e.g. an agreement already 协议终止)."""
        if self.row(agreement_id).get("status") == "验证通过":
            self.revoke(agreement_id)
        else:
            self.void(agreement_id)

    def void(self, agreement_id: Any) -> None:
        aid = str(agreement_id)
        def go() -> None:
            self.run_call(self.agreements.void, aid, on_done=lambda a: self._acted(a, "作废成功，协议状态变为“协议终止”。"),
                          title="作废", label="正在作废，请稍候……")

        self.ui.confirm("是否确定作废该协议？", go, title="确认信息", yes="确定", no="取消")

    def revoke(self, agreement_id: Any) -> None:
        aid = str(agreement_id)
        def go() -> None:
            self.run_call(self.agreements.revoke, aid,
                          on_done=lambda a: self._acted(a, "撤销成功，协议状态变为“协议终止”。"),
                          title="撤销", label="正在撤销，请稍候……")

        self.ui.confirm("是否确定撤销该协议？撤销后的协议不可再用于缴费。", go, title="确认信息", yes="确定", no="取消")

    def verify(self, agreement_id: Any) -> None:
        aid = str(agreement_id)
        what = self._described(aid)

        def go() -> None:
            self.run_call(self.agreements.verify, aid, on_done=self._verified, title="验证", label="正在验证，请稍候……")

        self.ui.confirm(f"是否确定发起该协议（{what}）的验证？" if what else "是否确定发起该协议的验证？", go,
                        title="确认信息", yes="确定", no="取消")

    def _verified(self, agreement: Agreement) -> None:
        self._acted(agreement, verify_text(agreement))

    def _acted(self, agreement: Agreement, text: str) -> None:
        self.ui.message(text, title="提示")
        self.load()


class AgreementTable(TickTable):
    """The list with 操作 as in the manual's figure: 修改, then 撤销 on a verified agreement or 作废 on
    any other, then 验证."""

    def _display_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = super()._display_frame(df)
        labels = list(getattr(self, "action_columns", {}))
        if len(labels) > 1 and "status" in df.columns:
            out[labels[1]] = ["撤销" if s == "验证通过" else END for s in df["status"].tolist()]
        return out


def verify_text(agreement: Agreement) -> str:
    if agreement.status == "验证通过":
        return "验证通过，协议可用于三方协议缴费。"
    reason = f"：{agreement.verify_reason}" if agreement.verify_reason else ""
    return f"验证失败{reason}。请修改协议信息后重新验证。"


class AgreementDialog(Dialog):
    """新增 / 修改单位三方协议: the form with the cascade 行政区划 → 银行行别 → 开户网点; 保存 / 验证 / 取消."""

    def __init__(self, page: AgreementsPage, choices: dict[str, Any]) -> None:
        self.page = page
        self.agreement: Agreement | None = choices.get("agreement")
        self.saved: Agreement | None = None
        self._quiet = False
        a = self.agreement
        self.debit = w.RadioButtons(options=[ALLOW, DENY], value=None if a is None else (ALLOW if a.allow_debit else DENY),
                                    layout=w.Layout(width="auto"))
        self.debit.add_class("sbf-agreement-debit")
        self.debit.add_class("sbf-inline-radio")
        authorities = list(choices.get("authorities") or ())
        if a is not None and a.tax_authority not in authorities:
            authorities.insert(0, a.tax_authority)
        self.authority = w.Dropdown(options=[(PLEASE, ""), *[(t, t) for t in authorities]],
                                    value=a.tax_authority if a else (authorities[0] if len(authorities) == 1 else ""),
                                    layout=w.Layout(width="340px"))
        self.authority.add_class("sbf-agreement-authority")
        self.region_search = w.Text(placeholder="输入名称或代码搜索", continuous_update=False,
                                    layout=w.Layout(width="150px"))
        self.region_search.add_class("sbf-agreement-region-search")
        self.region = w.Dropdown(options=[(PLEASE, "")], value="", layout=w.Layout(width="186px"))
        self.region.add_class("sbf-agreement-region")
        self.bank = w.Dropdown(options=[(PLEASE, "")], value="", layout=w.Layout(width="340px"))
        self.bank.add_class("sbf-agreement-bank")
        self.branch_search = w.Text(placeholder="输入名称或行号搜索", continuous_update=False,
                                    layout=w.Layout(width="150px"))
        self.branch_search.add_class("sbf-agreement-branch-search")
        self.branch = w.Dropdown(options=[(PLEASE, "")], value="", layout=w.Layout(width="186px"))
        self.branch.add_class("sbf-agreement-branch")
        self.account_name = w.Text(value=a.account_name if a else "", placeholder="请输入账户名称",
                                   layout=w.Layout(width="340px"))
        self.account_name.add_class("sbf-agreement-account-name")
        self.account_no = w.Text(value=a.account_no if a else "", placeholder="请输入缴费账号（8至32位数字）",
                                 layout=w.Layout(width="340px"))
        self.account_no.add_class("sbf-agreement-account-no")
        self._fill(self.region, [(r.region_name, r.region_code) for r in choices.get("regions") or ()],
                   a.region_code if a else "", (a.region_name, a.region_code) if a else None)
        if a is not None:
            self._fill(self.bank, [(b.bank_name, b.bank_code) for b in choices.get("banks") or ()], a.bank_code,
                       (a.bank_name, a.bank_code))
            self._fill(self.branch, [(b.branch_name, b.branch_no) for b in choices.get("branches") or ()], a.branch_no,
                       (a.branch_name, a.branch_no))
        self.region_search.observe(lambda _c: self._search_regions(), names="value")
        self.region.observe(lambda _c: self._region_changed(), names="value")
        self.bank.observe(lambda _c: self._bank_changed(), names="value")
        self.branch_search.observe(lambda _c: self._load_branches(), names="value")
        rows: list[w.Widget] = [text_html(TIP, "sbf-hint-red sbf-agreement-tip")]
        if a is not None:
            rows.append(text_html(f"协议名称：{a.agreement_name}　协议编号：{a.agreement_id}", "sbf-agreement-which"))
            rows.append(text_html(f"清算行行号：{a.clearing_bank_no}　开户行行号：{a.branch_no}　协议状态：{a.status}",
                                  "sbf-agreement-which"))
        rows += [
            field("是否允许银行代扣", self.debit, width=LABEL_WIDTH),
            field("所属税务机关", self.authority, width=LABEL_WIDTH),
            field("行政区划", w.HBox([self.region_search, self.region]), width=LABEL_WIDTH),
            field("银行行别", self.bank, width=LABEL_WIDTH),
            field("开户网点", w.HBox([self.branch_search, self.branch]), width=LABEL_WIDTH),
            field("账户名称", self.account_name, width=LABEL_WIDTH),
            field("缴费账号", self.account_no, width=LABEL_WIDTH),
        ]
        self.save_button = w.Button(description="保存", button_style="primary")
        self.save_button.add_class("sbf-agreement-save")
        # 验证 needs a saved agreement: after 保存, or at once for an unverified one opened by 修改
        self.verify_button = w.Button(description="验证",
                                      disabled=not (a is not None and a.status in ("未验证", "验证失败")))
        self.verify_button.add_class("sbf-agreement-verify")
        self.cancel_button = w.Button(description="取消")
        self.cancel_button.add_class("sbf-agreement-cancel")
        self.save_button.on_click(lambda _b: self.save())
        self.verify_button.on_click(lambda _b: self.verify())
        self.cancel_button.on_click(lambda _b: self.dismiss())
        title = "修改单位三方协议" if a is not None else "新增单位三方协议"
        super().__init__(title, rows, [self.save_button, self.verify_button, self.cancel_button], width="560px",
                         css="sbf-agreement-dialog")

    # ---- the cascade -----------------------------------------------------------------------
    def _fill(self, box: w.Dropdown, options: list[tuple[str, str]], value: str = "",
              keep: tuple[str, str] | None = None) -> None:
        if keep is not None and keep[1] not in [v for _t, v in options]:
            options = [keep, *options]
        self._quiet = True
        try:
            box.options = [(PLEASE, ""), *options]
            box.value = value if value in [v for _t, v in options] else ""
        finally:
            self._quiet = False

    def _search_regions(self) -> None:
        q = self.region_search.value
        self.page.run_call(self.page.agreements.regions, q, title="行政区划", label="正在查询行政区划……",
                           on_done=lambda found: self._regions_found(found))

    def _regions_found(self, found: Any) -> None:
        current = self.region.value
        self._fill(self.region, [(r.region_name, r.region_code) for r in found], current)
        if len(found) == 1 and not self.region.value:
            self.region.value = found[0].region_code
        elif self.region.value != current:
            self._region_changed()

    def _region_changed(self) -> None:
        if self._quiet:
            return
        self._fill(self.bank, [])
        self._fill(self.branch, [])
        code = self.region.value
        if code:
            self.page.run_call(self.page.agreements.banks, code, title="银行行别", label="正在获取银行行别……",
                               on_done=lambda banks: self._fill(self.bank, [(b.bank_name, b.bank_code) for b in banks]))

    def _bank_changed(self) -> None:
        if self._quiet:
            return
        self._fill(self.branch, [])
        self._load_branches()

    def _load_branches(self) -> None:
        region, bank = self.region.value, self.bank.value
        if not region or not bank:
            return
        current = self.branch.value
        self.page.run_call(self.page.agreements.branches, region, bank, self.branch_search.value,
                           title="开户网点", label="正在获取开户网点……",
                           on_done=lambda found: self._fill(self.branch, [(b.branch_name, b.branch_no) for b in found],
                                                            current))

    # ---- 保存 / 验证 ------------------------------------------------------------------------
    def form(self) -> AgreementForm:
        """What the clerk filled in; a choice left open is named (the service checks the rest)."""
        if self.debit.value not in (ALLOW, DENY):
            raise ValidationError("请选择是否允许银行代扣", field="是否允许银行代扣")
        return AgreementForm(self.debit.value == ALLOW, str(self.authority.value or ""), str(self.region.value or ""),
                             str(self.bank.value or ""), str(self.branch.value or ""), self.account_name.value or "",
                             self.account_no.value or "")

    def save(self) -> None:
        try:
            form = self.page.agreements.check(self.form())
        except ValidationError as exc:
            self.page.ui.error(exc)
            return
        target = self.saved or self.agreement
        if target is None:
            self.page.run_call(self.page.agreements.new, form, on_done=self._saved, title="保存",
                               label="正在保存，请稍候……")
        else:
            self.page.run_call(self.page.agreements.modify, target.agreement_id, form, on_done=self._saved,
                               title="保存", label="正在保存，请稍候……")

    def _saved(self, agreement: Agreement) -> None:
        self.saved = agreement
        self.verify_button.disabled = False
        self.page.ui.message("保存成功，协议状态为“未验证”，需要验证通过才可以使用，请点击【验证】发起协议验证。",
                             title="提示")
        self.page.load()

    def verify(self) -> None:
        """验证 of the agreement as saved; values changed since then must be saved first."""
        target = self.saved or self.agreement
        if target is None:
            return
        try:
            changed = self.page.agreements.check(self.form()) != target.form()
        except ValidationError:
            changed = True
        if changed:
            self.page.ui.error("协议信息已修改，请先点击【保存】，再发起验证。")
            return
        self.page.run_call(self.page.agreements.verify, target.agreement_id, on_done=self._verified,
                           title="验证", label="正在验证，请稍候……")

    def _verified(self, agreement: Agreement) -> None:
        self.saved = agreement
        self.page.ui.message(verify_text(agreement), title="提示")
        if agreement.status == "验证通过":
            self.verify_button.disabled = True
        self.page.load()
