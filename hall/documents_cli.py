"""The command line that makes a document, for clerks who script (`python -m
attendance.export`, `python -m assessment.ranking_export`): the hall by its code or number,
the period (month or quarter), the format, the file; a progress bar on standard error; exit code 2 with the
reason in Chinese for a hall, a period or a file that will not do, 1 without a font.

The documents are official Chinese papers, and so is this console's wording.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

from hall import db
from hall.config import get_config
from hall.documents import FORMATS, KIND_LABELS, Export, Format, builder, period_from_label
from hall.errors import DomainError, NotFound, describe
from hall.pdf import FontMissing
from hall.services import list_halls
from hall.tables import DocumentKind

WRITTEN = "已生成 {path}（{size} 字节）"


async def hall_by_code(text: str) -> int:
    wanted = text.strip()
    for hall in await list_halls(scope=None):
        if wanted in (hall.code, str(hall.id)):
            return hall.id
    raise NotFound("没有找到编码或编号为 {hall} 的中心", hall=wanted)


async def _make(kind: DocumentKind, arguments: argparse.Namespace, period: dt.date) -> Export:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    config = get_config()
    await db.start(config.database)
    try:
        hall_id = await hall_by_code(arguments.hall)
        build, period_keyword = builder(kind)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(f"{arguments.period} {KIND_LABELS[kind]}", total=None)
            return await build(
                hall_id=hall_id,
                format=Format(arguments.format),
                now=config.local_now(),
                scope=None,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                **{period_keyword: period},
            )
    finally:
        await db.stop()


def main(
    kind: DocumentKind,
    *,
    prog: str,
    description: str,
    period_help: str,
    argv: list[str] | None,
) -> int:
    formats = FORMATS[kind]
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--hall", required=True, help="中心的编码或编号")
    parser.add_argument("--" + builder(kind)[1], dest="period", required=True, help=period_help)
    parser.add_argument(
        "--format", choices=[each.value for each in formats], default=formats[0].value, help="文件格式"
    )
    parser.add_argument("-o", "--output", type=Path, help="写入的文件（默认以文件自身的名字存在当前目录）")
    arguments = parser.parse_args(argv)
    try:
        export = asyncio.run(_make(kind, arguments, period_from_label(kind, arguments.period)))
    except DomainError as error:
        print("错误：" + describe(error), file=sys.stderr)
        return 2
    except FontMissing as error:
        print(error, file=sys.stderr)
        return 1
    target = arguments.output or Path(export.filename)
    try:
        target.write_bytes(export.content)
    except OSError as error:
        print(f"错误：无法写入 {target}（{error.strerror}）", file=sys.stderr)
        return 2
    print(WRITTEN.format(path=target, size=len(export.content)))
    return 0
