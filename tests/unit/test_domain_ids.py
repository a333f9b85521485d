import datetime as dt

from sbflib.domain.ids import (
    check_resident_id,
    check_taxpayer_id,
    check_uscc,
    mask_id_number,
    resident_id_check_char,
    resident_id_gender,
)


def _with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_valid_resident_id_passes():
    assert check_resident_id("11010519491231002X").ok


def test_wrong_check_character_is_refused():
    result = check_resident_id("110105194912310021")
    assert result.errors == ["校验码错误"]


def test_impossible_birth_date_is_refused():
    assert "出生日期无效" in check_resident_id(_with_check("11010519490231002")).errors


def test_future_birth_date_is_refused_although_stdnum_accepts_it():
    number = _with_check("11010520300101002")
    assert not check_resident_id(number, today=dt.date(2026, 11, 26)).ok


def test_area_code_assigned_later_is_only_a_warning():
    # 330112 (临安区) was created in 2017; a 1990 birth there is still a valid ID number.
    number = _with_check("33011219900101001")
    result = check_resident_id(number)
    assert result.ok and not result.warnings


def test_unknown_province_is_a_warning_not_an_error():
    number = _with_check("99010519900101001")
    result = check_resident_id(number)
    assert result.ok
    assert result.warnings and "地区码" in result.warnings[0]


def test_wrong_length_and_alphabet():
    assert check_resident_id("1101051949").errors == ["身份证号码应为18位"]
    assert not check_resident_id("11010519491231002Y").ok


def test_gender_from_seventeenth_digit():
    assert resident_id_gender("11010519491231002X") == "女"
    assert resident_id_gender(_with_check("11010519491231001")) == "男"


def test_uscc_check_character():
    assert check_uscc("91110000600037341L").ok
    assert check_uscc("91110000600037341A").errors == ["统一社会信用代码校验码错误"]
    assert not check_uscc("9111000060003734IL").ok  # I is not in the alphabet


def test_taxpayer_id_formats():
    assert check_taxpayer_id("91110000600037341L").ok
    assert check_taxpayer_id("110105600037341").ok  # 15-character legacy number
    assert check_taxpayer_id("").errors == ["请输入纳税人识别号"]
    assert "15位、18位或20位" in check_taxpayer_id("123").errors[0]
    assert "校验码" in check_taxpayer_id("91110000600037341A").errors[0]


def test_masking_keeps_only_both_ends():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""


def test_future_birth_date_is_judged_by_the_domain_clock():
    from sbflib.domain import clock

    number = _with_check("11010520261201002")
    clock.set_today("2026-11-27")
    try:
        assert not check_resident_id(number).ok
        clock.set_today("2027-01-01")
        assert check_resident_id(number).ok
    finally:
        clock.reset()


def test_masking_short_and_missing_numbers():
    assert mask_id_number("1234567") == "12*****"
    assert mask_id_number("12345678") == "12******"
    assert mask_id_number("E12345678") == "E1*******"  # 9 characters: nothing shown twice
    assert mask_id_number("1234567890") == "12********"
    assert mask_id_number("12345678901") == "123456*8901"
    assert mask_id_number(None) == ""
