"""An event's panel for its organiser and admins: who is coming (with party sizes), a CSV
export, a message to all attendees; the panel's other tools change the event itself
(``changes``: publish, reschedule, edit the places, cancel). Every press re-checks that this
user may manage this event; residents never see names."""

from __future__ import annotations

from typing import Any

from db.events import messages as ev_messages
from db.events import reads as ev_reads
from db.events.models import Event, EventSignup, EventStatus, SignupStatus
from handlers.buttons.events import (
    AskToCancelEvent,
    AttendeesCsv,
    EditPlaces,
    EventsMenu,
    ManageEvent,
    MessageAttendees,
    MyOrganisedEvents,
    PublishEvent,
    RescheduleEvent,
    ShowEvent,
)
from handlers.csvfile import csv_attachment
from handlers.events.common import (
    access_event_as_organiser,
    may_manage,
    places_line,
    router,
    title,
    when,
)
from handlers.events.organise import my_organised
from handlers.forms import engine
from handlers.forms.fields import Invalid, TextField
from handlers.i18n import N_
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


def menu_button(ctx: Ctx) -> Button:
    """« Menu: back to the events' menu."""
    return Button(ctx._("« Menu"), EventsMenu().pack())


# --- forms on an existing event (this one: the message; ``changes``: the others) --------------


def event_for_form(ctx: Ctx, data: dict[str, Any]) -> Event:
    """The form's event, re-checked at submit: it may have been cancelled meanwhile."""
    event = ctx.session.get(Event, data.get("event_id"))
    if event is None or not may_manage(ctx, event) or event.status == EventStatus.CANCELLED:
        raise Invalid(N_("Sorry, this event can no longer be changed."))
    return event


def _submit_message(ctx: Ctx, data: dict[str, Any]) -> None:
    """Queue the message to every confirmed attendee."""
    event = event_for_form(ctx, data)
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
                menu_button(ctx),
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


def open_form(ctx: Ctx, event_id: int, form: engine.Form) -> None:
    """Open ``form`` on the event (organiser and admins only)."""
    event = _managed(ctx, event_id)
    if event is not None:
        if event.status == EventStatus.CANCELLED:
            ctx.reply(ctx._("Sorry, this event can no longer be changed."))
            return
        engine.start(ctx, form, initial={"event_id": event.id})


@router.button(MessageAttendees, role="organiser", private_only=True)
def message_attendees(ctx: Ctx, payload: MessageAttendees) -> None:
    open_form(ctx, payload.event, MESSAGE)


@router.button(MyOrganisedEvents, role="organiser", private_only=True)
def organised(ctx: Ctx, payload: MyOrganisedEvents) -> None:
    """The menu's “🛠 My events”."""
    my_organised(ctx, "")
