"""Shared components without a bureau: paged table, query form, dialogs, background tasks."""

from __future__ import annotations

import pandas as pd

from sbflib.ui.components.dialogs import DialogHost
from sbflib.ui.components.progress import Tasks
from sbflib.ui.components.query_form import QueryForm
from sbflib.ui.components.table import MemorySettings, PagedTable

DATA = pd.DataFrame({"employee_id": [f"E{i:03d}" for i in range(25)], "name": [f"职工{i}" for i in range(25)]})


def _fetch(page, size):
    return DATA.iloc[(page - 1) * size: page * size], len(DATA)


def _table(settings, key="t"):
    return PagedTable(_fetch, {"name": "姓名"}, table_key=key, settings=settings, id_column="employee_id")


def test_paging_labels_and_selected_ids():
    settings = MemorySettings(page_size=10)
    t = _table(settings)
    t.refresh(1)
    assert t.pager_label.value == "共 25 条 第 1/3 页" and t.prev_button.disabled
    t.next_button.click()
    assert t.pager_label.value == "共 25 条 第 2/3 页"
    assert list(t.grid.data["序号"])[:2] == ["11", "12"]
    t.select_rows([0, 4])
    assert t.selected_ids() == ["E010", "E014"]


def test_page_size_set_in_one_table_applies_to_every_table():
    settings = MemorySettings(page_size=10)
    a, b = _table(settings, "a"), _table(settings, "b")
    a.refresh(1)
    a.page_size_dropdown.value = 20
    assert settings.page_size == 20
    b.refresh(1)
    assert b.page_size_dropdown.value == 20 and b.pager_label.value == "共 25 条 第 1/2 页"


def test_dragged_widths_are_saved_and_reapplied_after_a_data_swap():
    settings = MemorySettings(page_size=10)
    t = _table(settings)
    t.refresh(1)
    t.grid.column_widths = {"姓名": 230}  # what the browser reports after a drag
    assert settings.column_widths("t") == {"姓名": 230}
    t.grid.column_widths = {}
    t.next_button.click()
    assert t.grid.column_widths == {"姓名": 230}


def test_query_form_collapses_and_resets():
    import ipywidgets as w

    name = w.Text()
    queries = []
    form = QueryForm([("姓名", name)], on_query=lambda: queries.append(name.value))
    name.value = "王"
    form.query_button.click()
    form.toggle_button.click()
    assert form.collapsed and form.toggle_button.description == "展开"
    form.reset_button.click()
    assert name.value == "" and queries == ["王", ""]


def test_confirm_dialog_yes_and_no_and_stacking():
    host = DialogHost()
    answers = []
    host.confirm("确定吗？", lambda: answers.append("是"), lambda: answers.append("否"))
    host.message("上面的消息")
    assert host.current.text == "上面的消息"
    host.current.button("确定").click()
    host.current.button("否").click()
    host.confirm("再来", lambda: answers.append("是"))
    host.current.button("是").click()
    assert answers == ["否", "是"] and host.current is None and host.layout.display == "none"


def test_tasks_run_in_a_thread_and_report_errors():
    from sbflib.errors import ValidationError

    tasks, seen = Tasks(), []

    def fail():
        raise ValidationError("出错了")

    tasks.start(lambda: 42, seen.append)
    tasks.start(fail, on_error=lambda e: seen.append(str(e)))
    tasks.wait(10)
    assert sorted(map(str, seen)) == ["42", "出错了"]


def test_cell_formatters_read_as_their_examples_say():
    import doctest

    from sbflib.ui.components import cells

    result = doctest.testmod(cells)
    assert result.attempted >= 6 and result.failed == 0
