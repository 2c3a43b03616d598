"""PDF documents (月度考勤表, 季度排名公示) made with xhtml2pdf from Jinja templates, with a
Chinese TrueType font embedded so that they print the same on any machine.

xhtml2pdf renders Chinese only with a TrueType font registered with reportlab (an
`@font-face` pointing at a .ttc silently falls back to Helvetica); the font is looked for
once, at the first document: `PDF_FONT` if set, else the Debian packages' usual places.
`make install` installs `fonts-wqy-zenhei` where it may.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

FONT_FAMILY = "HallCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
BASE_TEMPLATES = Path(__file__).parent / "pdf_templates"


class FontMissing(RuntimeError):
    """No Chinese TrueType font: a PDF would show black boxes, so none is made."""


def font_path() -> Path:
    configured = os.environ.get("PDF_FONT")
    candidates = (configured,) if configured else FONT_CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "没有找到中文 TrueType 字体，无法生成 PDF：请安装 fonts-wqy-zenhei"
        "（apt-get install fonts-wqy-zenhei），或用环境变量 PDF_FONT 指向一个 .ttf/.ttc 字体文件"
    )


@cache
def _register_font() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from xhtml2pdf import default

    pdfmetrics.registerFont(TTFont(FONT_FAMILY, str(font_path()), subfontIndex=0))
    # One face serves bold and italic too: CJK fonts rarely ship them, and a missing face
    # would fall back to Helvetica.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_FAMILY, bold, italic, FONT_FAMILY)
    default.DEFAULT_FONT[FONT_FAMILY.lower()] = FONT_FAMILY


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document whose text is set in `FONT_FAMILY`."""
    from xhtml2pdf import pisa

    _register_font()
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if status.err:
        raise RuntimeError(f"xhtml2pdf failed with {status.err} error(s)")
    return out.getvalue()


@cache
def _environment(folders: tuple[Path, ...]) -> Environment:
    return Environment(
        loader=FileSystemLoader([*map(str, folders), str(BASE_TEMPLATES)]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_pdf(folders: Iterable[Path], template: str, **context: Any) -> bytes:
    """A PDF from a template in one of `folders` (a domain package's own), which may extend
    `base.html` here: A4, the font, a title block and page numbers."""
    html = _environment(tuple(folders)).get_template(template).render(font_family=FONT_FAMILY, **context)
    return html_to_pdf(html)
