"""The public surface of `sbflib` is declared once, in `__all__` (as httpx keeps its own)."""

import inspect
import subprocess
import sys
import types

import sbflib


def test_every_name_in_all_is_importable():
    for name in sbflib.__all__:
        assert getattr(sbflib, name) is not None, name


def test_all_is_sorted_and_lists_every_public_member():
    public = {
        name for name, value in vars(sbflib).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(sbflib.__all__), f"public but not in __all__: {public - set(sbflib.__all__)}"
    assert sbflib.__all__ == sorted(sbflib.__all__)  # the order ruff (RUF022) keeps


def test_open_is_typed_to_return_the_workbench():
    from sbflib.workbench import Workbench

    hints = inspect.get_annotations(sbflib.open, eval_str=True, globals={**vars(sbflib), "Workbench": Workbench})
    assert hints["return"] is Workbench
    assert sbflib.Workbench is Workbench


def test_importing_sbflib_stays_light():
    code = "import sys, sbflib; print('sbflib.workbench' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_list_filters_are_exported_as_the_services_take_them():
    """Every list's `.frame(filters)` takes a dataclass whose empty form filters nothing; the
    package exports each one (imported on first use) as the very class its service module uses."""
    import dataclasses

    from sbflib.employer import arrivals, declaration_records, payables, payments, roster, statistics
    from sbflib.system import audit

    same = {
        "RosterFilter": roster.RosterFilter, "PayableFilter": payables.PayableFilter,
        "ArrivalFilter": arrivals.ArrivalFilter, "StatsFilter": statistics.StatsFilter,
        "DeclarationRecordFilter": declaration_records.RecordFilter,
        "DeclaredLineFilter": declaration_records.DeclaredLineFilter,
        "PaymentRecordFilter": payments.RecordFilter, "VoucherFilter": payments.VoucherFilter,
        "AuditFilter": audit.AuditFilter,
    }
    for name, cls in same.items():
        assert getattr(sbflib, name) is cls, name
    filters = [name for name in sbflib.__all__ if name.endswith("Filter")]
    assert set(same) <= set(filters)
    for name in filters:
        cls = getattr(sbflib, name)
        assert dataclasses.is_dataclass(cls), name
        cls()  # every field has a default: the empty filter
    assert set(sbflib._LAZY) <= set(sbflib.__all__)
    assert set(dir(sbflib)) >= set(sbflib.__all__)


def test_the_lazy_exports_keep_import_light():
    code = ("import sys, sbflib; names = sbflib.__all__; "
            "print('pandas' in sys.modules, 'sbflib.store.roster' in sys.modules, len(names))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[:2] == ["False", "False"]
