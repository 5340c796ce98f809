"""Organisers (role organiser, or admin): /newevent, /myorganised, and each event's tools —
who is coming (with party sizes), a CSV export, a message to all attendees, reschedule, edit
capacity, cancel. Only the event's organiser and admins see names; everyone else sees counts."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from db import events as ops
from db.models import Event, EventSignup, EventStatus, SignupStatus
from handlers.events.common import (
    ACTIONS,
    PREFIX,
    may_manage,
    parse_id,
    places_line,
    router,
    show_card,
    title,
    when,
)
from handlers.forms import engine
from handlers.forms.fields import (
    UNLIMITED,
    Choice,
    ChoiceField,
    DateTimeField,
    EndField,
    Invalid,
    NumberField,
    NumberOrUnlimitedField,
    TextField,
)
from handlers.i18n import N_
from handlers.router import Handler
from handlers.types import Attachment, Button, Ctx, keyboard

MAX_PARTY = 10


def _no_zh_title(data: dict[str, Any]) -> bool:
    return data.get("title_zh") is None


def _start_field(*, optional: bool = False) -> DateTimeField:
    return DateTimeField(
        name="starts_at",
        prompt=N_(
            "When does it start? Community time, e.g. 2026-12-24 19:00, 12/24 19:00 "
            "or 12月24日晚上7点."
        ),
        label=N_("Start"),
        optional=optional,
    )


END = EndField(
    name="ends_at",
    start_field="starts_at",
    prompt=N_("How long does it last, or when does it end? e.g. 2h, 90 min, or 21:30."),
    label=N_("End"),
)

CAPACITY = NumberOrUnlimitedField(
    name="capacity",
    prompt=N_("How many places are there? Send a number, or press Unlimited."),
    label=N_("Places"),
    minimum=1,
    maximum=100_000,
)


def _times(ctx: Ctx, data: dict[str, Any]) -> tuple[datetime, datetime]:
    """Start and end from the form, checked again at submit (the start may have been changed
    after the end was given, or time may have passed)."""
    starts_at = datetime.fromisoformat(data["starts_at"])
    ends_at = datetime.fromisoformat(data["ends_at"])
    if starts_at <= ctx.now:
        raise Invalid(N_("The start has already passed. Please change the start."))
    if ends_at <= starts_at:
        raise Invalid(N_("The end must be after the start. Please change the end."))
    return starts_at, ends_at


def _submit_new(ctx: Ctx, data: dict[str, Any]) -> None:
    """Create the event (published now or a draft) and show its card."""
    if not ctx.may_use("organiser"):
        raise Invalid(N_("Sorry, only organisers can create events."))
    title_en = data.get("title_en") or data.get("title_en_required")
    if not data.get("title_zh") and not title_en:
        raise Invalid(N_("Please give the event a title in at least one language."))
    starts_at, ends_at = _times(ctx, data)
    deadline = datetime.fromisoformat(data["deadline"]) if data.get("deadline") else None
    if deadline is not None and deadline > starts_at:
        raise Invalid(N_("The signup deadline must be before the start. Please change it."))
    capacity = data.get("capacity")
    event = Event(
        title_zh=data.get("title_zh"),
        title_en=title_en,
        description_zh=data.get("description_zh"),
        description_en=data.get("description_en"),
        starts_at=starts_at,
        ends_at=ends_at,
        place=data["place"],
        capacity=None if capacity == UNLIMITED else capacity,
        max_party=data.get("max_party") or 1,
        signup_deadline=deadline,
        status=EventStatus.PUBLISHED if data.get("publish") == "now" else EventStatus.DRAFT,
        organiser_id=ctx.user.id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(event)
    ctx.session.flush()
    if event.status == EventStatus.PUBLISHED:
        note = ctx._("✅ The event is published. Residents can sign up now.")
    else:
        note = ctx._("📝 Saved as a draft. Press Manage, then Publish, when it is ready.")
    show_card(ctx, event, note=note)


NEW_EVENT = router.form(
    engine.Form(
        name="ev.new",
        title=N_("New event"),
        fields=(
            TextField(
                name="title_zh",
                prompt=N_("The title in Chinese (or Skip if there is none)."),
                label=N_("Chinese title"),
                optional=True,
                max_length=200,
            ),
            TextField(
                name="title_en",
                prompt=N_("The title in English (or Skip if there is none)."),
                label=N_("English title"),
                optional=True,
                max_length=200,
                when=lambda data: not _no_zh_title(data),
            ),
            TextField(
                name="title_en_required",
                prompt=N_("The title in English. (An event needs a title in one language.)"),
                label=N_("English title"),
                max_length=200,
                when=_no_zh_title,
            ),
            TextField(
                name="description_zh",
                prompt=N_("A description in Chinese."),
                label=N_("Chinese description"),
                optional=True,
                max_length=2000,
            ),
            TextField(
                name="description_en",
                prompt=N_("A description in English."),
                label=N_("English description"),
                optional=True,
                max_length=2000,
            ),
            _start_field(),
            END,
            TextField(
                name="place",
                prompt=N_("Where is it? e.g. Community centre, 2nd floor hall."),
                label=N_("Place"),
                max_length=300,
            ),
            CAPACITY,
            NumberField(
                name="max_party",
                prompt=N_("How many people may one signup bring, the resident included? (1 to 10)"),
                label=N_("People per signup"),
                minimum=1,
                maximum=MAX_PARTY,
            ),
            DateTimeField(
                name="deadline",
                prompt=N_("Until when can people sign up? (Skip: until the start.)"),
                label=N_("Signup deadline"),
                optional=True,
            ),
            ChoiceField(
                name="publish",
                prompt=N_("Publish it now, or keep it as a draft?"),
                label=N_("Publish"),
                options=(
                    Choice("now", N_("Publish now")),
                    Choice("draft", N_("Keep as draft")),
                ),
            ),
        ),
        on_submit=_submit_new,
    )
)


@router.command("newevent", description=N_("Create an event (organisers)"), role="organiser")
def new_event(ctx: Ctx, args: str) -> None:
    engine.start(ctx, NEW_EVENT)


@router.command("myorganised", description=N_("Events I organise (organisers)"), role="organiser")
def my_organised(ctx: Ctx, args: str) -> None:
    """The events this organiser runs (admins: every event), each with its tools."""
    events = ops.organised_events(
        ctx.session, ctx.user, everyone=ctx.has_role("admin"), now=ctx.now
    )
    if not events:
        ctx.reply(ctx._("You have no upcoming events. Send /newevent to create one."))
        return
    held = ops.places_held_by_event(ctx.session, [event.id for event in events])
    lines = [ctx._("Events you organise:")]
    rows = []
    for event in events:
        lines.append(
            f"• {title(ctx.lang, event)} — {ctx.lang.datetime(event.starts_at)} — "
            f"{places_line(ctx, event, held[event.id])}"
        )
        rows.append((Button(f"🛠 {title(ctx.lang, event)}"[:60], f"{PREFIX}:org:{event.id}"),))
    ctx.reply("\n".join(lines), tuple(rows))


def _managed(ctx: Ctx, arg: str) -> Event | None:
    """The event named in the payload, if this user may manage it; else say why not."""
    event_id = parse_id(arg.partition(":")[0])
    event = ctx.session.get(Event, event_id) if event_id is not None else None
    if event is None:
        ctx.reply(ctx._("Sorry, that event does not exist."))
        return None
    if not may_manage(ctx, event):
        ctx.reply(ctx._("Sorry, only the event's organiser and admins can do that."))
        return None
    return event


def _person(signup: EventSignup) -> str:
    user = signup.user
    name = user.display_name or user.username or user.ref
    return f"{name} (@{user.username})" if user.username else name


def _panel(ctx: Ctx, arg: str) -> None:
    """Who is coming, who waits, and the tools."""
    event = _managed(ctx, arg)
    if event is None:
        return
    signups = ops.active_signups(ctx.session, event.id)
    by_status: dict[str, list[EventSignup]] = {status: [] for status in SignupStatus}
    for signup in signups:
        by_status[signup.status].append(signup)
    confirmed = by_status[SignupStatus.CONFIRMED]
    lines = [
        f"🛠 {title(ctx.lang, event)}",
        ctx._("🕒 {when}").format(when=when(ctx, event)),
        places_line(ctx, event, ops.places_held(ctx.session, event.id)),
        ctx._("Attendees: {people} people in {signups} signups").format(
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
        rows.append((Button(ctx._("📢 Publish"), f"{PREFIX}:pub:{event.id}"),))
    if event.status != EventStatus.CANCELLED:
        rows += [
            (
                Button(ctx._("📄 CSV"), f"{PREFIX}:csv:{event.id}"),
                Button(ctx._("📣 Message attendees"), f"{PREFIX}:msg:{event.id}"),
            ),
            (
                Button(ctx._("🕒 Reschedule"), f"{PREFIX}:resch:{event.id}"),
                Button(ctx._("👥 Edit places"), f"{PREFIX}:cap:{event.id}"),
            ),
            (Button(ctx._("❌ Cancel the event"), f"{PREFIX}:kill:{event.id}"),),
        ]
    rows.append((Button(ctx._("« Back to the event"), f"{PREFIX}:card:{event.id}"),))
    ctx.reply("\n".join(lines), tuple(rows))


STATUS_NAMES = {
    SignupStatus.CONFIRMED: N_("confirmed"),
    SignupStatus.OFFERED: N_("offered"),
    SignupStatus.WAITING: N_("waiting list"),
}


def _csv(ctx: Ctx, arg: str) -> None:
    """Attendees and the waiting list as a CSV file (UTF-8 with BOM, so Excel reads Chinese)."""
    event = _managed(ctx, arg)
    if event is None:
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [ctx._("Name"), ctx._("Username"), ctx._("People"), ctx._("Status"), ctx._("Signed up")]
    )
    for signup in ops.active_signups(ctx.session, event.id):
        user = signup.user
        writer.writerow(
            [
                user.display_name,
                f"@{user.username}" if user.username else "",
                signup.party_size,
                ctx._(STATUS_NAMES[SignupStatus(signup.status)]),
                ctx.lang.local(signup.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    ctx.reply(
        ctx._("The list for “{title}”.").format(title=title(ctx.lang, event)),
        attachment=Attachment(
            filename=f"event-{event.id}-attendees.csv",
            content=buffer.getvalue().encode("utf-8-sig"),
            mime_type="text/csv",
        ),
    )


def _publish(ctx: Ctx, arg: str) -> None:
    event = _managed(ctx, arg)
    if event is None:
        return
    outcome = ops.publish(ctx.session, event.id, now=ctx.now)
    note = (
        ctx._("✅ The event is published. Residents can sign up now.")
        if outcome.result == ops.R_OK
        else ctx._("This event is not a draft.")
    )
    show_card(ctx, event, note=note)


def _ask_cancel(ctx: Ctx, arg: str) -> None:
    event = _managed(ctx, arg)
    if event is None:
        return
    ctx.reply(
        ctx._(
            "Cancel “{title}” for everyone? Everyone signed up is told, in their language."
        ).format(title=title(ctx.lang, event)),
        keyboard(
            (
                Button(ctx._("Yes, cancel the event"), f"{PREFIX}:killok:{event.id}"),
                Button(ctx._("Back"), f"{PREFIX}:org:{event.id}"),
            )
        ),
    )


def _cancel_event(ctx: Ctx, arg: str) -> None:
    event = _managed(ctx, arg)
    if event is None:
        return
    outcome = ops.cancel_event(ctx.session, event.id, now=ctx.now)
    if outcome.result != ops.R_OK:
        ctx.reply(ctx._("This event was already cancelled."))
        return
    ctx.reply(
        ctx.lang.ngettext(
            "The event is cancelled. {count} person signed up is being told.",
            "The event is cancelled. {count} people signed up are being told.",
            outcome.position or 0,
        ).format(count=outcome.position or 0)
    )


# --- forms on an existing event: message, reschedule, capacity -------------------------------


def _event_for_form(ctx: Ctx, data: dict[str, Any]) -> Event:
    """The form's event, re-checked at submit: it may have been cancelled meanwhile."""
    event = ctx.session.get(Event, data.get("event_id"))
    if event is None or not may_manage(ctx, event) or event.status == EventStatus.CANCELLED:
        raise Invalid(N_("Sorry, this event can no longer be changed."))
    return event


def _submit_message(ctx: Ctx, data: dict[str, Any]) -> None:
    event = _event_for_form(ctx, data)
    count = ops.message_attendees(ctx.session, event, data["text"], now=ctx.now)
    ctx.reply(
        ctx.lang.ngettext(
            "Your message is on its way to {count} attendee.",
            "Your message is on its way to {count} attendees.",
            count,
        ).format(count=count)
    )


MESSAGE = router.form(
    engine.Form(
        name="ev.message",
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
    event = _event_for_form(ctx, data)
    starts_at, ends_at = _times(ctx, data)
    outcome = ops.reschedule(
        ctx.session,
        event.id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
    )
    if outcome.result != ops.R_OK:
        raise Invalid(N_("Sorry, this event can no longer be changed."))
    show_card(ctx, event, note=ctx._("🕒 Moved. Everyone signed up is told the new time."))


RESCHEDULE = router.form(
    engine.Form(
        name="ev.reschedule",
        title=N_("Reschedule the event"),
        fields=(_start_field(), END),
        on_submit=_submit_reschedule,
    )
)


def _submit_capacity(ctx: Ctx, data: dict[str, Any]) -> None:
    event = _event_for_form(ctx, data)
    capacity = None if data["capacity"] == UNLIMITED else data["capacity"]
    outcome = ops.set_capacity(ctx.session, event.id, capacity, now=ctx.now)
    if outcome.result == ops.R_TOO_LOW:
        raise Invalid(
            N_("{held} places are already taken or offered. Please send {held} or more."),
            held=outcome.position,
        )
    note = ctx.lang.ngettext(
        "Places updated. {count} person on the waiting list was offered a place.",
        "Places updated. {count} people on the waiting list were offered a place.",
        len(outcome.offered),
    ).format(count=len(outcome.offered))
    show_card(ctx, event, note=note)


EDIT_CAPACITY = router.form(
    engine.Form(
        name="ev.capacity",
        title=N_("Edit the number of places"),
        fields=(CAPACITY,),
        on_submit=_submit_capacity,
    )
)


def _form_action(form: engine.Form) -> Handler:
    """The button that opens ``form`` on the event it names (organiser and admins only)."""

    def open_form(ctx: Ctx, arg: str) -> None:
        event = _managed(ctx, arg)
        if event is not None:
            if event.status == EventStatus.CANCELLED:
                ctx.reply(ctx._("Sorry, this event can no longer be changed."))
                return
            engine.start(ctx, form, initial={"event_id": event.id})

    return open_form


ACTIONS.update(
    {
        "org": _panel,
        "csv": _csv,
        "pub": _publish,
        "kill": _ask_cancel,
        "killok": _cancel_event,
        "msg": _form_action(MESSAGE),
        "resch": _form_action(RESCHEDULE),
        "cap": _form_action(EDIT_CAPACITY),
    }
)
