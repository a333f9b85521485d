"""征收子目 (manual 2.2.2 六, 职工参保明细) from the bureau's store to the client's detail view.

Uses the spare U000020 only (a 建筑 unit: 工伤保险费 at 五类行业; see tests/conftest.py).
"""

from __future__ import annotations

import httpx

from sbflib.bureau.roster import decode

UNIT = "U000020"
INJURY = "工伤保险费（五类行业）"
MEDICAL = "职工基本医疗保险（单位及个人）"


def _details(detail) -> dict[str, str]:
    items = detail.items
    return dict(zip(items["item_name"], items["subitem_detail"], strict=True))


def test_the_roster_stream_carries_the_subitem_detail(bureau):
    token = bureau.token(UNIT)
    try:
        resp = httpx.get(f"{bureau.api}/units/{UNIT}/roster", headers={"Authorization": f"Bearer {token}"},
                         timeout=30)
        resp.raise_for_status()
        _, items = decode(resp.content)
        assert str(items.schema.field("subitem_detail").type) == "string"
        by_item = {}
        for row in items.select(["item_code", "subitem_detail"]).to_pylist():
            by_item.setdefault(row["item_code"], set()).add(row["subitem_detail"])
        assert by_item == {"10201": {None}, "10202": {None}, "10203": {MEDICAL}, "10204": {INJURY},
                           "10205": {None}}
    finally:
        bureau.reset_unit(UNIT)


def test_the_detail_view_shows_the_subitem_detail_and_keeps_it_after_changes(logged_in, bureau):
    wb = logged_in(UNIT)
    wb.gateway.demo_secret = bureau.demo_secret  # demo changes need the bureau's demo secret
    first = wb.employer.roster.sync()
    assert first.received == bureau.unit(UNIT)["employees"]
    df, _ = wb.employer.roster.query(page_size=100)
    employee_id = df["employee_id"].iloc[0]
    details = _details(wb.employer.roster.detail(employee_id))
    assert details["工伤保险费"] == INJURY
    assert details["基本医疗保险费"] == MEDICAL
    assert details["基本养老保险费"] == ""  # none sent: shown empty, as often in the manual

    # The bureau's demo changes move bases and stop months; the 征收子目 stays with the items.
    changed = wb.gateway.demo.change_employees(UNIT, 3, seed=5)
    result = wb.employer.roster.sync()
    assert result.kind == "增量更新" and result.changed == 3
    for changed_id in changed:
        details = _details(wb.employer.roster.detail(changed_id))
        assert details["工伤保险费"] == INJURY and details["基本医疗保险费"] == MEDICAL


def test_the_json_pages_carry_the_subitem_detail(bureau):
    token = bureau.token(UNIT)
    try:
        page = httpx.get(f"{bureau.api}/units/{UNIT}/employees", params={"size": 5},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        items = {i["item_code"]: i.get("subitem_detail") for i in page["employees"][0]["items"]}
        assert items["10204"] == INJURY and items["10203"] == MEDICAL and items["10201"] is None
    finally:
        bureau.reset_unit(UNIT)
