"""The PDF machinery the documents share (hall/pdf.py): a Chinese TrueType font found or a
clear refusal, parts laid out in worker processes in their order, a dead worker replaced."""

from __future__ import annotations

import io
import os
import subprocess
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from pypdf import PdfReader

from hall import pdf


def shout(text: str) -> bytes:
    """A part whose layout is trivial: what matters here is where and in what order it runs."""
    return f"{text}:{os.getpid()}".encode()


def die(text: str) -> bytes:
    os._exit(1)  # as a worker killed by the OOM killer


def test_a_missing_font_is_refused_with_the_way_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDF_FONT", "/nowhere/font.ttc")
    with pytest.raises(pdf.FontMissing, match="fonts-wqy-zenhei"):
        pdf.font_path()


def test_chinese_text_is_set_in_the_embedded_truetype_font(tmp_path: Path) -> None:
    content = pdf.html_to_pdf(
        f'<html><body style="font-family: {pdf.FONT_FAMILY}"><p>月度考勤汇总 迟到 早退</p></body></html>'
    )
    target = tmp_path / "a.pdf"
    target.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    (font,) = [line for line in fonts.splitlines() if "TrueType" in line]
    assert font.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, with its Unicode map
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "月度考勤汇总 迟到 早退" in text


async def test_parts_are_laid_out_in_other_processes_and_come_back_in_order() -> None:
    done: list[int] = []
    parts = [f"part{index}" for index in range(5)]
    made = await pdf.lay_out(shout, parts, done.append)
    assert [item.decode().split(":")[0] for item in made] == parts
    assert done == [1, 2, 3, 4, 5]
    assert str(os.getpid()) not in {item.decode().split(":")[1] for item in made}
    # One part is laid out here, in a thread: no process to start for it.
    (alone,) = await pdf.lay_out(shout, ["only"], done.append)
    assert alone == f"only:{os.getpid()}".encode()


async def test_a_dead_worker_fails_its_document_and_the_next_gets_fresh_workers() -> None:
    with pytest.raises(BrokenProcessPool):
        await pdf.lay_out(die, ["a", "b"], lambda done: None)
    made = await pdf.lay_out(shout, ["a", "b"], lambda done: None)
    assert [item.decode().split(":")[0] for item in made] == ["a", "b"]


def test_parts_are_bound_under_their_bookmarks() -> None:
    parts = [(title, pdf.html_to_pdf(f"<p>{title}</p>")) for title in ("county", "town")]
    bound = PdfReader(io.BytesIO(pdf.bind(parts)))
    assert len(bound.pages) == 2
    assert [item.title for item in bound.outline] == ["county", "town"]
