"""职工参保信息更新 (EMP-2) through the client against the real bureau: updates, filters, groups, export."""

import io
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

import sbflib
from sbflib.domain.ids import resident_id_check_char
from sbflib.employer.roster import ITEM_LABELS, RosterFilter
from sbflib.errors import ValidationError

UNIT = "U000004"
NEW_PASSWORD = "Roster#2026"


@pytest.fixture(scope="module")
def wb(tmp_path_factory, bureau):
    unit = next(u for u in bureau.demo["units"] if u["unit_id"] == UNIT)
    bureau.reset_password(UNIT)
    workbench = sbflib.open(tmp_path_factory.mktemp("roster") / "data", gateway_url=bureau.url)
    workbench.gateway.demo_secret = bureau.demo_secret  # demo changes need the bureau's demo secret
    workbench.choose_region(unit["region"])
    workbench.units.add(workbench.units.verify(UNIT, unit["password"]), confirmed=True)
    workbench.login(UNIT, unit["password"])
    workbench.change_password(unit["password"], NEW_PASSWORD)
    workbench.update_after_login()
    workbench.unit_demo = unit
    yield workbench
    workbench.close()
    bureau.reset_password(UNIT)


def test_full_update_brings_every_employee(wb):
    df, total = wb.employer.roster.query(page_size=10000)
    assert total == wb.unit_demo["employees"] == len(df)
    assert list(df.columns) == ["employee_id", *wb.employer.roster.COLUMNS]
    assert df["id_number"].str.contains(r"\*{8}").all()  # masked in the table
    assert set(df["status"]) <= {"正常缴费", "停止缴费", "未开始缴费"}


def test_incremental_update_returns_exactly_the_changed_employees(wb):
    changed = wb.gateway.demo.change_employees(UNIT, 7, seed=11)
    result = wb.employer.roster.sync()
    assert result.kind == "增量更新"
    assert result.changed == 7
    assert sorted(wb.employer.roster.changes(result.sync_id)["employee_id"]) == sorted(changed)
    assert wb.employer.roster.sync().changed == 0  # nothing new since


def test_a_second_window_never_double_counts_or_puts_old_data_back(wb):
    other = sbflib.open(wb.data_dir)  # another Voila tab on the same data folder
    other.login(UNIT, NEW_PASSWORD)
    first = wb.gateway.demo.change_employees(UNIT, 4, seed=21)
    assert other.employer.roster.sync().changed == 4
    second = wb.gateway.demo.change_employees(UNIT, 2, seed=22)
    # This window's last cursor is behind the store now: it must fetch from the store's cursor.
    result = wb.employer.roster.sync()
    assert result.changed == 2
    assert sorted(wb.employer.roster.changes(result.sync_id)["employee_id"]) == sorted(second)
    assert set(first) - set(second)  # the first batch really was applied by the other window only
    other.close()


def test_full_update_counts_only_real_changes(wb):
    changed = wb.gateway.demo.change_employees(UNIT, 3, seed=12)
    result = wb.employer.roster.sync(full=True)
    assert result.kind == "全量更新"
    assert sorted(wb.employer.roster.changes(result.sync_id)["employee_id"]) == sorted(changed)
    data = wb.employer.roster.export_changes_xlsx(result.sync_id)
    assert openpyxl.load_workbook(io.BytesIO(data)).active.max_row == 1 + 3


def test_counts_match_status_filters(wb):
    counts = wb.employer.roster.counts()
    _, paying = wb.employer.roster.query(RosterFilter(status="正常缴费"))
    _, stopped = wb.employer.roster.query(RosterFilter(status="停止缴费"))
    assert (counts.paying, counts.stopped) == (paying, stopped)
    assert counts.total == wb.unit_demo["employees"]
    assert paying > 0 and stopped > 0


def test_fuzzy_filters_narrow_the_list(wb):
    df, total = wb.employer.roster.query()
    surname = df["name"].str[0].value_counts().index[0]
    named, named_total = wb.employer.roster.query(RosterFilter(name=surname))
    assert 0 < named_total < total
    assert named["name"].str.contains(surname).all()
    detail = wb.employer.roster.detail(df["employee_id"].iloc[0])
    assert wb.gateway.roster.employees_page(UNIT, page=1, size=1).total == total  # the JSON pages agree
    tail = df["id_number"].iloc[0][-4:]
    by_id, _ = wb.employer.roster.query(RosterFilter(id_number=tail))
    assert df["employee_id"].iloc[0] in set(by_id["employee_id"])
    assert set(detail.basic) >= {"姓名", "证件类型", "证件号码", "性别", "出生日期", "分组"}
    assert not detail.items.empty and (detail.items["stop_month"].notna()).all()
    assert all(isinstance(base, Decimal) and base == base.quantize(Decimal("0.01")) for base in detail.items["base"])


def test_unit_number_filter(wb):
    numbers = wb.employer.roster.unit_numbers()
    assert len(numbers) >= 2
    _, total = wb.employer.roster.query()
    sizes = [wb.employer.roster.query(RosterFilter(unit_number=n))[1] for n in numbers]
    assert all(0 < s <= total for s in sizes)


def test_paging(wb):
    first, total = wb.employer.roster.query(page=1, page_size=50)
    second, _ = wb.employer.roster.query(page=2, page_size=50)
    assert len(first) == 50 and not set(first["employee_id"]) & set(second["employee_id"])
    with pytest.raises(ValidationError):
        wb.settings.page_size = 10001
    wb.settings.page_size = 100
    assert len(wb.employer.roster.query()[0]) == min(100, total)
    wb.settings.page_size = 1000


def test_groups_tree_edit_and_filter(wb):
    groups = wb.employer.groups
    top = groups.add("工程部")
    child = groups.add("一队", top)
    grandchild = groups.add("甲班", child)
    with pytest.raises(ValidationError, match="最多为3级"):
        groups.add("太深", grandchild)
    with pytest.raises(ValidationError, match="已存在"):
        groups.add("一队", top)
    df, _ = wb.employer.roster.query(page_size=10)
    wb.employer.roster.set_group(df["employee_id"][:3].tolist(), grandchild)
    wb.employer.roster.set_group(df["employee_id"][3:5].tolist(), child)
    in_top, n_top = wb.employer.roster.query(RosterFilter(group_id=top))
    assert n_top == 5  # a group filter includes its subgroups
    assert set(in_top["group"]) == {"工程部-一队-甲班", "工程部-一队"}
    assert groups.delete(child) == 2
    assert wb.employer.roster.query(RosterFilter(group_id=top))[1] == 0
    assert groups.list()["name"].tolist() == ["工程部"]


def test_group_template_import_reports_bad_rows(wb):
    groups = wb.employer.groups
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["一级分组", "二级分组", "三级分组"])
    sheet.append(["销售部", "华东区", ""])
    sheet.append(["销售部", "", "上海组"])   # a third level without a second
    sheet.append(["", "", ""])
    sheet.append(["销售部", "华南区", "深圳组"])
    book.save(buffer)
    report = groups.import_template(buffer.getvalue())
    assert report.done == 2
    assert [e.row for e in report.errors] == [3]
    paths = set(groups.list()["path"])
    assert {"销售部", "销售部-华东区", "销售部-华南区", "销售部-华南区-深圳组"} <= paths


def test_employee_group_template_round_trip(wb):
    groups = wb.employer.groups
    gid = groups.add("财务部")
    template = wb.employer.roster.group_template()
    table = pd.read_excel(io.BytesIO(template), dtype=str)
    assert {"姓名", "证件号码", "分组"} <= set(table.columns)
    table.loc[:2, "分组"] = "财务部"
    stranger = "11010519900101001"
    table.loc[2, "证件号码"] = stranger + resident_id_check_char(stranger)  # valid, but nobody of this unit
    table.loc[3, "分组"] = "不存在的分组"
    buffer = io.BytesIO()
    table.iloc[:4].to_excel(buffer, index=False)
    report = wb.employer.roster.import_groups(buffer.getvalue())
    assert report.done == 2
    assert sorted((e.row, e.field) for e in report.errors) == [(4, "证件号码"), (5, "分组")]
    assert wb.employer.roster.query(RosterFilter(group_id=gid))[1] == 2


def test_export_all_and_selected_read_back_equal_to_the_table(wb):
    roster = wb.employer.roster
    data = roster.export_xlsx()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(roster.COLUMNS.values())
    df, total = roster.query(page_size=10000)
    assert len(rows) - 1 == total
    shown = df[list(roster.COLUMNS)].fillna("").astype(str).values.tolist()
    read = [["" if v is None else str(v) for v in row] for row in rows[1:]]
    assert read == shown

    picked = df["employee_id"].iloc[[2, 5, 9]].tolist()
    sheet = openpyxl.load_workbook(io.BytesIO(roster.export_xlsx(employee_ids=picked))).active
    assert sheet.max_row == 4
    with pytest.raises(ValidationError, match="勾选"):
        roster.export_xlsx(employee_ids=[])


def test_items_frame_for_analysis(wb):
    items = wb.employer.roster.items()
    _, total = wb.employer.roster.query()
    assert items["employee_id"].nunique() == total
    assert all(isinstance(b, Decimal) for b in items["base"].head(50))
    assert set(items["item_name"]) >= {"基本养老保险费", "基本医疗保险费"}
    stopped = wb.employer.roster.items(RosterFilter(status="停止缴费"))
    assert set(stopped["status"]) == {"停止缴费"}
    assert stopped["employee_id"].nunique() == wb.employer.roster.counts().stopped


def test_detail_has_the_manuals_columns_and_its_unit_numbers(wb):
    df, _ = wb.employer.roster.query(page_size=5)
    detail = wb.employer.roster.detail(df["employee_id"].iloc[0])
    assert [ITEM_LABELS[c] for c in detail.items.columns] == [
        "单位编号", "社保经办机构", "人员编号", "征收项目", "征收品目", "征收子目", "参保人员特殊类别",
        "缴费基数（元）", "开始缴费月份", "终止缴费月份"]
    assert detail.unit_numbers and {r.unit_number for r in detail.unit_numbers} <= set(wb.employer.roster.unit_numbers())
    assert sum(len(detail.items_of(r)) for r in detail.unit_numbers) == len(detail.items)


def test_frame_is_the_whole_list(wb):
    whole = wb.employer.roster.frame()
    assert len(whole) == wb.employer.roster.counts().total
    paying = wb.employer.roster.frame(RosterFilter(status="正常缴费"))
    assert len(paying) == wb.employer.roster.counts().paying
