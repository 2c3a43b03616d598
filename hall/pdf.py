"""PDF documents (月度考勤表, 季度排名公示) made with xhtml2pdf from Jinja templates, with a
Chinese TrueType font embedded so that they print the same on any machine.

xhtml2pdf renders Chinese only with a TrueType font registered with reportlab (an
`@font-face` pointing at a .ttc silently falls back to Helvetica); the font is looked for
once, at the first document: `PDF_FONT` if set, else the Debian packages' usual places.
`make install` installs `fonts-wqy-zenhei` where it may.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape

FONT_FAMILY = "HallCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
BASE_TEMPLATES = Path(__file__).parent / "pdf_templates"
Item = TypeVar("Item")


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


@cache
def _workers() -> ProcessPoolExecutor:
    """The layout processes, started at the first document of several parts and kept: each
    spends seconds importing xhtml2pdf and registering the font before its first page."""
    # Spawned, not forked: a fork copies the locks of this process's other threads (the
    # database driver's, asyncio's), which a child may then wait on forever.
    return ProcessPoolExecutor(
        max_workers=os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_register_font,
    )


async def lay_out(
    render: Callable[[Item], bytes], items: Sequence[Item], advance: Callable[[int], None]
) -> list[bytes]:
    """`render` of each item, in worker processes when there are several: xhtml2pdf spends
    about a millisecond on every table cell, and a county's document has tens of thousands.
    `render` is a module's function (a worker imports it); `advance(n)` after the n-th."""
    if len(items) <= 1 or (os.cpu_count() or 1) <= 1:
        rendered = []
        for index, item in enumerate(items, start=1):
            rendered.append(await asyncio.to_thread(render, item))
            advance(index)
        return rendered
    loop = asyncio.get_running_loop()
    try:
        futures = [loop.run_in_executor(_workers(), render, item) for item in items]
        for index, finished in enumerate(asyncio.as_completed(futures), start=1):
            await finished
            advance(index)
    except BrokenProcessPool:
        _workers.cache_clear()  # a worker died (killed, out of memory): the next document starts afresh
        raise
    return [future.result() for future in futures]


def bind(parts: Sequence[tuple[str, bytes]]) -> bytes:
    """One PDF of several, each part under its bookmark (its title)."""
    if len(parts) == 1:
        return parts[0][1]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for outline, content in parts:
        writer.append(io.BytesIO(content), outline_item=outline)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
