"""What every service's handlers share: naming a person by first name, the bilingual text of
a record in the reader's language (``pick_text``), and an ``.ics`` calendar entry
(``ics_bytes``: events and volunteer shifts), and the question asked before a cancellation
(``ask_to_cancel``). (Ids in payloads and deep links are read by
``handlers.payloads.parse_id``.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import User
from handlers.i18n import NO_NAME, written
from handlers.payloads import Payload
from handlers.types import Button, Ctx, keyboard, pressed

#: The alarm inside an .ics file: the calendar app reminds this long before the start.
ALARM_BEFORE = timedelta(hours=1)


def first_name(user: User | None, missing: str = NO_NAME) -> str:
    """The first word of the name the transport reports (all that others learn of a person),
    or ``missing`` when there is none: by default a mark that becomes "a volunteer" in the
    reader's language (``handlers.i18n.neutral_names``). An account name (a Matrix id) is
    never a name."""
    name = (user.display_name if user else "").strip()
    if not name or (name.startswith("@") and ":" in name):
        return missing
    return name.split()[0]


def pick_text(code: str, zh: str | None, en: str | None) -> str:
    """The text in the reader's language, the other one when it is missing; the author's
    Chinese in Traditional characters for a zh_Hant reader (``handlers.i18n.written``)."""
    return written(code, zh, en)[0]


def ics_bytes(
    *,
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    location: str,
    description: str | None,
    now_stamp: datetime,
    alarm_before: timedelta = ALARM_BEFORE,
    product: str = "Community events",
) -> bytes:
    """One VEVENT in a VCALENDAR (RFC 5545) with UTC times, the place, a reminder alarm
    ``alarm_before`` the start and a stable UID, so importing it twice updates one entry."""
    import icalendar  # here, not at the top: ~2 MiB in every process, for a rare download

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Linli//{product}//EN")
    calendar.add("version", "2.0")
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("dtstamp", now_stamp)
    entry.add("dtstart", starts_at)
    entry.add("dtend", ends_at)
    entry.add("summary", summary)
    entry.add("location", location)
    if description:
        entry.add("description", description)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -alarm_before)
    entry.add_component(alarm)
    calendar.add_component(entry)
    return calendar.to_ical()


def ask_to_cancel(ctx: Ctx, question: str, *, cancel: Payload, keep: Payload) -> None:
    """Ask before cancelling something: ``question`` (translated) with [Yes, cancel it]
    (``cancel``) and [No, keep it] (``keep``), in place of the message whose button asked."""
    ctx.reply(
        question,
        keyboard(
            (
                Button(ctx._("Yes, cancel it"), cancel.pack()),
                Button(ctx._("No, keep it"), keep.pack()),
            )
        ),
        edit=pressed(ctx),
    )
