"""Organisers (role organiser, or admin): /newevent (a form) and /myorganised (their events,
each opening the tools in ``manage.py``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from db import event_manage as ev_manage
from db import event_reads as ev_reads
from db.event_models import EventStatus
from handlers.buttons.events import ManageEvent
from handlers.events.common import (
    places_line,
    router,
    show_card,
    title,
)
from handlers.forms import engine
from handlers.forms.bilingual import bilingual_fields, titles
from handlers.forms.fields import (
    UNLIMITED,
    Choice,
    ChoiceField,
    Invalid,
    NumberField,
    NumberOrUnlimitedField,
    TextField,
)
from handlers.forms.time_fields import DateTimeField, EndField, future_times
from handlers.i18n import N_
from handlers.router import Rule
from handlers.types import Button, Ctx, pressed

MAX_PARTY = 10


def start_field() -> DateTimeField:
    """The start question (also used by Reschedule)."""
    return DateTimeField(
        name="starts_at",
        prompt=N_(
            "When does it start? Local time, e.g. 2026-12-24 19:00, 12/24 19:00 or 12月24日晚上7点."
        ),
        label=N_("Start"),
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


def _submit_new(ctx: Ctx, data: dict[str, Any]) -> None:
    """Create the event (published now or a draft) and show its card."""
    title_zh, title_en = titles(data, N_("Please give the event a title in at least one language."))
    starts_at, ends_at = future_times(ctx, data)
    deadline = datetime.fromisoformat(data["deadline"]) if data.get("deadline") else None
    if deadline is not None and deadline > starts_at:
        raise Invalid(
            N_("The signup deadline must be before the start. Please change it."), field="deadline"
        )
    capacity = data.get("capacity")
    new = ev_manage.NewEvent(
        title_zh=title_zh,
        title_en=title_en,
        description_zh=data.get("description_zh"),
        description_en=data.get("description_en"),
        starts_at=starts_at,
        ends_at=ends_at,
        place=data["place"],
        capacity=None if capacity == UNLIMITED else capacity,
        max_party=data.get("max_party") or 1,
        signup_deadline=deadline,
        publish=data.get("publish") == "now",
    )
    event = ev_manage.create_event(ctx.session, ctx.user, new, now=ctx.now)
    if event.status == EventStatus.PUBLISHED:
        note = ctx._("✅ The event is published. Residents can sign up now.")
    else:
        note = ctx._("📝 Saved as a draft. Press Manage, then Publish, when it is ready.")
    show_card(ctx, event, note=note, edit=pressed(ctx))  # Confirm turns the summary into it


NEW_EVENT = router.form(
    engine.Form(
        name="ev.new",
        rule=Rule(role="organiser"),
        title=N_("New event"),
        fields=(
            *bilingual_fields(
                title_en_required=N_(
                    "The title in English. (An event needs a title in one language.)"
                )
            ),
            start_field(),
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
                default_time=time(23, 59),  # a date alone: until the end of that day
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


@router.command("newevent", description=N_("Create an event"), role="organiser", private_only=True)
def new_event(ctx: Ctx, args: str) -> None:
    """Open the new-event form."""
    engine.start(ctx, NEW_EVENT)


@router.command(
    "myorganised", description=N_("Events I organise"), role="organiser", private_only=True
)
def my_organised(ctx: Ctx, args: str) -> None:
    """The events this organiser runs (admins: every event), each with its tools."""
    events = ev_reads.organised_events(
        ctx.session, ctx.user, everyone=ctx.has_role("admin"), now=ctx.now
    )
    if not events:
        ctx.reply(ctx._("You have no upcoming events. Send /newevent to create one."))
        return
    held = ev_reads.places_held_by_event(ctx.session, [event.id for event in events])
    lines = [ctx._("Events you organise:")]
    rows = []
    for event in events:
        lines.append(
            f"• {title(ctx.lang, event)} — {ctx.lang.datetime(event.starts_at)} — "
            f"{places_line(ctx, event, held[event.id])}"
        )
        rows.append((Button(f"🛠 {title(ctx.lang, event)}"[:60], ManageEvent(event.id).pack()),))
    ctx.reply("\n".join(lines), tuple(rows))
