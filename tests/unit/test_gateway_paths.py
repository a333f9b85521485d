"""Path safety: IDs are checked before they enter a path, and every path part is encoded."""

import httpx
import pytest

from sbflib.errors import ValidationError
from sbflib.gateway.client import BureauClient
from sbflib.gateway.http import path


def recording_client():
    sent = []

    def handler(request):
        sent.append(request)
        return httpx.Response(200, json={})

    return BureauClient("http://bureau.test", transport=httpx.MockTransport(handler), demo_secret="s"), sent


@pytest.mark.parametrize("unit_id", ["U000002/../U000003", "U000001\t", "U 1", "", "U%2F1", "单位1", "U" * 33, None])
def test_a_malformed_unit_id_is_refused_in_chinese_and_nothing_is_sent(unit_id):
    client, sent = recording_client()
    for call in (
        lambda: client.units.verify(unit_id, "123400"),
        lambda: client.units.registration(unit_id),
        lambda: client.units.profile(unit_id),
        lambda: client.session.create(unit_id, "123400"),
        lambda: client.session.change_password(unit_id, "a", "b"),
        lambda: client.roster.batch(unit_id),
        lambda: client.roster.employees_page(unit_id),
        lambda: client.demo.change_employees(unit_id, 1),
        lambda: client.demo.reset_password(unit_id),
    ):
        with pytest.raises(ValidationError, match="单位标识格式不正确"):
            call()
    assert sent == []


@pytest.mark.parametrize("taxpayer_id", ["../units", "9133010?MA27000001", "91330100MA2700000/", "1234"])
def test_a_malformed_taxpayer_id_is_refused_before_sending(taxpayer_id):
    client, sent = recording_client()
    with pytest.raises(ValidationError, match="纳税人识别号"):
        client.units.of_taxpayer(taxpayer_id, "employer")
    assert sent == []


def test_region_and_rule_names_are_checked_too():
    client, sent = recording_client()
    with pytest.raises(ValidationError, match="地区编码"):
        client.reference.rules("*")
    with pytest.raises(ValidationError, match="规则文件"):
        client.reference.rule_file("330100", "../secret")
    assert sent == []


def test_every_path_part_is_percent_encoded():
    assert path("units", "a/../b", "x y") == "/units/a%2F..%2Fb/x%20y"


def test_a_well_formed_id_reaches_the_expected_path():
    client, sent = recording_client()
    with pytest.raises(Exception):  # noqa: B017 - the empty answer is not a registration
        client.units.registration("U000002")
    assert sent[0].url.path == "/api/v1/units/U000002/registration"
