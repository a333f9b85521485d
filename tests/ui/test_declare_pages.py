"""社保费申报 pages (manual 2.8, 2.9, 2.23, 2.27) driven from Python.

First against a stub shaped like `wb.employer.declarations.channel(channel)` (/work/contracts.md), then
against a real workbench logged in to the demo bureau (units U000035, U000036 (builder), U000037 (深圳),
reserved for these pages in tests/conftest.py). Grid clicks go through the same handlers as
ipydatagrid's messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from sbflib.domain.declaration_checks import check_selection
from sbflib.errors import ValidationError
from sbflib.ui.components.countdown import CountdownDialog
from sbflib.ui.components.table import MemorySettings
from sbflib.ui.components.tick_table import TICKED, UNTICKED
from sbflib.ui.context import Ui
from sbflib.ui.menus import page_class
from sbflib.ui.pages.declare import (
    GROUP_LABEL,
    AssessedDeclarePage,
    DailyDeclarePage,
    DeclarePage,
    ProjectDeclarePage,
    SpecialDeclarePage,
)
from sbflib.ui.pages.declare_dialogs import CheckDialog, LinesDialog, ResultDialog, SummaryDialog

COLUMNS = {"source_name": "数据来源", "unit_number": "单位编号", "agency": "社保经办机构", "notice_no": "征集通知流水号",
           "item_name": "征收项目", "payer_name": "缴费对象", "period_start": "费款所属期起", "period_end": "费款所属期止",
           "headcount": "缴费人数", "base_total": "缴费基数（元）", "rate": "费率", "amount": "应缴费额（元）",
           "status": "申报状态"}
AGENCY = "杭州市滨江区社会保险管理服务中心"


def _row(prep_id: str, source: str, item: tuple[str, str], payer: str, amount: str, *, notice: str | None = None,
         period: str = "2026-11", unit_number: str = "330108700935", headcount: int = 3,
         status: str = "未申报") -> dict[str, Any]:
    row = {"prep_id": prep_id, "source_code": source, "source_name": {"01": "税务机关", "02": "社保部门",
                                                                      "03": "社保部门核定征收"}[source],
           "unit_number": unit_number, "agency": AGENCY, "notice_no": notice, "item_code": item[0],
           "item_name": item[1], "payer": payer, "payer_name": {"unit": "单位", "personal": "个人"}[payer], "period_start": period, "period_end": period,
           "headcount": headcount, "base_total": Decimal("21866.00"), "rate": Decimal("0.16"),
           "amount": Decimal(amount), "status": status, "declaration_id": None, "valid_until": None}
    row["group_key"] = (f"01|{unit_number}|{item[0]}|{period}|{period}" if source == "01"
                        else f"{source}|{unit_number}|{notice}")
    return row


PENSION, JOBLESS, BIRTH = ("10201", "基本养老保险费"), ("21001", "失业保险费"), ("10205", "生育保险费")


def _daily_rows() -> list[dict[str, Any]]:
    return [
        _row("P1", "01", PENSION, "unit", "3498.56"), _row("P2", "01", PENSION, "personal", "1749.28"),
        _row("P3", "01", JOBLESS, "unit", "109.33"), _row("P4", "01", JOBLESS, "personal", "109.33"),
        _row("P5", "03", BIRTH, "unit", "218.66", notice="202611010123456789"),
        _row("P6", "01", PENSION, "unit", "3000.00", period="2026-10", status="已申报"),
    ]


@dataclass
class StubDeclareList:
    channel: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple] = field(default_factory=list)
    lines_fetched: dict[str, int] = field(default_factory=dict)
    decide: dict[str, str] = field(default_factory=dict)  # source_name -> status after feedback

    @property
    def columns(self) -> dict[str, str]:
        return dict(COLUMNS)

    def frame(self, filters: Any = None) -> pd.DataFrame:
        df = pd.DataFrame(self.rows)
        if filters:
            for key, value in (filters.items() if isinstance(filters, dict) else vars(filters).items()):
                if value and key in df.columns:
                    df = df[df[key].astype(str) == str(value)]
        return df.reset_index(drop=True)

    def query(self, filters: Any = None, page: int = 1, page_size: int = 50) -> tuple[pd.DataFrame, int]:
        self.calls.append(("query", filters))
        df = self.frame(filters)
        return df.iloc[(page - 1) * page_size: page * page_size].reset_index(drop=True), len(df)

    def check(self, prep_ids: list[str]) -> Any:
        self.calls.append(("check", list(prep_ids)))
        return check_selection(pd.DataFrame(self.rows), prep_ids, current_month="2026-11")

    def summary(self, prep_ids: list[str]) -> Any:
        rows = [r for r in self.rows if r["prep_id"] in prep_ids]
        total = sum((r["amount"] for r in rows), Decimal(0))
        return SimpleNamespace(rows=len(rows), headcount=max(r["headcount"] for r in rows), total_due=total,
                               text=f"本次申报{len(rows)}条预处理信息，应缴费额合计{total:,.2f}元")

    def submit(self, prep_ids: list[str], confirmed_warnings: bool = False) -> Any:
        self.calls.append(("submit", list(prep_ids), confirmed_warnings))
        sources = sorted({r["source_name"] for r in self.rows if r["prep_id"] in prep_ids})
        for r in self.rows:
            if r["prep_id"] in prep_ids:
                r["status"] = "申报中"
        return SimpleNamespace(submission_id="SS1", submission_ids=("SS1",),
                               declarations=tuple((f"SB{i}", s, "待反馈") for i, s in enumerate(sources, 1)))

    def result(self, submission_id: str) -> Any:
        """The declarations of the submission as decided now (the bureau decides on read)."""
        self.calls.append(("result", submission_id))
        out, reasons = [], []
        for i, s in enumerate(sorted({r["source_name"] for r in self.rows if r["status"] == "申报中"}), 1):
            status = self.decide.get(s, "申报成功")
            out.append((f"SB{i}", s, status))
            if status == "申报失败":
                reasons.append((f"SB{i}", "征集信息已超过征集有效日期"))
        return SimpleNamespace(submission_id=submission_id, declarations=tuple(out), reasons=tuple(reasons))

    def load(self) -> int:
        self.calls.append(("load",))
        for r in self.rows:  # the bureau's decision shows in the rows fetched again
            if r["status"] == "申报中":
                r["status"] = "已申报" if self.decide.get(r["source_name"], "申报成功") == "申报成功" else "未申报"
        return len(self.rows)

    def lines(self, prep_id: str) -> pd.DataFrame:
        self.lines_fetched[prep_id] = self.lines_fetched.get(prep_id, 0) + 1
        return pd.DataFrame({"prep_id": [prep_id] * 2, "employee_id": ["E1", "E2"], "name": ["林婷", "王林"],
                             "id_type": ["居民身份证"] * 2, "id_number": ["330102199001010011", "330102199202020022"],
                             "person_number": [None, None], "item_code": ["10201"] * 2, "payer": ["unit"] * 2,
                             "month": ["2026-11"] * 2, "base": [Decimal("5000.00"), Decimal("6000.00")],
                             "rate": [Decimal("0.16"), Decimal("0.16")], "amount": [Decimal("800.00"),
                                                                                      Decimal("960.00")]})

    def export(self, prep_ids: list[str] | None = None) -> bytes:
        self.calls.append(("export", None if prep_ids is None else list(prep_ids)))
        return b"PK-export"


@dataclass
class StubDeclarations:
    lists: dict[str, StubDeclareList] = field(default_factory=dict)
    feedback_wait_s: int = 0

    def channel(self, channel: str) -> StubDeclareList:
        return self.lists.setdefault(channel, StubDeclareList(channel))

    def pending(self) -> pd.DataFrame:
        return pd.DataFrame(columns=["submit_key", "channel", "total_due", "rows", "created_at"])


@dataclass
class StubRecords:
    """`wb.employer.declaration_records`: the page syncs today's records after a submission."""

    synced: list[tuple[str, Any, Any]] = field(default_factory=list)
    kind: str = "fees"

    def of(self, kind: str) -> StubRecords:
        self.kind = kind
        return self

    def sync(self, date_from: Any = None, date_to: Any = None) -> int:
        self.synced.append((self.kind, date_from, date_to))
        return 0


class RecordsPage:
    """Stands in for 申报记录 (H3's page): records that it was opened."""

    def __init__(self, ui: Ui) -> None:
        self.shown = 1

    def on_show(self) -> None:
        self.shown += 1


def _ui(rows: list[dict[str, Any]] | None = None) -> Ui:
    decl = StubDeclarations()
    decl.channel("daily").rows = _daily_rows() if rows is None else rows
    wb = SimpleNamespace(employer=SimpleNamespace(declarations=decl, declaration_records=StubRecords()),
                         settings=MemorySettings(page_size=50))
    ui = Ui(wb, sync=True)
    pages: dict[str, Any] = {}

    def navigate(menu_id: str) -> Any:
        if menu_id not in pages:
            cls = page_class(menu_id) if menu_id not in ("EMP-10", "EMP-24") else RecordsPage
            assert cls is not None, menu_id
            pages[menu_id] = cls(ui)
        else:
            pages[menu_id].on_show()
        ui.current = pages[menu_id]  # type: ignore[attr-defined]
        return pages[menu_id]

    ui.navigate = navigate
    ui.pages = pages  # type: ignore[attr-defined]
    return ui


@pytest.fixture
def ui() -> Ui:
    return _ui()


@pytest.fixture
def daily(ui) -> DailyDeclarePage:
    return ui.navigate("EMP-8")


def _dialog(ui: Ui) -> Any:
    d = ui.dialogs.current
    assert d is not None
    return d


def _close_messages(ui: Ui) -> list[str]:
    """Close the message boxes on top (e.g. a prompt after loading); their texts."""
    texts = []
    while ui.dialogs.current is not None and "sbf-message-dialog" in ui.dialogs.current._dom_classes:
        texts.append(ui.dialogs.current.text)
        ui.dialogs.current.dismiss()
    return texts


# ---- registration and labels ----------------------------------------------------------------------
def test_the_four_pages_are_registered_by_menu():
    assert page_class("EMP-8") is DailyDeclarePage
    assert page_class("EMP-9") is SpecialDeclarePage
    assert page_class("EMP-27") is AssessedDeclarePage
    assert page_class("EMP-23") is ProjectDeclarePage
    for cls in (DailyDeclarePage, SpecialDeclarePage, AssessedDeclarePage, ProjectDeclarePage):
        assert issubclass(cls, DeclarePage)
        assert cls.title and all(ord(ch) > 127 or ch in "-" for ch in cls.title)


def test_entering_loads_and_lists_with_the_manuals_labels(daily):
    decl = daily.declare
    assert decl.calls[0] == ("load",)
    cols = list(daily.table.grid.data.columns)
    assert cols[:3] == [UNTICKED, "序号", GROUP_LABEL]
    assert "征集通知流水号" in cols and "缴费人数" in cols and "应缴费额（元）" in cols
    assert "prep_id" not in cols and "group_key" not in cols
    assert daily.table.total == 6
    texts = [b.description for b in daily.children[1].children[1].children]
    assert texts == ["刷新", "提交申报", "导出"]
    assert daily.table.grid.data.iloc[0]["应缴费额（元）"] == "3,498.56"
    assert daily.table.grid.data.iloc[0]["缴费对象"] == "单位"
    assert daily.table.grid.data.iloc[0]["费率"] == "0.16"


def test_one_tick_box_per_group_on_its_first_row(daily):
    data = daily.table.grid.data
    ticks = data[UNTICKED].tolist()
    # P1+P2 one group, P3+P4 one, P5 (征集信息) one, P6 already declared: no box
    assert ticks == [UNTICKED, "", UNTICKED, "", UNTICKED, ""]
    assert data[GROUP_LABEL].tolist() == ["1", "1", "2", "2", "3", "4"]
    daily.table.click(1, UNTICKED)  # a click on the group's second row ticks the group
    assert daily.table.selected_ids() == ["P1", "P2"]
    assert daily.table.grid.data.iloc[0][UNTICKED] == TICKED
    daily.table.click(0, UNTICKED)
    assert daily.table.selected_ids() == []
    daily.table.click(5, UNTICKED)  # declared: nothing
    assert daily.table.selected_ids() == []
    daily.table.click_header(UNTICKED)
    assert daily.table.selected_ids() == ["P1", "P2", "P3", "P4", "P5"]
    assert next(iter(daily.table.grid.data.columns)) == TICKED
    daily.table.click_header(TICKED)
    assert daily.table.selected_ids() == []


def test_refresh_and_query_reset(daily):
    decl = daily.declare
    daily.refresh_button.click()
    assert decl.calls.count(("load",)) == 2
    assert list(daily.q_item_name.options)[1:] == [("基本养老保险费", "基本养老保险费"), ("失业保险费", "失业保险费"),
                                                    ("生育保险费", "生育保险费")]
    daily.q_item_name.value = "失业保险费"
    daily.form.query_button.click()
    assert daily.table.total == 2
    daily.form.reset_button.click()
    assert daily.table.total == 6 and daily.q_item_name.value == ""


def test_entering_again_loads_again(ui, daily):
    ui.navigate("EMP-8")
    assert daily.declare.calls.count(("load",)) == 2


def test_submit_without_ticks_says_so(daily):
    daily.submit_button.click()
    assert "请先勾选" in _dialog(daily.ui).text


def test_submit_check_summary_countdown_and_results(ui, daily):
    ui.wb.employer.declarations.feedback_wait_s = 20
    daily.table.click(0, UNTICKED)
    daily.table.click(4, UNTICKED)
    daily.submit_button.click()
    ask = _dialog(ui)  # nothing found: the manual's 核对 prompt
    assert "核对" in ask.text and "3条" in ask.text
    ask.button("确定").click()
    summary = _dialog(ui)
    assert isinstance(summary, SummaryDialog)
    assert "3条" in summary.text and "5,466.50元" in summary.text and "2项" in summary.text
    summary.button("立即提交").click()
    assert daily.declare.calls[-1][0] == "submit" or ("submit", ["P1", "P2", "P5"], False) in daily.declare.calls
    assert ("submit", ["P1", "P2", "P5"], False) in daily.declare.calls
    cd = _dialog(ui)
    assert isinstance(cd, CountdownDialog) and "20" in cd.label.value and "2份申报表" in cd.text
    assert daily.table.grid.data.iloc[0]["申报状态"] == "申报中"
    cd.tick()
    assert "19" in cd.label.value
    cd.button("立即获取").click()
    assert isinstance(ui.current, type(ui.pages["EMP-10"]))
    result = _dialog(ui)
    assert isinstance(result, ResultDialog) and "2份申报成功" in result.text
    assert ("result", "SS1") in daily.declare.calls
    assert [k for k, _f, _t in ui.wb.employer.declaration_records.synced] == ["fees"]  # the record page lists it
    cd.tick()  # a late tick after 立即获取 fetches nothing more
    assert daily.declare.calls.count(("result", "SS1")) == 1
    page = ui.navigate("EMP-8")
    assert page.table.grid.data.iloc[0]["申报状态"] == "已申报"
    assert page.table.grid.data.iloc[0][UNTICKED] == ""


def test_one_declaration_fails_while_the_other_succeeds(ui, daily):
    daily.declare.decide = {"社保部门核定征收": "申报失败"}
    daily.table.click_header(UNTICKED)
    daily.submit_selected()
    _dialog(ui).button("确定").click()
    _dialog(ui).button("立即提交").click()
    result = _dialog(ui)  # the wait is 0 here: straight to the results
    assert isinstance(result, ResultDialog)
    assert "1份申报成功" in result.text and "1份申报失败" in result.text and "征集有效日期" in result.text


def test_errors_block_with_row_field_and_reason(ui, daily):
    daily.table.select_rows([0])
    daily.table.ticked = [0]  # part of a group, as a stale page might send
    daily.submit_selected()
    d = _dialog(ui)
    assert isinstance(d, CheckDialog) and d.blocked
    assert "第1、2行" in d.text and "勾选" in d.text and "缺少1条" in d.text
    assert [b.description for b in d.buttons] == ["关闭"]
    d.button("关闭").click()
    assert not any(c[0] == "submit" for c in daily.declare.calls)


def test_warnings_ask_to_confirm_then_submit_confirmed(ui):
    rows = _daily_rows()
    rows[2]["amount"] = rows[3]["amount"] = Decimal("0.00")  # D010 应缴费额为零
    ui = _ui(rows)
    page = ui.navigate("EMP-8")
    page.table.click(2, UNTICKED)
    page.submit_selected()
    d = _dialog(ui)
    assert isinstance(d, CheckDialog) and not d.blocked and "警告" in d.text and "第3行" in d.text
    d.button("继续申报").click()
    _dialog(ui).button("立即提交").click()
    assert ("submit", ["P3", "P4"], True) in page.declare.calls


def test_headcount_shows_the_lines_masked(ui, daily):
    daily.table.click(0, "缴费人数")
    d = _dialog(ui)
    assert isinstance(d, LinesDialog) and d.title == "预处理明细"
    data = d.table.grid.data
    assert list(data.columns)[:4] == ["序号", "姓名", "证件类型", "证件号码"]
    assert data.iloc[0]["证件号码"] == "330102********0011"
    assert data.iloc[1]["应缴费额（元）"] == "960.00"
    assert "单位编号330108700935" in d.text
    assert daily.declare.lines_fetched == {"P1": 1}


def test_export_ticked_or_everything_after_asking(ui, daily):
    daily.table.click(2, UNTICKED)
    daily.export_button.click()
    assert daily.declare.calls[-1] == ("export", ["P3", "P4"])
    assert ui.download.last_filename.startswith("社保费申报-日常申报_")
    daily.table.click(2, UNTICKED)
    daily.export_button.click()
    _dialog(ui).button("导出全部").click()
    assert daily.declare.calls[-1] == ("export", None)


def test_a_failed_load_still_lists_what_is_held(ui):
    decl = ui.wb.employer.declarations.channel("daily")

    def refuse() -> int:
        raise ValidationError("无法连接税务局，请检查网络设置")

    decl.load = refuse  # type: ignore[method-assign]
    page = ui.navigate("EMP-8")
    assert "无法连接" in _dialog(ui).text and page.table.total == 6


def test_empty_special_page_says_why(ui):
    page = ui.navigate("EMP-9")
    assert page.table.total == 0
    assert "未办理特殊缴费申请" in _dialog(ui).text


def test_narrow_grids_shrink_the_soft_columns_first(daily):
    from sbflib.ui.pages.declare import MIN_WIDTHS, SOFT_MIN, WIDTHS

    table = daily.table
    labels = [str(c) for c in table.grid.data.columns]
    natural = sum(table.fitted_widths().values())
    table.probe.width = natural + 26 + 100  # room enough: the defaults
    assert table.fitted_widths()["征集通知流水号"] == WIDTHS["征集通知流水号"]
    table.probe.width = natural + 26 - 60  # a little short: only soft columns give
    widths = table.fitted_widths()
    assert sum(widths[k] for k in labels) <= natural - 60 + 1
    assert widths["应缴费额（元）"] == WIDTHS["应缴费额（元）"] and widths["征集通知流水号"] < WIDTHS["征集通知流水号"]
    table.probe.width = 700  # 1024 px: every column at its readable minimum, amounts whole
    widths = table.fitted_widths()
    assert widths["征集通知流水号"] == MIN_WIDTHS["征集通知流水号"] <= SOFT_MIN["征集通知流水号"]
    assert widths["应缴费额（元）"] == MIN_WIDTHS["应缴费额（元）"] == WIDTHS["应缴费额（元）"]
    assert table.grid.base_column_header_size == 40  # two-line headers


def _texts(widget: Any) -> list[str]:
    """Every label a clerk reads on a widget tree: descriptions, labels, HTML, placeholders, options,
    the grid's column headers (not the data)."""
    import re

    out: list[str] = []
    for name in ("description", "placeholder", "tooltip"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            out.append(value)
    value = getattr(widget, "value", None)
    if isinstance(value, str) and widget.__class__.__name__ in ("HTML", "Label"):
        out.append(re.sub(r"<[^>]+>", " ", re.sub(r"(class|style)='[^']*'", "", value)))
    for option in getattr(widget, "options", ()) or ():
        out.append(str(option[0] if isinstance(option, tuple) else option))
    data = getattr(widget, "data", None)
    if isinstance(data, pd.DataFrame):
        out += [str(c) for c in data.columns]
    for child in getattr(widget, "children", ()) or ():
        out += _texts(child)
    return out


@pytest.mark.parametrize("menu", ["EMP-8", "EMP-9", "EMP-27", "EMP-23"])
def test_no_english_and_no_catalogue_ids_on_the_pages(ui, menu):
    import re

    page = ui.navigate(menu)
    _close_messages(ui)
    texts = [t for t in _texts(page) if t.strip()]
    assert texts
    bad = [t for t in texts if re.search(r"[A-Za-z]", t.replace("x", ""))]
    assert not bad, bad
    page.table.click(0, UNTICKED)
    page.submit_button.click()
    while ui.dialogs.current is not None:  # 核对 → 提交申报确认 → results: each dialog in Chinese
        d = ui.dialogs.current
        # the bureau's 申报编号 (SB…) is data the record page shows too, not a label
        assert not [t for t in _texts(d) if re.search(r"[A-Za-z]", re.sub(r"SB\d+", "", t))], _texts(d)
        ok = [b for b in d.buttons if b.description in ("确定", "立即提交", "继续申报")]
        if not ok:
            break
        ok[0].click()


def test_project_page_has_the_manuals_query_fields(ui):
    page = ui.navigate("EMP-23")
    assert [label for label, _w in page.form.fields] == ["单位编号", "社保经办机构", "工程项目编号", "征集通知流水号"]


# ---- against a real workbench (the demo bureau on loopback) ------------------------------------------
DAILY_UNIT = "U000035"  # 杭州: 税务自主 items and 生育保险费 as 征集信息
BUILDER = "U000036"  # 工程项目
SHENZHEN = "U000037"  # every item 税务代征: 征集信息 with notice numbers


@pytest.fixture
def real(logged_in, bureau):
    """`real(unit_id)` → a Ui on a workbench logged in to the unit (countdown 0, bureau deciding at once)."""
    made: list[Any] = []

    def make(unit_id: str) -> Ui:
        wb = logged_in(unit_id)
        wb.gateway.demo_secret = bureau.demo_secret
        wb.gateway.demo.set_feedback_delay(0)
        wb.employer.wage_records.feedback_wait_s = 0
        made.append(wb)
        ui = Ui(wb, sync=True)
        pages: dict[str, Any] = {}

        def navigate(menu_id: str) -> Any:
            if menu_id not in pages:
                cls = page_class(menu_id)
                pages[menu_id] = cls(ui) if cls is not None else RecordsPage(ui)
            else:
                pages[menu_id].on_show()
            ui.current = pages[menu_id]  # type: ignore[attr-defined]
            return pages[menu_id]

        ui.navigate = navigate
        ui.pages = pages  # type: ignore[attr-defined]
        return ui

    yield make
    for wb in made:
        wb.gateway.demo.set_feedback_delay(5)


def _tick_all_and_submit(ui: Ui, page: DeclarePage) -> SummaryDialog:
    """Tick every group, 提交申报, pass the 核对 prompt (or confirm the warnings): the summary dialog."""
    page.table.click_header(UNTICKED)
    page.submit_button.click()
    d = _dialog(ui)
    if isinstance(d, CheckDialog):
        assert not d.blocked, d.text
        d.button("继续申报").click()
    else:
        assert "核对" in d.text
        d.button("确定").click()
    summary = _dialog(ui)
    assert isinstance(summary, SummaryDialog)
    return summary


def test_real_daily_page_groups_lines_submit_and_results(real):
    ui = real(DAILY_UNIT)
    page = ui.navigate("EMP-8")
    assert _close_messages(ui) == []
    frame = page.table.frame
    assert page.table.total == len(frame) > 0 and set(frame["status"]) == {"未申报"}
    # one box per group: 01 rows of one item (单位 + 个人) share one; the 征集信息 of 生育保险费 has its own
    data = page.table.grid.data
    groups = frame["group_key"].tolist()
    boxes = [i for i, g in enumerate(groups) if i == 0 or groups[i - 1] != g]
    assert [i for i, v in enumerate(data[UNTICKED]) if v == UNTICKED] == boxes
    assert len(boxes) == frame["group_key"].nunique() < len(frame)
    assert "社保部门核定征收" in set(frame["source_name"]) and "税务机关" in set(frame["source_name"])
    notice = frame[frame["source_name"] == "社保部门核定征收"].iloc[0]["notice_no"]
    assert notice and len(str(notice)) == 18
    page.table.click(1, UNTICKED)  # the second row of the first group ticks the whole group
    assert page.table.selected_ids() == frame[frame["group_key"] == groups[0]]["prep_id"].tolist()
    page.table.click(1, UNTICKED)
    # 缴费人数: the lines, downloaded once and then kept
    client = page.wb.ctx.client.declarations
    calls: list[Any] = []
    real_lines = client.preprocessing_lines

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real_lines(*args, **kwargs)

    client.preprocessing_lines = counted
    try:
        page.table.click(0, "缴费人数")
        d = _dialog(ui)
        assert isinstance(d, LinesDialog) and d.table.total == int(frame.iloc[0]["headcount"])
        assert all("*" in v for v in d.table.grid.data["证件号码"])
        assert sum(d.lines["amount"]) == frame.iloc[0]["amount"]
        d.dismiss()
        page.table.click(0, "缴费人数")
        assert _dialog(ui).table.total == int(frame.iloc[0]["headcount"])
        _dialog(ui).dismiss()
        assert len(calls) == 1
    finally:
        client.preprocessing_lines = real_lines
    # 导出 of the ticked group: a sheet with the page's Chinese headers
    import io

    import openpyxl

    saved: list[tuple[bytes, str]] = []
    ui.save = lambda data, name: saved.append((data, name))  # type: ignore[method-assign]
    page.table.click(0, UNTICKED)
    page.export_button.click()
    sheet = list(openpyxl.load_workbook(io.BytesIO(saved[-1][0]), read_only=True).worksheets[0]
                 .iter_rows(values_only=True))
    assert "征收项目" in sheet[0] and "应缴费额（元）" in sheet[0] and len(sheet) - 1 == len(
        frame[frame["group_key"] == groups[0]])
    assert saved[-1][1].startswith("社保费申报-日常申报_")
    page.table.click(0, UNTICKED)
    # query / reset
    page.q_item_name.value = "失业保险费"
    page.form.query_button.click()
    assert page.table.total == 2 and set(page.table.frame["item_name"]) == {"失业保险费"}
    page.form.reset_button.click()
    assert page.table.total == len(frame)
    # 提交申报: checks → summary (rows, total) → 立即提交 → (wait 0) results, the record page
    summary = _tick_all_and_submit(ui, page)
    total = sum(frame["amount"])
    assert summary.rows == len(frame) and summary.total_due == total
    assert f"{total:,.2f}元" in summary.text
    summary.button("立即提交").click()
    result = _dialog(ui)
    assert isinstance(result, ResultDialog), result.text
    assert sorted(r["source_name"] for r in result.results) == ["社保部门核定征收", "税务机关"]
    assert {r["status"] for r in result.results} == {"申报成功"}, result.results
    assert "2份申报成功" in result.text
    assert ui.current is ui.pages["EMP-10"]
    page = ui.navigate("EMP-8")
    assert set(page.table.frame["status"]) == {"已申报"}
    assert set(page.table.grid.data[UNTICKED]) == {""}  # declared rows have no box


def test_real_partial_group_and_expired_notice_are_blocked(real):
    ui = real(SHENZHEN)
    page = ui.navigate("EMP-9")
    _close_messages(ui)
    frame = page.table.frame
    expired = frame[frame["special_type"] == "政策性补缴"].index.tolist()
    assert expired
    page.table.click(expired[0], UNTICKED)
    page.submit_button.click()
    d = _dialog(ui)
    assert isinstance(d, CheckDialog) and d.blocked and [b.description for b in d.buttons] == ["关闭"]
    assert "征集有效日期" in d.text and f"第{expired[0] + 1}行" in d.text and "重新核定" in d.text
    d.button("关闭").click()
    # a group ticked in part (a stale page): refused with the rows of the group
    page.table.tick_all(False)
    ok = [i for i in range(len(frame)) if i not in expired]
    page.table.ticked = [ok[0]]
    page.submit_button.click()
    d = _dialog(ui)
    assert isinstance(d, CheckDialog) and d.blocked and "须一并申报" in d.text
    assert f"第{ok[0] + 1}、{ok[1] + 1}行" in d.text
    d.button("关闭").click()
    assert set(page.wb.employer.declarations.channel("special").frame()["status"]) == {"未申报"}


def test_real_shenzhen_daily_page_groups_by_notice(real):
    ui = real(SHENZHEN)
    page = ui.navigate("EMP-8")
    frame = page.table.frame
    assert set(frame["source_name"]) == {"社保部门核定征收"}
    assert frame["notice_no"].notna().all()
    per_notice = frame.groupby(["unit_number", "notice_no"]).size()
    assert len(page.table.box_rows()) == len(per_notice) and (per_notice > 1).all()
    first = frame.iloc[0]
    page.q_notice_no.value = str(first["notice_no"])
    page.form.query_button.click()
    assert page.table.total == int(per_notice.loc[(first["unit_number"], first["notice_no"])])
    assert page.table.box_rows() == [0]


def test_real_assessed_page_declares_each_source_apart(real):
    ui = real(DAILY_UNIT)
    page = ui.navigate("EMP-27")
    frame = page.table.frame
    assert set(frame["source_name"]) == {"社保部门", "社保部门核定征收"}
    summary = _tick_all_and_submit(ui, page)
    assert summary.rows == len(frame)
    summary.button("立即提交").click()
    result = _dialog(ui)
    assert isinstance(result, ResultDialog)
    assert sorted(r["source_name"] for r in result.results) == ["社保部门", "社保部门核定征收"]
    assert {r["status"] for r in result.results} == {"申报成功"}
    assert "本次提交生成2份申报表" in result.text
    assert ui.current is ui.pages["EMP-10"]


def test_real_project_page_declares_and_opens_the_project_records(real):
    ui = real(BUILDER)
    page = ui.navigate("EMP-23")
    frame = page.table.frame
    assert len(frame) >= 2 and frame["project_no"].notna().all()
    assert "缴费人数" not in list(page.table.grid.data.columns)
    assert [label for label, _w in page.form.fields] == ["单位编号", "社保经办机构", "工程项目编号", "征集通知流水号"]
    page.table.click(0, UNTICKED)
    page.submit_button.click()
    _dialog(ui).button("确定").click()
    summary = _dialog(ui)
    assert summary.rows == 1 and summary.total_due == frame.iloc[0]["amount"]
    summary.button("立即提交").click()
    result = _dialog(ui)
    assert isinstance(result, ResultDialog) and result.results[0]["status"] == "申报成功"
    assert ui.current is ui.pages["EMP-24"]
    page = ui.navigate("EMP-23")
    assert page.table.frame.iloc[0]["status"] == "已申报" and page.table.frame.iloc[1]["status"] == "未申报"


def test_real_lost_answer_then_resend_on_entry_declares_once(real, monkeypatch):
    from sbflib.errors import ConnectionFailed

    ui = real(SHENZHEN)
    page = ui.navigate("EMP-8")
    frame = page.table.frame
    api = page.wb.ctx.client.declarations
    sent = api.send

    def lose(*args: Any, **kwargs: Any) -> Any:
        sent(*args, **kwargs)  # the bureau declares; the answer never arrives
        raise ConnectionFailed("连接税务局超时", code="TIMEOUT", detail="read timeout")

    monkeypatch.setattr(api, "send", lose)
    page.table.click(0, UNTICKED)
    page.submit_button.click()
    _dialog(ui).button("确定").click()
    _dialog(ui).button("立即提交").click()
    told = _dialog(ui)
    message = told.body.children[0].value  # the technical text only behind 详情
    assert "提交中" in message and "不会重复申报" in message and "timeout" not in message
    told.dismiss()
    group = frame[frame["group_key"] == frame.iloc[0]["group_key"]].index.tolist()
    assert set(page.table.frame.loc[group, "status"]) == {"提交中"}
    assert page.table.box_rows()[0] == 0  # 提交中 rows may be ticked and sent again
    monkeypatch.setattr(api, "send", sent)
    page = ui.navigate("EMP-8")  # entering again offers to send it again
    ask = _dialog(ui)
    assert "重新发送" in ask.text
    ask.button("重新发送").click()
    result = _dialog(ui)
    assert isinstance(result, ResultDialog) and [r["status"] for r in result.results] == ["申报成功"]
    records = page.wb.gateway.declarations.records(page.wb.unit.unit_id)
    assert len(records) == 1  # declared once


def test_real_assessed_page_says_which_declaration_failed(real):
    """社保费申报（核定） on 深圳 (U000037): 征集信息 and 特殊缴费 together. The 政策性补缴 notice expired
    yesterday: the page's check blocks it; a clerk whose computer's date is behind gets through the
    check, the bureau makes one declaration per data source and fails only the 特殊缴费 one."""
    import datetime as dt

    from sbflib.domain import clock

    ui = real(SHENZHEN)
    page = ui.navigate("EMP-27")
    frame = page.table.frame
    assert set(frame["source_name"]) == {"社保部门", "社保部门核定征收"}
    expired = frame[frame["special_type"] == "政策性补缴"]
    keep = frame[(frame["source_name"] == "社保部门核定征收") | (frame["special_type"] == "政策性补缴")]
    positions = keep.index.tolist()
    page.table.select_rows(positions)
    page.submit_button.click()
    blocked = _dialog(ui)
    assert isinstance(blocked, CheckDialog) and blocked.blocked and "征集有效日期" in blocked.text
    blocked.button("关闭").click()
    try:
        clock.set_today(expired["valid_until"].iloc[0] - dt.timedelta(days=1))
        page.submit_button.click()
        d = _dialog(ui)
        if isinstance(d, CheckDialog):
            assert not d.blocked, d.text
            d.button("继续申报").click()
        else:
            d.button("确定").click()
        summary = _dialog(ui)
        assert summary.rows == len(keep)
        summary.button("立即提交").click()
    finally:
        clock.reset()
    result = _dialog(ui)
    assert isinstance(result, ResultDialog), result.text
    outcome = {r["source_name"]: r["status"] for r in result.results}
    assert outcome == {"社保部门核定征收": "申报成功", "社保部门": "申报失败"}
    assert "1份申报成功" in result.text and "1份申报失败" in result.text and "征集有效日期" in result.text
    page = ui.navigate("EMP-27")
    after = page.table.frame.set_index("prep_id")["status"]
    assert set(after[keep[keep["source_name"] == "社保部门核定征收"]["prep_id"]]) == {"已申报"}
    assert set(after[expired["prep_id"]]) == {"未申报"}  # a failed declaration's rows are offered again
