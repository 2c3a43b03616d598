"""The monthly attendance export from the command line, for clerks who script:

    python -m attendance.export --hall town --month 2026-10 --format xlsx -o 考勤.xlsx

The hall by its code or its number; the file's own name (in the current folder) without -o.
A progress bar on standard error; exit code 2, with the reason in Chinese, for a hall or a
month that does not exist.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
from pathlib import Path

from attendance.export import export_month
from hall import db
from hall.config import get_config
from hall.documents import Export, Format
from hall.errors import DomainError, InvalidInput, NotFound
from hall.pdf import FontMissing
from hall.services import list_halls

MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})$")
WRITTEN = "已生成 {path}（{size} 字节）"


def month_from_text(text: str) -> dt.date:
    """ "2026-10" -> 2026-10-01."""
    found = MONTH_TEXT.match(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise InvalidInput.single("month", "月份", "格式不正确，应为 YYYY-MM，如 2026-10")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


async def hall_by_code(text: str) -> int:
    wanted = text.strip()
    for hall in await list_halls(scope=None):
        if wanted in (hall.code, str(hall.id)):
            return hall.id
    raise NotFound("没有找到编码或编号为 {hall} 的中心", hall=wanted)


def message(error: DomainError) -> str:
    if isinstance(error, InvalidInput):
        return "；".join(f"{item.label}：{item.message.format(**item.params)}" for item in error.errors)
    return str(error)


async def _export(arguments: argparse.Namespace) -> Export:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    config = get_config()
    month = month_from_text(arguments.month)
    await db.start(config.database)
    try:
        hall_id = await hall_by_code(arguments.hall)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(f"{month:%Y-%m} 考勤汇总", total=None)
            return await export_month(
                hall_id=hall_id,
                month=month,
                format=Format(arguments.format),
                now=config.local_now(),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        await db.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m attendance.export", description="导出中心（县级中心连同下级中心）的月度考勤汇总。"
    )
    parser.add_argument("--hall", required=True, help="中心的编码或编号")
    parser.add_argument("--month", required=True, help="月份，如 2026-10")
    parser.add_argument(
        "--format", choices=[format.value for format in Format], default=Format.XLSX.value, help="文件格式"
    )
    parser.add_argument("-o", "--output", type=Path, help="写入的文件（默认以文件自身的名字存在当前目录）")
    arguments = parser.parse_args(argv)
    try:
        export = asyncio.run(_export(arguments))
    except DomainError as error:
        print("错误：" + message(error), file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
