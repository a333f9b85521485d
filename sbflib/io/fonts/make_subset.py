"""Builds the CJK font the package ships (NotoSansSC-GB.ttf) from Noto Sans SC, with fontTools.

    python -m sbflib.io.fonts.make_subset SOURCE [--out sbflib/io/fonts/NotoSansSC-GB.ttf]

SOURCE is Noto Sans SC Regular 2.004 (`Sans/SubsetOTF/SC/NotoSansSC-Regular.otf` of the notofonts
noto-cjk project, SIL Open Font License 1.1, sha256 below), or a Noto Sans CJK collection
(`NotoSansCJK-Regular.ttc`, Debian's fonts-noto-cjk), whose "Noto Sans CJK SC" face is taken.

Kept: every character of GB2312 (the 6,763 hanzi and the symbol rows), ASCII, Latin-1, the
punctuation, currency, symbol and full-width blocks we print, and a short list of hanzi outside
GB2312 that are common in personal and company names. The cubic (CFF) outlines are converted to
quadratic TrueType ones (cu2qu, 1 unit tolerance): fpdf2 embeds a CID-keyed CFF font through an
encoding CMap that pypdf does not follow for widths (extracted text came out with a space between
every character), and matplotlib can embed TrueType in its PDF and PostScript output too. The
family is renamed "Noto Sans SC GB" so
that it never shadows a full Noto Sans SC installed on the machine. The output is deterministic:
the same source gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

SOURCE_SHA256 = "faa6c9df652116dde789d351359f3d7e5d2285a2b2a1f04a2d7244df706d5ea9"
FAMILY = "Noto Sans SC GB"
POSTSCRIPT = "NotoSansSCGB-Regular"

# Hanzi outside GB2312 seen in names (people and companies); each one is in Noto Sans SC.
NAME_HANZI = (
    "喆堃赟昇犇玥珺琍頔燊彧旻祎玙嫚镕浛淏璟瑄翀垚晧琤珣瑢祐禕罳昉玹珏琦婧媛钰涵"
    "昕晞曦玮玓琎琇琳璐瑾瑜璇瑶玲珂珞玟旸昀昶晗晔晟暄煜炜烨焜熠熹钊锃铖铠锟鑫淼焱森"
    "骞骐骅驿骁婕婉婳妤姝嫣娅娉娣媞婠姞嫱嬿姮妍妘茜莘萱蕙芃芊芮苒菡萁"
    "祺禛禧祯祾禤翊翎翚翾羿珩珝琭琰琮瑀瑭瑷璠璘璨璩璞瓅瓒"
)

# Blocks beyond GB2312 that printouts and charts may use.
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (¥, ·, ×, ÷, °, ±, ²)
    (0x2000, 0x206F),  # general punctuation (– — ‘ ’ “ ” … ‰)
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x218F),  # letterlike (℃ №) and number forms (Ⅰ–Ⅻ)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (− ≤ ≥)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ⑴ ⒈)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ▲ ○ ● ◎ ◆)
    (0x2600, 0x27BF),  # symbols and dingbats (✓ ★ ☆), where the font has them
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。《》【】〔〕)
    (0x3200, 0x33FF),  # enclosed CJK (㈠) and CJK compatibility (㎡)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms (（）：，￥)
]


def gb2312_characters() -> set[str]:
    """Every character GB2312 encodes (rows 0xA1..0xF7, cells 0xA1..0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def wanted_codepoints() -> set[int]:
    points = {ord(c) for c in gb2312_characters()} | {ord(c) for c in NAME_HANZI}
    for start, end in RANGES:
        points.update(range(start, end + 1))
    return points


def _open_source(source: Path):  # -> TTFont
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() in (".ttc", ".otc"):
        for font in TTCollection(str(source)).fonts:
            if font["name"].getDebugName(1) == "Noto Sans CJK SC" and font["name"].getDebugName(2) == "Regular":
                return font
        raise SystemExit(f"{source}: no Noto Sans CJK SC Regular face")
    return TTFont(str(source))


def _rename(font) -> None:  # font: TTFont
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            names.setName(FAMILY, 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(POSTSCRIPT, 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            version = str(record).split(";")[0]
            names.setName(f"{version};{POSTSCRIPT}", 3, record.platformID, record.platEncID, record.langID)
    # Subsetting is a modification: say so in the description (name 10), keep the licence (13, 14).
    names.setName(
        "Noto Sans SC Regular subset (GB2312, ASCII, symbols) for sbflib; SIL Open Font License 1.1.",
        10, 3, 1, 0x409,
    )


def _to_truetype(font, tolerance: float = 1.0) -> None:  # font: TTFont with CFF outlines
    """Replaces the CFF outlines by TrueType ones (unhinted), in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, tolerance, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
                 "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                 "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 3.0  # no glyph names: readers name glyphs from the cmap
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def build(source: Path, out: Path) -> tuple[int, int]:
    """Writes the subset; returns (glyphs, bytes)."""
    from fontTools import subset

    font = _open_source(source)
    options = subset.Options()
    options.layout_features = ["kern", "palt", "locl", "ccmp"]  # horizontal text is all we set
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False  # keep head.modified from the source: same input, same bytes
    options.drop_tables += ["DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted_codepoints())
    subsetter.subset(font)
    _rename(font)
    _to_truetype(font)
    font.recalcTimestamp = False
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return len(font.getGlyphOrder()), out.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("NotoSansSC-GB.ttf"))
    args = parser.parse_args(argv)
    digest = hashlib.sha256(args.source.read_bytes()).hexdigest()
    if args.source.suffix.lower() == ".otf" and digest != SOURCE_SHA256:
        print(f"note: source sha256 {digest} differs from the recorded {SOURCE_SHA256}")
    glyphs, size = build(args.source, args.out)
    print(f"{args.out}: {glyphs} glyphs, {size:,} bytes, sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
