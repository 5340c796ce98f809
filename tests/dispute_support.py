"""Helpers for the dispute tests: file a report as a resident would, make mediators, read what
the outbox holds (rendered as its recipient will read it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.dispatcher import Dispatcher
from db.models import OutboxMessage, User
from handlers.i18n import language, negotiate
from handlers.router import Registry
from handlers.types import Community, Kind, Reply
from tests.support import Resident, give_role, group_command

LABELS = {
    "en": {
        "noise": "Noise",
        "parking": "Parking",
        "named": "With my name",
        "anonymous": "Anonymous",
        "yes": "Yes",
        "no": "No",
        "done": "Done",
        "skip": "Skip",
        "send": "Send the report",
    },
    "zh": {
        "noise": "噪音",
        "parking": "停车",
        "named": "署名",
        "anonymous": "匿名",
        "yes": "是",
        "no": "否",
        "done": "完成",
        "skip": "跳过",
        "send": "提交反映",
    },
}


def labels(person: Resident) -> dict[str, str]:
    return LABELS["zh" if (person.language_code or "").startswith("zh") else "en"]


def file_report(
    person: Resident,
    *,
    category: str = "noise",
    place: str = "Building 3, unit 1202",
    when: str | None = "every night after 23:00",
    description: str = "Very loud music from upstairs until 2 am.",
    photos: tuple[str, ...] = (),
    anonymous: bool = True,
    contact: bool = False,
) -> str:
    """Fill the report form to the end; returns the text of the confirmation."""
    words = labels(person)
    person.send("/report")
    person.press(words[category])
    person.send(place)
    if when is None:
        person.press(words["skip"])
    else:
        person.send(when)
    person.send(description)
    if not photos:
        person.press(words["skip"])
    for file_id in photos:
        person.send_kind(Kind.PHOTO, file_id=file_id)
    if photos and len(photos) < 3:
        person.press(words["done"])
    person.press(words["anonymous" if anonymous else "named"])
    if not anonymous:
        person.press(words["yes" if contact else "no"])
    person.press(words["send"])
    return person.text


def make_mediator(
    resident,
    session_factory,
    clock,
    name: str = "Li Mediator",
    hint: str = "zh-hans",
    user_id: str = "5000",
) -> Resident:
    return give_role(session_factory, clock, resident(name, hint, user_id=user_id), "mediator")


def bind_mediators(dispatcher: Dispatcher, hint: str = "zh-hans") -> None:
    assert "调解员" in group_command(dispatcher, "9000", "/bind mediators", hint) or hint == "en"


@dataclass(frozen=True)
class Sent:
    chat_id: str
    template: str
    text: str
    reply: Reply
    row: OutboxMessage


def outbox_messages(session_factory, registry: Registry, community: Community) -> list[Sent]:
    """Every outbox row, rendered in its recipient's language as the worker would."""
    with session_factory() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        users = {u.id: u for u in session.scalars(select(User))}
    sent = []
    for row in rows:
        user = users.get(row.user_id) if row.user_id else None
        code = negotiate(
            user.locale if user else None,
            (user.language_hint if user else None) or row.locale,
            community.default_locale,
        )
        reply = registry.render(row.template, language(code, community.timezone.key), row.params)
        sent.append(Sent(row.chat_id, row.template, reply.text, reply, row))
    return sent


def to_chat(messages: list[Sent], chat_id: str, template: str | None = None) -> list[Sent]:
    return [
        m for m in messages if m.chat_id == chat_id and (template is None or m.template == template)
    ]
