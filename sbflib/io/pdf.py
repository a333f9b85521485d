"""PDF documents: the one foundation every printout (申报表, 缴费凭证, 完税证明, 缴费证明) builds on.

Built on fpdf2 (maintained, pure Python, on fontTools and Pillow which matplotlib brings anyway):
it embeds only the glyphs a document uses from the shipped CJK font (`sbflib.io.fonts`), has
tables that break between rows with their header repeated, and lets the creation date and file ID
be fixed. reportlab would do too, but needs its own table flowables and page templates for the
same. A document is A4 (portrait or landscape) with a title, an optional key-value block, ruled
form grids (the header and seal blocks of the official forms), tables with money right-aligned and
thousands separators, totals, amounts in Chinese capitals (`sbflib.domain.capitals`), free text and
signature lines, and a footer "第 n 页 共 m 页".

The same input gives the same bytes: the creation date is fixed unless given, the file ID is a
hash of the content, and nothing random goes in, so a stored PDF can be compared byte for byte.

The font is read once per process (`_FontCache`): fpdf2's `add_font` parses the 2.3 MB font for
every new document (about 35 ms here, 0.1-0.16 s for the OpenType original), so the parsed font
(widths, cmap, glyph ids) is kept and each document gets a copy of it with its own glyph subset
and its own lazily opened fontTools font over the same bytes: the embedding subsets that font in
place, so it can never be shared between documents (fpdf2's own deepcopy of a font shares it, and
a second document would then lose glyphs). The bytes are those of the shipped font without the
layout tables (GDEF, GPOS, GSUB) that fpdf2 drops when it embeds anyway; the glyph order, cmap and
metrics are read once and copied; the glyf table of a document holds only the glyphs it used
(`_DocumentGlyf`); the embedded subset keeps the whole font's bounding box and maxima in its
head and maxp tables (true of any subset) rather than unpacking every outline to recompute them.
A document comes out byte for byte as with `add_font` and that one setting (a test checks it), in
about a third of the time, and makes few enough objects that full garbage collections stay rare.

>>> doc = PdfDocument("社会保险费申报表")
>>> doc.key_values([("纳税人识别号", "91330100MA2H000001"), ("纳税人名称", "杭州示例有限公司")])
>>> doc.table([{"item": "基本养老保险费", "amount": Decimal("3533.34")}],
...           [Column("item", "征收项目", 3), Column("amount", "应缴费额（元）", 2, "money")],
...           totals={"amount": Decimal("3533.34")})
>>> doc.amount_line("合计", Decimal("3533.34"))
>>> doc.output()[:5]
b'%PDF-'
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import logging
import math
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from fontTools import ttLib
from fontTools.ttLib.tables._g_l_y_f import Glyph, table__g_l_y_f
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, TableCellFillMode, TableHeadingsDisplay, WrapMode, XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from sbflib.domain.capitals import to_capitals
from sbflib.domain.money import format_money
from sbflib.io.fonts import CJK_FONT_PATH

__all__ = [
    "FIXED_CREATION_DATE",
    "FONT",
    "Cell",
    "Column",
    "ColumnKind",
    "PdfDocument",
    "add_cjk_font",
    "format_cell",
    "format_percent",
    "is_blank",
    "label_cell",
]

_LOG = logging.getLogger(__name__)
FIXED_CREATION_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FONT = "cjk"
ColumnKind = Literal["text", "money", "number", "percent"]

_HEADER_FILL = (235, 235, 235)
_MARGIN = 12.0  # mm
_ALIGN = {"text": "LEFT", "money": "RIGHT", "number": "RIGHT", "percent": "RIGHT"}


@dataclass(frozen=True)
class Cell:
    """One cell of a form grid (`PdfDocument.grid`): its text, how many columns it spans, its
    alignment, and whether it is a printed label (shaded, centred by default)."""

    text: str
    colspan: int = 1
    align: Literal["LEFT", "CENTER", "RIGHT"] | None = None
    label: bool = False


def label_cell(text: str, colspan: int = 1) -> Cell:
    """A printed label cell of a form grid ("纳税人识别号")."""
    return Cell(text, colspan, label=True)


@dataclass(frozen=True)
class Column:
    """One column of a printed table: `key` in the rows, the printed `label`, a relative `width`
    (the table fills the line), and how values are written (`kind`)."""

    key: str
    label: str
    width: float = 1.0
    kind: ColumnKind = "text"
    align: Literal["LEFT", "CENTER", "RIGHT"] | None = None  # default by kind: numbers right

    @property
    def alignment(self) -> str:
        return self.align or _ALIGN[self.kind]


def is_blank(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT: printed as an empty cell."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return bool(value is pd.NA or value is pd.NaT)
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def format_percent(rate: Decimal | str | int) -> str:
    """A rate given as a fraction, printed as a percentage with no trailing zeros.

    >>> format_percent(Decimal("0.16")), format_percent("0.005"), format_percent(Decimal("0.1000"))
    ('16%', '0.5%', '10%')
    """
    pct = (Decimal(rate) * 100).normalize()
    return f"{pct:f}%"


def format_cell(value: Any, kind: ColumnKind = "text") -> str:
    """The printed text of one value: money with thousands separators and two places, rates as
    percentages, dates as YYYY-MM-DD, nothing for a missing value.

    >>> format_cell(Decimal("1234567.8"), "money"), format_cell(12, "number"), format_cell(None)
    ('1,234,567.80', '12', '')
    >>> format_cell(dt.date(2026, 11, 27)), format_cell(Decimal("0.08"), "percent")
    ('2026-11-27', '8%')
    """
    if is_blank(value):
        return ""
    if kind == "money":
        if isinstance(value, float):
            raise TypeError("money is printed from Decimal or text, never from a float")
        return format_money(Decimal(value))
    if kind == "percent":
        return format_percent(value if isinstance(value, Decimal | int) else str(value))
    if kind == "number" and isinstance(value, Decimal):
        return f"{value:,f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Tables fpdf2 drops when it embeds a TrueType font (fpdf.output, "dropping some tables"): taking
# them out once makes each document's subsetting cheaper and changes no byte of the output.
_DROPPED_TABLES = ("GDEF", "GPOS", "GSUB")
# Tables read once and handed to each document as copies (the subsetter replaces their dicts and
# never changes a value in place; each copy gets its own dicts all the same): fewer objects made
# per document, so less time and fewer full garbage collections. `glyf` is read per document:
# the subsetter rewrites component glyphs in place.
_SHARED_TABLES = ("cmap", "hmtx", "vmtx")


def _copy_table(table: Any) -> Any:
    new = copy.copy(table)
    if hasattr(table, "metrics"):  # hmtx, vmtx: glyph name -> (advance, side bearing), tuples shared
        new.metrics = dict(table.metrics)
    if hasattr(table, "tables"):  # cmap: its subtables, each with its own code -> glyph name dict
        new.tables = [copy.copy(sub) for sub in table.tables]
        for sub in new.tables:
            if isinstance(getattr(sub, "cmap", None), dict):
                sub.cmap = dict(sub.cmap)
    return new


class _DocumentGlyf(table__g_l_y_f):
    """The `glyf` table of one document's font, made when the embedding first asks for it, with a
    glyph object only for what the document used (its subset, and the first four glyphs the
    subsetter always keeps), not for all 8,761: less work, and far fewer objects for the garbage
    collector to walk. Used only for a font without composite glyphs (components would have to
    follow); a glyph the subsetter asks for and the document did not use fails loudly (KeyError).
    """

    def __init__(self, font: TTFFont, data: bytes, offsets: tuple[int, ...], order: list[str]) -> None:
        super().__init__("glyf")
        self._font = font
        self._data = data
        self._offsets = offsets
        self._glyph_dict: dict[str, Glyph] | None = None
        self.glyphOrder = order
        self._reverseGlyphOrder: dict[str, int] = {}

    @property  # type: ignore[override]
    def glyphs(self) -> dict[str, Glyph]:
        if self._glyph_dict is None:
            ids = set(range(min(4, len(self.glyphOrder))))
            ids.update(glyph.glyph_id for glyph, _ in self._font.subset.items() if glyph is not None)
            data, offsets = self._data, self._offsets
            self._glyph_dict = {self.glyphOrder[i]: Glyph(data[offsets[i]:offsets[i + 1]]) for i in sorted(ids)}
        return self._glyph_dict

    @glyphs.setter
    def glyphs(self, value: dict[str, Glyph]) -> None:
        self._glyph_dict = value


class _FontCache:
    """The shipped CJK font parsed once per process; `install(pdf)` gives a new document its own
    copy (see the module docstring). Thread-safe: the template is only read after it is built."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._template: TTFFont | None = None
        self._data = b""
        self._glyph_order: tuple[str, ...] = ()
        self._glyf_data = b""
        self._glyf_offsets: tuple[int, ...] = ()  # empty: each document reads the whole glyf table

    def _build(self) -> TTFFont:
        with self._lock:
            if self._template is None:
                font = ttLib.TTFont(str(CJK_FONT_PATH), recalcTimestamp=False)
                for tag in _DROPPED_TABLES:
                    if tag in font:
                        del font[tag]
                out = io.BytesIO()
                font.save(out)
                self._data = out.getvalue()
                template = TTFFont(FPDF(), io.BytesIO(self._data), FONT, "")  # type: ignore[arg-type]
                template.ttffile = CJK_FONT_PATH  # what fpdf2 would hold (text shaping opens it)
                self._glyph_order = tuple(template.ttfont.getGlyphOrder())
                for tag in _SHARED_TABLES:
                    if tag in template.ttfont:
                        table = template.ttfont[tag]  # reading it decompiles it
                        if hasattr(table, "ensureDecompiled"):  # cmap: every subtable too
                            table.ensureDecompiled(recurse=True)
                raw = template.ttfont.reader["glyf"]
                offsets = tuple(int(x) for x in template.ttfont["loca"])
                composite = any(end > start and struct.unpack_from(">h", raw, start)[0] < 0
                                for start, end in itertools.pairwise(offsets))
                if not composite and len(offsets) == len(self._glyph_order) + 1:
                    self._glyf_data, self._glyf_offsets = raw, offsets
                self._template = template
            return self._template

    def install(self, pdf: FPDF) -> None:
        """Adds the font to `pdf` as `FONT`, as `pdf.add_font(FONT, fname=CJK_FONT_PATH)` would."""
        template = self._template or self._build()
        font = copy.copy(template)  # shares the read-only widths, cmap and glyph ids
        font.ttfont = ttLib.TTFont(io.BytesIO(self._data), recalcTimestamp=False, lazy=True)
        font.ttfont.setGlyphOrder(list(self._glyph_order))
        # Keep the full font's bounding box in head and its maxima in maxp (true for any subset)
        # instead of unpacking and repacking every embedded glyph's outline to recompute them.
        font.ttfont.recalcBBoxes = False
        for tag in _SHARED_TABLES:
            if tag in template.ttfont:
                font.ttfont.tables[tag] = _copy_table(template.ttfont[tag])
        if self._glyf_offsets:
            font.ttfont.tables["glyf"] = _DocumentGlyf(font, self._glyf_data, self._glyf_offsets,
                                                       list(self._glyph_order))
        font.i = len(pdf.fonts) + 1
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.color_font = None  # the font has no colour glyphs
        pdf.fonts[FONT] = font


_FONTS = _FontCache()


def add_cjk_font(pdf: FPDF) -> None:
    """Adds the shipped CJK font to an fpdf2 document under the family `FONT` ("cjk"), parsed
    once per process (a new `add_font` would read the file again). Should a later fpdf2 or
    fontTools change what the cache relies on, the document falls back to `add_font` (slower, the
    same glyphs) and the log says why; a test fails on it."""
    try:
        _FONTS.install(pdf)
    except (AttributeError, KeyError, TypeError, ValueError) as err:  # pragma: no cover - a library changed
        _LOG.warning("CJK font cache not usable (%s: %s); reading the font for this document", type(err).__name__, err)
        pdf.fonts.pop(FONT, None)
        pdf.add_font(FONT, fname=str(CJK_FONT_PATH))


class _Pdf(FPDF):
    """FPDF with our footer: the page number and the page count, and an optional left note."""

    footer_note: str = ""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, size=8)
        self.set_text_color(90, 90, 90)
        if self.footer_note:
            self.cell(0, 5, self.footer_note, align="L")
            self.set_x(self.l_margin)
        self.cell(0, 5, f"第 {self.page_no()} 页 共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


class PdfDocument:
    """A printable document: build it top to bottom, then `output()` the bytes.

    `created` is written as the creation date (default a fixed date, so the same input gives the
    same bytes; pass the clock's time to record when it was printed). `footer_note` is printed at
    the left of every footer (e.g. the document number).
    """

    def __init__(self, title: str, *, subtitle: str | None = None, landscape: bool = False,
                 created: dt.datetime | None = None, footer_note: str = "", font_size: float = 9) -> None:
        pdf = _Pdf(orientation="L" if landscape else "P", unit="mm", format="A4")
        pdf.footer_note = footer_note
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(True, margin=16)
        add_cjk_font(pdf)
        pdf.set_creation_date(created or FIXED_CREATION_DATE)
        pdf.set_title(title)
        pdf.set_creator("sbflib")
        pdf.set_producer("sbflib")
        pdf.set_lang("zh-CN")
        pdf.alias_nb_pages()
        pdf.add_page()
        self.pdf = pdf
        self.font_size = font_size
        pdf.set_font(FONT, size=16)
        pdf.cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            pdf.set_font(FONT, size=10)
            pdf.cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=font_size)
        pdf.ln(2)

    @property
    def width(self) -> float:
        """The usable line width in mm."""
        return float(self.pdf.epw)

    def key_values(self, pairs: Sequence[tuple[str, Any]], *, per_row: int = 2) -> None:
        """A block of labelled values ("纳税人识别号：…"), `per_row` pairs on each line."""
        pdf = self.pdf
        pdf.set_font(FONT, size=self.font_size)
        widths: list[float] = []
        for _ in range(per_row):
            widths += [0.8, 2.2]
        with pdf.table(col_widths=widths, first_row_as_headings=False, text_align="LEFT",
                       borders_layout=TableBordersLayout.NONE, line_height=5.5,
                       wrapmode=WrapMode.CHAR, padding=(0.5, 1)) as table:
            for start in range(0, len(pairs), per_row):
                row = table.row()
                chunk = list(pairs[start:start + per_row])
                for label, value in chunk:
                    row.cell(f"{label}：")
                    row.cell(format_cell(value))
                for _ in range(per_row - len(chunk)):
                    row.cell("")
                    row.cell("")
        pdf.ln(2)

    def table(self, rows: Iterable[Mapping[str, Any]] | Any, columns: Sequence[Column], *,
              totals: Mapping[str, Any] | None = None, totals_label: str = "合计",
              font_size: float | None = None) -> None:
        """A table of `rows` (mappings, or a DataFrame) in `columns`. It breaks between rows across
        pages with its header repeated on each; a totals line closes it when `totals` is given
        (values by column key, formatted by the column's kind; the label fills the columns before
        the first total).
        """
        pdf = self.pdf
        if hasattr(rows, "to_dict"):  # a DataFrame: records keep Decimal and dates as they are
            rows = rows.to_dict("records")
        pdf.set_font(FONT, size=font_size or self.font_size)
        headings = FontFace(emphasis="", fill_color=_HEADER_FILL)
        with pdf.table(col_widths=[c.width for c in columns], text_align=tuple(c.alignment for c in columns),
                       headings_style=headings, repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
                       wrapmode=WrapMode.CHAR, line_height=(font_size or self.font_size) * 0.55,
                       padding=(0.8, 1), cell_fill_mode=TableCellFillMode.NONE, v_align="MIDDLE") as table:
            heading = table.row()
            for column in columns:
                heading.cell(column.label, align="CENTER")
            for record in rows:
                row = table.row()
                for column in columns:
                    row.cell(format_cell(record.get(column.key), column.kind))
            if totals is not None:
                row = table.row()
                first = next((i for i, c in enumerate(columns) if c.key in totals), len(columns))
                if first == 0:
                    first = 1  # the label needs a cell: it takes the first column
                row.cell(totals_label, colspan=first, align="CENTER")
                for column in columns[first:]:
                    row.cell(format_cell(totals.get(column.key), column.kind) if column.key in totals else "")
        pdf.ln(2)

    def grid(self, rows: Sequence[Sequence[Cell | str]], widths: Sequence[float], *,
             row_heights: Mapping[int, float] | None = None, font_size: float | None = None,
             v_align: Literal["TOP", "MIDDLE"] = "MIDDLE") -> None:
        """A ruled form grid, as the official forms print their header and signature blocks:
        `rows` of cells (text, or `Cell` for a label, a span or an alignment), `widths` relative
        column widths filling the line, `row_heights` a minimum height in mm by row index (room
        for a seal; with `v_align="TOP"` the text sits at the top of a tall cell). Text wraps at
        any character inside its cell.
        """
        pdf = self.pdf
        size = font_size or self.font_size
        pdf.set_font(FONT, size=size)
        label_style = FontFace(fill_color=_HEADER_FILL)
        heights = row_heights or {}
        with pdf.table(col_widths=list(widths), first_row_as_headings=False, text_align="LEFT",
                       borders_layout=TableBordersLayout.ALL, wrapmode=WrapMode.CHAR,
                       line_height=size * 0.6, padding=(1.2, 1.5), v_align=v_align,
                       cell_fill_mode=TableCellFillMode.NONE) as table:
            for number, cells in enumerate(rows):
                row = table.row(min_height=heights.get(number))
                for cell in cells:
                    if isinstance(cell, str):
                        cell = Cell(cell)
                    row.cell(cell.text, colspan=cell.colspan,
                             align=cell.align or ("CENTER" if cell.label else "LEFT"),
                             style=label_style if cell.label else None)

    def line(self, left: str, right: str = "", *, size: float | None = None, height: float = 6.0) -> None:
        """One line with `left` at the left margin and `right` at the right one (a number and a
        date above a form)."""
        pdf = self.pdf
        pdf.set_font(FONT, size=size or self.font_size)
        y = pdf.get_y()
        pdf.cell(0, height, left, align="L")
        if right:
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(0, height, right, align="R")
        pdf.set_xy(pdf.l_margin, y + height)

    def keep_together(self, height_mm: float) -> None:
        """Starts a new page unless `height_mm` more fit on this one (a block that must not break)."""
        if self.pdf.will_page_break(height_mm):
            self.pdf.add_page()

    def text(self, text: str, *, align: Literal["LEFT", "CENTER", "RIGHT", "JUSTIFY"] = "LEFT",
             size: float | None = None, height: float = 5.5) -> None:
        """A paragraph (wrapped at any character, as Chinese is)."""
        pdf = self.pdf
        pdf.set_font(FONT, size=size or self.font_size)
        pdf.multi_cell(0, height, text, align=align, wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def amount_line(self, label: str, amount: Decimal) -> None:
        """"合计（大写）：人民币叁仟伍佰叁拾叁元叁角肆分  （小写）：¥3,533.34" on one line."""
        self.text(f"{label}（大写）：{to_capitals(amount, prefix=True)}    （小写）：¥{format_money(amount)}")

    def signature_lines(self, labels: Sequence[str], *, date_line: bool = True) -> None:
        """Lines for a signature or seal, each followed by a blank and "年  月  日"."""
        pdf = self.pdf
        pdf.set_font(FONT, size=self.font_size)
        for label in labels:
            if pdf.will_page_break(8):
                pdf.add_page()
            tail = "          年      月      日" if date_line else ""
            pdf.cell(0, 8, f"{label}：____________________{tail}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def space(self, mm: float = 3) -> None:
        self.pdf.ln(mm)

    def output(self) -> bytes:
        """The PDF file."""
        return bytes(self.pdf.output())
