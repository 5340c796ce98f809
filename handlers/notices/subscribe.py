"""Residents: ``/notices`` — the topics they receive (one tap turns one on or off), their
building, stop everything, and the last ten notices that concerned them. The welcome asks a
new neighbour once whether they want news and safety notices; nothing is assumed.

The panel is one message: every press on it (a topic, 🏠 My building and the building chosen,
📜 Recent notices, « Back) changes that message. A button of an older panel never undoes a newer
choice: a topic's button says which way it turns it, a building already chosen stays, and the
press shows the panel as it stands."""

from __future__ import annotations

from db.notices import operations as ops
from db.notices import subscriptions as subs
from db.notices.models import DEFAULT_TOPICS
from handlers.buttons.notices import (
    ChooseBuilding,
    NoticeSettings,
    RecentNotices,
    SetBuilding,
    StopNotices,
    ToggleTopic,
    WelcomeNotices,
)
from handlers.i18n import N_, for_reader
from handlers.notices.common import TOPIC_LABELS, router, text_for, topic_label
from handlers.types import Button, Ctx, Keyboard, keyboard, rows_of

#: A recent notice is shown up to this many characters (the whole one came as a message).
PREVIEW = 300


#: In a group: one's own topics and building are chosen only in a private chat.
IN_PRIVATE = N_("Please write to me in a private chat to choose your notices.")


def show_settings(ctx: Ctx, *, edit: bool = False, note: str | None = None) -> None:
    """The settings card: one button per topic (✅ on), building, stop, recent."""
    sub = subs.subscription(ctx.session, ctx.user)
    chosen = [topic_label(ctx.lang, t) for t in TOPIC_LABELS if t in sub.topics]
    lines = [note] if note else []
    lines.append(ctx._("📢 Community notices"))
    lines.append(
        ctx._("You receive: {topics}").format(topics=ctx.lang.list(chosen))
        if chosen
        else ctx._("You receive no notices.")
    )
    lines.append(
        ctx._("Your building: {building}").format(
            building=for_reader(ctx.lang.code, sub.building.name)
        )
        if sub.building
        else ctx._("Your building: not set (you get notices for everyone only).")
    )
    lines.append(ctx._("Press a topic to turn it on or off."))
    rows: list[Button | tuple[Button, ...]] = [
        Button(
            ("✅ " if topic in sub.topics else "▫️ ") + ctx._(label),
            ToggleTopic(topic, "off" if topic in sub.topics else "on").pack(),
        )
        for topic, label in TOPIC_LABELS.items()
    ]
    extra = [Button(ctx._("🏠 My building"), ChooseBuilding().pack())]
    if sub.topics:
        extra.append(Button(ctx._("🔕 Stop all notices"), StopNotices().pack()))
    rows.append(tuple(extra))
    rows.append(Button(ctx._("📜 Recent notices"), RecentNotices().pack()))
    ctx.reply("\n".join(lines), keyboard(*rows), edit=edit)


@router.command(
    "notices",
    description=N_("Community notices: choose what you receive"),
    private_only=True,
    private_hint=IN_PRIVATE,
)
def notices_command(ctx: Ctx, args: str) -> None:
    subs.mark_asked(ctx.session, ctx.user, now=ctx.now)
    show_settings(ctx)


def offer(ctx: Ctx) -> tuple[str | None, Keyboard]:
    """For the welcome, once: would they like news and safety notices? (Nothing is assumed.)
    Returns the question and its buttons, which go under the main menu's."""
    if ctx.inbound.chat.is_group or (not ctx.first_seen and subs.was_asked(ctx.session, ctx.user)):
        return None, ()
    subs.mark_asked(ctx.session, ctx.user, now=ctx.now, first=True, new_person=ctx.first_seen)
    return _question(ctx)


def _question(ctx: Ctx) -> tuple[str, Keyboard]:
    """The welcome's notices question and its three answers."""
    return ctx._(
        "📢 The community centre sends notices here: community news, and safety and "
        "weather warnings. Would you like to receive them? You can change this at any time "
        "with /notices."
    ), keyboard(
        Button(ctx._("✅ Yes, news and safety"), WelcomeNotices("yes").pack()),
        (
            Button(ctx._("Choose topics"), WelcomeNotices("choose").pack()),
            Button(ctx._("No, thanks"), WelcomeNotices("no").pack()),
        ),
    )


@router.on_completed
def ask_after_a_first_action(ctx: Ctx) -> None:
    """Someone who never saw the welcome (a Matrix user who wrote first, a neighbour who came
    through a shared link) is asked the welcome's question after their first completed
    action — a signup, a request, a report —, as its own message; once, never in a group."""
    if ctx.inbound.chat.is_group or not subs.ask_once(ctx.session, ctx.user, now=ctx.now):
        return
    ctx.reply(*_question(ctx))


@router.button(WelcomeNotices, private_only=True, private_hint=IN_PRIVATE)
def _welcome(ctx: Ctx, payload: WelcomeNotices) -> None:
    answer = payload.answer
    if answer == "yes":
        subs.set_topics(ctx.session, ctx.user, DEFAULT_TOPICS, now=ctx.now)
        show_settings(ctx, note=ctx._("Thank you. You will receive these notices."))
    elif answer == "choose":
        show_settings(ctx)
    else:
        ctx.reply(ctx._("All right: no notices. You can choose some at any time with /notices."))


def _back(ctx: Ctx) -> Button:
    return Button(ctx._("« Back"), NoticeSettings().pack())


@router.button(NoticeSettings, private_only=True, private_hint=IN_PRIVATE)
def _settings(ctx: Ctx, payload: NoticeSettings) -> None:
    show_settings(ctx, edit=True)


@router.button(ToggleTopic, private_only=True, private_hint=IN_PRIVATE)
def _toggle(ctx: Ctx, payload: ToggleTopic) -> None:
    if payload.to == "flip":
        subs.toggle_topic(ctx.session, ctx.user, payload.topic, now=ctx.now)
        show_settings(ctx, edit=True)
        return
    topics = subs.subscription(ctx.session, ctx.user).topics
    wanted = payload.to == "on"
    if (payload.topic in topics) == wanted:  # an older panel's button, or a double tap
        note = ctx._("{topic} is already on.") if wanted else ctx._("{topic} is already off.")
        show_settings(ctx, edit=True, note=note.format(topic=topic_label(ctx.lang, payload.topic)))
        return
    changed = topics | {payload.topic} if wanted else topics - {payload.topic}
    subs.set_topics(ctx.session, ctx.user, changed, now=ctx.now)
    show_settings(ctx, edit=True)


@router.button(StopNotices, private_only=True, private_hint=IN_PRIVATE)
def _stop(ctx: Ctx, payload: StopNotices) -> None:
    subs.set_topics(ctx.session, ctx.user, (), now=ctx.now)
    show_settings(ctx, edit=True, note=ctx._("Done: you will receive no more notices."))


@router.button(ChooseBuilding, private_only=True, private_hint=IN_PRIVATE)
def _building_menu(ctx: Ctx, payload: ChooseBuilding) -> None:
    show_buildings(ctx)


def show_buildings(ctx: Ctx, *, note: str | None = None) -> None:
    """The buildings to choose from, in place of the panel (✅ on the one chosen), with « Back."""
    buildings = subs.buildings(ctx.session)
    if not buildings:
        ctx.reply(
            ctx._("The community has not listed its buildings yet."),
            keyboard(_back(ctx)),
            edit=True,
        )
        return
    current = subs.subscription(ctx.session, ctx.user).building
    chosen = current.id if current else 0
    buttons = [
        Button(
            ("✅ " if b.id == chosen else "") + for_reader(ctx.lang.code, b.name),
            SetBuilding(b.id).pack(),
        )
        for b in buildings
    ]
    rows: list[tuple[Button, ...]] = rows_of(buttons, 3)
    none = ("✅ " if not chosen else "") + ctx._("No building")
    rows.append((Button(none, SetBuilding(0).pack()),))
    rows.append((_back(ctx),))
    lines = [note] if note else []
    lines.append(
        ctx._(
            "Which building do you live in? Notices about works or outages in your building "
            "will reach you (for the topics you chose)."
        )
    )
    ctx.reply("\n".join(lines), tuple(rows), edit=True)


@router.button(SetBuilding, private_only=True, private_hint=IN_PRIVATE)
def _building_set(ctx: Ctx, payload: SetBuilding) -> None:
    building_id = payload.building
    known = {b.id: b for b in subs.buildings(ctx.session)}
    if building_id and building_id not in known:  # removed from the list since it was shown
        show_buildings(
            ctx, note=ctx._("A building you chose is no longer in the list. Please choose again.")
        )
        return
    current = subs.subscription(ctx.session, ctx.user).building
    if (current.id if current else 0) == building_id:  # an older list's button, or a double tap
        note = (
            ctx._("Your building is already {building}.").format(
                building=for_reader(ctx.lang.code, known[building_id].name)
            )
            if building_id
            else None
        )
        show_settings(ctx, edit=True, note=note)
        return
    subs.set_building(ctx.session, ctx.user, building_id or None, now=ctx.now)
    show_settings(ctx, edit=True)


@router.button(RecentNotices, private_only=True, private_hint=IN_PRIVATE)
def _recent(ctx: Ctx, payload: RecentNotices) -> None:
    notices = ops.recent_for(ctx.session, ctx.user)
    if not notices:
        ctx.reply(ctx._("There are no notices for you yet."), keyboard(_back(ctx)), edit=True)
        return
    lines = [ctx._("📜 The last notices for you, newest first:")]
    for notice in notices:
        text, fallback = text_for(ctx.lang, notice.text_zh, notice.text_en)
        if len(text) > PREVIEW:
            text = text[:PREVIEW] + "…"
        when = ctx.lang.datetime(notice.started_at or notice.due_at)
        lines.append("")
        lines.append(f"{when} · {topic_label(ctx.lang, notice.topic)}")
        lines.append(text)
        if fallback:
            lines.append(fallback)
    ctx.reply("\n".join(lines), keyboard(_back(ctx)), edit=True)
