"""The bureau API of docs/api.md over real HTTP (uvicorn on loopback).

Destructive tests use this file's spare units only: U000011, U000014, U000016 (see tests/conftest.py).
"""

from __future__ import annotations

import re

import httpx
import pytest

from sbflib.bureau.roster import MEDIA_TYPE, decode

LOCK_SPARE = "U000011"
LOGIN_SPARE = "U000014"
ROSTER_SPARE = "U000016"


@pytest.fixture(scope="module")
def api(bureau) -> httpx.Client:
    with httpx.Client(base_url=bureau.api, timeout=10) as client:
        yield client


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refusal(resp: httpx.Response, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), "messages are Chinese"
    return body["message"]


def test_health_and_regions_name_both_collection_modes(api):
    assert api.get("/health").json() == {"status": "ok", "name": "演示税务局"}
    regions = {r["code"]: r for r in api.get("/regions").json()}
    assert regions["330100"]["name"] == "浙江省杭州市"
    # The mode is per region and item: 杭州 collects 生育保险费 税务代征, the other items 税务自主.
    hangzhou = regions["330100"]["collection_modes"]
    assert hangzhou.pop("10205") == "税务代征" and set(hangzhou.values()) == {"税务自主"}
    assert set(regions["440300"]["collection_modes"].values()) == {"税务代征"}
    assert set(regions["440300"]["modules"]) == {"employer", "collector"}


def test_notices_version_and_rule_files(api):
    notices = api.get("/notices", params={"region": "330100"}).json()
    assert notices and all({"notice_id", "title", "published", "body"} <= set(n) for n in notices)
    assert api.get("/client-version").json()["latest"] == "0.1.0"
    [summary] = api.get("/rules", params={"region": "440300"}).json()
    rules = api.get(f"/rules/440300/{summary['name']}").json()
    assert rules["bases"][0]["floor"] == "4492.00" and rules["bases"][0]["confirmed"] is False
    _refusal(api.get("/rules/440300/nope.json"), 404, "RULE_NOT_FOUND")
    _refusal(api.get("/rules/330100/..%2F440300-contribution-2026.json"), 404, "NOT_FOUND")


def test_lookup_lists_both_units_of_one_taxpayer(api, bureau):
    main = bureau.unit("U000001")
    units = api.get(f"/taxpayers/{main['taxpayer_id']}/units", params={"module": "employer"}).json()
    assert [u["unit_id"] for u in units] == ["U000001", "U000002"]
    assert units[0]["taxpayer_status"] == "正常" and units[0]["region"] == "330100"


def test_lookup_by_module_separates_employer_and_collector(api, bureau):
    school = bureau.unit("U000007")
    collectors = api.get(f"/taxpayers/{school['taxpayer_id']}/units", params={"module": "collector"}).json()
    assert [u["unit_id"] for u in collectors] == ["U000007"]
    employers = api.get(f"/taxpayers/{school['taxpayer_id']}/units", params={"module": "employer"}).json()
    assert [u["unit_id"] for u in employers] == ["U000006"]


def test_lookup_refusals(api, bureau):
    _refusal(api.get("/taxpayers/12345/units"), 400, "TAXPAYER_ID_MALFORMED")
    good = bureau.unit("U000001")["taxpayer_id"]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    _refusal(api.get(f"/taxpayers/{wrong_check}/units"), 400, "TAXPAYER_ID_MALFORMED")
    collector_only = bureau.unit("U000005")["taxpayer_id"]
    message = _refusal(api.get(f"/taxpayers/{collector_only}/units"), 404, "TAXPAYER_NOT_FOUND")
    assert collector_only in message
    _refusal(api.get("/taxpayers/123456789012345/units"), 404, "TAXPAYER_NOT_FOUND")


def test_verify_returns_the_registration_with_padded_unit_number(api, bureau):
    reg = api.post("/units/U000001/verify", json={"password": "123400"}).json()
    assert reg["tax_authority"] == "国家税务总局杭州市滨江区税务局"
    numbers = {n["unit_number"]: n for n in reg["unit_numbers"]}
    assert numbers["1234"]["agency"] == "杭州市滨江区社会保险管理服务中心"
    assert len(numbers) == 2
    # Any unit number's initial password is accepted.
    assert api.post("/units/U000001/verify", json={"password": "200351"}).status_code == 200


def test_verify_refusals(api):
    _refusal(api.post("/units/U999999/verify", json={"password": "123400"}), 404, "UNIT_NOT_FOUND")
    message = _refusal(api.post("/units/U000001/verify", json={}), 422, "VALIDATION")
    assert "password" in message
    message = _refusal(api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "000000"}), 401, "PASSWORD_WRONG")
    assert "4次" in message
    assert api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "123450"}).status_code == 200


def test_five_wrong_passwords_lock_the_unit_until_a_stated_time(api, bureau):
    bureau.reset_password(LOCK_SPARE)
    tries = [api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "999999"}) for _ in range(3)]
    tries += [api.post("/sessions", json={"unit_id": LOCK_SPARE, "password": "999999"}) for _ in range(2)]
    lefts = [_refusal(r, 401, "PASSWORD_WRONG") for r in tries]
    assert [re.search(r"还可尝试(\d)次", m).group(1) for m in lefts[:4]] == ["4", "3", "2", "1"]
    assert "已锁定至" in lefts[4]
    # Now even the right password meets the lock, and the message says until when.
    message = _refusal(api.post("/sessions", json={"unit_id": LOCK_SPARE, "password": "123450"}), 423,
                       "UNIT_LOCKED")
    assert re.search(r"锁定至\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", message)
    _refusal(api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "123450"}), 423, "UNIT_LOCKED")
    bureau.reset_password(LOCK_SPARE)
    assert api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "123450"}).status_code == 200


def test_a_success_resets_the_wrong_password_count(api, bureau):
    bureau.reset_password(LOCK_SPARE)
    for _ in range(4):
        api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "999999"})
    assert api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "123450"}).status_code == 200
    message = _refusal(api.post(f"/units/{LOCK_SPARE}/verify", json={"password": "999999"}), 401,
                       "PASSWORD_WRONG")
    assert "还可尝试4次" in message


def test_first_login_must_change_the_initial_password(api, bureau):
    bureau.reset_password(LOGIN_SPARE)
    spare = bureau.unit(LOGIN_SPARE)
    session = api.post("/sessions", json={"unit_id": LOGIN_SPARE, "password": spare["password"]}).json()
    assert session["must_change_password"] is True and session["unit_id"] == LOGIN_SPARE
    headers = _auth(session["token"])
    _refusal(api.get(f"/units/{LOGIN_SPARE}/profile", headers=headers), 403, "PASSWORD_CHANGE_REQUIRED")

    change = f"/units/{LOGIN_SPARE}/password"
    same = {"old_password": spare["password"], "new_password": spare["password"]}
    _refusal(api.put(change, json=same, headers=headers), 400, "PASSWORD_REJECTED")
    short = {"old_password": spare["password"], "new_password": "12345"}
    _refusal(api.put(change, json=short, headers=headers), 400, "PASSWORD_REJECTED")
    ok = {"old_password": spare["password"], "new_password": "Tax#2026ok"}
    assert api.put(change, json=ok, headers=headers).json() == {"changed": True}

    profile = api.get(f"/units/{LOGIN_SPARE}/profile", headers=headers).json()
    assert profile["taxpayer_id"] == spare["taxpayer_id"] and profile["listed"] == "否"
    assert api.get(f"/units/{LOGIN_SPARE}/registration", headers=headers).json()["unit_id"] == LOGIN_SPARE
    _refusal(api.post("/sessions", json={"unit_id": LOGIN_SPARE, "password": spare["password"]}), 401,
             "PASSWORD_WRONG")
    again = api.post("/sessions", json={"unit_id": LOGIN_SPARE, "password": "Tax#2026ok"}).json()
    assert again["must_change_password"] is False

    assert api.delete("/sessions", headers=headers).status_code == 204
    _refusal(api.get(f"/units/{LOGIN_SPARE}/profile", headers=headers), 401, "TOKEN_INVALID")
    bureau.reset_password(LOGIN_SPARE)


def test_a_token_acts_for_its_own_unit_only(api, bureau):
    token = bureau.token(LOGIN_SPARE)
    _refusal(api.get("/units/U000001/registration", headers=_auth(token)), 403, "FORBIDDEN_UNIT")
    _refusal(api.get("/units/U000001/roster", headers=_auth(token)), 403, "FORBIDDEN_UNIT")
    _refusal(api.get("/units/U000001/registration"), 401, "TOKEN_INVALID")
    _refusal(api.get("/units/U000001/registration", headers=_auth("nonsense")), 401, "TOKEN_INVALID")
    bureau.reset_password(LOGIN_SPARE)


def test_roster_full_then_only_the_changed_employees(api, bureau):
    spare = bureau.unit(ROSTER_SPARE)
    headers = _auth(bureau.token(ROSTER_SPARE))
    full = api.get(f"/units/{ROSTER_SPARE}/roster", headers=headers)
    assert full.headers["content-type"] == MEDIA_TYPE
    employees, items = decode(full.content)
    assert employees.num_rows == int(full.headers["X-Sbf-Employees"]) == spare["employees"]
    assert items.num_rows == 5 * spare["employees"]
    assert str(items.schema.field("base").type) == "decimal128(18, 2)"
    assert str(employees.schema.field("birth_date").type) == "date32[day]"
    cursor = int(full.headers["X-Sbf-Cursor"])

    unchanged = api.get(f"/units/{ROSTER_SPARE}/roster", params={"since": cursor}, headers=headers)
    assert unchanged.headers["X-Sbf-Employees"] == "0" and int(unchanged.headers["X-Sbf-Cursor"]) == cursor

    changed = api.post(f"/demo/units/{ROSTER_SPARE}/changes", json={"count": 5, "seed": 3},
                       headers=bureau.demo_headers).json()["changed"]
    assert len(set(changed)) == 5
    delta = api.get(f"/units/{ROSTER_SPARE}/roster", params={"since": cursor}, headers=headers)
    d_employees, d_items = decode(delta.content)
    assert sorted(d_employees.column("employee_id").to_pylist()) == sorted(changed)
    assert set(d_items.column("employee_id").to_pylist()) == set(changed)
    assert d_items.num_rows == 5 * 5
    assert int(delta.headers["X-Sbf-Cursor"]) > cursor
    assert min(d_employees.column("change_seq").to_pylist()) > cursor

    # Each changed employee has exactly one item with a new contribution base.
    before = {(r["employee_id"], r["item_code"]): r["base"] for r in items.to_pylist()}
    moved = [r["employee_id"] for r in d_items.to_pylist() if r["base"] != before[(r["employee_id"], r["item_code"])]]
    assert sorted(moved) == sorted(changed)
    bureau.reset_password(ROSTER_SPARE)


def test_employees_json_pages(api, bureau):
    spare = bureau.unit(ROSTER_SPARE)
    headers = _auth(bureau.token(ROSTER_SPARE))
    first = api.get(f"/units/{ROSTER_SPARE}/employees", params={"page": 1, "size": 20}, headers=headers).json()
    second = api.get(f"/units/{ROSTER_SPARE}/employees", params={"page": 2, "size": 20}, headers=headers).json()
    assert first["total"] == second["total"] == spare["employees"]
    ids = [e["employee_id"] for e in first["employees"] + second["employees"]]
    assert len(ids) == len(set(ids)) == min(40, spare["employees"])
    employee = first["employees"][0]
    assert len(employee["items"]) == 5
    assert re.fullmatch(r"\d+\.\d{2}", employee["items"][0]["base"]), "money is a 2-place decimal string"
    assert first["cursor"] >= max(e["change_seq"] for e in first["employees"])
    _refusal(api.get(f"/units/{ROSTER_SPARE}/employees", params={"page": 0}, headers=headers), 422, "VALIDATION")
    bureau.reset_password(ROSTER_SPARE)


def test_demo_calls_need_a_known_unit(api, bureau):
    headers = bureau.demo_headers
    _refusal(api.post("/demo/units/U999999/changes", json={"count": 1}, headers=headers), 404, "UNIT_NOT_FOUND")
    _refusal(api.post("/demo/units/U999999/reset-password", headers=headers), 404, "UNIT_NOT_FOUND")


def test_demo_calls_need_the_demo_secret(api, bureau):
    for headers in ({}, {"X-Sbf-Demo-Secret": "wrong"}, {"X-Sbf-Demo-Secret": ""}):
        message = _refusal(api.post(f"/demo/units/{LOCK_SPARE}/reset-password", headers=headers), 403,
                           "DEMO_SECRET_REQUIRED")
        assert message == "演示功能需要演示密钥"
        _refusal(api.post(f"/demo/units/{ROSTER_SPARE}/changes", json={"count": 1}, headers=headers), 403,
                 "DEMO_SECRET_REQUIRED")
    secret = bureau.store_dir / "demo-secret"
    assert secret.stat().st_mode & 0o777 == 0o600 and len(bureau.demo_secret) >= 32


def test_unknown_paths_keep_the_error_shape(api):
    _refusal(api.get("/no-such-call"), 404, "NOT_FOUND")


def test_openapi_documents_every_call(bureau):
    doc = httpx.get(f"{bureau.url}/openapi.json", timeout=10).json()
    paths = set(doc["paths"])
    assert {"/api/v1/sessions", "/api/v1/units/{unit_id}/roster", "/api/v1/units/{unit_id}/employees",
            "/api/v1/taxpayers/{taxpayer_id}/units", "/api/v1/demo/units/{unit_id}/changes"} <= paths
    assert "InsuredItemPublic" in doc["components"]["schemas"]


def test_demo_calls_are_refused_without_demo_mode(tmp_path):
    import asyncio

    from sbflib.bureau.app import create_app
    from sbflib.bureau.store import BureauStore

    async def call(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bureau") as client:
            return await client.post("/api/v1/demo/units/U000001/reset-password")

    store = BureauStore(tmp_path / "empty.duckdb")  # the refusal comes before any data is read
    try:
        _refusal(asyncio.run(call(create_app(store, demo_mode=False))), 404, "DEMO_DISABLED")
    finally:
        store.close()


def test_cli_change_reports_the_changed_employees(bureau):
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sbflib.bureau", "change", "--url", bureau.url, "--unit", ROSTER_SPARE,
         "--count", "2", "--seed", "5", "--secret-file", str(bureau.store_dir / "demo-secret")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert len(json.loads(done.stdout)["changed"]) == 2


def test_shanghai_offers_only_employer_business(api):
    regions = {r["code"]: r for r in api.get("/regions").json()}
    assert regions["310100"]["name"] == "上海市" and regions["310100"]["modules"] == ["employer"]
    assert set(regions["310100"]["collection_modes"].values()) == {"税务自主"}
    assert [r["name"] for r in api.get("/rules", params={"region": "310100"}).json()]


def test_a_collection_units_registration_lists_its_unit_numbers(api, bureau):
    for unit_id in ("U000005", "U000007", "U000008"):
        unit = bureau.unit(unit_id)
        reg = api.post(f"/units/{unit_id}/verify", json={"password": unit["password"]}).json()
        assert reg["module"] == "collector" and reg["tax_office"]
        assert sorted(n["unit_number"] for n in reg["unit_numbers"]) == sorted(unit["unit_numbers"])
        assert all(n["agency"] and n["tax_authority"] for n in reg["unit_numbers"])


def test_the_shanghai_unit_logs_in(api, bureau):
    unit = bureau.unit("U000019")
    assert unit["region"] == "310100" and unit["module"] == "employer"
    assert api.post("/units/U000019/verify", json={"password": unit["password"]}).status_code == 200
