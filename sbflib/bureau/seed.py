"""The reproducible demo (演示数据): regions, units with unit numbers and initial passwords, employees
with valid resident IDs and insured items, residents, notices; plus `demo.json` beside the store.

Employees are generated column-wise with numpy and formatted by DuckDB in bulk (no per-row Python),
so 100,000 employees seed in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker import Faker
from faker.providers.person.zh_CN import Provider as ZhPerson

from sbflib.domain import clock
from sbflib.domain.ids import check_resident_id, resident_id_check_char, uscc_check_char

from .accounts import initial_password_rows, initial_passwords
from .regions import ITEMS, MIGRANT_AREA_CODES, REGIONS, District, Region, region, subitem_detail
from .rules import contribution_base_limits
from .store import BureauStore

_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_POSTCODES = {"330108": "310051", "330106": "310013", "330102": "310002", "330110": "311100",
              "440305": "518052", "440304": "518048", "440306": "518101", "440307": "518172",
              "310115": "200120", "310104": "200030"}


@dataclass
class UnitSpec:
    """A demo unit before it is written: who it is, where, its unit numbers and its headcount."""

    unit_id: str
    name: str
    module: str
    region: str
    district: int  # index into the region's districts
    uscc_prefix: str  # 登记管理部门代码 + 机构类别代码: 91 enterprise, 11 government, 12 public institution
    employees: int = 0
    role: str = "small"
    industry: str = "软件和信息技术服务业"
    enterprise_type: str = "有限责任公司"
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (unit_number, social|medical|all)
    same_taxpayer_as: str | None = None
    taxpayer_id: str = ""

    def district_of(self) -> District:
        return _region(self.region).districts[self.district]


def _region(code: str) -> Region:
    reg = region(code)
    if reg is None:
        raise LookupError(f"unknown region {code}")
    return reg


def _catalogue(main_employees: int) -> list[UnitSpec]:
    """The demo units. Spares (role "spare") exist for tests that lock units or change passwords."""
    u = UnitSpec
    return [
        u("U000001", "杭州云栖数智科技有限公司", "employer", "330100", 0, "91", main_employees, "main",
          numbers=[("1234", "social"), ("330108200351", "medical")]),
        u("U000002", "杭州云栖数智科技有限公司西湖研发中心", "employer", "330100", 1, "91", 120,
          "second-unit", numbers=[("330106300118", "social"), ("330106400027", "medical")],
          same_taxpayer_as="U000001"),
        u("U000003", "杭州钱塘绿源餐饮管理有限公司", "employer", "330100", 2, "91", 80,
          industry="餐饮业", numbers=[("330102100764", "social"), ("330102200419", "medical")]),
        u("U000004", "杭州余杭恒泰建设工程有限公司", "employer", "330100", 3, "91", 260,
          industry="建筑安装业", numbers=[("330110105532", "social"), ("330110208871", "medical")]),
        u("U000005", "杭州市西湖区转塘街道办事处", "collector", "330100", 1, "11", role="collector",
          industry="国家机构", enterprise_type="机关",
          numbers=[("330106900231", "social"), ("330106900232", "medical")]),
        u("U000006", "深圳市南山区前海学校", "employer", "440300", 0, "12", 150, industry="教育",
          enterprise_type="事业单位", numbers=[("440305600213", "social"), ("440305700095", "medical")]),
        u("U000007", "深圳市南山区前海学校", "collector", "440300", 0, "12", role="collector",
          industry="教育", enterprise_type="事业单位", same_taxpayer_as="U000006",
          numbers=[("440305900118", "social"), ("440305900119", "medical")]),
        u("U000008", "深圳市福田区沙头街道办事处", "collector", "440300", 1, "11", role="collector",
          industry="国家机构", enterprise_type="机关",
          numbers=[("440304900356", "social"), ("440304900357", "medical")]),
        u("U000009", "深圳宝安鹏程电子有限公司", "employer", "440300", 2, "91", 300,
          industry="计算机、通信和其他电子设备制造业",
          numbers=[("440306301458", "social"), ("440306402276", "medical")]),
        u("U000010", "深圳龙岗顺达物流有限公司", "employer", "440300", 3, "91", 45,
          industry="道路运输业", numbers=[("440307118830", "social"), ("440307209914", "medical")]),
        # Spares for destructive tests (lockout, password changes); see tests/conftest.py.
        u("U000011", "杭州滨江启明软件有限公司", "employer", "330100", 0, "91", 30, "spare",
          numbers=[("12345", "all")]),
        u("U000012", "杭州西湖文澜文化传播有限公司", "employer", "330100", 1, "91", 25, "spare",
          industry="文化艺术业", numbers=[("330106500381", "all")]),
        u("U000013", "杭州上城安和物业服务有限公司", "employer", "330100", 2, "91", 40, "spare",
          industry="物业管理", numbers=[("330102300612", "social"), ("330102400158", "medical")]),
        u("U000014", "深圳南山蓝海网络科技有限公司", "employer", "440300", 0, "91", 35, "spare",
          numbers=[("440305800447", "all")]),
        u("U000015", "深圳福田金桥商贸有限公司", "employer", "440300", 1, "91", 20, "spare",
          industry="批发业", numbers=[("440304100529", "all")]),
        u("U000016", "深圳宝安华晟精密机械有限公司", "employer", "440300", 2, "91", 50, "spare",
          industry="通用设备制造业", numbers=[("440306500873", "social"), ("440306600190", "medical")]),
        u("U000017", "杭州余杭未来云仓储有限公司", "employer", "330100", 3, "91", 22, "spare",
          industry="仓储业", numbers=[("330110300926", "all")]),
        u("U000018", "深圳龙岗星河家政服务有限公司", "employer", "440300", 3, "91", 28, "spare",
          industry="居民服务业", numbers=[("440307300651", "all")]),
        # 上海 offers only 用人单位业务 (one button on the first screen, manual 1.4); a spare for UI tests.
        u("U000019", "上海浦江启航企业管理咨询有限公司", "employer", "310100", 0, "91", 24, "spare",
          industry="商务服务业", numbers=[("310115400572", "social"), ("310115500316", "medical")]),
        # Later spares come after the first release's units, which keep their IDs.
        u("U000020", "杭州上城鼎筑装饰工程有限公司", "employer", "330100", 2, "91", 26, "spare",
          industry="建筑装饰和其他建筑业", numbers=[("330102600845", "all")]),
        u("U000021", "深圳南山云帆信息技术有限公司", "employer", "440300", 0, "91", 60, "spare",
          numbers=[("440305900734", "social"), ("440305910562", "medical")]),
        # Spares for the wage-filing (缴费工资申报) work and later areas; owners in tests/conftest.py.
        # U000024 is big enough for a 1,000-row wage import of 正常缴费 employees.
        u("U000022", "杭州滨江澄光智能设备有限公司", "employer", "330100", 0, "91", 32, "spare",
          industry="通用设备制造业", numbers=[("330108400611", "all")]),
        u("U000023", "杭州西湖湖畔教育咨询有限公司", "employer", "330100", 1, "91", 24, "spare",
          industry="教育", numbers=[("330106600742", "social"), ("330106700358", "medical")]),
        u("U000024", "杭州上城知味餐饮管理有限公司", "employer", "330100", 2, "91", 1250, "spare",
          industry="餐饮业", numbers=[("330102700213", "all")]),
        u("U000025", "杭州余杭晨风服饰贸易有限公司", "employer", "330100", 3, "91", 28, "spare",
          industry="批发业", numbers=[("330110400537", "all")]),
        u("U000026", "杭州滨江远帆数据服务有限公司", "employer", "330100", 0, "91", 40, "spare",
          numbers=[("330108500824", "social"), ("330108600419", "medical")]),
        u("U000027", "杭州西湖青禾广告有限公司", "employer", "330100", 1, "91", 21, "spare",
          industry="商务服务业", numbers=[("330106800965", "all")]),
        u("U000028", "杭州上城恒信会计服务有限公司", "employer", "330100", 2, "91", 26, "spare",
          industry="商务服务业", numbers=[("330102800374", "all")]),
        u("U000029", "杭州余杭驿达快递服务有限公司", "employer", "330100", 3, "91", 30, "spare",
          industry="道路运输业", numbers=[("330110500682", "all")]),
        # Spares for the fee declarations (社保费申报): U000031 builds (工程项目), U000032 is in 深圳 (税务代征).
        u("U000030", "杭州滨江知行信息技术有限公司", "employer", "330100", 0, "91", 30, "spare",
          numbers=[("330108700935", "social"), ("330108800257", "medical")]),
        u("U000031", "杭州西湖筑安建设工程有限公司", "employer", "330100", 1, "91", 28, "spare",
          industry="建筑安装业", numbers=[("330106900468", "all")]),
        u("U000032", "深圳福田明远会展服务有限公司", "employer", "440300", 1, "91", 30, "spare",
          industry="商务服务业", numbers=[("440304700813", "social"), ("440304800426", "medical")]),
        # Spares for the declaration client, payments and statistics (owners in tests/conftest.py).
        u("U000033", "杭州滨江恒远网络科技有限公司", "employer", "330100", 0, "91", 30, "spare",
          numbers=[("330108900146", "all")]),
        u("U000034", "杭州西湖明德教育科技有限公司", "employer", "330100", 1, "91", 26, "spare",
          industry="教育", numbers=[("330106910573", "social"), ("330106920381", "medical")]),
        u("U000035", "杭州上城禾丰餐饮有限公司", "employer", "330100", 2, "91", 34, "spare",
          industry="餐饮业", numbers=[("330102910624", "all")]),
        u("U000036", "杭州余杭宏基建设工程有限公司", "employer", "330100", 3, "91", 30, "spare",
          industry="建筑安装业", numbers=[("330110910287", "all")]),
        u("U000037", "深圳南山嘉和物流有限公司", "employer", "440300", 0, "91", 28, "spare",
          industry="道路运输业", numbers=[("440305920478", "social"), ("440305930165", "medical")]),
        u("U000038", "杭州滨江云启数据科技有限公司", "employer", "330100", 1, "91", 32, "spare",
          numbers=[("330108920731", "all")]),
        u("U000039", "杭州西湖匠心建筑安装有限公司", "employer", "330100", 2, "91", 27, "spare",
          industry="建筑安装业", numbers=[("330106930852", "all")]),
        u("U000040", "杭州上城和瑞商务咨询有限公司", "employer", "330100", 3, "91", 25, "spare",
          industry="商务服务业", numbers=[("330102920419", "social"), ("330102930527", "medical")]),
        u("U000041", "杭州余杭青松家具贸易有限公司", "employer", "330100", 0, "91", 30, "spare",
          industry="批发业", numbers=[("330110920368", "all")]),
        u("U000042", "杭州滨江辰星电子有限公司", "employer", "330100", 1, "91", 36, "spare",
          industry="通用设备制造业", numbers=[("330108930594", "all")]),
        u("U000043", "杭州西湖清源环保科技有限公司", "employer", "330100", 2, "91", 29, "spare",
          numbers=[("330106940613", "all")]),
        u("U000044", "杭州上城嘉禾物业服务有限公司", "employer", "330100", 3, "91", 33, "spare",
          industry="物业管理", numbers=[("330102940736", "social"), ("330102950248", "medical")]),
        u("U000045", "杭州余杭远景文化传媒有限公司", "employer", "330100", 0, "91", 24, "spare",
          industry="文化艺术业", numbers=[("330110930491", "all")]),
        u("U000046", "杭州滨江卓越软件有限公司", "employer", "330100", 1, "91", 31, "spare",
          numbers=[("330108940825", "all")]),
        u("U000047", "杭州西湖锦程旅游服务有限公司", "employer", "330100", 2, "91", 26, "spare",
          industry="商务服务业", numbers=[("330106950374", "all")]),
        u("U000048", "深圳福田安泰保安服务有限公司", "employer", "440300", 3, "91", 30, "spare",
          industry="商务服务业", numbers=[("440304910587", "all")]),
    ]


def _uscc(prefix: str, area_code: str, rng: np.random.Generator) -> str:
    body = prefix + area_code + "".join(rng.choice(list(_USCC_BODY), 9))
    return body + uscc_check_char(body)


def _taxpayer_ids(specs: list[UnitSpec], rng: np.random.Generator) -> None:
    by_id = {s.unit_id: s for s in specs}
    for spec in specs:
        if spec.same_taxpayer_as:
            spec.taxpayer_id = by_id[spec.same_taxpayer_as].taxpayer_id
        else:
            spec.taxpayer_id = _uscc(spec.uscc_prefix, spec.district_of().area_code, rng)


def _month_text(index: str) -> str:
    """SQL that formats a month index (year*12 + month-1) as YYYY-MM."""
    return f"printf('%04d-%02d', ({index} // 12)::INT, ({index} % 12 + 1)::INT)"


_CHECK_SQL = (
    "['1','0','X','9','8','7','6','5','4','3','2'][("
    + " + ".join(f"substr(f17, {i + 1}, 1)::INT * {w}"
                 for i, w in enumerate((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    + ") % 11 + 1]"
)


def _people(n: int, rng: np.random.Generator, local_codes: list[str], born: tuple[str, str]) -> pa.Table:
    """Columns for `n` people: name, gender, area code, birth date, sequence (GB 11643 parts)."""
    surnames = list(ZhPerson.last_names.keys())
    weights = np.array(list(ZhPerson.last_names.values()), dtype=float)
    male = rng.random(n) < 0.52
    given_m = pa.array(ZhPerson.first_names_male)
    given_f = pa.array(ZhPerson.first_names_female)
    singles = pa.array([c for c in ZhPerson.first_names_male + ZhPerson.first_names_female if len(c) == 1])
    first = pc.if_else(
        pa.array(male),
        given_m.take(pa.array(rng.integers(0, len(given_m), n))),
        given_f.take(pa.array(rng.integers(0, len(given_f), n))),
    )
    second = pc.if_else(
        pa.array((rng.random(n) < 0.55) & (pc.utf8_length(first).to_numpy() == 1)),
        singles.take(pa.array(rng.integers(0, len(singles), n))),
        pa.scalar(""),
    )
    last = pa.array(surnames).take(pa.array(rng.choice(len(surnames), n, p=weights / weights.sum())))
    names = pc.binary_join_element_wise(last, first, second, "")
    codes = pa.array(local_codes + list(MIGRANT_AREA_CODES))
    local = rng.random(n) < 0.6
    area = np.where(local, rng.integers(0, len(local_codes), n),
                    rng.integers(len(local_codes), len(codes), n))
    lo, hi = (np.datetime64(b) for b in born)
    birth = lo + rng.integers(0, (hi - lo).astype(int) + 1, n).astype("timedelta64[D]")
    # Digit 17 of the ID: odd for men, even for women (GB 11643).
    seq = rng.integers(0, 100, n) * 10 + rng.integers(0, 5, n) * 2 + male.astype(int)
    return pa.table({
        "name": names,
        "male": pa.array(male),
        "area_code": codes.take(pa.array(area)),
        "birth_date": pa.array(birth.astype("datetime64[D]")),
        "seq": pa.array(seq),
    })


def _stage_employees(specs: list[UnitSpec], rng: np.random.Generator, today: dt.date) -> pa.Table:
    counts = [s.employees for s in specs]
    unit_idx = np.repeat(np.arange(len(specs)), counts)
    n = int(unit_idx.size)
    local_codes = {s.region: [d.area_code for d in _region(s.region).districts] for s in specs}
    parts = []
    for reg, codes in local_codes.items():
        mask = np.array([specs[i].region == reg for i in range(len(specs))])[unit_idx]
        people = _people(int(mask.sum()), rng, codes, ("1960-01-01", "2005-12-31"))
        parts.append((np.flatnonzero(mask), people))
    order = np.concatenate([p[0] for p in parts])
    people = pa.concat_tables([p[1] for p in parts]).take(pa.array(np.argsort(order)))

    this_month = today.year * 12 + today.month - 1
    birth_month = people["birth_date"].to_numpy().astype("datetime64[M]").astype(int) + 1970 * 12
    earliest = np.maximum(birth_month + 18 * 12, 2005 * 12)
    start = earliest + (rng.random(n) * (this_month - earliest + 1)).astype(int)
    stopped = rng.random(n) < 0.15
    start = np.where(stopped & (start >= this_month), this_month - 1 - rng.integers(0, 36, n), start)
    start = np.minimum(start, this_month)
    stop_past = start + (rng.random(n) * (this_month - start)).astype(int)
    contract_end = rng.random(n) < 0.1  # paying now, stop month already known (劳动合同到期)
    stop_future = this_month + rng.integers(0, 25, n)
    stop = np.where(stopped, stop_past, np.where(contract_end, stop_future, -1))

    bases = np.zeros(n, dtype=np.int64)
    for i, spec in enumerate(specs):
        floor, cap = contribution_base_limits(spec.region, today.strftime("%Y-%m"))
        rows = unit_idx == i
        wage = rng.lognormal(np.log(float(floor) * 1.9), 0.55, int(rows.sum()))
        at_floor = rng.random(int(rows.sum())) < 0.3  # many pay on the floor (按下限申报)
        bases[rows] = np.where(at_floor, float(floor), np.clip(np.round(wage), float(floor), float(cap)))
    return pa.table({
        "row": pa.array(np.arange(n)),
        "unit_idx": pa.array(unit_idx),
        "name": people["name"],
        "male": people["male"],
        "area_code": people["area_code"],
        "birth_date": people["birth_date"],
        "seq": people["seq"],
        "start_idx": pa.array(start),
        "stop_idx": pa.array(stop, mask=stop < 0, type=pa.int64()),
        "base_yuan": pa.array(bases),
        "veteran": pa.array(rng.random(n) < 0.02),
    })


def _stage_units(specs: list[UnitSpec]) -> pa.Table:
    rows: dict[str, list[Any]] = {k: [] for k in (
        "unit_idx", "unit_id", "region", "social_number", "social_agency", "medical_number",
        "medical_agency", "region_prefix")}
    for i, spec in enumerate(specs):
        d = spec.district_of()
        numbers = {kind: num for num, kind in spec.numbers}
        social = numbers.get("social") or numbers.get("all") or ""
        medical = numbers.get("medical") or numbers.get("all") or ""
        rows["unit_idx"].append(i)
        rows["unit_id"].append(spec.unit_id)
        rows["region"].append(spec.region)
        rows["social_number"].append(social)
        rows["social_agency"].append(d.social_agency)
        rows["medical_number"].append(medical)
        rows["medical_agency"].append(d.social_agency if "all" in numbers else d.medical_agency)
        rows["region_prefix"].append(spec.region[:4])
    return pa.table(rows)


def _stage_subitem_details(specs: list[UnitSpec]) -> pa.Table:
    """征收子目 per unit and insured item (NULL where an item has none)."""
    pairs = [(i, item.code, subitem_detail(item.code, spec.industry))
             for i, spec in enumerate(specs) for item in ITEMS]
    return pa.table({
        "unit_idx": pa.array([p[0] for p in pairs], pa.int64()),
        "item_code": pa.array([p[1] for p in pairs], pa.string()),
        "subitem_detail": pa.array([p[2] for p in pairs], pa.string()),
    })


def _insert_employees(cur: Any, specs: list[UnitSpec], staged: pa.Table, now: dt.datetime) -> None:
    units = _stage_units(specs)
    cur.register("staged_units", units)
    cur.register("staged_subitem_details", _stage_subitem_details(specs))
    cur.register("staged_employees", staged)
    cur.execute(f"""
        CREATE TEMP TABLE emp AS
        SELECT s.*, u.unit_id, u.region, u.region_prefix, u.social_number, u.social_agency,
               u.medical_number, u.medical_agency,
               'E' || lpad((s.row + 1)::VARCHAR, 9, '0') AS employee_id,
               area_code || strftime(birth_date, '%Y%m%d') || lpad(seq::VARCHAR, 3, '0') AS f17,
               {_month_text('start_idx')} AS start_month,
               CASE WHEN stop_idx IS NULL THEN NULL ELSE {_month_text('stop_idx')} END AS stop_month
        FROM staged_employees s JOIN staged_units u USING (unit_idx)
    """)
    cur.execute(f"""
        INSERT INTO employees (unit_id, employee_id, name, gender, id_type, id_number, birth_date,
                               start_month, stop_month, updated_at, change_seq)
        SELECT unit_id, employee_id, name, CASE WHEN male THEN '男' ELSE '女' END, '居民身份证',
               f17 || {_CHECK_SQL}, birth_date, start_month, stop_month, ?, nextval('change_seq')
        FROM emp ORDER BY row
    """, [now])
    cur.execute("""
        INSERT INTO employee_items (unit_id, employee_id, unit_number, agency, person_number, item_code,
                                    item_name, subitem_name, special_category, base, start_month,
                                    stop_month, collection_mode, subitem_detail)
        SELECT e.unit_id, e.employee_id,
               CASE WHEN ri.agency_kind = 'medical' THEN e.medical_number ELSE e.social_number END,
               CASE WHEN ri.agency_kind = 'medical' THEN e.medical_agency ELSE e.social_agency END,
               e.region_prefix || lpad((e.row + 1)::VARCHAR, 10, '0'),
               ri.item_code, ri.item_name, ri.subitem_name,
               CASE WHEN e.veteran THEN '退役军人' ELSE '无' END,
               e.base_yuan::DECIMAL(18,2), e.start_month, e.stop_month, ri.collection_mode,
               d.subitem_detail
        FROM emp e JOIN region_items ri ON ri.region = e.region
        LEFT JOIN staged_subitem_details d ON d.unit_idx = e.unit_idx AND d.item_code = ri.item_code
    """)
    cur.execute("DROP TABLE emp")
    cur.unregister("staged_units")
    cur.unregister("staged_employees")
    cur.unregister("staged_subitem_details")


def _insert_residents(cur: Any, count: int, rng: np.random.Generator) -> None:
    """城乡居民: stored for the collector slice; here only their count matters."""
    if count <= 0:
        return
    collecting = [r for r in REGIONS if "collector" in r.modules]  # residents pay through 代收单位
    regs = rng.integers(0, len(collecting), count)
    tables = []
    for i, reg in enumerate(collecting):
        n = int((regs == i).sum())
        people = _people(n, rng, [d.area_code for d in reg.districts], ("1945-01-01", "2024-12-31"))
        tables.append(people.append_column("region", pa.array([reg.code] * n)))
    staged = pa.concat_tables(tables)
    staged = staged.append_column("row", pa.array(np.arange(staged.num_rows)))
    cur.register("staged_residents", staged)
    cur.execute(f"""
        INSERT INTO residents
        SELECT region, 'R' || lpad((row + 1)::VARCHAR, 9, '0'), name,
               CASE WHEN male THEN '男' ELSE '女' END, f17 || {_CHECK_SQL}, birth_date
        FROM (SELECT *, area_code || strftime(birth_date, '%Y%m%d') || lpad(seq::VARCHAR, 3, '0') AS f17
              FROM staged_residents)
        ORDER BY row
    """)
    cur.unregister("staged_residents")


_NOTICES = {
    "330100": [
        ("2026-07-01", "关于公布2026年度杭州市社会保险费缴费基数上下限的通告",
         "自2026年7月1日起，职工社会保险费缴费基数上下限按新标准执行，请各缴费单位及时核对职工缴费基数。"),
        ("2026-09-15", "关于做好2027年度城乡居民医疗保险费集中征缴工作的通知",
         "2027年度城乡居民医保集中征缴期为2026年9月至12月，请各代收单位做好宣传与代收工作。"),
        ("2026-11-01", "社保费管理客户端升级公告",
         "社保费管理客户端已发布0.1.0版本，新增职工信息增量同步功能，请及时升级。"),
    ],
    "440300": [
        ("2026-07-01", "深圳市关于调整社会保险缴费基数的公告",
         "2026年度社会保险缴费基数上下限已公布，由社保经办机构核定的缴费基数将同步至税务部门。"),
        ("2026-10-10", "关于社保费申报缴纳期限的提醒",
         "每月10日至25日为职工社保费申报缴纳期，逾期将按日加收万分之五的滞纳金。"),
        ("2026-11-01", "社保费管理客户端升级公告",
         "社保费管理客户端已发布0.1.0版本，新增职工信息增量同步功能，请及时升级。"),
    ],
}


def _unit_rows(specs: list[UnitSpec], fake: Faker, rng: np.random.Generator) -> list[tuple[Any, ...]]:
    rows = []
    for spec in specs:
        d = spec.district_of()
        registered = dt.date(2008, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 15)))
        kind = {"91": "单位", "11": "机关", "12": "事业单位"}[spec.uscc_prefix]
        domain_part = f"{spec.unit_id.lower()}.example.cn"
        rows.append((
            spec.unit_id, spec.taxpayer_id, spec.name, spec.module, spec.region, registered, "正常",
            kind, d.tax_authority, d.tax_office, fake.name(), fake.name(), spec.industry,
            spec.enterprise_type, f"{_region(spec.region).name}{d.name}{fake.street_address()}",
            _POSTCODES[d.area_code], fake.phone_number(), f"hr@{domain_part}", "否",
        ))
    return rows


def _number_rows(specs: list[UnitSpec]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for spec in specs:
        d = spec.district_of()
        for number, kind in spec.numbers:
            agency = d.medical_agency if kind == "medical" else d.social_agency
            rows.append((spec.unit_id, number, agency, kind, d.tax_authority))
    return rows


def demo_path(store_path: str | Path) -> Path:
    """`demo.json` lives next to the store."""
    return Path(store_path).with_name("demo.json")


def seed(
    store_path: str | Path,
    *,
    seed: int = 1,
    employees: int = 2000,
    residents: int = 1000,
    force: bool = False,
) -> dict[str, Any]:
    """Write a fresh demo store at `store_path` and `demo.json` beside it; return the demo summary."""
    path = Path(store_path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass force=True (--force) to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Seed into a side file and rename it at the end, so an interrupted seed never leaves a
    # half-filled store that `serve --seed-if-missing` would then take for a finished one.
    building = path.with_name(path.name + ".seeding")
    for leftover in (building, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    today = clock.today()
    now = clock.now()

    specs = _catalogue(employees)
    _taxpayer_ids(specs, rng)
    passwords = {
        s.unit_id: initial_passwords(s.module, s.taxpayer_id, [n for n, _ in s.numbers]) for s in specs
    }
    password_rows = initial_password_rows(passwords, now)
    staged = _stage_employees([s for s in specs if s.employees], rng, today)

    store = BureauStore(building)
    try:
        with store.writing() as cur:
            cur.executemany("INSERT INTO regions VALUES (?, ?, ?)",
                            [(r.code, r.name, list(r.modules)) for r in REGIONS])
            cur.executemany("INSERT INTO region_items VALUES (?, ?, ?, ?, ?, ?)", [
                (r.code, it.code, it.name, it.subitem_name, it.agency_kind, r.collection_modes[it.code])
                for r in REGIONS for it in ITEMS])
            cur.executemany("INSERT INTO units VALUES (" + ", ".join("?" * 19) + ")",
                            _unit_rows(specs, fake, rng))
            cur.executemany("INSERT INTO unit_numbers VALUES (?, ?, ?, ?, ?)", _number_rows(specs))
            cur.executemany("INSERT INTO unit_passwords VALUES (?, ?, ?, ?, ?)", password_rows)
            cur.executemany("INSERT INTO notices (region, title, published, body) VALUES (?, ?, ?, ?)", [
                (reg, title, dt.date.fromisoformat(day), body)
                for reg, notes in _NOTICES.items() for day, title, body in notes])
            _insert_employees(cur, [s for s in specs if s.employees], staged, now)
            _insert_residents(cur, residents, rng)
            _seed_agreements(cur)
            sample = cur.execute("SELECT id_number FROM employees LIMIT 200").fetchall()
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('seed', ?), ('seeded_at', ?)",
                        [str(seed), now.isoformat()])
        # The check character computed in SQL must agree with the domain's GB 11643 rule (checked on
        # a sample here; the unit tests check every ID).
        bad = [n for (n,) in sample if resident_id_check_char(n[:17]) != n[17] or not check_resident_id(n).ok]
        if bad:
            raise AssertionError(f"seed produced IDs with wrong check characters: {bad[:3]}")
    finally:
        store.close()
    Path(str(path) + ".wal").unlink(missing_ok=True)
    building.replace(path)

    summary = {
        "seed": seed,
        "seeded_at": now.isoformat(),
        "store": str(path),
        "residents": residents,
        "regions": [{"code": r.code, "name": r.name, "collection_mode": r.collection_mode,
                     "collection_modes": r.collection_modes} for r in REGIONS],
        "units": [
            {
                "unit_id": s.unit_id,
                "taxpayer_id": s.taxpayer_id,
                "name": s.name,
                "module": s.module,
                "region": s.region,
                "role": s.role,
                "unit_numbers": [n for n, _ in s.numbers],
                "password": _first_initial(s),
                "initial_passwords": sorted(passwords[s.unit_id]),
                "employees": s.employees,
            }
            for s in specs
        ],
    }
    demo_path(path).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary


def _first_initial(spec: UnitSpec) -> str:
    """The initial password a clerk would type: from the first unit number, or the taxpayer ID."""
    numbers = [n for n, _ in spec.numbers]
    return min(initial_passwords(spec.module, spec.taxpayer_id, numbers[:1]))


def _seed_agreements(cur: Any) -> None:
    """三方协议 of the demo units (H7: `bureau/agreements.py`): two per employer unit, set-based cheap."""
    from .agreements import seed_demo

    seed_demo(cur)
