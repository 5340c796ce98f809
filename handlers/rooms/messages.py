"""The rooms' outbox templates, rendered in the reader's language when sent: the reminder, a
closure, an admin's decision, a no-show released, a pause, a watched time freed, and the card
that asks the admins to approve."""

from __future__ import annotations

from db.room_messages import (
    BookingApproved,
    BookingDeclined,
    BookingNamed,
    BookingPaused,
    BookingReminder,
    BookingRequest,
    BookingUndecided,
    NoShowReleased,
    RoomClosed,
    WatchedFreed,
)
from handlers.buttons.rooms import (
    ApproveBooking,
    CheckInBooking,
    DeclineBooking,
    ListRooms,
    ShowBooking,
    ShowDay,
)
from handlers.common import pick_text
from handlers.i18n import N_, Language, for_reader
from handlers.rooms.common import day_number, router
from handlers.types import Button, Reply, keyboard


def said(lang: Language, params: BookingNamed) -> dict[str, str]:
    """The booking as the template's parameters name it, for this reader."""
    starts, ends = params.starts, params.ends
    return {
        "ref": params.ref,
        "name": pick_text(lang.code, params.name_zh, params.name_en),
        "span": f"{lang.datetime(starts)}–{lang.time(ends)}",
    }


@router.template(BookingReminder)
def reminder(lang: Language, params: BookingReminder) -> Reply:
    """An hour before: the booking, with check-in (open from 15 minutes before)."""
    return Reply(
        lang.gettext(
            "⏰ Reminder: your booking {ref} — {name}, {span}. Please check in when you "
            "arrive (from 15 minutes before), or the room is freed 15 minutes after the start."
        ).format(**said(lang, params)),
        keyboard(
            (
                Button(lang.gettext("✅ Check in"), CheckInBooking(params.booking).pack()),
                Button(lang.gettext("Open booking"), ShowBooking(params.booking).pack()),
            )
        ),
    )


@router.template(RoomClosed)
def closed(lang: Language, params: RoomClosed) -> Reply:
    """The room was closed over a booking: it is cancelled."""
    return Reply(
        lang.gettext(
            "Sorry, {name} is closed at that time, so your booking {ref} ({span}) is cancelled. "
            "You can book another time with /rooms."
        ).format(**said(lang, params))
    )


@router.template(BookingApproved)
def approved(lang: Language, params: BookingApproved) -> Reply:
    return Reply(
        lang.gettext("✅ Your booking {ref} ({name}, {span}) is approved.").format(
            **said(lang, params)
        ),
        keyboard(Button(lang.gettext("Open booking"), ShowBooking(params.booking).pack())),
    )


REASONS = {
    "busy": N_("The community centre needs the room at that time."),
    "rules": N_("The booking does not fit the room's rules."),
    "other": N_("Please ask the front desk why."),
}


@router.template(BookingDeclined)
def declined(lang: Language, params: BookingDeclined) -> Reply:
    reason = REASONS.get(params.reason or "other", REASONS["other"])
    return Reply(
        lang.gettext("Sorry, your booking {ref} ({name}, {span}) was declined. {reason}").format(
            **said(lang, params), reason=lang.gettext(reason)
        ),
        keyboard(Button(lang.gettext("🏠 Book a room"), ListRooms().pack())),
    )


@router.template(BookingUndecided)
def undecided(lang: Language, params: BookingUndecided) -> Reply:
    return Reply(
        lang.gettext(
            "Sorry, no one could approve your booking {ref} ({name}, {span}) before it began, "
            "so it is cancelled. Please ask the front desk, or book another time."
        ).format(**said(lang, params))
    )


@router.template(NoShowReleased)
def released(lang: Language, params: NoShowReleased) -> Reply:
    return Reply(
        lang.gettext(
            "Your booking {ref} ({name}, {span}) was not checked in 15 minutes after its "
            "start, so the room was freed for others."
        ).format(**said(lang, params))
    )


@router.template(BookingPaused)
def paused(lang: Language, params: BookingPaused) -> Reply:
    until = params.until
    return Reply(
        lang.gettext(
            "You did not come to three bookings in 60 days, so you cannot book rooms until "
            "{date}. If something went wrong, please talk to the front desk."
        ).format(date=lang.date(until))
    )


@router.template(WatchedFreed)
def freed(lang: Language, params: WatchedFreed) -> Reply:
    starts = params.starts
    name = pick_text(lang.code, params.name_zh, params.name_en)
    day = day_number(starts.astimezone(lang.tz).date())
    return Reply(
        lang.gettext("🔔 {name} is free again at {when}. Book it before someone else does.").format(
            name=name, when=lang.datetime(starts)
        ),
        keyboard(Button(lang.gettext("Open that day"), ShowDay(params.room, day).pack())),
    )


@router.template(BookingRequest)
def request(lang: Language, params: BookingRequest) -> Reply:
    """To the admins: a booking that needs approval (again after 24 h undecided)."""
    heading = (
        lang.gettext("⏳ This booking has waited a day for a decision:")
        if params.again
        else lang.gettext("🏠 A booking needs your approval:")
    )
    text = lang.gettext("{ref} {name}, {span}. {who}: {purpose}. People: {count}.").format(
        **said(lang, params),
        who=params.who or "—",
        purpose=for_reader(lang.code, params.purpose),
        count=params.people or 1,
    )
    booking = params.booking
    return Reply(
        f"{heading}\n{text}",
        keyboard(
            Button(lang.gettext("✅ Approve"), ApproveBooking(booking).pack()),
            (
                Button(
                    lang.gettext("Decline: room needed"), DeclineBooking(booking, "busy").pack()
                ),
                Button(lang.gettext("Decline: rules"), DeclineBooking(booking, "rules").pack()),
            ),
            Button(lang.gettext("Decline: other"), DeclineBooking(booking, "other").pack()),
        ),
    )
