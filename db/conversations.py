"""Conversation state: one row per (user, chat), loaded and saved once per inbound message.

The row's ``version`` column is SQLAlchemy's version counter: a second worker that saves a
stale copy gets ``StaleDataError`` and the dispatcher retries that update from the start.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Conversation, User


def load_conversation(
    session: Session, user: User, chat_key: str, *, now: datetime
) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.user_id == user.id, Conversation.chat_key == chat_key
        )
    )
    if conversation is None:
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
        session.flush()
    return conversation


def clear_flow(conversation: Conversation) -> None:
    """Forget the open form (if any) and what it collected."""
    conversation.flow = None
    conversation.step = 0
    conversation.token = ""
    conversation.data = {}
    conversation.expires_at = None
