"""Announcers (role ``announcer``) and admins: ``/notice`` — a form with the text in Chinese
and/or English, a photo or file, the topic, the audience, urgency and the time; the summary
says how many people it reaches in each language before Confirm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db import notice_states as states
from db import notice_subscriptions as subs
from db import notices as ops
from db.models import Role
from db.notice_models import Topic
from handlers.forms import engine
from handlers.forms.engine import CONFIRM_OPTION
from handlers.forms.fields import (
    Choice,
    ChoiceField,
    Field,
    Invalid,
    PhotoField,
    TextField,
    YesNoField,
)
from handlers.forms.time_fields import DateTimeField
from handlers.i18n import N_
from handlers.notices.common import TOPIC_LABELS, router
from handlers.notices.progress import show_progress
from handlers.quiet import in_quiet_hours, quiet_end
from handlers.router import Rule
from handlers.types import MAX_MESSAGE_LENGTH, Ctx, Inbound, Kind

#: A photo's or file's caption holds at most 1,024 characters on Telegram; the notice's own
#: line about the topic needs a few.
MAX_CAPTION_TEXT = 1000
EVERYONE, BUILDINGS = "everyone", "buildings"
NOW, LATER = "now", "later"
#: The summary's send buttons in the quiet hours (``send_options``).
URGENT_AT_NIGHT, IN_THE_MORNING = 1, 2


@dataclass(frozen=True, kw_only=True)
class BuildingsField(Field):
    """One or more buildings from the admins' list: a button each (or the name typed), Done."""

    def choices(self, ctx: Ctx) -> list[str]:
        return [b.name for b in subs.buildings(ctx.session)]

    @property
    def max_items(self) -> int:
        return 100

    def pick(self, ctx: Ctx, index: int) -> int:
        buildings = subs.buildings(ctx.session)
        if 0 <= index < len(buildings):
            return buildings[index].id
        return super().pick(ctx, index)

    def parse(self, ctx: Ctx, inbound: Inbound) -> int:
        if inbound.kind is not Kind.TEXT or not inbound.text.strip():
            raise Invalid(N_("Please choose a building with the buttons."))
        building = subs.building_by_name(ctx.session, inbound.text)
        if building is None:
            raise Invalid(
                N_("There is no building “{name}” in the list. Please choose one of the buttons."),
                name=inbound.text.strip()[:40],
            )
        return building.id

    def show(self, ctx: Ctx, value: Any) -> str:
        names = {b.id: b.name for b in subs.buildings(ctx.session)}
        return ctx.lang.list([names.get(i, "?") for i in value or []])


def text_fields(prefix: str = "") -> tuple[Field, ...]:
    return (
        TextField(
            name="text_zh",
            prompt=N_(
                "Write the notice in Chinese (at most 4,096 characters), or press Skip to write "
                "it in English only."
            ),
            label=N_("Text in Chinese"),
            optional=True,
            max_length=MAX_MESSAGE_LENGTH,
        ),
        TextField(
            name="text_en",
            prompt=N_(
                "Write the notice in English (at most 4,096 characters), or press Skip to send "
                "it in Chinese only."
            ),
            label=N_("Text in English"),
            optional=True,
            max_length=MAX_MESSAGE_LENGTH,
        ),
    )


def check_texts(data: dict[str, Any], attachment: dict[str, Any] | None) -> None:
    """At least one text; with a photo or file, short enough to be its caption."""
    if not data.get("text_zh") and not data.get("text_en"):
        raise Invalid(
            N_("A notice needs a text, in Chinese or in English. Please write one."),
            field="text_zh",
        )
    if attachment:
        for name in ("text_zh", "text_en"):
            if len(data.get(name) or "") > MAX_CAPTION_TEXT:
                raise Invalid(
                    N_(
                        "With a photo or file, the text can be at most {maximum} characters "
                        "(it is sent as the caption). Please shorten it, or remove the photo."
                    ),
                    field=name,
                    maximum=MAX_CAPTION_TEXT,
                )


def _requested(ctx: Ctx, data: dict[str, Any]) -> datetime:
    if data.get("when") == LATER and data.get("send_at"):
        return datetime.fromisoformat(data["send_at"]).astimezone(UTC)
    return ctx.now


def _buildings(data: dict[str, Any]) -> list[int]:
    return list(data.get("buildings") or []) if data.get("audience") == BUILDINGS else []


def _night_choice(ctx: Ctx, data: dict[str, Any], requested: datetime) -> bool:
    """An admin's safety notice whose time falls in the quiet hours: the admin may send it then,
    as urgent, or let it wait for the morning. Nobody else sends at night."""
    return (
        data.get("topic") == Topic.SAFETY
        and ctx.has_role("admin")
        and in_quiet_hours(ctx.community, requested)
    )


def send_options(ctx: Ctx, data: dict[str, Any]) -> tuple[tuple[str, int], ...] | None:
    """In the quiet hours, an admin's safety notice: “Send now (urgent)” beside “Send at
    08:00” (in place of Confirm and send)."""
    requested = _requested(ctx, data)
    if not _night_choice(ctx, data, requested):
        return None
    if requested <= ctx.now:
        urgent = ctx._("⚠️ Send now (urgent)")
    else:
        urgent = ctx._("⚠️ Send at {time} (urgent)").format(time=ctx.lang.time(requested))
    morning = ctx._("🌙 Send at {time}").format(
        time=ctx.lang.time(quiet_end(ctx.community, requested))
    )
    return ((urgent, URGENT_AT_NIGHT), (morning, IN_THE_MORNING))


def preview(ctx: Ctx, data: dict[str, Any]) -> str:
    """How many it reaches per language, and when it goes out (quiet hours)."""
    readers = ops.count_by_language(
        ctx.session,
        data.get("topic") or "",
        _buildings(data),
        default_locale=ctx.community.default_locale,
    )
    number = ctx.lang.number
    lines = [
        ctx._(
            "Readers it will reach now: {total} ({hans} in 简体, {hant} in 繁體, {en} in English)."
        ).format(
            total=number(readers.total),
            hans=number(readers.simplified),
            hant=number(readers.traditional),
            en=number(readers.english),
        )
    ]
    requested = _requested(ctx, data)
    morning = ctx.lang.datetime(quiet_end(ctx.community, requested))
    if _night_choice(ctx, data, requested):
        lines.append(
            ctx._(
                "That is in the quiet hours. As an administrator you can send this safety "
                "notice then, marked urgent, or let it wait until {when}."
            ).format(when=morning)
        )
    elif in_quiet_hours(ctx.community, requested):
        lines.append(
            ctx._(
                "That is in the quiet hours, so it will go out at {when}. (Only an "
                "administrator can send an urgent safety notice at night.)"
            ).format(when=morning)
        )
    return "\n".join(lines)


def submit(ctx: Ctx, data: dict[str, Any]) -> None:
    """Check everything again, then keep the notice (once, however often Confirm is pressed)."""
    attachment = data.get("attachment")
    check_texts(data, attachment)
    requested = _requested(ctx, data)
    if requested < ctx.now:
        raise Invalid(
            N_("The time to send has already passed. Please choose another time."),
            field="send_at",
        )
    known = {b.id for b in subs.buildings(ctx.session)}
    chosen = _buildings(data)
    if data.get("audience") == BUILDINGS and (not chosen or not set(chosen) <= known):
        raise Invalid(
            N_("A building you chose is no longer in the list. Please choose again."),
            field="buildings",
        )
    readers = ops.count_by_language(
        ctx.session, data["topic"], chosen, default_locale=ctx.community.default_locale
    )
    if readers.total == 0:
        raise Invalid(
            N_(
                "Nobody would receive this notice: no one has subscribed to this topic"
                " (in these buildings). Please choose another topic or audience."
            ),
            field="topic",
        )
    # At night only an admin who pressed “Send now (urgent)” sends (re-checked: the role or the
    # hour may have changed since the summary); everything else waits for the morning.
    at_night = data.get(CONFIRM_OPTION) == URGENT_AT_NIGHT and _night_choice(ctx, data, requested)
    new = ops.NewNotice(
        topic=data["topic"],
        text_zh=data.get("text_zh"),
        text_en=data.get("text_en"),
        requested_at=requested,
        building_ids=tuple(chosen),
        urgent=bool(data.get("urgent")) or at_night,
        attachment=attachment,
    )
    notice = ops.create(
        ctx.session, author=ctx.user, submission=ctx.conversation.token, new=new, now=ctx.now
    )
    if notice is None:
        ctx.reply(ctx._("This notice was already confirmed; it is not sent twice."))
        return
    due = requested if at_night else quiet_end(ctx.community, requested)
    states.schedule(ctx.session, notice, due_at=due)
    if notice.due_at <= ctx.now:
        text = ctx._("📢 Notice #{id} is going out now. Its progress is shown below.")
    elif notice.due_at == requested:
        text = ctx._("📢 Notice #{id} will go out at {when}. You can cancel or correct it below.")
    else:
        text = ctx._(
            "📢 Notice #{id} will go out at {when}, when the quiet hours end. "
            "You can cancel or correct it below."
        )
    ctx.reply(text.format(id=notice.id, when=ctx.lang.datetime(notice.due_at)))
    show_progress(ctx.session, notice, now=ctx.now)


NOTICE_FORM = router.form(
    engine.Form(
        name="notice",
        title=N_("Write a community notice"),
        rule=Rule(
            role=Role.ANNOUNCER,
            refusal=N_("Sorry, you can no longer send notices. Please ask an administrator."),
        ),
        fields=(
            *text_fields(),
            PhotoField(
                name="attachment",
                prompt=N_("Send a photo or a file to go with it, or press Skip."),
                label=N_("Photo or file"),
                optional=True,
                accept_documents=True,
            ),
            ChoiceField(
                name="topic",
                prompt=N_("What is it about?"),
                label=N_("Topic"),
                options=tuple(Choice(t.value, label) for t, label in TOPIC_LABELS.items()),
                columns=1,
            ),
            ChoiceField(
                name="audience",
                prompt=N_("Who should receive it?"),
                label=N_("Audience"),
                options=(
                    Choice(EVERYONE, N_("Everyone subscribed to the topic")),
                    Choice(BUILDINGS, N_("Chosen buildings")),
                ),
                columns=1,
            ),
            BuildingsField(
                name="buildings",
                prompt=N_("Which buildings? Press each one, then Done."),
                label=N_("Buildings"),
                when=lambda data: data.get("audience") == BUILDINGS,
            ),
            YesNoField(
                name="urgent",
                prompt=N_(
                    "Is it urgent? (It is marked urgent. At night, an administrator can send an "
                    "urgent safety notice at once.)"
                ),
                label=N_("Urgent"),
            ),
            ChoiceField(
                name="when",
                prompt=N_("When should it go out?"),
                label=N_("When"),
                options=(Choice(NOW, N_("Now")), Choice(LATER, N_("At a time"))),
            ),
            DateTimeField(
                name="send_at",
                prompt=N_("At what time? Beijing time, e.g. 2026-12-24 09:00 or 12月24日 9:00."),
                label=N_("Send at"),
                when=lambda data: data.get("when") == LATER,
            ),
        ),
        on_submit=submit,
        preview=preview,
        confirm_label=N_("✅ Confirm and send"),
        confirm_options=send_options,
    )
)


@router.command(
    "notice",
    description=N_("Write a community notice"),
    role=Role.ANNOUNCER,
    private_only=True,
    private_hint=N_("Please write notices to me in a private chat."),
)
def notice_command(ctx: Ctx, args: str) -> None:
    if not subs.buildings(ctx.session) and ctx.has_role("admin"):
        ctx.reply(
            ctx._("Tip: list the community's buildings with /buildings, so notices can reach one.")
        )
    engine.start(ctx, NOTICE_FORM)
