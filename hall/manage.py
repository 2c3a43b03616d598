"""Operator commands: `python -m hall.manage migrate | demo`."""

from __future__ import annotations

import argparse
import asyncio

from hall import db, demo
from hall.config import get_config


async def _run(command: str) -> None:
    await db.start(get_config().database)
    try:
        await db.migrate()
        if command == "demo":
            loaded = await demo.load_demo()
            print("演示数据已载入" if loaded else "演示数据已存在，未重复载入")
    finally:
        await db.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hall.manage")
    parser.add_argument(
        "command",
        choices=["migrate", "demo"],
        help="migrate: apply pending migrations; demo: also load the demo hall",
    )
    asyncio.run(_run(parser.parse_args().command))


if __name__ == "__main__":
    main()
