"""Changing an event from its panel: publish a draft, reschedule it, edit its places, cancel
it. An event whose place is a room holds the room from its publishing and moves it with the
event (``hold_the_room``); everyone signed up hears of a new time or a cancellation."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from db.events import manage as ev_manage
from db.events import operations as ops
from db.events.models import Event, EventStatus
from db.rooms import events as room_events
from db.rooms import operations as rooms_ops
from handlers.buttons.events import (
    AskToCancelEvent,
    CancelEvent,
    EditPlaces,
    ManageEvent,
    MyOrganisedEvents,
    PublishEvent,
    RescheduleEvent,
)
from handlers.common import pick_text
from handlers.events.common import access_event_as_organiser, router, show_card, title
from handlers.events.manage import event_for_form, menu_button, open_form
from handlers.events.offers import offer_clock
from handlers.events.organise import CAPACITY, END, start_field
from handlers.forms import engine
from handlers.forms.fields import UNLIMITED, Invalid
from handlers.forms.time_fields import future_times
from handlers.i18n import N_, Np_
from handlers.types import Button, Ctx, keyboard

_managed = access_event_as_organiser


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
        if result.outcome == ops.Outcome.DONE
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
    if result.outcome != ops.Outcome.DONE:
        ctx.reply(ctx._("This event was already cancelled."))
        return
    room_events.free_for_event(ctx.session, event.id, now=ctx.now)
    ctx.reply(
        ctx.lang.ngettext(
            "The event is cancelled. {count} person signed up is being told.",
            "The event is cancelled. {count} people signed up are being told.",
            result.count,
        ).format(count=result.count),
        keyboard((Button(ctx._("🛠 My events"), MyOrganisedEvents().pack()), menu_button(ctx))),
    )


def hold_the_room(ctx: Ctx, event: Event, **moved: Any) -> str | None:
    """An event whose place is a room (``docs/rooms.md``) holds it from its publishing, and
    moves it when rescheduled (``moved``: the new ``starts_at``, ``ends_at``): None when held
    (or no room), else why not, in the reader's language."""
    held = room_events.book_for_event(
        ctx.session, event, user_id=ctx.user.id, now=ctx.now, tz=ctx.community.timezone, **moved
    )
    outcome, room = held.outcome, held.room
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


# --- the forms: reschedule, capacity --------------------------------------------------------


def _submit_reschedule(ctx: Ctx, data: dict[str, Any]) -> None:
    """Move the event; reminders move and everyone is told."""
    event = event_for_form(ctx, data)
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
    if result.outcome != ops.Outcome.DONE:
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
    event = event_for_form(ctx, data)
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


@router.button(RescheduleEvent, role="organiser", private_only=True)
def reschedule(ctx: Ctx, payload: RescheduleEvent) -> None:
    open_form(ctx, payload.event, RESCHEDULE)


@router.button(EditPlaces, role="organiser", private_only=True)
def edit_places(ctx: Ctx, payload: EditPlaces) -> None:
    open_form(ctx, payload.event, EDIT_CAPACITY)
