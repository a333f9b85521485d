"""Contribution-wage filings (缴费工资申报, manual 2.3-2.7): the bureau accepts a filing as 待反馈 and
decides it once its delay has passed, by the `FeedbackWorker` thread and lazily on read.

Deciding a line (set-based SQL over the whole filing, no per-line Python):
- the employee must be the unit's; way=item: the item must be insured and collected 税务自主 (an item
  collected 税务代征 has its base set by the agency); way=employee: the wage applies to every 税务自主
  item of the employee whose period covers the month;
- the effective month must lie within the employee's (and the item's) start and stop months, and a
  base floor and cap must be in force that month (the region's rule file);
- the base is the wage held between floor and cap (`BaseLimits.clamp`), and the reason says so when
  it was raised to the floor or cut to the cap.

A successful line is recorded in `wage_base_history` from its month on. Rows whose month has come (not
after the current month) set `employee_items.base` (the latest such month wins) and move the
employee's `change_seq`, so the client's next incremental roster update shows the new base; later
months wait in the history and the worker applies them when their month comes. Months before the
month of the decision get back-pay preprocessing rows (`wage_back_pay`, one per employee, item and
month, the latest filing's base), up to the next filed base of the item and the stop month.

An annual filing (kind=annual) takes its month from the region's rule file: the start of the
contribution year containing the current month (`ContributionRules.annual_wage_month`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sbflib.domain import clock
from sbflib.domain.errors import RuleViolation
from sbflib.domain.months import add_months

from .errors import Refusal, unit_not_found
from .regions import ITEMS, SELF_DECLARED
from .rules import annual_wage_month, contribution_rules
from .store import BureauStore, first_row

log = logging.getLogger("sbflib.bureau.wages")

PENDING = "待反馈"
ALL_OK = "全部申报成功"
ALL_FAILED = "全部申报失败"
PARTLY_OK = "部分申报成功"
LINE_OK = "成功"
LINE_FAILED = "失败"
KINDS = ("daily", "annual")
WAYS = ("employee", "item")
MAX_LINES = 100_000
MAX_BODY_BYTES = 32 * 2**20  # the wage-filing POST only; every other call keeps the 1 MB limit
DEFAULT_FEEDBACK_DELAY_S = 5.0
MAX_FEEDBACK_DELAY_S = 86_400.0
_ITEM_NAMES = {item.code: item.name for item in ITEMS}


def _invalid(message: str) -> Refusal:
    return Refusal(422, "VALIDATION", message)


@dataclass
class FeedbackSettings:
    """How long the bureau takes to decide a filing (seconds); a demo call may change it."""

    delay_s: float = DEFAULT_FEEDBACK_DELAY_S


# --- the body ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFiling:
    """A filing as sent, checked: its lines as Arrow columns (line_no from 1)."""

    kind: str
    way: str
    tax_authority: str
    lines: pa.Table  # line_no int32, employee_id, item_code (null for way=employee), wage string, month
    body_sha256: str = ""


_EMPLOYEE_ID = r"^[A-Za-z0-9]{1,32}$"
_ITEM_CODE = r"^[0-9]{5}$"
_WAGE = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_LINE_KEYS = ("employee_id", "item_code", "wage", "month")
_FIELD_LABELS = {"employee_id": "职工ID", "item_code": "险种编码", "wage": "缴费工资", "month": "生效年月"}


def parse_filing(body: bytes) -> ParsedFiling:
    """Check a filing body and turn its lines into columns. A malformed body or line is refused with
    422 VALIDATION naming the line (第n行) and the field. The lines are read column by column and
    checked with Arrow kernels (100,000 lines in a few tens of milliseconds)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("请求参数有误：请求体不是有效的JSON") from None
    if not isinstance(doc, dict):
        raise _invalid("请求参数有误：请求体应为JSON对象")
    kind, way, authority, lines = (doc.get(k) for k in ("kind", "way", "tax_authority", "lines"))
    if kind not in KINDS:
        raise _invalid("请求参数有误：字段【申报类型】（kind）应为daily或annual")
    if way not in WAYS:
        raise _invalid("请求参数有误：字段【申报方式】（way）应为employee或item")
    if not isinstance(authority, str) or not authority.strip() or len(authority) > 200 or not _utf8(authority):
        raise _invalid("请求参数有误：字段【主管税务机关】（tax_authority）不正确")
    if not isinstance(lines, list) or not lines:
        raise _invalid("请求参数有误：字段【申报明细】（lines）应为非空列表")
    if len(lines) > MAX_LINES:
        raise _invalid(f"请求参数有误：一次申报最多{MAX_LINES}行，本次{len(lines)}行")
    columns = _columns(lines)
    n = len(lines)
    table = pa.table({"line_no": pa.array(range(1, n + 1), pa.int32()), **columns})
    _check_lines(table, kind, way)
    return ParsedFiling(kind, way, authority.strip(), table, hashlib.sha256(body).hexdigest())


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _columns(lines: list[Any]) -> dict[str, pa.Array]:
    """The lines' fields as string columns (null where missing); a line that is not an object or a
    field that is not text (or null) is refused by its line number."""
    try:
        cols = {key: pa.array([line.get(key) for line in lines], pa.string()) for key in _LINE_KEYS}
    except (AttributeError, pa.ArrowException, TypeError):
        for no, line in enumerate(lines, start=1):
            if not isinstance(line, dict):
                raise _invalid(f"请求参数有误：第{no}行应为JSON对象") from None
            for key in _LINE_KEYS:
                value = line.get(key)
                if value is not None and (not isinstance(value, str) or not _utf8(value)):
                    raise _invalid(f"请求参数有误：第{no}行字段【{_FIELD_LABELS[key]}】（{key}）应为文本") from None
        raise _invalid("请求参数有误：申报明细格式不正确") from None
    return cols


def _first_bad(mask: pa.Array) -> int | None:
    """The 1-based number of the first line where `mask` is true (null counts as true)."""
    bad = pc.fill_null(mask, True)
    if not pc.any(bad).as_py():
        return None
    return int(pc.index(bad, True).as_py()) + 1


def _check_lines(table: pa.Table, kind: str, way: str) -> None:
    def refuse_if(mask: pa.Array, message: str) -> None:
        line = _first_bad(mask)
        if line is not None:
            raise _invalid(f"请求参数有误：第{line}行{message}")

    employee, item, wage, month = (table[k].combine_chunks() for k in _LINE_KEYS)
    refuse_if(pc.invert(pc.match_substring_regex(employee, _EMPLOYEE_ID)),
              "字段【职工ID】（employee_id）不正确：应为1至32位字母或数字")
    if way == "employee":
        refuse_if(pc.is_valid(item), "字段【险种编码】（item_code）应为空：按职工申报时工资适用于该职工的全部税务自主险种")
    else:
        refuse_if(pc.invert(pc.match_substring_regex(item, _ITEM_CODE)),
                  "字段【险种编码】（item_code）不正确：按险种申报时应为5位数字")
    refuse_if(pc.invert(pc.match_substring_regex(wage, _WAGE)),
              "字段【缴费工资】（wage）不正确：应为正数金额，最多两位小数")
    numbers = pc.cast(wage, pa.decimal128(18, 2))
    refuse_if(pc.less_equal(numbers, pa.scalar(Decimal(0), pa.decimal128(18, 2))),
              "字段【缴费工资】（wage）不正确：应为正数金额")
    if kind == "daily":
        refuse_if(pc.invert(pc.match_substring_regex(month, _MONTH)),
                  "字段【生效年月】（month）不正确：日常申报应为YYYY-MM")
    else:
        refuse_if(pc.is_valid(month), "字段【生效年月】（month）应为空：年度申报的生效年月由税务局按地区规则确定")


# --- submitting --------------------------------------------------------------------------------

_RECORD_COLUMNS = ("filing_id, submitted_at, kind, way, tax_authority, employees, lines, status, decided_at")


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    names = [c.strip() for c in _RECORD_COLUMNS.split(",")]
    return dict(zip(names, row, strict=True))


def _first_answer(row: tuple[Any, ...]) -> dict[str, Any]:
    """The answer a filing got when it arrived (待反馈), from its record."""
    record = _record(row)
    return {**record, "status": PENDING, "decided_at": None}


def submit(store: BureauStore, unit_id: str, filing: ParsedFiling, delay_s: float,
           idempotency_key: str | None = None) -> dict[str, Any]:
    """Record a filing 待反馈, to be decided `delay_s` seconds from now; the record as answered.

    A filing the unit already sent with `idempotency_key` is answered again as it was first (also
    after a new login, whose token the idempotency middleware does not know); the same key with
    another body is refused (422 IDEMPOTENCY_KEY_REUSED)."""
    now = clock.now()
    month = clock.current_month()
    with store.writing() as cur:
        if idempotency_key:
            known = first_row(cur.execute(
                f"SELECT body_sha256, {_RECORD_COLUMNS} FROM wage_filings WHERE unit_id = ? AND idempotency_key = ?",
                [unit_id, idempotency_key]))
            if known is not None:
                if known[0] != filing.body_sha256:
                    raise Refusal(422, "IDEMPOTENCY_KEY_REUSED", "该幂等键已用于另一笔不同的请求，请使用新的幂等键")
                return _first_answer(known[1:])
        unit = first_row(cur.execute("SELECT region, module, tax_authority FROM units WHERE unit_id = ?",
                                     [unit_id]))
        if unit is None:
            raise unit_not_found(unit_id)
        region, module, unit_authority = unit
        if module != "employer":
            raise Refusal(400, "WAGE_FILING_NOT_OFFERED", "代收单位不办理缴费工资申报")
        authorities = {unit_authority} | {r[0] for r in cur.execute(
            "SELECT DISTINCT tax_authority FROM unit_numbers WHERE unit_id = ?", [unit_id]).fetchall()}
        if filing.tax_authority not in authorities:
            raise Refusal(422, "TAX_AUTHORITY_UNKNOWN",
                          f"主管税务机关“{filing.tax_authority}”不是本单位登记的主管税务机关")
        effective = None
        if filing.kind == "annual":
            try:
                effective = annual_wage_month(region, month)
            except (RuleViolation, LookupError) as exc:
                raise Refusal(422, "ANNUAL_MONTH_NOT_FOUND",
                              f"本地区的规则文件没有年度缴费工资的生效年月：{exc}") from None
        cur.register("wf_sent", filing.lines)
        try:
            dup = cur.execute(
                "SELECT max(line_no) FROM wf_sent GROUP BY employee_id, item_code, month "
                "HAVING count(*) > 1 ORDER BY 1 LIMIT 1").fetchall()
            if dup:
                raise _invalid(f"请求参数有误：第{dup[0][0]}行与前面的行重复（同一职工、险种和生效年月）")
            seq = cur.execute("SELECT nextval('wage_filing_seq')").fetchall()[0][0]
            filing_id = f"WF{now:%Y%m%d}{seq:08d}"
            cur.execute(
                "INSERT INTO wage_filing_lines (filing_id, line_no, employee_id, item_code, wage, month) "
                "SELECT ?, line_no, employee_id, item_code, wage::DECIMAL(18,2), coalesce(month, ?) FROM wf_sent",
                [filing_id, effective])
            employees = cur.execute("SELECT count(DISTINCT employee_id) FROM wf_sent").fetchall()[0][0]
        finally:
            cur.unregister("wf_sent")
        due = now + dt.timedelta(seconds=delay_s)
        cur.execute("INSERT INTO wage_filings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                    [filing_id, unit_id, filing.kind, filing.way, filing.tax_authority, employees,
                     filing.lines.num_rows, PENDING, now, due, idempotency_key or None, filing.body_sha256])
    return {"filing_id": filing_id, "submitted_at": now, "kind": filing.kind, "way": filing.way,
            "tax_authority": filing.tax_authority, "employees": employees, "lines": filing.lines.num_rows,
            "status": PENDING, "decided_at": None}


# --- deciding ----------------------------------------------------------------------------------


def decide_due(store: BureauStore, unit_id: str | None = None) -> int:
    """Decide every filing (of `unit_id`, or of all units) whose delay has passed, oldest first, and
    apply filed bases whose month has come; the number of filings decided."""
    now = clock.now()
    month = clock.current_month()
    where, params = "status = ? AND due_at <= ?", [PENDING, now]
    if unit_id is not None:
        where, params = where + " AND unit_id = ?", [*params, unit_id]
    with store.reading() as cur:
        waiting = cur.execute(f"SELECT count(*) FROM wage_filings WHERE {where}", params).fetchall()[0][0]
        late = cur.execute("SELECT count(*) FROM wage_base_history WHERE NOT applied AND from_month <= ?",
                           [month]).fetchall()[0][0] if unit_id is None else 0
    if not waiting and not late:
        return 0
    decided = 0
    with store.writing() as cur:
        due = cur.execute(f"SELECT filing_id, unit_id, kind FROM wage_filings WHERE {where} "
                          "ORDER BY submitted_at, filing_id", params).fetchall()
        for filing_id, unit, kind in due:
            _decide(cur, filing_id, unit, kind, now, month)
            decided += 1
        if unit_id is None:
            _apply_due_history(cur, None, now, month)
    return decided


def _limits_table(region: str, pairs: list[tuple[str, str]]) -> pa.Table:
    """Floor and cap in force for each (month, item_code), or the reason none is."""
    rules = contribution_rules(region)
    rows: dict[str, list[Any]] = {"month": [], "item_code": [], "floor": [], "cap": [], "refusal": []}
    for month, item in pairs:
        floor = cap = refusal = None
        try:
            limits = rules.base_limits(month, item)
            floor, cap = limits.floor, limits.cap
        except RuleViolation as exc:
            refusal = f"生效年月{month}没有生效的缴费基数上下限：{exc.message}"
        rows["month"].append(month)
        rows["item_code"].append(item)
        rows["floor"].append(floor)
        rows["cap"].append(cap)
        rows["refusal"].append(refusal)
    money = pa.decimal128(18, 2)
    return pa.table({"month": pa.array(rows["month"], pa.string()),
                     "item_code": pa.array(rows["item_code"], pa.string()),
                     "floor": pa.array(rows["floor"], money), "cap": pa.array(rows["cap"], money),
                     "refusal": pa.array(rows["refusal"], pa.string())})


def _current_limits(regions: list[str], month: str) -> pa.Table:
    """Floor and cap of every item of `regions` in force in `month` (regions or items without
    limits in force are left out)."""
    rows: dict[str, list[Any]] = {"region": [], "item_code": [], "floor": [], "cap": []}
    for region in regions:
        for item in _ITEM_NAMES:
            try:
                limits = contribution_rules(region).base_limits(month, item)
            except (RuleViolation, LookupError):
                continue
            rows["region"].append(region)
            rows["item_code"].append(item)
            rows["floor"].append(limits.floor)
            rows["cap"].append(limits.cap)
    money = pa.decimal128(18, 2)
    return pa.table({"region": pa.array(rows["region"], pa.string()),
                     "item_code": pa.array(rows["item_code"], pa.string()),
                     "floor": pa.array(rows["floor"], money), "cap": pa.array(rows["cap"], money)})


def _months_between(first: str, last: str) -> list[str]:
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _decide(cur: duckdb.DuckDBPyConnection, filing_id: str, unit_id: str, kind: str, now: dt.datetime,
            month: str) -> None:
    region = cur.execute("SELECT region FROM units WHERE unit_id = ?", [unit_id]).fetchall()[0][0]
    # An annual wage holds from the start of the contribution year, or from the employee's start
    # when they joined later in it (never before they paid).
    p = {"f": filing_id, "u": unit_id, "self": SELF_DECLARED, "annual": kind == "annual", "cm": month}
    # Every line with each item it applies to (way=item: its item; way=employee: the employee's
    # 税务自主 items); a line matching nothing keeps one row with no item.
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE wf_x AS
        WITH e AS (SELECT employee_id, name, id_type, id_number, start_month, stop_month
                   FROM employees WHERE unit_id = $u),
             i AS (SELECT employee_id, item_code, any_value(item_name) AS item_name,
                          any_value(collection_mode) AS collection_mode, min(start_month) AS i_start,
                          CASE WHEN bool_or(stop_month IS NULL) THEN NULL ELSE max(stop_month) END AS i_stop,
                          max(base) AS old_base
                   FROM employee_items WHERE unit_id = $u GROUP BY employee_id, item_code)
        SELECT l.line_no, l.employee_id, l.item_code AS line_item, l.wage,
               CASE WHEN $annual AND e.start_month > l.month AND e.start_month <= $cm THEN e.start_month
                    ELSE l.month END AS month,
               e.employee_id IS NOT NULL AS known, e.name, e.id_type, e.id_number,
               e.start_month AS e_start, e.stop_month AS e_stop,
               i.item_code, i.item_name, i.collection_mode, i.i_start, i.i_stop, i.old_base
        FROM wage_filing_lines l
        LEFT JOIN e ON e.employee_id = l.employee_id
        LEFT JOIN i ON i.employee_id = l.employee_id
                   AND (i.item_code = l.item_code OR (l.item_code IS NULL AND i.collection_mode = $self))
        WHERE l.filing_id = $f
    """, p)
    span = cur.execute("SELECT min(month) FROM wf_x WHERE item_code IS NOT NULL").fetchall()[0][0]
    first = contribution_rules(region).first_month
    if span is not None and first is not None:
        span = max(span, first)  # no back pay before the region's first figures (a line there fails)
    months = {r[0] for r in cur.execute("SELECT DISTINCT month FROM wf_x").fetchall()}
    if span is not None and span < month:
        months |= set(_months_between(span, add_months(month, -1)))  # back-pay months
    items = [r[0] for r in cur.execute(
        "SELECT item_code FROM region_items WHERE region = ? ORDER BY item_code", [region]).fetchall()]
    cur.register("wf_limits", _limits_table(region, [(m, i) for m in sorted(months) for i in items]))
    cur.register("wf_item_names", pa.table({"code": list(_ITEM_NAMES), "name": list(_ITEM_NAMES.values())}))
    # The result of every (line, item): a failure reason, or the base and a note on the clamp.
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE wf_r AS
        SELECT x.*, lim.floor, lim.cap,
               CASE
                 WHEN NOT x.known THEN '该职工不是本单位的参保职工'
                 WHEN x.item_code IS NULL AND x.line_item IS NULL
                   THEN '该职工没有税务自主征收的险种，无需申报缴费工资'
                 WHEN x.item_code IS NULL
                   THEN '该职工未参保' || coalesce(n.name, '险种' || x.line_item)
                 WHEN x.collection_mode <> $self
                   THEN x.item_name || '由社保经办机构核定缴费基数（' || x.collection_mode || '），无需申报缴费工资'
                 WHEN x.e_stop IS NOT NULL AND x.month > x.e_stop
                   THEN '生效年月' || x.month || '晚于该职工的停止缴费年月' || x.e_stop
                 WHEN x.month < x.e_start
                   THEN '生效年月' || x.month || '早于该职工的参保缴费起始年月' || x.e_start
                 WHEN x.i_stop IS NOT NULL AND x.month > x.i_stop
                   THEN '生效年月' || x.month || '晚于' || x.item_name || '的停止缴费年月' || x.i_stop
                 WHEN x.month < x.i_start
                   THEN '生效年月' || x.month || '早于' || x.item_name || '的参保缴费起始年月' || x.i_start
                 WHEN lim.refusal IS NOT NULL THEN lim.refusal
               END AS failure
        FROM wf_x x
        LEFT JOIN wf_limits lim ON lim.month = x.month AND lim.item_code = x.item_code
        LEFT JOIN wf_item_names n ON n.code = x.line_item
    """, {"self": SELF_DECLARED})
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE wf_ok AS
        SELECT employee_id, item_code, month, wage,
               least(greatest(wage, floor), coalesce(cap, greatest(wage, floor))) AS base,
               CASE WHEN wage < floor THEN '低于缴费基数下限，按下限' || floor::VARCHAR || '确定缴费基数'
                    WHEN cap IS NOT NULL AND wage > cap
                      THEN '高于缴费基数上限，按上限' || cap::VARCHAR || '确定缴费基数'
               END AS note,
               line_no, item_name,
               least(CASE WHEN e_stop IS NULL THEN '9999-12' ELSE e_stop END,
                     CASE WHEN i_stop IS NULL THEN '9999-12' ELSE i_stop END) AS last_month
        FROM wf_r WHERE failure IS NULL
    """, {})
    # One result per line: way=employee succeeds when any of its items does (the base and note of
    # the first such item; items that failed are named in the reason).
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE wf_line AS
        SELECT r.line_no, any_value(r.employee_id) AS employee_id, any_value(r.line_item) AS item_code,
               any_value(r.wage) AS wage, any_value(r.month) AS month, any_value(r.name) AS name,
               any_value(r.id_type) AS id_type, any_value(r.id_number) AS id_number,
               CASE WHEN any_value(r.line_item) IS NULL THEN NULL
                    ELSE coalesce(any_value(r.item_name), any_value(n.name)) END AS item_name,
               max(r.old_base) AS old_wage,
               arg_min(o.base, r.item_code) FILTER (WHERE o.base IS NOT NULL) AS base,
               count(o.base) > 0 AS ok,
               arg_min(o.note, r.item_code) FILTER (WHERE o.base IS NOT NULL) AS note,
               arg_min(r.failure, coalesce(r.item_code, '')) FILTER (WHERE r.failure IS NOT NULL) AS first_failure,
               string_agg(r.item_name || '：' || r.failure, '；' ORDER BY r.item_code)
                 FILTER (WHERE r.failure IS NOT NULL AND r.item_name IS NOT NULL) AS item_failures
        FROM wf_r r
        LEFT JOIN wf_ok o ON o.line_no = r.line_no AND o.item_code = r.item_code
        LEFT JOIN wf_item_names n ON n.code = r.line_item
        GROUP BY r.line_no
    """, {})
    cur.execute("DELETE FROM wage_filing_lines WHERE filing_id = $f", {"f": filing_id})
    _run(cur, f"""
        INSERT INTO wage_filing_lines
        SELECT $f, line_no, employee_id, item_code, wage, month, name, id_type, id_number, item_name,
               old_wage, base,
               CASE WHEN ok THEN '{LINE_OK}' ELSE '{LINE_FAILED}' END,
               CASE WHEN NOT ok THEN first_failure
                    WHEN item_code IS NULL AND item_failures IS NOT NULL
                      THEN concat_ws('；', note, item_failures)
                    ELSE note END
        FROM wf_line ORDER BY line_no
    """, {"f": filing_id})
    _record_bases(cur, unit_id, filing_id, now, month)
    counts = cur.execute(
        "SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) FROM wf_line").fetchall()[0]
    status = ALL_FAILED if not counts[0] else (ALL_OK if not counts[1] else PARTLY_OK)
    cur.execute("UPDATE wage_filings SET status = ?, decided_at = ? WHERE filing_id = ?", [status, now, filing_id])
    for name in ("wf_x", "wf_r", "wf_ok", "wf_line"):
        cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.unregister("wf_limits")
    cur.unregister("wf_item_names")


_PARAM = re.compile(r"\$([a-z_]+)")


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """Execute `sql` with the named parameters it uses (DuckDB refuses unused ones)."""
    used = set(_PARAM.findall(sql))
    return cur.execute(sql, {k: v for k, v in params.items() if k in used})


def _idx(month_sql: str) -> str:
    """SQL for the index (year * 12 + month - 1) of a 'YYYY-MM' month."""
    return f"(substr({month_sql}, 1, 4)::INT * 12 + substr({month_sql}, 6, 2)::INT - 1)"


def _record_bases(cur: duckdb.DuckDBPyConnection, unit_id: str, filing_id: str, now: dt.datetime,
                  month: str) -> None:
    """History rows of the successful (line, item)s, their back pay, and the bases now due."""
    p = {"u": unit_id, "f": filing_id, "now": now, "cm": month}
    _run(cur, """
        DELETE FROM wage_base_history WHERE unit_id = $u
          AND (employee_id, item_code, from_month) IN (SELECT employee_id, item_code, month FROM wf_ok)
    """, p)
    _run(cur, """
        INSERT INTO wage_base_history
        SELECT $u, employee_id, item_code, month, wage, base, $f, $now, false FROM wf_ok
    """, p)
    # Back pay: each month from the filed month to the month before this one, up to the next filed
    # base of the item and the stop month; the base clamped by that month's floor and cap.
    _run(cur, f"""
        CREATE OR REPLACE TEMP TABLE wf_bp AS
        WITH o AS (SELECT * FROM wf_ok WHERE month < $cm),
             nxt AS (SELECT o.employee_id, o.item_code, min(h.from_month) AS next_from
                     FROM o JOIN wage_base_history h
                       ON h.unit_id = $u AND h.employee_id = o.employee_id AND h.item_code = o.item_code
                      AND h.from_month > o.month
                     GROUP BY o.employee_id, o.item_code),
             idx AS (SELECT o.*, {_idx('o.month')} AS i0,
                            least({_idx('$cm')}, {_idx("coalesce(nxt.next_from, '9999-12')")},
                                  {_idx('o.last_month')} + 1) AS i1
                     FROM o LEFT JOIN nxt USING (employee_id, item_code)),
             m AS (SELECT employee_id, item_code, wage, unnest(range(i0, i1)) AS k FROM idx WHERE i1 > i0)
        SELECT m.employee_id, m.item_code,
               printf('%04d-%02d', (m.k // 12)::INT, (m.k % 12 + 1)::INT) AS month, m.wage
        FROM m
    """, p)
    _run(cur, """
        DELETE FROM wage_back_pay WHERE unit_id = $u
          AND (employee_id, item_code, month) IN (SELECT employee_id, item_code, month FROM wf_bp)
    """, p)
    _run(cur, """
        INSERT INTO wage_back_pay
        SELECT $u, b.employee_id, b.item_code, b.month,
               least(greatest(b.wage, lim.floor), coalesce(lim.cap, greatest(b.wage, lim.floor))), $f, $now
        FROM wf_bp b JOIN wf_limits lim ON lim.month = b.month AND lim.item_code = b.item_code
        WHERE lim.refusal IS NULL
    """, p)
    cur.execute("DROP TABLE IF EXISTS wf_bp")
    _apply_due_history(cur, unit_id, now, month)


def _apply_due_history(cur: duckdb.DuckDBPyConnection, unit_id: str | None, now: dt.datetime,
                       month: str) -> None:
    """Set employee_items.base from the filed bases whose month has come (the latest month not after
    the current one, per employee and item, among the pairs with a row not yet applied), and move the
    change number of every employee whose base changed."""
    p: dict[str, Any] = {"cm": month, "u": unit_id}
    regions = [r[0] for r in cur.execute("SELECT DISTINCT region FROM region_items ORDER BY 1").fetchall()]
    cur.register("wf_now_limits", _current_limits(regions, month))
    # The latest filed wage of each pair held by this month's floor and cap (the filed base when no
    # limits are in force), e.g. a wage filed back in May under last year's floor.
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE wf_due AS
        WITH latest AS (
            SELECT h.unit_id, h.employee_id, h.item_code, arg_max(h.wage, h.from_month) AS wage,
                   arg_max(h.base, h.from_month) AS filed_base
            FROM wage_base_history h
            WHERE h.from_month <= $cm AND ($u IS NULL OR h.unit_id = $u)
              AND (h.unit_id, h.employee_id, h.item_code) IN (
                  SELECT unit_id, employee_id, item_code FROM wage_base_history
                  WHERE NOT applied AND from_month <= $cm AND ($u IS NULL OR unit_id = $u))
            GROUP BY h.unit_id, h.employee_id, h.item_code)
        SELECT l.unit_id, l.employee_id, l.item_code,
               CASE WHEN lim.floor IS NULL THEN l.filed_base
                    ELSE least(greatest(l.wage, lim.floor), coalesce(lim.cap, greatest(l.wage, lim.floor))) END AS base
        FROM latest l JOIN units u ON u.unit_id = l.unit_id
        LEFT JOIN wf_now_limits lim ON lim.region = u.region AND lim.item_code = l.item_code
    """, p)
    cur.unregister("wf_now_limits")
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE wf_moved AS
        SELECT DISTINCT i.unit_id, i.employee_id FROM employee_items i
        JOIN wf_due d ON d.unit_id = i.unit_id AND d.employee_id = i.employee_id AND d.item_code = i.item_code
        WHERE i.base <> d.base
    """, {})
    _run(cur, """
        UPDATE employee_items SET base = d.base FROM wf_due d
        WHERE employee_items.unit_id = d.unit_id AND employee_items.employee_id = d.employee_id
          AND employee_items.item_code = d.item_code AND employee_items.base <> d.base
    """, {})
    _run(cur, """
        UPDATE employees SET change_seq = nextval('change_seq'), updated_at = $now FROM wf_moved m
        WHERE employees.unit_id = m.unit_id AND employees.employee_id = m.employee_id
    """, {"now": now})
    _run(cur, "UPDATE wage_base_history SET applied = true "
                "WHERE NOT applied AND from_month <= $cm AND ($u IS NULL OR unit_id = $u)", p)
    cur.execute("DROP TABLE IF EXISTS wf_due")
    cur.execute("DROP TABLE IF EXISTS wf_moved")


# --- reading -----------------------------------------------------------------------------------


def list_filings(store: BureauStore, unit_id: str, date_from: dt.date | None, date_to: dt.date | None
                 ) -> list[dict[str, Any]]:
    """The unit's filings submitted between the two days (inclusive), newest first; due ones are
    decided first."""
    decide_due(store, unit_id)
    with store.reading() as cur:
        rows = cur.execute(
            f"SELECT {_RECORD_COLUMNS} FROM wage_filings WHERE unit_id = ? "
            "AND (?::DATE IS NULL OR submitted_at::DATE >= ?::DATE) "
            "AND (?::DATE IS NULL OR submitted_at::DATE <= ?::DATE) "
            "ORDER BY submitted_at DESC, filing_id DESC",
            [unit_id, date_from, date_from, date_to, date_to]).fetchall()
    return [_record(r) for r in rows]


def filing_detail(store: BureauStore, unit_id: str, filing_id: str) -> dict[str, Any]:
    """One filing with its lines (a filing still 待反馈 shows its lines with the employee's current
    particulars and status 待反馈)."""
    decide_due(store, unit_id)
    with store.reading() as cur:
        row = first_row(cur.execute(f"SELECT {_RECORD_COLUMNS} FROM wage_filings WHERE unit_id = ? "
                                    "AND filing_id = ?", [unit_id, filing_id]))
        if row is None:
            raise Refusal(404, "FILING_NOT_FOUND", f"未找到缴费工资申报记录{filing_id}")
        record = _record(row)
        pending = record["status"] == PENDING
        # While pending, the particulars and old wage are the roster's as they are now.
        old = """, old AS (
                SELECT employee_id, item_code, max(base) AS base FROM employee_items WHERE unit_id = $u
                GROUP BY employee_id, item_code
                UNION ALL
                SELECT employee_id, NULL, max(base) FROM employee_items
                WHERE unit_id = $u AND collection_mode = $self GROUP BY employee_id)""" if pending else ""
        lines = cur.sql(f"""
            WITH n AS (SELECT unnest($codes) AS code, unnest($names) AS name){old}
            SELECT l.line_no, l.employee_id, {'e.name' if pending else 'l.name'} AS name,
                   {'e.id_type' if pending else 'l.id_type'} AS id_type,
                   {'e.id_number' if pending else 'l.id_number'} AS id_number,
                   l.item_code, coalesce(l.item_name, n.name) AS item_name,
                   {'o.base' if pending else 'l.old_wage'} AS old_wage, l.wage AS new_wage,
                   l.base, l.month, coalesce(l.status, $pending) AS status, l.reason
            FROM wage_filing_lines l
            {'LEFT JOIN employees e ON e.unit_id = $u AND e.employee_id = l.employee_id' if pending else ''}
            {'LEFT JOIN old o ON o.employee_id = l.employee_id AND o.item_code IS NOT DISTINCT FROM l.item_code'
             if pending else ''}
            LEFT JOIN n ON n.code = l.item_code
            WHERE l.filing_id = $f ORDER BY l.line_no
        """, params={"f": filing_id, "pending": PENDING, "codes": list(_ITEM_NAMES),
                     "names": list(_ITEM_NAMES.values()),
                     **({"u": unit_id, "self": SELF_DECLARED} if pending else {})}).to_arrow_table()
    record["lines"] = lines
    return record


def clear_unit(store: BureauStore, unit_id: str) -> None:
    """Forget the unit's filings, their lines, its filed bases and back pay (demo reset). The bases
    already set on its items stay, like the other roster changes."""
    with store.writing() as cur:
        cur.execute("DELETE FROM wage_filing_lines WHERE filing_id IN "
                    "(SELECT filing_id FROM wage_filings WHERE unit_id = ?)", [unit_id])
        cur.execute("DELETE FROM wage_filings WHERE unit_id = ?", [unit_id])
        cur.execute("DELETE FROM wage_base_history WHERE unit_id = ?", [unit_id])
        cur.execute("DELETE FROM wage_back_pay WHERE unit_id = ?", [unit_id])


# --- the worker --------------------------------------------------------------------------------


class FeedbackWorker:
    """A thread that decides due filings every `interval` seconds (and applies filed bases whose
    month has come); `stop()` ends it and waits for it."""

    def __init__(self, store: BureauStore, interval: float = 0.5,
                 also: tuple[Callable[[BureauStore], int], ...] = ()) -> None:
        self.store = store
        self.interval = interval
        self.also = also  # more deciders on the same loop and delay (the fee declarations')
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sbf-wage-feedback", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                decide_due(self.store)
            except Exception:  # the worker keeps going; a read decides lazily anyway
                log.exception("deciding wage filings failed")
            for decide in self.also:
                try:
                    decide(self.store)
                except Exception:
                    log.exception("deciding %s failed", getattr(decide, "__module__", decide))

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
