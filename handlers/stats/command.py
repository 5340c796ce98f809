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
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db import outbox
from db.models import OutboxMessage, Role, User
from db.outbox_params import Params
from db.teams import users_with_role
from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.stats import labels as L
from handlers.stats import render, table
from handlers.stats.measures import Report
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
    "Send /stats for this month so far, /stats week for this week, or /stats 2026-11 (or "
    "/stats November) for a past month."
)


def period_for(args: str, today: date) -> Period | None:
    """What ``/stats`` was asked for: nothing or ``month`` (this month), ``week``, a month
    (``2026-11``, ``十一月``, ``November``); None for anything else."""
    word = args.strip().casefold()
    if word in ("", "month", "月", "本月"):
        return month_of(today)
    if word in ("week", "周", "本周"):
        return week_of(today)
    return parse_month(word, today)


@router.command(
    "stats",
    description=N_('The "five in time" report: a picture and a CSV'),
    role="admin",
    private_only=True,
)
def stats(ctx: Ctx, args: str) -> None:
    """``/stats [week|month|YYYY-MM]``: the report's picture and its numbers as a CSV."""
    today = ctx.lang.local(ctx.now).date()
    period = period_for(args, today)
    if period is None or period.start > today:
        ctx.reply(ctx._("I could not read that period.") + "\n" + ctx._(USAGE))
        return
    # Nothing is read here: the numbers and the picture are made after this transaction ends,
    # by the report process (handlers.stats.render.Reports), when the transport makes the files.
    files = _Files(ctx.session.get_bind(), ctx.community, period, ctx.now)
    ctx.replies.extend(_replies(period, ctx.lang, files.png(ctx.lang), files.csv(ctx.lang)))
    log.info("stats for %s asked by user %d", period.slug, ctx.user.id)


class _Files:
    """The picture and the CSV of one report, made once on first use (both from one trip to
    the report process)."""

    def __init__(self, bind: Engine, community: Community, period: Period, now: datetime) -> None:
        self._args = (bind, community, period, now)
        self._lock = threading.Lock()
        self._made: tuple[Report, bytes] | None = None

    def _make(self, lang: Language) -> tuple[Report, bytes]:
        with self._lock:
            if self._made is None:
                numbers, image = render.reports().report_and_png(*self._args, lang.code)
                self._made = (Report.from_dict(numbers), image)
            return self._made

    def png(self, lang: Language) -> Callable[[], bytes]:
        return lambda: self._make(lang)[1]

    def csv(self, lang: Language) -> Callable[[], bytes]:
        return lambda: table.attachment(self._make(lang)[0], lang, "").content


def _replies(
    period: Period, lang: Language, png: Callable[[], bytes], csv: Callable[[], bytes]
) -> list[Reply]:
    """The picture and the CSV (deferred files), each with a line saying what it is."""
    name = L.period_name(lang, period)
    caption = lang.gettext('"Five in time" report: {period}').format(period=name)
    photo = Attachment(f"linli-{period.slug}.png", mime_type="image/png", is_photo=True, make=png)
    sheet = Attachment(f"linli-{period.slug}.csv", mime_type="text/csv", make=csv)
    note = lang.gettext("The numbers in the picture, for a spreadsheet: {period}.").format(
        period=name
    )
    return [Reply(caption, attachment=photo), Reply(note, attachment=sheet)]


def replies(report: Report, lang: Language) -> list[Reply]:
    """The picture (drawn in the report process when it is sent) and the CSV of ``report``."""
    period = Period(report.kind, date.fromisoformat(report.start), date.fromisoformat(report.end))

    def png() -> bytes:
        return render.reports().picture(report.to_dict(), lang.code, lang.tz.key)

    return _replies(period, lang, png, lambda: table.attachment(report, lang, "").content)


class MonthlyPicture(Params, template="st.picture"):
    """The monthly report's picture, to an admin."""

    report: Report


class MonthlyTable(Params, template="st.csv"):
    """The monthly report's numbers as a CSV, to an admin."""

    report: Report


@router.template(MonthlyPicture, staff=True)
def render_picture(lang: Language, params: MonthlyPicture) -> Reply:
    return replies(params.report, lang)[0]


@router.template(MonthlyTable, staff=True)
def render_csv(lang: Language, params: MonthlyTable) -> Reply:
    return replies(params.report, lang)[1]


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
    # Look and count before this sweep's transaction touches the database (on SQLite its
    # first statement takes the write lock): through the report reader, then the report
    # process. Only the queueing below writes.
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        with render.reports().reading(bind) as reading, reading.begin():
            if not _waiting_admins(reading, community, key):
                return
    elif not _waiting_admins(session, community, key):  # PostgreSQL: reading locks nothing
        return
    report = Report.from_dict(render.reports().numbers(bind, community, period, now))
    waiting = _waiting_admins(session, community, key)
    for admin in waiting:
        for part, told in (("picture", MonthlyPicture), ("csv", MonthlyTable)):
            outbox.enqueue_to_user(
                session,
                admin,
                params=told(report=report),
                now=now,
                dedup_key=f"{key}:{part}:u{admin.id}",
            )
    log.info("monthly report %s queued for %d admins", period.slug, len(waiting))


def _waiting_admins(session: Session, community: Community, key: str) -> list[User]:
    """Admins with a private chat who have not been sent the report ``key`` yet."""
    admins = [admin for admin in users_with_role(session, Role.ADMIN) if admin.private_chat_id]
    if not admins:
        return []
    queued = set(
        session.scalars(
            select(OutboxMessage.dedup_key).where(
                OutboxMessage.dedup_key.startswith(f"{key}:", autoescape=True)
            )
        )
    )
    return [admin for admin in admins if f"{key}:picture:u{admin.id}" not in queued]


__all__ = ["MONTH", "WEEK", "router"]
