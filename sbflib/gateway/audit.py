"""What the transport tells an audit trail about each call that changes something at the bureau.

`Http` (gateway/http.py) hands one `CallRecord` to its `on_call` hook after every state-changing
call (every method but GET): once per logical call, whether it succeeded, was refused or got no
answer, retries included (`attempts`). The record is immutable and already safe to keep:

- secrets are redacted by key name (`redact`): passwords, tokens, secrets, keys of any body or
  answer are replaced by `REDACTED`, at any depth; headers are never recorded (the session token
  and the demo secret travel there);
- big bodies are cut (`summarize`): a list keeps its first `MAX_LIST_ITEMS` entries and says how
  many there were, so a 100,000-line wage filing costs the business call nothing noticeable;
- `operation` names the route in Chinese (`operation_of`), e.g. 缴费工资申报, 修改申报密码.

The gateway does not know the store: who keeps the records (sbflib/system/audit.py) is injected.

>>> redact({"unit_id": "U1", "password": "123456", "nested": [{"new_password": "x", "wage": "1.00"}]})
{'unit_id': 'U1', 'password': '******', 'nested': [{'new_password': '******', 'wage': '1.00'}]}
>>> operation_of("PUT", "/units/U000001/password")
'修改申报密码'
>>> operation_of("POST", "/units/U000001/wage-filings")
'缴费工资申报'
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REDACTED = "******"
MAX_LIST_ITEMS = 100
MAX_TEXT = 2000  # characters of one string value kept

#: Key names (lower case, compared after removing - and _) that are secret wherever they appear.
SECRET_KEYS = frozenset({
    "password", "passwd", "pwd", "pass", "old", "new", "confirm", "oldpassword", "newpassword",
    "confirmpassword", "token", "accesstoken", "refreshtoken", "secret", "demosecret", "authorization",
    "cookie", "apikey", "pin", "cvv", "密码", "原密码", "新密码", "确认新密码",
})
#: Parts of key names that make any key secret (password_sealed, x_sbf_demo_secret, sessiontoken …).
SECRET_PARTS = ("password", "passwd", "secret", "token", "密码")

#: Answer fields that name what the call made or changed (the first present is the record's result id).
RESULT_ID_KEYS = ("filing_id", "submission_id", "declaration_id", "payment_id", "void_id", "agreement_id", "refund_id",
                  "certificate_id", "certificate_no", "voucher_no", "voucher_id", "receipt_id", "record_id", "id")

# (method, path pattern under /api/v1, Chinese operation name) of the state-changing routes the
# bureau serves today; the first match wins. A menu that adds a route adds its line here (anything
# else is recorded as 其他操作).
_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", r"/sessions", "登录"),
    ("DELETE", r"/sessions", "退出登录"),
    ("POST", r"/units/[^/]+/verify", "安全认证"),
    ("PUT", r"/units/[^/]+/password", "修改申报密码"),
    ("POST", r"/units/[^/]+/wage-filings", "缴费工资申报"),
    ("POST", r"/units/[^/]+/declarations/[^/]+/void", "作废申报"),
    ("POST", r"/units/[^/]+/declarations", "社保费申报"),
    ("POST", r"/units/[^/]+/payments/[^/]+/unlock", "解锁"),
    ("POST", r"/units/[^/]+/payments", "缴费"),
    ("POST", r"/units/[^/]+/vouchers/[^/]+/void", "作废缴费凭证"),
    ("POST", r"/units/[^/]+/agreements", "新增三方协议"),
    ("PUT", r"/units/[^/]+/agreements/[^/]+", "修改三方协议"),
    ("POST", r"/units/[^/]+/agreements/[^/]+/void", "作废三方协议"),
    ("POST", r"/units/[^/]+/agreements/[^/]+/revoke", "撤销三方协议"),
    ("POST", r"/units/[^/]+/agreements/[^/]+/verify", "验证三方协议"),
    ("POST", r"/units/[^/]+/tax-certificates/[^/]+/reissue", "补开完税证明"),
    ("POST", r"/units/[^/]+/tax-certificates", "开具完税证明"),
    ("POST", r"/units/[^/]+/refunds", "退费申请"),
)
_COMPILED = tuple((m, re.compile(p + r"/?"), name) for m, p, name in _ROUTES)
OTHER = "其他操作"
DEMO = "演示操作"

_UNIT_IN_PATH = re.compile(r"^/units/([^/]+)(?:/|$)")


def operation_of(method: str, path: str) -> str:
    """The Chinese name of a state-changing route (其他操作 when it is not in the table).

    >>> operation_of("POST", "/sessions"), operation_of("POST", "/demo/faults"), operation_of("POST", "/x")
    ('登录', '演示操作', '其他操作')
    """
    if is_demo(path):
        return DEMO
    method = method.upper()
    for m, pattern, name in _COMPILED:
        if m == method and pattern.fullmatch(path):
            return name
    return OTHER


def is_demo(path: str) -> bool:
    return path == "/demo" or path.startswith("/demo/")


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and _secret_name(key)


@functools.lru_cache(maxsize=4096)
def _secret_name(key: str) -> bool:
    k = key.lower().replace("-", "").replace("_", "").replace(" ", "")
    return k in SECRET_KEYS or any(part in k for part in SECRET_PARTS)


def _has_secret(value: Any) -> bool:
    """Whether a secret key's value could hold a secret (a flag such as must_change_password cannot)."""
    return value not in (None, "") and not isinstance(value, bool)


def redact(value: Any) -> Any:
    """A copy of `value` (JSON-like) with every secret key's value replaced by REDACTED."""
    if isinstance(value, dict):
        return {k: (REDACTED if _is_secret_key(k) and _has_secret(v) else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def summarize(value: Any, max_items: int = MAX_LIST_ITEMS) -> Any:
    """A copy of `value` (JSON-like) with long lists cut to their first `max_items` entries (and a
    last entry saying how many there were) and long texts cut to MAX_TEXT characters.

    >>> summarize({"lines": list(range(5))}, max_items=2)
    {'lines': [0, 1, '……共5项，仅记录前2项']}
    """
    if isinstance(value, dict):
        return {k: summarize(v, max_items) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        kept = [summarize(v, max_items) for v in value[:max_items]]
        if len(value) > max_items:
            kept.append(f"……共{len(value)}项，仅记录前{max_items}项")
        return kept
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "……"
    return value


def safe_json(value: Any) -> str:
    """`value` cut (first, so a 100,000-line body costs no more than a 100-line one), redacted and
    written as JSON ('' for None)."""
    if value is None:
        return ""
    return json.dumps(redact(summarize(value)), ensure_ascii=False, default=str)


def unit_of(path: str, body: Any) -> str:
    """The unit a call is about: from the path (/units/{id}/…) or the body's unit_id."""
    found = _UNIT_IN_PATH.match(path)
    if found:
        return found.group(1)
    if isinstance(body, dict) and isinstance(body.get("unit_id"), str):
        return str(body["unit_id"])
    return ""


def result_id_of(answer: Any) -> str:
    """The id of what the call made, from the bureau's answer ('' when it names none)."""
    if isinstance(answer, dict):
        for key in RESULT_ID_KEYS:
            value = answer.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return str(value)
    return ""


@dataclass(frozen=True)
class CallRecord:
    """One logical state-changing call, as the audit trail keeps it (secrets already redacted).

    outcome: 成功 (the bureau accepted it), 失败 (the bureau refused it, or the client refused to send
    it), 结果未知 (no answer came: the bureau may or may not have done it; a retry with the same
    idempotency key is answered with the first answer)."""

    at: dt.datetime
    method: str
    path: str
    operation: str
    unit_id: str
    idempotency_key: str
    request: str          # the body sent, as JSON (redacted, long lists cut)
    attempts: int
    duration_ms: int
    outcome: str
    status: int | None
    code: str
    message: str
    result_id: str
    response: str         # the bureau's answer, as JSON (redacted, long lists cut)
    demo: bool


OK = "成功"
REFUSED = "失败"
UNKNOWN = "结果未知"
OUTCOMES = (OK, REFUSED, UNKNOWN)

CallHook = Callable[[CallRecord], None]
