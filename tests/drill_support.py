"""Helpers for the project's drills: a fan-out (an organiser's message to many confirmed
attendees, queued by the real domain operation) and what the stand-in delivered."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from db.events.messages import message_attendees
from db.events.models import Event
from db.events.operations import sign_up
from db.users import get_or_create_user
from standin.botapi import BotApiStandin
from tests.events_support import make_event


def fan_out(session_factory, now: datetime, chats: range, text: str) -> int:
    """``len(chats)`` people (Telegram ids ``chats``) sign up for one event; its organiser's
    message to them is queued. Returns how many messages were queued."""
    event_id = make_event(session_factory, now, capacity=len(chats))
    with session_factory() as session, session.begin():
        for chat in chats:
            user = get_or_create_user(
                session,
                transport="telegram",
                external_id=str(chat),
                now=now,
                display_name=f"Neighbour {chat}",
                language_hint="en" if chat % 2 else "zh-hans",
            )
            user.private_chat_id = str(chat)
            session.flush()
            sign_up(session, event_id, user, 1, now=now, reminders=[timedelta(days=365)])
    with session_factory() as session, session.begin():
        event = session.get(Event, event_id)
        assert event is not None
        return message_attendees(session, event, text, now=now)


def delivered(api: BotApiStandin, text: str) -> Counter[int]:
    """How many times each chat was sent a message containing ``text`` (accepted calls only)."""
    return Counter(
        int(call.params["chat_id"])
        for call in api.calls_to("sendMessage")
        if call.response is not None
        and call.response.get("ok")
        and text in str(call.params.get("text", ""))
    )
