"""The peer Linli is measured against: a plain python-telegram-bot bot doing the same two steps.

A ``ConversationHandler`` (its state in memory), ``/start`` answered with a welcome and one
button, the button answered with a second message; one SQLAlchemy session and one commit per
update (the person looked up, created on ``/start``, their language saved on the press). The
database work runs in the event loop, as a plain bot's handlers would. It runs on
python-telegram-bot's defaults except where the defaults would flatter Linli: it handles
updates concurrently (256 at once, as Linli does; by default one at a time, far slower wherever
a Bot API call takes time) and its SQLite file has Linli's journal and durability (WAL,
``synchronous=NORMAL``; the default journal syncs the disk on every commit, which would make
the peer wait for the disk). It keeps python-telegram-bot's 256 connections to the Bot API:
with 16, as Linli has, 256 updates at once wait more than the pool's one second for a
connection and some are dropped.

It keeps nothing durable across a crash (its conversation state is in memory), has no outbox,
no per-chat ordering, no flood guard and no forms: it is the floor a Telegram bot in Python
stands on, not a second Linli. ``bench/versus.py`` runs it side by side with Linli.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
)
from telegram.warnings import PTBUserWarning

CHOOSING = 1


class _Base(DeclarativeBase):
    pass


class PeerPerson(_Base):
    __tablename__ = "peer_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("简体中文", callback_data="lang:zh_Hans")],
            [InlineKeyboardButton("English", callback_data="lang:en")],
        ]
    )


def build_peer(token: str, base_url: str, factory: sessionmaker[Session]) -> Application:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        sender = update.effective_user
        with factory() as session:
            person = session.scalar(select(PeerPerson).where(PeerPerson.telegram_id == sender.id))
            if person is None:
                person = PeerPerson(
                    telegram_id=sender.id, name=sender.first_name, created_at=datetime.now(UTC)
                )
                session.add(person)
            session.commit()
            name = person.name
        await update.message.reply_text(
            f"Welcome, {name}! Choose your language.", reply_markup=_menu()
        )
        return CHOOSING

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        await query.answer()
        with factory() as session:
            person = session.scalar(
                select(PeerPerson).where(PeerPerson.telegram_id == query.from_user.id)
            )
            if person is not None:
                person.locale = query.data.partition(":")[2]
            session.commit()
        await context.bot.send_message(
            query.message.chat.id, "Your language is saved.", reply_markup=_menu()
        )
        return CHOOSING

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)  # per_message=False with a button
        conversation = ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={CHOOSING: [CallbackQueryHandler(chosen, pattern="^lang:")]},
            fallbacks=[CommandHandler("start", start)],
            allow_reentry=True,
        )
    application = (
        Application.builder().token(token).base_url(base_url).concurrent_updates(256).build()
    )
    application.add_handler(conversation)
    return application


@asynccontextmanager
async def peer_serving(api, database_url: str) -> AsyncIterator[None]:
    """The peer polling the stand-in ``api`` until the block ends."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":  # Linli's journal and durability, for a fair race

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    _Base.metadata.create_all(engine)
    application = build_peer(api.token, api.base_url, sessionmaker(engine))
    await application.initialize()
    await application.updater.start_polling(
        timeout=1, allowed_updates=["message", "callback_query"]
    )
    await application.start()
    try:
        yield
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        engine.dispose()
