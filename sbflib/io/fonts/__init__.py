"""The CJK font every printout and chart uses, shipped inside the package.

`NotoSansSC-GB.ttf` is Noto Sans SC Regular (SIL Open Font License 1.1, `OFL.txt` beside it) cut
down by `make_subset.py` to GB2312, ASCII, the symbols we print and common name characters outside
GB2312, with TrueType outlines: 2.3 MB, so a fresh machine with pip only prints and charts Chinese
with no system font package. PDFs embed it (`sbflib.io.pdf`); charts register it with `use_cjk_font_in_matplotlib()`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CJK_FONT_FAMILY", "CJK_FONT_LICENCE", "CJK_FONT_PATH", "cjk_font_path", "use_cjk_font_in_matplotlib"]

_HERE = Path(__file__).resolve().parent
CJK_FONT_PATH = _HERE / "NotoSansSC-GB.ttf"
CJK_FONT_LICENCE = _HERE / "OFL.txt"
CJK_FONT_FAMILY = "Noto Sans SC GB"  # the family name inside the file (make_subset.FAMILY)


def cjk_font_path() -> Path:
    """The path of the shipped CJK font (TrueType outlines).

    >>> cjk_font_path().name
    'NotoSansSC-GB.ttf'
    """
    return CJK_FONT_PATH


def use_cjk_font_in_matplotlib() -> str:
    """Registers the shipped font with matplotlib and puts it first in the sans-serif list, so
    labels in Chinese render (PNG, SVG) with no "missing from font" warning; characters the
    font lacks fall back to the fonts after it (DejaVu Sans). Safe to call more than once;
    returns the family name.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    if CJK_FONT_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(CJK_FONT_PATH))
    sans = [name for name in mpl.rcParams["font.sans-serif"] if name != CJK_FONT_FAMILY]
    mpl.rcParams["font.sans-serif"] = [CJK_FONT_FAMILY, *sans]
    mpl.rcParams["font.family"] = ["sans-serif"]
    return CJK_FONT_FAMILY
