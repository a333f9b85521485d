from sbflib.domain.passwords import (
    check_new_password,
    initial_password_for_collector,
    initial_password_for_unit_number,
    initial_passwords_for_employer,
)


def test_short_unit_number_is_right_padded_with_zeros():
    assert initial_password_for_unit_number("1234") == "123400"
    assert initial_password_for_unit_number("12345") == "123450"


def test_long_unit_number_gives_its_last_six_characters():
    assert initial_password_for_unit_number("330106000123") == "000123"


def test_employer_may_use_any_of_its_unit_numbers():
    assert initial_passwords_for_employer(["1234", "44030012345678"]) == {"123400", "345678"}


def test_collector_uses_last_six_of_taxpayer_id():
    assert initial_password_for_collector("12440300455755717M") == "55717M"


def test_new_password_rules():
    assert check_new_password("abc12", "123400") == "新申报密码长度应为6至20位"
    assert check_new_password("123400", "123400") == "新申报密码不能与原密码相同"
    assert check_new_password("345678", "123400", {"345678"}) == "新申报密码不能使用初始申报密码"
    assert check_new_password("has space1", "123400") is not None
    assert check_new_password("Sb2026#ok", "123400") is None
