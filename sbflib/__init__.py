"""sbflib: the 社保费管理客户端 as a Python package.

What analysts may import:

    import sbflib
    wb = sbflib.open()                 # local demo bureau unless a gateway URL is given
    wb.login(unit_id, password)
    wb.employer.roster.sync()
    df, total = wb.employer.roster.query()
"""

from sbflib.errors import AuthError, BureauError, ConnectionFailed, SbfError, StateError, ValidationError
from sbflib.version import __version__

__all__ = [
    "AuthError",
    "BureauError",
    "ConnectionFailed",
    "SbfError",
    "StateError",
    "ValidationError",
    "__version__",
    "open",
]


def open(data_dir=None, *, gateway_url=None):
    """Open the workbench on a data folder (default `./data` or $SBF_DATA_DIR)."""
    from sbflib.workbench import open_workbench

    return open_workbench(data_dir, gateway_url=gateway_url)
