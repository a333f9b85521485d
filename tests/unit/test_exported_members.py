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
