"""Printable documents as PDF (fpdf2) with a CJK font found on the machine — nothing is downloaded.

The font comes from LINLI_PDF_FONT (a .ttf/.otf/.ttc path) or the first of the usual Noto/WenQuanYi
locations (Debian: fonts-noto-cjk). A document is a title plus sections of (label, value) rows and
paragraphs, so every app prints through the same few calls.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF
from fpdf.fonts import FontFace

CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: Simplified Chinese
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
]


def find_font() -> tuple[str, int]:
    configured = getattr(settings, "LINLI_PDF_FONT", "") or os.environ.get("LINLI_PDF_FONT", "")
    if configured:
        if not Path(configured).exists():
            raise ImproperlyConfigured(f"LINLI_PDF_FONT: no font file at {configured}")
        return configured, 0
    for path, index in CANDIDATES:
        if Path(path).exists():
            return path, index
    raise ImproperlyConfigured("No CJK font for PDF output: install fonts-noto-cjk or set LINLI_PDF_FONT to a .ttf/.ttc file")


@dataclass
class Section:
    heading: str
    rows: list = field(default_factory=list)  # (label, value)
    paragraphs: list = field(default_factory=list)
    table: list = field(default_factory=list)  # first row = header


def render(title: str, sections: list[Section], subtitle: str = "", footer: str = "") -> bytes:
    path, index = find_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    kwargs = {"collection_font_number": index} if path.endswith(".ttc") else {}
    pdf.add_font("cjk", "", path, **kwargs)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(0, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(3)
        pdf.set_font("cjk", size=13)
        pdf.multi_cell(0, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        for label, value in section.rows:
            pdf.multi_cell(0, 6, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
        for text in section.paragraphs:
            pdf.multi_cell(0, 6, str(text), new_x="LMARGIN", new_y="NEXT")
        if section.table:
            with pdf.table(text_align="LEFT", line_height=6, headings_style=FontFace(emphasis=None, fill_color=(235, 235, 235))) as table:
                for row in section.table:
                    cells = table.row()
                    for value in row:
                        cells.cell(str(value))
    if footer:
        pdf.ln(4)
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(0, 5, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
