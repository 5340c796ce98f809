"""``/stats`` for admins, and the monthly report delivered without asking.

The numbers are read inside the message's (or the sweep's) transaction — a few streamed
columns, quickly — and the picture is drawn afterwards: the reply carries a deferred file
(``Attachment.make``) that the dispatcher makes after the commit, in its worker thread, and the
outbox worker makes off its event loop before sending. So drawing never holds the database.

The monthly report is due at 09:00 community time on the first working day of each month
(China's public holidays respected); a sweep queues last month's picture and CSV to every admin
once (the outbox's de-duplication keys say who has had it), or up to the end of the next working
day if the bot was down at 09:00.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db.models import OutboxMessage, Role
from db.teams import users_with_role
from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.stats import labels as L
from handlers.stats import render, table
from handlers.stats.measures import Report, compute
from handlers.stats.periods import (
    MONTH,
    WEEK,
    Period,
    first_working_day,
    is_working_day,
    month_of,
    parse_month,
    week_of,
)
from handlers.types import Attachment, Community, Ctx, Reply

log = logging.getLogger(__name__)

router = Router("stats")

#: When the monthly report is sent, community time, on the month's first working day.
DELIVERY_TIME = time(9)

USAGE = N_(
    "Send /stats for this month so far, /stats week for this week, or /stats 2026-11 for a "
    "past month."
)


def period_for(args: str, today: date) -> Period | None:
    """What ``/stats`` was asked for: nothing or ``month`` (this month), ``week``, or
    ``YYYY-MM``; None for anything else."""
    word = args.strip().casefold()
    if word in ("", "month", "月", "本月"):
        return month_of(today)
    if word in ("week", "周", "本周"):
        return week_of(today)
    return parse_month(word)


@router.command(
    "stats", description=N_('The "five in time" report: a picture and a CSV'), role="admin"
)
def stats(ctx: Ctx, args: str) -> None:
    """``/stats [week|month|YYYY-MM]``: the report's picture and its numbers as a CSV."""
    today = ctx.lang.local(ctx.now).date()
    period = period_for(args, today)
    if period is None or period.start > today:
        ctx.reply(ctx._("I could not read that period.") + "\n" + ctx._(USAGE))
        return
    report = compute(ctx.session, ctx.community, period, ctx.now)
    for reply in replies(report, ctx.lang):
        ctx.replies.append(reply)
    log.info("stats for %s sent to user %d", period.slug, ctx.user.id)


def replies(report: Report, lang: Language) -> list[Reply]:
    """The picture (drawn later: a deferred file) and the CSV, with a line saying what they
    are."""
    period = Period(report.kind, date.fromisoformat(report.start), date.fromisoformat(report.end))
    name = L.period_name(lang, period)
    caption = lang.gettext('"Five in time" report: {period}').format(period=name)
    photo = Attachment(
        filename=f"linli-{period.slug}.png",
        mime_type="image/png",
        is_photo=True,
        make=partial(render.render, report.to_dict(), lang.code, lang.tz.key),
    )
    sheet = table.attachment(report, lang, f"linli-{period.slug}.csv")
    note = lang.gettext("The numbers in the picture, for a spreadsheet: {period}.").format(
        period=name
    )
    return [Reply(caption, attachment=photo), Reply(note, attachment=sheet)]


@router.template("st.picture")
def render_picture(lang: Language, params: dict[str, Any]) -> Reply:
    return replies(Report.from_dict(params["report"]), lang)[0]


@router.template("st.csv")
def render_csv(lang: Language, params: dict[str, Any]) -> Reply:
    return replies(Report.from_dict(params["report"]), lang)[1]


def monthly_window(now: datetime, community: Community) -> tuple[Period, datetime, datetime]:
    """Last month, and when its report is sent: from 09:00 on this month's first working day
    to the end of the working day after it (a bot that was down at 09:00 catches up, but a
    report is never sent weeks late)."""
    tz = community.timezone
    local = now.astimezone(tz)
    day = first_working_day(local.year, local.month)
    after = day + timedelta(days=1)
    while not is_working_day(after):
        after += timedelta(days=1)
    start = datetime.combine(day, DELIVERY_TIME, tzinfo=tz)
    end = datetime.combine(after + timedelta(days=1), time(), tzinfo=tz)
    return month_of(local.date().replace(day=1) - timedelta(days=1)), start, end


@router.sweep("st.monthly")
def monthly(session: Session, community: Community, now: datetime) -> None:
    """Queue last month's report to every admin who has not had it, once it is due."""
    if not community.monthly_report:
        return
    period, start, end = monthly_window(now, community)
    if not start <= now < end:
        return
    key = f"st:{period.slug}"
    admins = [
        admin
        for admin in users_with_role(session, Role.ADMIN, community.admin_refs)
        if admin.private_chat_id
    ]
    if not admins:
        return
    queued = set(
        session.scalars(
            select(OutboxMessage.dedup_key).where(
                OutboxMessage.dedup_key.startswith(f"{key}:", autoescape=True)
            )
        )
    )
    waiting = [admin for admin in admins if f"{key}:picture:u{admin.id}" not in queued]
    if not waiting:
        return
    params = {"report": compute(session, community, period, now).to_dict()}
    for admin in waiting:
        for part in ("picture", "csv"):
            outbox.enqueue_to_user(
                session,
                admin,
                template=f"st.{part}",
                now=now,
                params=params,
                dedup_key=f"{key}:{part}:u{admin.id}",
            )
    log.info("monthly report %s queued for %d admins", period.slug, len(waiting))


__all__ = ["MONTH", "WEEK", "router"]
