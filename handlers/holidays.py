"""The holidays admins keep (``db/holidays.py``, ``linli holidays``): loaded into
``handlers/workdays.py`` at start and every minute, and, from 1 December, admins told once a
week while next year's holidays are known neither to ``chinesecalendar`` nor to them."""

from __future__ import annotations

import logging
from datetime import datetime
from time import monotonic

from sqlalchemy.orm import Session

from db import holidays as kept_days
from db.outbox_params import Params
from db.teams import notify_admins
from handlers import workdays
from handlers.i18n import Language
from handlers.router import Router
from handlers.types import Community, Reply

log = logging.getLogger(__name__)
router = Router("holidays")

#: How often a worker reads the kept days again (seconds).
RELOAD = 60.0
_loaded_at: list[float] = []


def load(session: Session) -> None:
    """Read the kept days into ``workdays``."""
    workdays.set_kept({day.day: day.holiday for day in kept_days.kept(session)})
    _loaded_at[:] = [monotonic()]


@router.sweep("wd.kept")
def reload(session: Session, community: Community, now: datetime) -> None:
    """Every minute: what an admin changed with ``linli holidays`` counts here too."""
    if not _loaded_at or monotonic() - _loaded_at[0] >= RELOAD:
        load(session)


class HolidaysUnknown(Params, template="wd.uncovered"):
    """To the admins: next ``year``'s public holidays are not known yet."""

    year: int


@router.sweep("wd.next_year")
def next_year_uncovered(session: Session, community: Community, now: datetime) -> None:
    """From 1 December, once a week: next year's holidays are not known yet."""
    local = now.astimezone(community.timezone).date()
    if local.month != 12:
        return
    year = local.year + 1
    if workdays.covers(year):
        return
    week = local.isocalendar().week
    queued = notify_admins(
        session,
        params=HolidaysUnknown(year=year),
        now=now,
        dedup_key=f"wd:uncovered:{year}:w{week}",
    )
    if queued:
        log.warning("the public holidays of %d are not known yet: admins told", year)


@router.template(HolidaysUnknown)
def uncovered(lang: Language, params: HolidaysUnknown) -> Reply:
    return Reply(
        lang.gettext(
            "The public holidays of {year} are not known to Linli yet. Until they are, the "
            "team's hours and the monthly report count every weekday of {year} as a working "
            "day. When the State Council publishes them, add them on the server: "
            "linli holidays add {year}-01-01 (a range: {year}-02-16..{year}-02-22; a make-up "
            "working day: --workday)."
        ).format(year=params.year)
    )
