"""Add to calendar: an .ics file (RFC 5545, made with ``icalendar``) with UTC times, the place,
a reminder alarm and a stable UID, so importing it twice updates one entry."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar

from db.event_models import Event
from handlers.buttons.events import AddToCalendar
from handlers.events.browse import show_list
from handlers.events.common import GONE, pick_text, router, title, visible_event
from handlers.types import Attachment, Ctx

#: The alarm inside the file: the calendar app reminds this long before the start.
ALARM_BEFORE = timedelta(hours=1)


def ics_bytes(event: Event, lang_code: str, *, now_stamp: datetime) -> bytes:
    """One VEVENT in a VCALENDAR, in the reader's language."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Linli//Community events//EN")
    calendar.add("version", "2.0")
    entry = icalendar.Event()
    entry.add("uid", f"event-{event.id}@linli")
    entry.add("dtstamp", now_stamp)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", pick_text(lang_code, event.title_zh, event.title_en))
    entry.add("location", event.place)
    description = pick_text(lang_code, event.description_zh, event.description_en)
    if description:
        entry.add("description", description)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", pick_text(lang_code, event.title_zh, event.title_en))
    alarm.add("trigger", -ALARM_BEFORE)
    entry.add_component(alarm)
    calendar.add_component(entry)
    return calendar.to_ical()


@router.button(AddToCalendar)
def _ics(ctx: Ctx, payload: AddToCalendar) -> None:
    event = visible_event(ctx, payload.event)
    if event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    ctx.reply(
        ctx._("📅 Open this file to add “{title}” to your calendar.").format(
            title=title(ctx.lang, event)
        ),
        attachment=Attachment(
            filename=f"event-{event.id}.ics",
            content=ics_bytes(event, ctx.lang.code, now_stamp=ctx.now),
            mime_type="text/calendar",
        ),
    )
