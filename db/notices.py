"""Community notices: subscriptions, buildings, the audience of a notice, and sending it
through the outbox in windows — never the whole audience in memory, never twice to one person.

The audience is a query (consent to the topic, optionally one of the chosen buildings, a
private chat, not unreachable). ``queue_window`` copies the next users of it into the outbox
with one ``INSERT … SELECT`` per chunk (key ``nt:<notice>:<user>``: a person is queued at most
once, whatever runs twice), and moves the notice's ``cursor`` (the last user id queued). The
caller owns the transaction, as everywhere in ``db/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    delete,
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

from db.models import OutboxMessage, OutboxStatus, User
from db.notice_models import (
    Building,
    Notice,
    NoticeConsent,
    NoticeStatus,
    NoticeSubscriber,
    Topic,
    Unreachable,
)

T_NOTICE = "nt.notice"
T_FIX = "nt.fix"  # a corrected notice: edits the one shown where the transport can
T_FIX_NOTE = "nt.fixnote"  # a short "corrected" note where it cannot (a photo's caption)
TOPICS = tuple(Topic)


def card_key(notice_id: int) -> str:
    return f"nt:{notice_id}"


def dedup_prefix(notice_id: int) -> str:
    return f"nt:{notice_id}:"


# ---------------------------------------------------------------------------- buildings


def buildings(session: Session) -> list[Building]:
    return list(session.scalars(select(Building).order_by(Building.id)))


def add_building(session: Session, name: str, *, now: datetime) -> bool:
    """Add a building to the list; False if one of that name exists."""
    name = " ".join(name.split())[:64]
    if not name or session.scalar(select(Building.id).where(Building.name == name)):
        return False
    session.add(Building(name=name, created_at=now))
    session.flush()
    return True


def remove_building(session: Session, name: str) -> bool:
    """Remove a building; its residents keep their topics and lose the building."""
    return bool(session.execute(delete(Building).where(Building.name == name.strip())).rowcount)


def building_by_name(session: Session, name: str) -> Building | None:
    wanted = "".join(name.split()).casefold()
    for building in buildings(session):
        if "".join(building.name.split()).casefold() == wanted:
            return building
    return None


# ---------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True, slots=True)
class Subscription:
    asked: bool
    topics: frozenset[str]
    building: Building | None
    consents: tuple[tuple[str, datetime], ...] = ()


def subscription(session: Session, user: User) -> Subscription:
    row = session.get(NoticeSubscriber, user.id)
    consents = session.execute(
        select(NoticeConsent.topic, NoticeConsent.given_at)
        .where(NoticeConsent.user_id == user.id)
        .order_by(NoticeConsent.topic)
    ).all()
    building = session.get(Building, row.building_id) if row and row.building_id else None
    return Subscription(
        asked=row is not None,
        topics=frozenset(topic for topic, _ in consents),
        building=building,
        consents=tuple((topic, given) for topic, given in consents),
    )


def _subscriber(session: Session, user: User, now: datetime) -> NoticeSubscriber:
    row = session.get(NoticeSubscriber, user.id)
    if row is None:
        row = NoticeSubscriber(user_id=user.id, asked_at=now, updated_at=now)
        session.add(row)
        session.flush()
    row.updated_at = now
    return row


def mark_asked(session: Session, user: User, *, now: datetime) -> None:
    """The welcome asked them (whatever they answer, it is not asked again)."""
    _subscriber(session, user, now)


def set_topics(session: Session, user: User, topics: Iterable[str], *, now: datetime) -> None:
    """Exactly these topics; a topic kept keeps the time its consent was given."""
    wanted = {topic for topic in topics if topic in TOPICS}
    _subscriber(session, user, now)
    session.execute(
        delete(NoticeConsent).where(
            NoticeConsent.user_id == user.id, NoticeConsent.topic.not_in(wanted)
        )
    )
    have = set(session.scalars(select(NoticeConsent.topic).where(NoticeConsent.user_id == user.id)))
    for topic in sorted(wanted - have):
        session.add(NoticeConsent(user_id=user.id, topic=topic, given_at=now))
    session.flush()


def toggle_topic(session: Session, user: User, topic: str, *, now: datetime) -> bool:
    """Subscribe to ``topic`` or leave it; returns True if now subscribed."""
    current = subscription(session, user).topics
    on = topic not in current
    set_topics(session, user, (current | {topic}) if on else (current - {topic}), now=now)
    return on


def set_building(session: Session, user: User, building_id: int | None, *, now: datetime) -> None:
    _subscriber(session, user, now).building_id = building_id
    session.flush()


def export(session: Session, user: User) -> dict[str, Any]:
    """What /mydata shows: the topics with the time each consent was given, the building."""
    sub = subscription(session, user)
    row = session.get(NoticeSubscriber, user.id)
    return {
        "asked_at": row.asked_at.isoformat() if row else None,
        "building": sub.building.name if sub.building else None,
        "topics": [
            {"topic": topic, "consent_given_at": given.isoformat()} for topic, given in sub.consents
        ],
    }


def forget(session: Session, user: User) -> None:
    """Erase their subscription (``/deleteme``)."""
    for table in (NoticeConsent, NoticeSubscriber, Unreachable):
        session.execute(delete(table).where(table.user_id == user.id))


def mark_unreachable(session: Session, user_id: int, *, now: datetime, error: str) -> None:
    """The transport said this person cannot be reached (blocked the bot, left the room)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Unreachable).values(user_id=user_id, since=now, error=error[:200])
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"], set_={"since": now, "error": error[:200]}
        )
    )


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


def reads_chinese(default_locale: str) -> ColumnElement[bool]:
    """In SQL, what ``handlers.i18n.negotiate`` decides: their choice, their app, the default."""
    hint = func.lower(func.coalesce(User.language_hint, ""))
    return case(
        (User.locale == "zh_Hans", True),
        (User.locale == "en", False),
        (hint.like("zh%"), True),
        (hint != "", False),
        else_=default_locale.startswith("zh"),
    )


def count_by_language(
    session: Session, topic: str, building_ids: Sequence[int], *, default_locale: str
) -> tuple[int, int]:
    """(readers of Chinese, readers of English) the notice would reach now."""
    zh = reads_chinese(default_locale)
    row = session.execute(
        select(
            func.count().filter(zh),
            func.count().filter(~zh),
        ).where(*audience_filter(topic, building_ids))
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


# ---------------------------------------------------------------------------- notices


def create(
    session: Session,
    *,
    author: User,
    submission: str,
    values: dict[str, Any],
    now: datetime,
) -> Notice | None:
    """The notice, once per form (None: this form was confirmed already)."""
    if session.scalar(
        select(Notice.id).where(Notice.author_id == author.id, Notice.submission == submission)
    ):
        return None
    notice = Notice(author_id=author.id, submission=submission, created_at=now, **values)
    session.add(notice)
    session.flush()
    return notice


def lock(session: Session, notice_id: int) -> Notice | None:
    """The notice, locked for a change of state (``FOR UPDATE`` on PostgreSQL)."""
    query = select(Notice).where(Notice.id == notice_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query.execution_options(populate_existing=True))


def params(notice: Notice) -> dict[str, Any]:
    """What every copy of the notice carries (the same for every reader)."""
    return {
        "id": notice.id,
        "zh": notice.text_zh,
        "en": notice.text_en,
        "topic": notice.topic,
        "urgent": notice.urgent,
        "att": notice.attachment,
        "v": notice.version,
    }


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
                OutboxMessage.template == T_NOTICE,
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
        literal(T_NOTICE),
        literal(params(notice), JSON),
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
        OutboxMessage.template == T_NOTICE,
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
    rows = select(
        OutboxMessage.transport,
        OutboxMessage.chat_id,
        OutboxMessage.user_id,
        literal(T_FIX if editable else T_FIX_NOTE),
        literal(params(notice), JSON),
        literal(f"{dedup_prefix(notice.id)}v{notice.version}:")
        + cast(OutboxMessage.user_id, String),
        literal(card_key(notice.id) if editable else None, String),
        literal(now, OutboxMessage.due_at.type),
        literal(OutboxStatus.PENDING.value),
        literal(0),
        literal(now, OutboxMessage.created_at.type),
    ).where(*shown, OutboxMessage.id <= last)
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
            OutboxMessage.template == T_NOTICE,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(params=params(notice))
    )


def drop_unsent(session: Session, notice: Notice) -> int:
    """Remove the copies not sent yet (a cancelled notice); returns how many."""
    return session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.dedup_key.startswith(dedup_prefix(notice.id), autoescape=True),
        )
    ).rowcount


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
    mine = [OutboxMessage.card_key == card_key(notice_id), OutboxMessage.template == T_NOTICE]
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
    sub = subscription(session, user)
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


def authored(session: Session, user: User, *, everyone: bool, limit: int = 10) -> list[Notice]:
    query = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if not everyone:
        query = query.where(Notice.author_id == user.id)
    return list(session.scalars(query))
