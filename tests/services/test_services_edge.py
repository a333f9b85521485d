"""What a caller of a service gets: only SbfError, in Chinese, with technical text in `detail`;
bad input is refused before anything is sent. Over MockTransport and a temporary store."""

import inspect

import pytest

from sbflib.employer.unit_info import UnitInfoService
from sbflib.errors import ConnectionFailed, SbfError, StateError, ValidationError
from sbflib.system.network import NetworkService, ProxySettings
from sbflib.system.region import RegionService
from sbflib.system.session import SessionService
from sbflib.system.settings import SettingsService
from sbflib.system.units import UnitService

REGION = "330100"
TAXPAYER = "91330100MA2700000T"


def _chinese(text):
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def test_an_unreachable_bureau_says_what_to_do_in_chinese_and_keeps_the_detail(offline_wb, fake_bureau):
    fake_bureau.down = True
    with pytest.raises(ConnectionFailed) as failed:
        offline_wb.regions()
    error = failed.value
    assert str(error) == "无法连接税务局服务，请检查网络设置或稍后重试"
    assert "Errno 111" in error.detail and "bureau.test" in error.detail
    assert error.code == "CONNECT_FAILED"
    assert len(fake_bureau.requests) == 3  # a read is retried (without waiting: sleep is injected)


@pytest.mark.parametrize("unit_id", ["U000002/../U000003", "U000001\t", "", None, "U" * 40])
def test_a_bad_unit_id_is_refused_in_chinese_before_anything_is_sent(offline_wb, fake_bureau, unit_id):
    wb = offline_wb
    wb.choose_region(REGION)
    before = len(fake_bureau.requests)
    for call in (lambda: wb.units.verify(unit_id, "123400"), lambda: wb.login(unit_id, "123400"),
                 lambda: wb.units.set_remark(unit_id, "备注")):
        with pytest.raises(ValidationError) as refused:
            call()
        assert _chinese(str(refused.value)) and "单位" in str(refused.value)
    assert len(fake_bureau.requests) == before


def test_bad_input_everywhere_is_an_sbf_error_in_chinese(offline_wb):
    wb = offline_wb
    attempts = [
        lambda: wb.choose_region("33010\t"),
        lambda: wb.choose_region(None),
        lambda: wb.units.list("nobody"),
        lambda: wb.units.password_hint("nobody"),
        lambda: wb.units.lookup(None, "employer"),
        lambda: wb.login("U000001", ""),
        lambda: wb.change_password("a", "b"),
        lambda: setattr(wb.settings, "page_size", -1),
        lambda: setattr(wb.settings, "page_size", "many"),
        lambda: wb.settings.save_column_widths("t", {"a": "wide"}),
        lambda: wb.network.test(ProxySettings(enabled=True, kind="socks5", host="a b", port=1080)),
        lambda: wb.network.test(ProxySettings(enabled=True, kind="http", host="proxy", port=True)),
        lambda: wb.unit_info.profile(),
    ]
    for attempt in attempts:
        with pytest.raises(SbfError) as refused:
            attempt()
        assert _chinese(str(refused.value)), str(refused.value)


def test_unit_info_is_kept_after_login_and_fetched_again_on_refresh(offline_wb, fake_bureau):
    wb = offline_wb
    wb.choose_region(REGION)
    [unit] = wb.units.lookup(TAXPAYER, "employer")
    wb.units.add(wb.units.verify(unit.unit_id, "123400"), confirmed=True)
    with pytest.raises(StateError):
        wb.unit_info.profile()
    wb.login(unit.unit_id, "123400")
    wb.change_password("123400", "Abc#2026")
    first = wb.unit_info.profile()
    assert list(first)[:2] == ["纳税人识别号", "单位名称"] and first["纳税人识别号"] == TAXPAYER
    fetched = len([s for s in fake_bureau.sent() if s.endswith("/profile")])
    assert wb.unit_info.profile() == first  # from the store
    assert len([s for s in fake_bureau.sent() if s.endswith("/profile")]) == fetched
    wb.unit_info.profile(refresh=True)
    assert len([s for s in fake_bureau.sent() if s.endswith("/profile")]) == fetched + 1


@pytest.mark.parametrize("service", [UnitService, RegionService, SessionService, NetworkService, SettingsService,
                                     UnitInfoService])
def test_every_public_method_of_a_service_is_behind_the_service_edge(service):
    for name, member in vars(service).items():
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        assert hasattr(member, "__wrapped__"), f"{service.__name__}.{name} is not decorated by service_edge"


def test_percent_and_underscore_in_the_unit_keyword_match_literally(offline_wb):
    wb = offline_wb
    wb.choose_region(REGION)
    [unit] = wb.units.lookup(TAXPAYER, "employer")
    wb.units.add(wb.units.verify(unit.unit_id, "123400"), confirmed=True)
    wb.units.set_remark(unit.unit_id, "100%_负责")
    assert wb.units.list("employer", "%")["unit_id"].tolist() == [unit.unit_id]
    assert wb.units.list("employer", "0%_").shape[0] == 1
    assert wb.units.list("employer", "_负责x").empty
    assert wb.units.list("employer", "1%0").empty  # % is a character, not "anything"


def test_notices_before_login_read_the_chosen_region_in_one_unit_of_work(offline_wb):
    """A setting read and a frame query share one connection: the first must leave no result open."""
    wb = offline_wb
    assert wb.notices().empty  # no region yet
    wb.choose_region(REGION)
    assert wb.notices().empty
    wb.units.add(wb.units.verify("U000001", "123400"), confirmed=True)
    wb.login("U000001", "123400")
    wb.change_password("123400", "Abc#2026")
    wb._session.refresh_unit_data()  # registration, profile, rules, notices (the roster is not needed here)
    wb.logout()
    assert wb.notices()["title"].tolist() == ["关于2026年度缴费基数的通知"]  # the chosen region's, read back
