"""网络管理 (SET-1) and 单位信息 (SET-4) pages, driven from Python against the demo bureau."""

from __future__ import annotations

from sbflib.ui.context import Ui
from sbflib.ui.pages.network import NetworkPage
from sbflib.ui.pages.unit_info import UnitInfoPage

UNIT_ID = "U000018"  # reserved for UI tests (tests/conftest.py); reset before and after



def test_network_page_refuses_bad_input_and_saves_nothing_that_failed(wb):
    page = NetworkPage(Ui(wb, sync=True))
    assert page.mode.value == "不使用代理"
    assert all(c.disabled for row in page.proxy_fields.children for c in row.children if hasattr(c, "disabled"))

    page.mode.value = "使用代理"
    page.host.value = "127.0.0.1"
    page.port.value = "abc"
    page.test_button.click()
    assert "端口" in page.result.value and "sbf-fail" in page.result.value

    page.port.value = "9"  # nothing listens there
    page.kind.value = "socks5"
    page.save_button.click()
    assert "sbf-fail" in page.result.value
    assert "127.0.0.1" not in page.result.value  # technical text stays behind 详情
    if page.result_detail.layout.display != "none":
        page.result_detail.toggle.click()
        assert page.result_detail.expanded
    assert not wb.network.load().enabled  # a proxy that failed its test is not saved

    page.mode.value = "不使用代理"
    page.save_button.click()
    assert "sbf-ok" in page.result.value and "成功" in page.result.value


def test_unit_info_page_shows_the_bureau_profile_read_only(wb, bureau):
    unit = bureau.unit(UNIT_ID)
    bureau.reset_password(UNIT_ID)
    try:
        wb.choose_region(unit["region"])
        wb.units.add(wb.units.verify(UNIT_ID, unit["password"]), confirmed=True)
        wb.login(UNIT_ID, unit["password"])
        wb.change_password(unit["password"], "Info#2026")
        page = UnitInfoPage(Ui(wb, sync=True))
        assert page.profile["纳税人识别号"] == unit["taxpayer_id"]
        assert page.profile["单位名称"] == unit["name"]
        assert page.profile["主管税务机关"]
        assert "readonly" in page.form.value and unit["taxpayer_id"] in page.form.value
    finally:
        bureau.reset_password(UNIT_ID)
