"""Add to calendar: an .ics file (RFC 5545, made with ``icalendar``) with UTC times, the place,
a reminder alarm and a stable UID, so importing it twice updates one entry."""

from __future__ import annotations

from datetime import datetime

from db.events.models import Event
from handlers import common
from handlers.buttons.events import AddToCalendar
from handlers.events.browse import show_list
from handlers.events.common import GONE, pick_text, router, title, visible_event
from handlers.types import Attachment, Ctx


def ics_bytes(event: Event, lang_code: str, *, now_stamp: datetime) -> bytes:
    """The event as one calendar entry, in the reader's language."""
    return common.ics_bytes(
        uid=f"event-{event.id}@linli",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        summary=pick_text(lang_code, event.title_zh, event.title_en),
        location=event.place,
        description=pick_text(lang_code, event.description_zh, event.description_en),
        now_stamp=now_stamp,
    )


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
