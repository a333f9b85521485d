"""sbflib: the 社保费管理客户端 as a Python package.

What analysts may import (everything in `__all__`; tests/unit/test_exported_members.py keeps it):

    import sbflib
    wb = sbflib.open()                 # local demo bureau unless a gateway URL is given
    wb.login(unit_id, password)
    wb.employer.roster.sync()
    df, total = wb.employer.roster.query()

The workbench module (pandas, DuckDB, httpx) is imported on first use, so `import sbflib` stays light.
"""

from pathlib import Path as _Path
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from sbflib.errors import AuthError, BureauError, ConnectionFailed, SbfError, StateError, ValidationError
from sbflib.version import __version__

if _TYPE_CHECKING:
    from sbflib.workbench import Workbench

__all__ = [
    "AuthError",
    "BureauError",
    "ConnectionFailed",
    "SbfError",
    "StateError",
    "ValidationError",
    "Workbench",
    "__version__",
    "open",
]


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
    if name == "Workbench":
        from sbflib.workbench import Workbench

        return Workbench
    raise AttributeError(f"module 'sbflib' has no attribute {name!r}")
