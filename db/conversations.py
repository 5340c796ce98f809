"""Conversation state: one row per (user, chat), loaded and saved once per inbound message.

``data`` is a JSON object with one key per owner: the form engine's typed state under
``FORM_KEY`` (``handlers/forms/state.py``), and whatever another flow must remember between two
messages under a key of its own (``put_aside`` / ``set_aside``). Closing a form clears only its
key.

The row's ``version`` column is SQLAlchemy's version counter: a second worker that saves a
stale copy gets ``StaleDataError`` and the dispatcher retries that update from the start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Conversation, User

#: The form engine's key in ``Conversation.data``.
FORM_KEY = "form"


def load_conversation(
    session: Session, user: User, chat_key: str, *, now: datetime
) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.user_id == user.id, Conversation.chat_key == chat_key
        )
    )
    return conversation or new_conversation(session, user, chat_key, now=now)


def new_conversation(session: Session, user: User, chat_key: str, *, now: datetime) -> Conversation:
    """The first conversation of ``user`` in this chat (the caller knows there is none). It
    goes in with the message's other writes (the next read or the commit), so the buttons the
    message shows are in its ``INSERT``, not in an ``UPDATE`` after it; a second message of the
    same person that raced it in loses at the commit and runs again."""
    conversation = Conversation(
        user_id=user.id,
        chat_key=chat_key,
        step=0,
        token="",
        data={},
        keyboard=[],
        updated_at=now,
    )
    session.add(conversation)
    return conversation


def clear_flow(conversation: Conversation) -> None:
    """Forget the open form (if any) and what it collected; other flows' data stays. (A form
    left open by an older version kept everything in one flat dict: that is all dropped.)"""
    data = conversation.data or {}
    conversation.flow = None
    conversation.step = 0
    conversation.token = ""
    conversation.data = {k: v for k, v in data.items() if k != FORM_KEY} if FORM_KEY in data else {}
    conversation.expires_at = None


def put_aside(conversation: Conversation, key: str, value: Any) -> None:
    """Remember ``value`` for a flow outside the form engine (``None`` forgets it)."""
    if key == FORM_KEY:
        raise ValueError("the form engine's key belongs to the form engine")
    data = {k: v for k, v in (conversation.data or {}).items() if k != key}
    if value is not None:
        data[key] = value
    conversation.data = data


def set_aside(conversation: Conversation, key: str) -> Any:
    """What ``put_aside`` remembered under ``key`` (None if nothing)."""
    return (conversation.data or {}).get(key)
