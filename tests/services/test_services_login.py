"""选择地区, 添加单位, 登录 and 数据更新 as services, over MockTransport and a temporary store."""

import pytest

from sbflib.errors import AuthError, BureauError, StateError, ValidationError

REGION = "330100"
TAXPAYER = "91330100MA2700000T"  # the fake bureau's taxpayer (tests/services/conftest.py)


def add_main_unit(wb):
    wb.choose_region(REGION)
    [first] = wb.units.lookup(TAXPAYER, "employer")
    wb.units.add(wb.units.verify(first.unit_id, "123400"), confirmed=True)
    return first


def test_lookup_verify_add_login_change_password_and_update(offline_wb, fake_bureau):
    wb = offline_wb
    unit = add_main_unit(wb)
    assert wb.units.list("employer")["unit_id"].tolist() == [unit.unit_id]

    assert wb.login(unit.unit_id, "123400").must_change_password
    with pytest.raises(StateError, match="修改初始申报密码"):
        wb.unit_info.profile()
    wb.change_password("123400", "Abc#2026", confirm="Abc#2026")
    assert fake_bureau.passwords[unit.unit_id] == "Abc#2026"
    assert fake_bureau.requests[-1].headers["Authorization"] == "Bearer tok-U000001"

    steps = []
    wb._session.refresh_unit_data(lambda f, label: steps.append(label))
    assert steps and all("…" in s for s in steps)
    notices = wb.notices()
    assert notices["title"].tolist() == ["关于2026年度缴费基数的通知"]
    with wb.store.read() as con:
        assert con.execute("SELECT name, version FROM rule_files").fetchall() == [("contribution", "2026.1")]
    assert wb.unit_info.profile()["财务负责人"] == "王芳"
    assert wb.client_version()["latest"] == "9.9.9"


def test_a_collector_update_fetches_reference_data_and_no_roster(offline_wb, fake_bureau):
    wb = offline_wb
    wb.choose_region(REGION)
    [collector] = wb.units.lookup(TAXPAYER, "collector")
    wb.units.add(wb.units.verify(collector.unit_id, "00000T"), confirmed=True)
    wb.login(collector.unit_id, "00000T")
    wb.change_password("00000T", "Abc#2026")
    progress = []
    result = wb.update_after_login(lambda f, label: progress.append(f))
    assert result.kind == "无" and result.changed == 0
    assert progress[-1] == 1.0
    assert not any("/roster" in s for s in fake_bureau.sent())
    assert wb.collector.unit_info.profile()["单位名称"]


def test_wrong_password_is_an_auth_error_with_the_bureaus_message(offline_wb):
    wb = offline_wb
    wb.choose_region(REGION)
    with pytest.raises(AuthError) as wrong:
        wb.units.verify("U000001", "000000")
    assert wrong.value.code == "PASSWORD_WRONG" and str(wrong.value) == "申报密码错误"


def test_lookup_errors(offline_wb, fake_bureau):
    wb = offline_wb
    with pytest.raises(StateError, match="请先选择地区"):
        wb.units.lookup(TAXPAYER, "employer")
    wb.choose_region(REGION)
    before = len(fake_bureau.requests)
    with pytest.raises(ValidationError, match="15位、18位或20位"):
        wb.units.lookup("12345", "employer")
    with pytest.raises(ValidationError, match="业务模块"):
        wb.units.lookup(TAXPAYER, "boss")
    assert len(fake_bureau.requests) == before  # refused before anything was sent
    with pytest.raises(BureauError) as unknown:
        wb.units.lookup("91330100MA2700001X", "employer")
    assert unknown.value.code == "TAXPAYER_NOT_FOUND"
    add_main_unit_again = wb.units.lookup(TAXPAYER, "employer")
    assert [c.unit_id for c in add_main_unit_again] == ["U000001"]


def test_the_region_is_chosen_once(offline_wb):
    wb = offline_wb
    with pytest.raises(ValidationError, match="地区编码格式不正确"):
        wb.choose_region("*")
    with pytest.raises(ValidationError, match="没有编码为"):
        wb.choose_region("110100")
    assert wb.choose_region(REGION).name == "浙江省杭州市"
    with pytest.raises(StateError, match="不能更改"):
        wb.choose_region("440300")
