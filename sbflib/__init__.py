"""sbflib: the 社保费管理客户端 as a Python package.

What analysts may import (everything in `__all__`; tests/unit/test_exported_members.py keeps it):

    import sbflib
    wb = sbflib.open()                 # local demo bureau unless a gateway URL is given
    wb.login(unit_id, password)
    wb.employer.roster.sync()
    df, total = wb.employer.roster.query()
    employees = wb.employer.roster.frame(sbflib.RosterFilter(status="正常缴费"))   # the whole list

The filters every list's `.frame(filters)` / `.query(filters, ...)` takes are exported here too
(`sbflib.PayableFilter`, `sbflib.StatsFilter`, ...; the two record filters as `DeclarationRecordFilter`
and `PaymentRecordFilter`), with `Adjust` (wage drafts) and `use_cjk_font_in_matplotlib` (charts
labelled in Chinese with the shipped font). The workbench module (pandas, DuckDB, httpx) and these
are imported on first use, so `import sbflib` stays light.
"""

from pathlib import Path as _Path
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from sbflib.errors import AuthError, BureauError, ConnectionFailed, SbfError, StateError, ValidationError
from sbflib.version import __version__

if _TYPE_CHECKING:
    from sbflib.domain.wages import Adjust
    from sbflib.employer.statistics import StatsFilter
    from sbflib.io.fonts import use_cjk_font_in_matplotlib
    from sbflib.store.arrivals import ArrivalFilter
    from sbflib.store.audit import AuditFilter
    from sbflib.store.declaration_records import DeclaredLineFilter
    from sbflib.store.declaration_records import RecordFilter as DeclarationRecordFilter
    from sbflib.store.declarations import DeclareFilter
    from sbflib.store.payables import PayableFilter
    from sbflib.store.payments import RecordFilter as PaymentRecordFilter
    from sbflib.store.payments import VoucherFilter
    from sbflib.store.refunds import RefundFilter
    from sbflib.store.registrations import InsuranceFilter, ProjectFilter
    from sbflib.store.roster import RosterFilter
    from sbflib.store.wages import WageDraftFilter, WageRecordFilter
    from sbflib.workbench import Workbench

__all__ = [
    "Adjust",
    "ArrivalFilter",
    "AuditFilter",
    "AuthError",
    "BureauError",
    "ConnectionFailed",
    "DeclarationRecordFilter",
    "DeclareFilter",
    "DeclaredLineFilter",
    "InsuranceFilter",
    "PayableFilter",
    "PaymentRecordFilter",
    "ProjectFilter",
    "RefundFilter",
    "RosterFilter",
    "SbfError",
    "StateError",
    "StatsFilter",
    "ValidationError",
    "VoucherFilter",
    "WageDraftFilter",
    "WageRecordFilter",
    "Workbench",
    "__version__",
    "open",
    "use_cjk_font_in_matplotlib",
]

#: name -> (module, attribute): imported on first use (PEP 562), so `import sbflib` stays light
_LAZY = {
    "Adjust": ("sbflib.domain.wages", "Adjust"),
    "ArrivalFilter": ("sbflib.store.arrivals", "ArrivalFilter"),
    "AuditFilter": ("sbflib.store.audit", "AuditFilter"),
    "DeclarationRecordFilter": ("sbflib.store.declaration_records", "RecordFilter"),
    "DeclareFilter": ("sbflib.store.declarations", "DeclareFilter"),
    "DeclaredLineFilter": ("sbflib.store.declaration_records", "DeclaredLineFilter"),
    "InsuranceFilter": ("sbflib.store.registrations", "InsuranceFilter"),
    "PayableFilter": ("sbflib.store.payables", "PayableFilter"),
    "PaymentRecordFilter": ("sbflib.store.payments", "RecordFilter"),
    "ProjectFilter": ("sbflib.store.registrations", "ProjectFilter"),
    "RefundFilter": ("sbflib.store.refunds", "RefundFilter"),
    "RosterFilter": ("sbflib.store.roster", "RosterFilter"),
    "StatsFilter": ("sbflib.employer.statistics", "StatsFilter"),
    "VoucherFilter": ("sbflib.store.payments", "VoucherFilter"),
    "WageDraftFilter": ("sbflib.store.wages", "WageDraftFilter"),
    "WageRecordFilter": ("sbflib.store.wages", "WageRecordFilter"),
    "Workbench": ("sbflib.workbench", "Workbench"),
    "use_cjk_font_in_matplotlib": ("sbflib.io.fonts", "use_cjk_font_in_matplotlib"),
}


def open(data_dir: str | _Path | None = None, *, gateway_url: str | None = None, password: str | None = None,
         locked: bool = False) -> "Workbench":
    """Open the workbench on a data folder (default `./data` or $SBF_DATA_DIR); `gateway_url`
    defaults to $SBF_GATEWAY_URL, else the URL saved for the folder, else the local demo bureau.
    When the folder has a local password (登录密码设置), `password` (else $SBF_LOCAL_PASSWORD) must
    be it: missing or wrong raises AuthError and nothing is opened. `locked=True` opens the folder
    locked instead (`wb.local_password.locked`; the app shell asks for the password first)."""
    from sbflib.workbench import open_workbench

    return open_workbench(data_dir, gateway_url=gateway_url, password=password, locked=locked)


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'sbflib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
