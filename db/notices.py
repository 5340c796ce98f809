"""Community notices: subscriptions, buildings, the audience of a notice, and sending it
through the outbox in windows — never the whole audience in memory, never twice to one person.

The audience is a query (consent to the topic, optionally one of the chosen buildings, a
private chat, not unreachable). ``queue_window`` copies the next users of it into the outbox
with one ``INSERT … SELECT`` per chunk (key ``nt:<notice>:<user>``: a person is queued at most
once, whatever runs twice), and moves the notice's ``cursor`` (the last user id queued). The
caller owns the transaction, as everywhere in ``db/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db import notice_subscriptions as subscriptions
from db.locks import lock_row
from db.models import OutboxMessage, OutboxStatus, User
from db.notice_messages import NoticeCopy, NoticeFix, NoticeFixNote
from db.notice_models import (
    Notice,
    NoticeConsent,
    NoticeStatus,
    NoticeSubscriber,
    Unreachable,
)


def card_key(notice_id: int) -> str:
    return f"nt:{notice_id}"


def dedup_prefix(notice_id: int) -> str:
    return f"nt:{notice_id}:"


# ---------------------------------------------------------------------------- audience


def _reachable() -> ColumnElement[bool]:
    """Not marked unreachable since they last wrote to the bot."""
    return ~exists().where(
        Unreachable.user_id == User.id,
        or_(User.last_seen_at.is_(None), User.last_seen_at <= Unreachable.since),
    )


def audience_filter(topic: str, building_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    """Who a notice reaches: consent to its topic (and a chosen building), a private chat."""
    conditions = [
        exists().where(NoticeConsent.user_id == User.id, NoticeConsent.topic == topic),
        User.private_chat_id.is_not(None),
        _reachable(),
    ]
    if building_ids:
        conditions.append(
            exists().where(
                NoticeSubscriber.user_id == User.id,
                NoticeSubscriber.building_id.in_(list(building_ids)),
            )
        )
    return conditions


def reader_locale(default_locale: str) -> ColumnElement[str]:
    """In SQL, what ``handlers.i18n.negotiate`` decides: their choice, else their app's hint
    (``zh-hant``, ``zh-tw``, ``zh-hk``, ``zh-mo`` → zh_Hant, other ``zh*`` → zh_Hans, any other
    → en), else the community's default."""
    hint = func.replace(func.lower(func.coalesce(User.language_hint, "")), "-", "_")
    traditional = or_(*(hint.like(f"{prefix}%") for prefix in TRADITIONAL_HINTS))
    return case(
        (User.locale.in_(("zh_Hans", "zh_Hant", "en")), User.locale),
        (traditional, "zh_Hant"),
        (hint.like("zh%"), "zh_Hans"),
        (hint != "", "en"),
        else_=default_locale,
    )


#: The app hints that mean Traditional (as ``handlers.i18n.normalise`` reads them).
TRADITIONAL_HINTS = ("zh_hant", "zh_tw", "zh_hk", "zh_mo")


@dataclass(frozen=True, slots=True)
class Readers:
    """How many a notice would reach, by the language they read it in."""

    simplified: int
    traditional: int
    english: int

    @property
    def total(self) -> int:
        return self.simplified + self.traditional + self.english


def count_by_language(
    session: Session, topic: str, building_ids: Sequence[int], *, default_locale: str
) -> Readers:
    """The readers the notice would reach now, per language (繁體 readers counted as such)."""
    locale = reader_locale(default_locale)
    row = session.execute(
        select(
            func.count().filter(locale == "zh_Hans"),
            func.count().filter(locale == "zh_Hant"),
            func.count().filter(locale == "en"),
        ).where(*audience_filter(topic, building_ids))
    ).one()
    return Readers(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


# ---------------------------------------------------------------------------- notices


@dataclass(frozen=True, slots=True)
class NewNotice:
    """A notice as its author wrote it (the form's answers, unpacked by the handler)."""

    topic: str
    text_zh: str | None
    text_en: str | None
    requested_at: datetime  # when the author asked for it to go out
    building_ids: tuple[int, ...] = ()  # empty: everyone subscribed to the topic
    urgent: bool = False
    attachment: dict[str, Any] | None = None  # the transport's file id, kind and name


def create(
    session: Session,
    *,
    author: User,
    submission: str,
    new: NewNotice,
    now: datetime,
) -> Notice | None:
    """The notice, scheduled for the time asked, once per form (None: this form was confirmed
    already)."""
    if session.scalar(
        select(Notice.id).where(Notice.author_id == author.id, Notice.submission == submission)
    ):
        return None
    notice = Notice(
        author_id=author.id,
        submission=submission,
        created_at=now,
        text_zh=new.text_zh,
        text_en=new.text_en,
        attachment=new.attachment,
        topic=new.topic,
        building_ids=list(new.building_ids),
        urgent=new.urgent,
        status=NoticeStatus.SCHEDULED,
        requested_at=new.requested_at,
        due_at=new.requested_at,
    )
    session.add(notice)
    session.flush()
    return notice


def lock(session: Session, notice_id: int) -> Notice | None:
    """The notice, locked for a change of state (``FOR UPDATE`` on PostgreSQL)."""
    return lock_row(session, Notice, notice_id)


def _insert_from(session: Session, columns: list[str], query: Any) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).from_select(columns, query)
    session.execute(statement.on_conflict_do_nothing(index_elements=["dedup_key"]))
    session.info["outbox_written"] = True


_COLUMNS = [
    "transport",
    "chat_id",
    "user_id",
    "template",
    "params",
    "dedup_key",
    "card_key",
    "due_at",
    "status",
    "attempts",
    "created_at",
]


def in_flight(session: Session, notice_id: int) -> int:
    """Copies queued or being sent."""
    return int(
        session.scalar(
            select(func.count()).where(
                OutboxMessage.card_key == card_key(notice_id),
                OutboxMessage.template == NoticeCopy.template,
                OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            )
        )
        or 0
    )


def queue_window(session: Session, notice: Notice, *, now: datetime, chunk: int) -> int:
    """Queue the next ``chunk`` readers (user id order, after the cursor); returns how many
    users the chunk covered (0: everyone is queued)."""
    conditions = [User.id > notice.cursor, *audience_filter(notice.topic, notice.building_ids)]
    ids = select(User.id).where(*conditions).order_by(User.id).limit(chunk).subquery()
    last, covered = session.execute(select(func.max(ids.c.id), func.count())).one()
    if not covered:
        notice.queued_all = True
        return 0
    rows = select(
        User.transport,
        User.private_chat_id,
        User.id,
        literal(NoticeCopy.template),
        literal(NoticeCopy.of(notice).to_json(), JSON),
        literal(dedup_prefix(notice.id)) + cast(User.id, String),
        literal(card_key(notice.id)),
        literal(now, OutboxMessage.due_at.type),
        literal(OutboxStatus.PENDING.value),
        literal(0),
        literal(now, OutboxMessage.created_at.type),
    ).where(*conditions, User.id <= last)
    _insert_from(session, _COLUMNS, rows)
    notice.cursor = int(last)
    return int(covered)


def queue_fixes(session: Session, notice: Notice, *, now: datetime, chunk: int) -> int:
    """Queue the correction to the next ``chunk`` readers who already had the notice (or are
    being sent it); returns how many (0: all done)."""
    shown = [
        OutboxMessage.card_key == card_key(notice.id),
        OutboxMessage.template == NoticeCopy.template,
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.SENDING)),
        OutboxMessage.id > notice.fix_cursor,
    ]
    ids = select(OutboxMessage.id).where(*shown).order_by(OutboxMessage.id).limit(chunk).subquery()
    last, covered = session.execute(select(func.max(ids.c.id), func.count())).one()
    if not covered:
        notice.fixed_version = notice.version
        notice.fix_cursor = 0
        return 0
    editable = not notice.attachment
    fix = NoticeFix if editable else NoticeFixNote
    # A correction goes out under the notice's rules as they stand now: a reader who left the
    # topic (or stopped everything), moved building or cannot be reached gets none.
    rows = select(
        OutboxMessage.transport,
        OutboxMessage.chat_id,
        OutboxMessage.user_id,
        literal(fix.template),
        literal(fix.of(notice).to_json(), JSON),
        literal(f"{dedup_prefix(notice.id)}v{notice.version}:")
        + cast(OutboxMessage.user_id, String),
        literal(card_key(notice.id) if editable else None, String),
        literal(now, OutboxMessage.due_at.type),
        literal(OutboxStatus.PENDING.value),
        literal(0),
        literal(now, OutboxMessage.created_at.type),
    ).join(User, User.id == OutboxMessage.user_id)
    rows = rows.where(
        *shown, OutboxMessage.id <= last, *audience_filter(notice.topic, notice.building_ids)
    )
    _insert_from(session, _COLUMNS, rows)
    notice.fix_cursor = int(last)
    return int(covered)


def correct(session: Session, notice: Notice, *, text_zh: str | None, text_en: str | None) -> None:
    """New text: copies not sent yet carry it; those already shown get a correction (the
    sweep queues them, ``queue_fixes``)."""
    notice.text_zh, notice.text_en = text_zh, text_en
    notice.version += 1
    notice.fix_cursor = 0
    if notice.status == NoticeStatus.SCHEDULED:
        notice.fixed_version = notice.version
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.card_key == card_key(notice.id),
            OutboxMessage.template == NoticeCopy.template,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(params=NoticeCopy.of(notice).to_json())
    )


@dataclass(slots=True)
class Progress:
    delivered: int = 0
    unreachable: int = 0
    failed: int = 0
    waiting: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.delivered}/{self.unreachable}/{self.failed}/{self.waiting}"


def progress(session: Session, notice_id: int) -> Progress:
    """How far the notice got: one grouped query over its copies."""
    blocked = exists().where(Unreachable.user_id == OutboxMessage.user_id)
    mine = [
        OutboxMessage.card_key == card_key(notice_id),
        OutboxMessage.template == NoticeCopy.template,
    ]
    result = Progress()
    for status, is_blocked, count in session.execute(
        select(OutboxMessage.status, blocked, func.count())
        .where(*mine)
        .group_by(OutboxMessage.status, blocked)
    ):
        if status == OutboxStatus.SENT:
            result.delivered += count
        elif status == OutboxStatus.FAILED and is_blocked:
            result.unreachable += count
        elif status == OutboxStatus.FAILED:
            result.failed += count
        else:
            result.waiting += count
    if result.failed:
        result.reasons = [
            (error or "?", count)
            for error, count in session.execute(
                select(OutboxMessage.last_error, func.count())
                .where(*mine, OutboxMessage.status == OutboxStatus.FAILED, ~blocked)
                .group_by(OutboxMessage.last_error)
                .order_by(func.count().desc())
                .limit(3)
            )
        ]
    return result


def due_notices(session: Session, *, now: datetime) -> list[int]:
    """Scheduled notices whose time has come, and those being sent or corrected."""
    return list(
        session.scalars(
            select(Notice.id)
            .where(
                or_(
                    and_(Notice.status == NoticeStatus.SCHEDULED, Notice.due_at <= now),
                    Notice.status == NoticeStatus.SENDING,
                    and_(
                        Notice.status.in_((NoticeStatus.SENT, NoticeStatus.CANCELLED)),
                        Notice.fixed_version < Notice.version,
                    ),
                )
            )
            .order_by(Notice.due_at, Notice.id)
        )
    )


def recent_for(session: Session, user: User, *, limit: int = 10) -> list[Notice]:
    """The last notices that concerned this person (their topics, their building)."""
    sub = subscriptions.subscription(session, user)
    if not sub.topics:
        return []
    candidates = session.scalars(
        select(Notice)
        .where(
            Notice.status.in_((NoticeStatus.SENDING, NoticeStatus.SENT)),
            Notice.topic.in_(sub.topics),
        )
        .order_by(Notice.started_at.desc(), Notice.id.desc())
        .limit(limit * 5)
    )
    building = sub.building.id if sub.building else None
    found = [n for n in candidates if not n.building_ids or building in n.building_ids]
    return found[:limit]
