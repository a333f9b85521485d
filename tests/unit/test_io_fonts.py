"""The shipped CJK font (io/fonts): in the package with its licence, covers what we print, and
makes matplotlib render Chinese labels with no missing-glyph warning."""

from __future__ import annotations

import io
import logging
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager

from sbflib.io.fonts import (
    CJK_FONT_FAMILY,
    CJK_FONT_LICENCE,
    cjk_font_path,
    use_cjk_font_in_matplotlib,
)
from sbflib.io.fonts.make_subset import gb2312_characters

LABELS = "社保费月度统计：养老保险、医疗保险、失业保险；应缴 − 已缴（元）￥·《缴费》"


def test_the_font_ships_with_its_licence_and_covers_gb2312_and_our_symbols():
    path = cjk_font_path()
    assert path.is_file() and path.stat().st_size < 3_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in CJK_FONT_LICENCE.read_text(encoding="utf-8")
    font = TTFont(str(path), lazy=True)
    assert font["name"].getDebugName(1) == CJK_FONT_FAMILY
    assert "glyf" in font  # TrueType outlines: pypdf reads widths right, matplotlib embeds it
    cmap = font.getBestCmap()
    gb = gb2312_characters()
    assert len(gb) == 7445  # 6,763 hanzi and 682 other characters
    assert not [c for c in gb if ord(c) not in cmap]
    assert not [c for c in LABELS + "¥—–“”‰℃≤≥①■□○●0123456789,.%" if ord(c) not in cmap]


def _draw_chart() -> bytes:
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    try:
        ax.bar(["养老保险", "医疗保险", "失业保险"], [3533.34, -120.5, 88.0])
        ax.set_title(LABELS[:8])
        ax.set_xlabel("征收项目")
        ax.set_ylabel("应缴费额（元）")
        ax.legend(["单位缴纳"])
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def _missing_glyph_complaints(caplog, record) -> list[str]:
    texts = [str(w.message) for w in record] + [r.getMessage() for r in caplog.records]
    return [t for t in texts if "missing from font" in t.lower()]


def test_a_chart_labelled_in_chinese_renders_with_no_missing_glyph_warning(caplog):
    caplog.set_level(logging.WARNING)
    with matplotlib.rc_context(), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert use_cjk_font_in_matplotlib() == CJK_FONT_FAMILY
        assert use_cjk_font_in_matplotlib() == CJK_FONT_FAMILY  # twice is harmless
        found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
        png = _draw_chart()
    assert found == str(cjk_font_path())
    assert png.startswith(b"\x89PNG")
    assert _missing_glyph_complaints(caplog, record) == []


def test_without_the_font_the_same_chart_does_warn(caplog):
    """The check above can fail: matplotlib's own font has no hanzi."""
    caplog.set_level(logging.WARNING)
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _draw_chart()
    assert _missing_glyph_complaints(caplog, record)


@pytest.mark.parametrize("text", ["缴费基数", "2026-11"])
def test_the_font_draws_ink(text):
    """The glyphs are real outlines, not empty boxes: the rendered text has ink."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), text, size=20, prop=FontProperties(fname=str(cjk_font_path())))
    assert len(path.vertices) > 10 * len(text)
