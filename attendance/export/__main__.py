"""The monthly attendance export from the command line (hall/documents_cli.py):

python -m attendance.export --hall town --month 2026-10 --format xlsx -o 考勤.xlsx
"""

from __future__ import annotations

import sys

from hall import documents_cli
from hall.tables import DocumentKind


def main(argv: list[str] | None = None) -> int:
    return documents_cli.main(
        DocumentKind.ATTENDANCE_MONTH,
        prog="python -m attendance.export",
        description="导出中心（县级中心连同下级中心）的月度考勤汇总。",
        period_help="月份，如 2026-10",
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
