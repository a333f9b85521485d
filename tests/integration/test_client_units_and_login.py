"""添加单位 and 登录 through the client, against the real bureau on loopback (SYS-3..6)."""

import pytest

from sbflib.domain.ids import uscc_check_char
from sbflib.errors import AuthError, BureauError, StateError, ValidationError


def _unit(bureau, unit_id):
    return next(u for u in bureau.demo["units"] if u["unit_id"] == unit_id)


def reset_password(bureau, unit_id):
    bureau.reset_password(unit_id)  # the conftest's demo call (with the demo secret once it is required)



def test_region_is_chosen_once_and_cannot_change(wb):
    assert wb.region is None
    codes = {r.code for r in wb.regions()}
    assert {"330100", "440300"} <= codes
    assert wb.choose_region("330100").name
    with pytest.raises(StateError, match="不能更改"):
        wb.choose_region("440300")
    assert wb.region.code == "330100"


def test_add_unit_wizard_with_a_taxpayer_id_of_two_units(wb, bureau):
    main = _unit(bureau, "U000001")
    wb.choose_region(main["region"])
    candidates = wb.units.lookup(main["taxpayer_id"], "employer")
    assert {c.unit_id for c in candidates} == {"U000001", "U000002"}

    with pytest.raises(AuthError) as wrong:
        wb.units.verify("U000001", "000000")
    assert wrong.value.code == "PASSWORD_WRONG" and "密码" in wrong.value.message
    reset_password(bureau, "U000001")  # the wrong try counted; leave the unit clean for others

    registration = wb.units.verify("U000001", "123400")  # unit number "1234" padded with 0
    assert {n.unit_number for n in registration.unit_numbers} == set(main["unit_numbers"])
    assert all(n.agency and n.tax_authority for n in registration.unit_numbers)

    with pytest.raises(ValidationError, match="我已确认无误"):
        wb.units.add(registration, confirmed=False)
    assert wb.units.list("employer").empty

    wb.units.add(registration, confirmed=True)
    listed = wb.units.list("employer")
    assert listed["unit_id"].tolist() == ["U000001"]
    assert listed.loc[0, "name"] == main["name"]

    # The same taxpayer ID now offers only the unit not yet added, then refuses.
    assert [c.unit_id for c in wb.units.lookup(main["taxpayer_id"], "employer")] == ["U000002"]
    second = _unit(bureau, "U000002")
    wb.units.add(wb.units.verify("U000002", second["password"]), confirmed=True)
    with pytest.raises(ValidationError, match="已添加"):
        wb.units.lookup(main["taxpayer_id"], "employer")


def test_lookup_errors_each_have_their_own_message(wb, bureau):
    wb.choose_region("330100")
    with pytest.raises(ValidationError, match="15位、18位或20位"):
        wb.units.lookup("12345", "employer")
    with pytest.raises(ValidationError, match="校验码"):
        wb.units.lookup("91330100MA27000000", "employer")
    unknown_id = "91330100MA2700000" + uscc_check_char("91330100MA2700000")
    with pytest.raises(BureauError) as unknown:
        wb.units.lookup(unknown_id, "employer")
    assert unknown.value.code == "TAXPAYER_NOT_FOUND" and "未" in unknown.value.message
    shenzhen = next(u for u in bureau.demo["units"] if u["region"] == "440300" and u["module"] == "employer")
    with pytest.raises(ValidationError, match="不属于"):
        wb.units.lookup(shenzhen["taxpayer_id"], "employer")


def test_remark_search_and_collector_list(wb, bureau):
    wb.choose_region("330100")
    collector = next(u for u in bureau.demo["units"] if u["module"] == "collector" and u["region"] == "330100")
    [candidate] = wb.units.lookup(collector["taxpayer_id"], "collector")
    wb.units.add(wb.units.verify(candidate.unit_id, collector["password"]), confirmed=True)
    assert wb.units.list("employer").empty
    wb.units.set_remark(candidate.unit_id, "负责转塘片区")
    assert wb.units.list("collector", "转塘片区")["unit_id"].tolist() == [candidate.unit_id]
    assert wb.units.list("collector", "不存在的备注").empty
    assert wb.units.list("collector", collector["taxpayer_id"][-6:])["unit_id"].tolist() == [candidate.unit_id]


def test_first_login_forces_password_change_then_full_update(wb, bureau):
    spare = _unit(bureau, "U000013")
    reset_password(bureau, spare["unit_id"])
    wb.choose_region(spare["region"])
    wb.units.add(wb.units.verify(spare["unit_id"], spare["password"]), confirmed=True)
    result = wb.login(spare["unit_id"], spare["password"])
    assert result.must_change_password
    with pytest.raises(StateError, match="修改初始申报密码"):
        wb.employer.roster.query()
    with pytest.raises(ValidationError, match="不一致"):
        wb.change_password(spare["password"], "Abc#2026", confirm="Abc#2027")
    wb.change_password(spare["password"], "Abc#2026", confirm="Abc#2026")
    steps = []
    sync = wb.update_after_login(lambda fraction, label: steps.append((fraction, label)))
    assert sync.kind == "全量更新" and sync.changed == spare["employees"]
    assert steps[-1][0] == 1.0 and all(0 <= f <= 1 for f, _ in steps)
    counts = wb.employer.roster.counts()
    assert counts.total == spare["employees"]
    assert counts.paying + counts.stopped <= counts.total
    assert wb.employer.unit_info.profile()["纳税人识别号"] == spare["taxpayer_id"]
    # Notices and rule files were fetched and kept for the unit's region.
    notices = wb.notices()
    assert not notices.empty and notices["title"].str.len().gt(0).all()
    with wb.store.read() as con:
        rule_files = con.execute("SELECT count(*) FROM rule_files WHERE region = ?", [spare["region"]]).fetchall()
    assert rule_files[0][0] >= 1

    # The new password works, the initial one no longer does, and the next login is incremental.
    wb.logout()
    with pytest.raises(AuthError):
        wb.login(spare["unit_id"], spare["password"])
    assert not wb.login(spare["unit_id"], "Abc#2026").must_change_password
    assert wb.update_after_login().kind == "增量更新"
    reset_password(bureau, spare["unit_id"])


def test_a_token_acts_for_its_own_unit_only(wb, bureau):
    spare = _unit(bureau, "U000012")
    reset_password(bureau, spare["unit_id"])
    wb.choose_region(spare["region"])
    wb.units.add(wb.units.verify(spare["unit_id"], spare["password"]), confirmed=True)
    wb.login(spare["unit_id"], spare["password"])
    wb.change_password(spare["password"], "Own#2026")
    assert wb.gateway.units.registration(spare["unit_id"]).unit_id == spare["unit_id"]
    with pytest.raises(AuthError) as foreign:
        wb.gateway.units.registration("U000001")
    assert foreign.value.code == "FORBIDDEN_UNIT" and foreign.value.status == 403
    reset_password(bureau, spare["unit_id"])


def test_five_wrong_passwords_lock_the_unit_and_say_until_when(wb, bureau):
    spare = _unit(bureau, "U000015")
    reset_password(bureau, spare["unit_id"])
    wb.choose_region(spare["region"])
    wb.units.add(wb.units.verify(spare["unit_id"], spare["password"]), confirmed=True)
    for _ in range(5):
        with pytest.raises(AuthError) as wrong:
            wb.login(spare["unit_id"], "999999")
        assert wrong.value.code == "PASSWORD_WRONG"
    with pytest.raises(AuthError) as locked:
        wb.login(spare["unit_id"], spare["password"])  # even the right one is refused now
    assert locked.value.code == "UNIT_LOCKED"
    assert "锁定" in locked.value.message and ":" in locked.value.message
    reset_password(bureau, spare["unit_id"])
    assert wb.login(spare["unit_id"], spare["password"]).must_change_password
