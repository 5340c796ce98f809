"""An event's tools for its organiser and admins: who is coming (with party sizes), a CSV
export, a message to all attendees, reschedule, edit the places, publish a draft, cancel. Every
press re-checks that this user may manage this event; residents never see names."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from db import event_manage as ev_manage
from db import event_messages as ev_messages
from db import event_reads as ev_reads
from db import events as ops
from db import room_events
from db import rooms as rooms_ops
from db.event_models import Event, EventSignup, EventStatus, SignupStatus
from handlers.buttons.events import (
    AskToCancelEvent,
    AttendeesCsv,
    CancelEvent,
    EditPlaces,
    EventsMenu,
    ManageEvent,
    MessageAttendees,
    MyOrganisedEvents,
    PublishEvent,
    RescheduleEvent,
    ShowEvent,
)
from handlers.common import pick_text
from handlers.csvfile import csv_attachment
from handlers.events.common import (
    access_event_as_organiser,
    may_manage,
    places_line,
    router,
    show_card,
    title,
    when,
)
from handlers.events.offers import offer_clock
from handlers.events.organise import CAPACITY, END, my_organised, start_field
from handlers.forms import engine
from handlers.forms.fields import UNLIMITED, Invalid, TextField
from handlers.forms.time_fields import future_times
from handlers.i18n import N_, Np_
from handlers.quiet import quiet_end
from handlers.types import Button, Ctx, keyboard

_managed = access_event_as_organiser


def _person(signup: EventSignup) -> str:
    """How an attendee is named to the organiser."""
    user = signup.user
    name = user.display_name.strip() or "—"  # never the account's id
    return f"{name} (@{user.username})" if user.username else name


@router.button(ManageEvent, role="organiser", private_only=True)
def _panel(ctx: Ctx, payload: ManageEvent) -> None:
    """Who is coming, who waits, and the tools."""
    event = _managed(ctx, payload.event)
    if event is None:
        return
    signups = ev_reads.active_signups(ctx.session, event.id)
    by_status: dict[str, list[EventSignup]] = {status: [] for status in SignupStatus}
    for signup in signups:
        by_status[signup.status].append(signup)
    confirmed = by_status[SignupStatus.CONFIRMED]
    lines = [
        f"🛠 {title(ctx.lang, event)}",
        ctx._("🕒 {when}").format(when=when(ctx, event)),
        places_line(ctx, event, ev_reads.places_held(ctx.session, event.id)),
        ctx._("People coming: {people} · Signups: {signups}").format(
            people=sum(s.party_size for s in confirmed), signups=len(confirmed)
        ),
    ]
    lines += [f"  ✅ {_person(s)} × {s.party_size}" for s in confirmed]
    if by_status[SignupStatus.OFFERED]:
        lines.append(ctx._("Offered a place, not yet confirmed:"))
        lines += [f"  🎟 {_person(s)} × {s.party_size}" for s in by_status[SignupStatus.OFFERED]]
    if by_status[SignupStatus.WAITING]:
        lines.append(ctx._("Waiting list:"))
        lines += [
            f"  {number}. {_person(s)} × {s.party_size}"
            for number, s in enumerate(by_status[SignupStatus.WAITING], start=1)
        ]
    rows: list[tuple[Button, ...]] = []
    if event.status == EventStatus.DRAFT:
        rows.append((Button(ctx._("📢 Publish"), PublishEvent(event.id).pack()),))
    if event.status != EventStatus.CANCELLED:
        rows += [
            (
                Button(ctx._("📄 CSV"), AttendeesCsv(event.id).pack()),
                Button(ctx._("📣 Message attendees"), MessageAttendees(event.id).pack()),
            ),
            (
                Button(ctx._("🕒 Reschedule"), RescheduleEvent(event.id).pack()),
                Button(ctx._("👥 Edit places"), EditPlaces(event.id).pack()),
            ),
            (Button(ctx._("❌ Cancel the event"), AskToCancelEvent(event.id).pack()),),
        ]
    rows.append((Button(ctx._("« Back to the event"), ShowEvent(event.id).pack()),))
    ctx.reply("\n".join(lines), tuple(rows))


STATUS_NAMES = {
    SignupStatus.CONFIRMED: N_("confirmed"),
    SignupStatus.OFFERED: N_("offered"),
    SignupStatus.WAITING: N_("waiting list"),
}


@router.button(AttendeesCsv, role="organiser", private_only=True)
def _csv(ctx: Ctx, payload: AttendeesCsv) -> None:
    """Attendees and the waiting list as a CSV file (UTF-8 with BOM, so Excel reads Chinese)."""
    event = _managed(ctx, payload.event)
    if event is None:
        return
    rows = [
        [
            signup.user.display_name,
            f"@{signup.user.username}" if signup.user.username else "",
            signup.party_size,
            ctx._(STATUS_NAMES[SignupStatus(signup.status)]),
            ctx.lang.local(signup.updated_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for signup in ev_reads.active_signups(ctx.session, event.id)
    ]
    header = [
        ctx._("Name"),
        ctx._("Username"),
        # Translators: CSV column: how many people one signup brings
        ctx._("People"),
        ctx._("Status"),
        # Translators: CSV column: when the person signed up
        ctx._("Signed up"),
    ]
    ctx.reply(
        ctx._("The list for “{title}”.").format(title=title(ctx.lang, event)),
        attachment=csv_attachment(f"event-{event.id}-attendees.csv", header, rows),
    )


@router.button(PublishEvent, role="organiser", private_only=True)
def _publish(ctx: Ctx, payload: PublishEvent) -> None:
    """Publish a draft."""
    event = _managed(ctx, payload.event)
    if event is None:
        return
    refusal = hold_the_room(ctx, event)
    if refusal is not None:
        show_card(ctx, event, note=refusal)
        return
    result = ev_manage.publish(ctx.session, event.id, now=ctx.now)
    note = (
        ctx._("✅ The event is published. Residents can sign up now.")
        if result.outcome == ops.Outcome.OK
        else ctx._("This event is not a draft.")
    )
    show_card(ctx, event, note=note)


@router.button(AskToCancelEvent, role="organiser", private_only=True)
def _ask_cancel(ctx: Ctx, payload: AskToCancelEvent) -> None:
    """Cancel the event pressed: ask first."""
    event = _managed(ctx, payload.event)
    if event is None:
        return
    ctx.reply(
        ctx._(
            "Cancel “{title}” for everyone? Everyone signed up is told, in their language."
        ).format(title=title(ctx.lang, event)),
        keyboard(
            (
                Button(ctx._("Yes, cancel the event"), CancelEvent(event.id).pack()),
                Button(ctx._("Back"), ManageEvent(event.id).pack()),
            )
        ),
    )


@router.button(CancelEvent, role="organiser", private_only=True)
def _cancel_event(ctx: Ctx, payload: CancelEvent) -> None:
    """Yes pressed: cancel, tell everyone signed up, remove reminders."""
    event = _managed(ctx, payload.event)
    if event is None:
        return
    result = ev_manage.cancel_event(ctx.session, event.id, now=ctx.now)
    if result.outcome != ops.Outcome.OK:
        ctx.reply(ctx._("This event was already cancelled."))
        return
    room_events.free_for_event(ctx.session, event.id, now=ctx.now)
    ctx.reply(
        ctx.lang.ngettext(
            "The event is cancelled. {count} person signed up is being told.",
            "The event is cancelled. {count} people signed up are being told.",
            result.count,
        ).format(count=result.count),
        keyboard((Button(ctx._("🛠 My events"), MyOrganisedEvents().pack()), _menu_button(ctx))),
    )


def hold_the_room(ctx: Ctx, event: Event, **moved: Any) -> str | None:
    """An event whose place is a room (``docs/rooms.md``) holds it from its publishing, and
    moves it when rescheduled (``moved``: the new ``starts_at``, ``ends_at``): None when held
    (or no room), else why not, in the reader's language."""
    outcome, room = room_events.book_for_event(
        ctx.session, event, user_id=ctx.user.id, now=ctx.now, tz=ctx.community.timezone, **moved
    )
    if outcome == rooms_ops.Outcome.BOOKED or room is None:
        return None
    name = pick_text(ctx.lang.code, room.name_zh, room.name_en)
    if outcome == rooms_ops.Outcome.TAKEN:
        return ctx._(
            "{room} is already booked at that time, so the event was not changed. "
            "Please choose another time or place."
        ).format(room=name)
    return ctx._(
        "{room} is not open for the whole event (its opening hours, or a closure), so the "
        "event was not changed. Please choose another time or place."
    ).format(room=name)


def _menu_button(ctx: Ctx) -> Button:
    return Button(ctx._("« Menu"), EventsMenu().pack())


# --- forms on an existing event: message, reschedule, capacity -------------------------------


def _event_for_form(ctx: Ctx, data: dict[str, Any]) -> Event:
    """The form's event, re-checked at submit: it may have been cancelled meanwhile."""
    event = ctx.session.get(Event, data.get("event_id"))
    if event is None or not may_manage(ctx, event) or event.status == EventStatus.CANCELLED:
        raise Invalid(N_("Sorry, this event can no longer be changed."))
    return event


def _submit_message(ctx: Ctx, data: dict[str, Any]) -> None:
    """Queue the message to every confirmed attendee."""
    event = _event_for_form(ctx, data)
    due = quiet_end(ctx.community, ctx.now)  # organisers' messages wait out the night
    count = ev_messages.message_attendees(ctx.session, event, data["text"], now=ctx.now, due_at=due)
    if due > ctx.now:
        text = ctx.lang.ngettext(
            "It is the quiet hours now, so your message will go to {count} attendee at {when}.",
            "It is the quiet hours now, so your message will go to {count} attendees at {when}.",
            count,
        ).format(count=count, when=ctx.lang.datetime(due))
    else:
        text = ctx.lang.ngettext(
            "Your message is on its way to {count} attendee.",
            "Your message is on its way to {count} attendees.",
            count,
        ).format(count=count)
    ctx.reply(
        text,
        keyboard(
            (
                # Translators: a button back to the organiser's tools for the event
                Button(ctx._("⬅️ Back to the event"), ManageEvent(event.id).pack()),
                _menu_button(ctx),
            )
        ),
    )


def _message_confirm(ctx: Ctx, data: dict[str, Any]) -> str:
    """ "Send to 12 attendees?" — the one line before the message goes."""
    count = sum(
        1
        for signup in ev_reads.active_signups(ctx.session, int(data["event_id"]))
        if signup.status == SignupStatus.CONFIRMED
    )
    return ctx.lang.ngettext(
        "Send to {count} attendee?", "Send to {count} attendees?", count
    ).format(count=count)


MESSAGE = router.form(
    engine.Form(
        name="ev.message",
        confirm_label=N_("✅ Send"),
        compact=_message_confirm,
        title=N_("Message all attendees"),
        fields=(
            TextField(
                name="text",
                prompt=N_("Write the message for everyone who is coming."),
                label=N_("Message"),
                max_length=2000,
            ),
        ),
        on_submit=_submit_message,
    )
)


def _submit_reschedule(ctx: Ctx, data: dict[str, Any]) -> None:
    """Move the event; reminders move and everyone is told."""
    event = _event_for_form(ctx, data)
    if not data.get("ends_at") and data.get("starts_at"):  # skipped: the length is kept
        start = datetime.fromisoformat(data["starts_at"])
        data = {**data, "ends_at": (start + (event.ends_at - event.starts_at)).isoformat()}
    starts_at, ends_at = future_times(ctx, data)
    if event.status == EventStatus.PUBLISHED:  # its room (if its place is one) moves with it
        refusal = hold_the_room(ctx, event, starts_at=starts_at, ends_at=ends_at)
        if refusal is not None:
            raise Invalid(refusal)
    result = ev_manage.reschedule(
        ctx.session,
        event.id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
    )
    if result.outcome != ops.Outcome.OK:
        raise Invalid(N_("Sorry, this event can no longer be changed."))
    show_card(ctx, event, note=ctx._("🕒 Moved. Everyone signed up is told the new time."))


RESCHEDULE = router.form(
    engine.Form(
        name="ev.reschedule",
        title=N_("Reschedule the event"),
        fields=(
            start_field(),
            replace(
                END,
                optional=True,
                prompt=N_(
                    "How long does it last, or when does it end? e.g. 2h, 90 min, or 21:30. "
                    "Skip keeps its length."
                ),
            ),
        ),
        on_submit=_submit_reschedule,
    )
)


def _submit_capacity(ctx: Ctx, data: dict[str, Any]) -> None:
    """Change the places; new ones are offered to the waiting list."""
    event = _event_for_form(ctx, data)
    capacity = None if data["capacity"] == UNLIMITED else data["capacity"]
    result = ev_manage.set_capacity(
        ctx.session, event.id, capacity, now=ctx.now, deadline=offer_clock(ctx.community)
    )
    if result.outcome == ops.Outcome.TOO_LOW:
        raise Invalid(
            Np_(
                "{count} place is already taken or offered. Please send {count} or more.",
                "{count} places are already taken or offered. Please send {count} or more.",
            ),
            field="capacity",
            count=result.count,
        )
    note = ctx._("Places updated.")
    if result.offered:
        note = ctx.lang.ngettext(
            "Places updated. {count} person on the waiting list was offered a place.",
            "Places updated. {count} people on the waiting list were offered a place.",
            len(result.offered),
        ).format(count=len(result.offered))
    show_card(ctx, event, note=note)


EDIT_CAPACITY = router.form(
    engine.Form(
        name="ev.capacity",
        title=N_("Edit the number of places"),
        fields=(CAPACITY,),
        on_submit=_submit_capacity,
    )
)


def _open_form(ctx: Ctx, event_id: int, form: engine.Form) -> None:
    """Open ``form`` on the event (organiser and admins only)."""
    event = _managed(ctx, event_id)
    if event is not None:
        if event.status == EventStatus.CANCELLED:
            ctx.reply(ctx._("Sorry, this event can no longer be changed."))
            return
        engine.start(ctx, form, initial={"event_id": event.id})


@router.button(MessageAttendees, role="organiser", private_only=True)
def message_attendees(ctx: Ctx, payload: MessageAttendees) -> None:
    _open_form(ctx, payload.event, MESSAGE)


@router.button(RescheduleEvent, role="organiser", private_only=True)
def reschedule(ctx: Ctx, payload: RescheduleEvent) -> None:
    _open_form(ctx, payload.event, RESCHEDULE)


@router.button(EditPlaces, role="organiser", private_only=True)
def edit_places(ctx: Ctx, payload: EditPlaces) -> None:
    _open_form(ctx, payload.event, EDIT_CAPACITY)


@router.button(MyOrganisedEvents, role="organiser", private_only=True)
def organised(ctx: Ctx, payload: MyOrganisedEvents) -> None:
    """The menu's “🛠 My events”."""
    my_organised(ctx, "")
