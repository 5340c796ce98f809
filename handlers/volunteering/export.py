"""The month's confirmed hours for the city platform (成都志愿服务): an ``.xlsx`` (openpyxl)
and a CSV, one line per person and shift, in the columns the settings name
(``LINLI_HOURS_COLUMNS``)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import datetime

from db import shift_records as records
from db.shift_models import Opportunity, Shift, ShiftSignup
from handlers.buttons.volunteering import ExportHours
from handlers.csvfile import csv_attachment, safe_cell
from handlers.types import Attachment, Button, Community, Ctx, keyboard
from handlers.volunteering.common import COORDINATOR, router

Line = tuple[ShiftSignup, Shift, Opportunity, str | None]
#: The column names the city platforms' import templates use.
HEADERS = {
    "name": "姓名",
    "phone": "手机号",
    "activity": "活动名称",
    "role": "岗位",
    "date": "服务日期",
    "start": "开始时间",
    "end": "结束时间",
    "hours": "服务时长（小时）",
    "organiser": "组织单位",
    "makeup": "补录原因",
}
#: Every column the export knows (``LINLI_HOURS_COLUMNS`` chooses among them).
COLUMNS: dict[str, Callable[[Line, Community], object]] = {
    "name": lambda line, c: line[3] or (line[0].user.display_name if line[0].user else ""),
    "phone": lambda line, c: "",  # Linli asks for no phone number; the column stays for the import
    "activity": lambda line, c: line[2].title_zh or line[2].title_en or "",
    "role": lambda line, c: line[0].role.name_zh or line[0].role.name_en or "",
    "date": lambda line, c: line[1].starts_at.astimezone(c.timezone).strftime("%Y-%m-%d"),
    "start": lambda line, c: line[1].starts_at.astimezone(c.timezone).strftime("%H:%M"),
    "end": lambda line, c: line[1].ends_at.astimezone(c.timezone).strftime("%H:%M"),
    "hours": lambda line, c: round((line[0].minutes or 0) / 60, 1),
    "organiser": lambda line, c: line[2].organiser,
    "makeup": lambda line, c: line[0].makeup_reason or "",
}


def month_bounds(month: int, community: Community) -> tuple[datetime, datetime] | None:
    """The month ``YYYYMM`` in the community's zone, or None if it is not a month."""
    year, number = divmod(month, 100)
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        return None
    start = datetime(year, number, 1, tzinfo=community.timezone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=community.timezone)
    return start, end


def table(lines: Sequence[Line], community: Community) -> tuple[list[str], list[list[object]]]:
    columns = [name for name in community.hours_columns if name in COLUMNS]
    header = [HEADERS[name] for name in columns]
    rows = [[COLUMNS[name](line, community) for name in columns] for line in lines]
    return header, rows


def xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "志愿服务时长"
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def send_month(ctx: Ctx, month: int, kind: str) -> None:
    bounds = month_bounds(month, ctx.community)
    if bounds is None:
        ctx.reply(ctx._("Please name a month like 2026-12."))
        return
    mine = None if ctx.has_role("admin") else ctx.user.id
    lines = records.month_lines(ctx.session, *bounds, coordinator_id=mine)
    header, rows = table(lines, ctx.community)
    name = f"volunteer-hours-{month // 100}-{month % 100:02d}"
    if kind == "csv":
        attachment = csv_attachment(f"{name}.csv", header, rows)
    else:
        attachment = Attachment(
            filename=f"{name}.xlsx",
            content=xlsx(header, rows),
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    other = "csv" if kind != "csv" else "xlsx"
    ctx.reply(
        ctx.lang.ngettext(
            "Confirmed volunteer hours of {month}: {count} line.",
            "Confirmed volunteer hours of {month}: {count} lines.",
            len(rows),
        ).format(month=f"{month // 100}-{month % 100:02d}", count=len(rows)),
        keyboard(
            Button(
                # Translators: staff only. A button: the same export in the other file type
                ctx._("Get it as {filetype}").format(filetype=other.upper()),
                ExportHours(month, other).pack(),
            )
        ),
        attachment=attachment,
    )


@router.command("hoursexport", role=COORDINATOR, private_only=True)
def hours_export(ctx: Ctx, args: str) -> None:
    """``/hoursexport 2026-12`` (default: this month)."""
    typed = args.strip()
    if not typed:
        month = int(ctx.now.astimezone(ctx.community.timezone).strftime("%Y%m"))
    elif match := re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", typed):
        month = int(match[1]) * 100 + int(match[2])
    else:
        ctx.reply(ctx._("Please name a month like 2026-12."))
        return
    send_month(ctx, month, "xlsx")


@router.button(ExportHours, role=COORDINATOR, private_only=True)
def _export(ctx: Ctx, payload: ExportHours) -> None:
    send_month(ctx, payload.month, payload.kind)
