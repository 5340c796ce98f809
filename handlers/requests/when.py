"""When help is needed and when the team can give it: the /ask form's quick days (Today /
Tomorrow / This weekend), and what a resident is told first out of hours — the team's hours,
when it answers, and the emergency numbers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from handlers.forms.fields import Choice
from handlers.i18n import N_
from handlers.requests.common import HEALTH_CATEGORIES, NEEDED
from handlers.requests.hours import in_service_hours, next_opening
from handlers.types import Ctx

#: The "when" question: the stored kinds (``NEEDED``) and three quick days.
WHEN = (
    NEEDED[0],
    Choice("today", N_("Today")),
    Choice("tomorrow", N_("Tomorrow")),
    Choice("weekend", N_("This weekend")),
    *NEEDED[1:],
)


def needed_day(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Today / Tomorrow / This weekend become a day (``needed="day"``) or the weekend's
    Saturday (``"weekend"``), as a date the card can show after the day has passed."""
    quick = data.get("needed")
    if quick not in ("today", "tomorrow", "weekend"):
        return data
    tz = ctx.community.timezone
    today = ctx.now.astimezone(tz).date()
    if quick == "weekend":
        day = today if today.weekday() >= 5 else today + timedelta(days=5 - today.weekday())
    else:
        day = today + timedelta(days=1 if quick == "tomorrow" else 0)
    at = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC).isoformat()
    return {**data, "needed": "weekend" if quick == "weekend" else "day", "needed_at": at}


def on_duty(ctx: Ctx) -> bool:
    community = ctx.community
    return in_service_hours(
        ctx.now, community.service_hours, community.timezone, holidays=community.closed_on_holidays
    )


def opening(ctx: Ctx) -> str:
    """When the team next opens, as the person reads dates."""
    community = ctx.community
    when = next_opening(
        ctx.now, community.service_hours, community.timezone, holidays=community.closed_on_holidays
    )
    return ctx.lang.datetime(when)


EMERGENCY = N_("🚨 In an emergency call 120 (ambulance), 110 (police) or 119 (fire) now.")


def off_duty_notice(ctx: Ctx) -> str | None:
    """Said first in /ask when the team is off duty: its hours, when it answers, and the
    emergency numbers; None in service hours."""
    if on_duty(ctx):
        return None
    opens, closes = (t.strftime("%H:%M") for t in ctx.community.service_hours)
    return (
        ctx._(
            "The volunteer team is off duty now (it works {opens}–{closes}); "
            "you will get an answer after {when}."
        ).format(opens=opens, closes=closes, when=opening(ctx))
        + "\n"
        + ctx._(EMERGENCY)
    )


def urgent_notice(ctx: Ctx, value: Any) -> str | None:
    """A field's ``notice`` for "Hospital visit" and "urgent": the emergency numbers again
    (with the hours when the team is off duty)."""
    if value not in (True, *HEALTH_CATEGORIES):
        return None
    return off_duty_notice(ctx) or ctx._(EMERGENCY)
