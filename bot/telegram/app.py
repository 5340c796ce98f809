"""The python-telegram-bot ``Application``, built and started the same way by ``linli run``,
the end-to-end tests and the benchmark.

Two ``Bot`` objects share the token: the application's own answers the person who just wrote at
once; the outbox's goes through ``AIORateLimiter`` (Telegram's overall and per-group limits) and
raises ``RetryAfter`` to the outbox worker instead of sleeping, so a 429 reschedules the row.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy import text
from telegram import BotCommandScopeAllPrivateChats, CallbackQuery, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    ExtBot,
    TypeHandler,
)

from bot.dispatcher import Dispatcher
from bot.held import HeldReplies
from bot.outage import PATIENCE, DatabaseUnavailable, answering, patiently
from bot.outbox import DeliveryError, OutboxWorker
from bot.scheduler import start_scheduler
from bot.sweeper import Sweeper
from bot.telegram import render
from bot.telegram.convert import TRANSPORT, to_inbound
from bot.telegram.http import AiohttpRequest
from bot.telegram.menus import command_menus, set_chat_menu, set_staff_menus, staff_menus
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.webhook import WebhookServer
from db import teams
from handlers.types import Inbound, Reply, RoomFacts

log = logging.getLogger(__name__)

#: setMyCommands takes a two-letter ISO 639-1 code, so one Chinese menu: Simplified, which
#: Telegram shows to every ``zh*`` user; a zh_Hant reader's own chat gets the Traditional menu
#: instead (``handlers.roles.chat_menu``, sent with their welcome and /lang). A community
#: whose default is zh_Hant gets the Traditional menu as the menu for everyone else.
MENU_LANGUAGES = {"zh_Hans": "zh", "en": "en"}
#: Parallel connections for replies: a crowd's answers go out at once instead of queueing
#: behind each other (with 50 ms per Bot API call, 16 connections took 300 answers about a
#: second). On aiohttp a bigger pool costs nothing per request (``bot/telegram/http.py``).
REPLY_CONNECTIONS = 128
#: Parallel connections of the outbox's bot (python-telegram-bot's default for a Bot is one).
#: Each bot keeps one HTTP client and pool for all its calls; the two are kept apart so that
#: a notice going out to thousands never holds connections the replies need.
OUTBOX_CONNECTIONS = 32
#: The longest a reply waits out a 429 before giving up on it.
MAX_REPLY_WAIT = 30.0


class _HandledRateLimit(logging.Filter):
    """Drops ``AIORateLimiter``'s ERROR traceback for a 429 it passes on: the outbox bot's
    limiter retries nothing (``max_retries=0``) and hands every 429 to the outbox worker, which
    puts the message back for ``retry_after`` and logs it once per run at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum")


RATE_LIMIT_FILTER = _HandledRateLimit()


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str  # the public URL Telegram posts to
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str | None = None


def webhook_secret(token: str, configured: str | None) -> str:
    """The configured secret, else one derived from the token (the same on every worker)."""
    if configured:
        return configured
    return hashlib.sha256(f"linli-webhook:{token}".encode()).hexdigest()[:48]


def outbox_rate_limiter() -> AIORateLimiter:
    """Telegram's overall 30 messages/s, in buckets of a tenth of a second: a notice to
    thousands goes out at the full rate without the one-second burst of 30 that a 30-per-1s
    bucket allows (which would make 60 in a second, and 429s). ``max_retries=0``: a 429
    comes back to the outbox worker, which waits ``retry_after``."""
    return AIORateLimiter(overall_max_rate=3, overall_time_period=0.1, max_retries=0)


def _seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds (python-telegram-bot gives an int or a timedelta)."""
    wait = exc.retry_after
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)


class TelegramDeliverer:
    """The outbox's view of Telegram: send a reply, classify the failure."""

    def __init__(self, bot: ExtBot, *, private_chat_interval: float = 1.0) -> None:
        self.bot = bot
        self.private_chat_interval = private_chat_interval

    def min_interval(self, chat_id: str) -> float:
        # About one message a second to a private chat; groups are paced by AIORateLimiter.
        return self.private_chat_interval if not chat_id.startswith("-") else 0.0

    async def deliver(
        self, chat_id: str, reply: Reply, *, edit_ref: str | None = None
    ) -> str | None:
        try:
            if reply.commands is not None:  # first: a retry sets the same menu again
                await set_chat_menu(self.bot, int(chat_id), reply.commands)
            if edit_ref is not None:
                sent = await render.send(
                    self.bot, int(chat_id), replace(reply, edit=True), edit_message_id=int(edit_ref)
                )
            else:
                sent = await render.send(self.bot, int(chat_id), reply)
        except RetryAfter as exc:
            raise DeliveryError(str(exc), retry_after=_seconds(exc)) from exc
        except Forbidden as exc:  # blocked by the user (or kicked): remembered as unreachable
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}", unreachable=True) from exc
        except (BadRequest, InvalidToken) as exc:
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=True) from exc
        except TelegramError as exc:
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
        return str(sent)

    async def fetch(self, file_id: str) -> bytes:
        """A file a Telegram user sent, for a chat on another transport (``bot.media``)."""
        try:
            telegram_file = await self.bot.get_file(file_id)
            return bytes(await telegram_file.download_as_bytearray())
        except RetryAfter as exc:
            raise DeliveryError(str(exc), retry_after=_seconds(exc)) from exc
        except (BadRequest, InvalidToken) as exc:
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=True) from exc
        except TelegramError as exc:
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc


class TelegramTransport:
    """Turns updates into dispatcher calls and replies into Bot API calls."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        #: chat → the transient step (a form's question) shown last, deleted once the next
        #: message is shown there (kept in memory: after a restart one old question stays).
        self._steps: dict[int, int] = {}
        self._held_replies: HeldReplies | None = None

    @property
    def held(self) -> HeldReplies:
        """Direct replies Telegram did not take (unreachable, a 5xx, a long 429), in the
        outbox until it does (``bot/held.py``)."""
        if self._held_replies is None:
            dispatcher = self.dispatcher
            self._held_replies = HeldReplies(
                TRANSPORT, dispatcher.session_factory, dispatcher.clock, self._wake_outbox
            )
        return self._held_replies

    def _wake_outbox(self) -> None:
        if self.dispatcher.on_outbox is not None:
            self.dispatcher.on_outbox()

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        bot = context.bot
        inbound = to_inbound(update, bot_username=bot.username)
        # Stop the button's spinner at once, whatever happens next: the answer goes out while
        # the press is handled, not before it (a round trip to Telegram less to wait for).
        spinner = (
            asyncio.ensure_future(self._stop_spinner(update.callback_query))
            if update.callback_query is not None
            else None
        )
        try:
            await self._handle(update, bot, inbound)
        finally:
            if spinner is not None:
                await spinner

    @staticmethod
    async def _stop_spinner(query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("could not answer a callback query: %s", exc)

    async def _handle(self, update: Update, bot: ExtBot, inbound: Inbound | None) -> None:
        message = update.message
        if message is not None and message.new_chat_members and message.chat.type != "private":
            joined = [str(m.id) for m in message.new_chat_members if m.id != bot.id]
            await patiently(
                "Telegram", self._joined, str(message.chat.id), joined, patience=PATIENCE
            )
        if inbound is None:
            return
        if (
            inbound.chat.is_group
            and inbound.command != "bind"
            and await patiently(
                "Telegram", self._team_held, inbound.chat.chat_id, patience=PATIENCE
            )
        ):
            return  # a stranger is in this team's group: nothing is posted until /bind
        if inbound.chat.is_group and inbound.command == "bind":
            inbound = replace(inbound, room=await self._group_facts(bot, inbound))
        # The database away: the update waits for it here (this chat's next updates wait behind
        # it, in order), and is handled once it is back.
        replies = await patiently("Telegram", self.dispatcher.handle, inbound, patience=PATIENCE)
        edit_id = int(inbound.message_ref) if inbound.message_ref else None
        own_id = update.message.message_id if update.message is not None else None
        for index, reply in enumerate(replies):
            key = f"telegram-{update.update_id}-{index}"
            await self._send(bot, int(inbound.chat.chat_id), reply, edit_id, own_id, key)

    def _joined(self, chat_id: str, members: list[str]) -> None:
        """New members of a group: one who holds no place in the team whose group it is holds
        the group (``db.teams.member_joined``; the admins are told)."""
        dispatcher = self.dispatcher
        with dispatcher.session_factory() as session, session.begin():
            now = dispatcher.clock()
            for member in members:
                for team in teams.member_joined(
                    session, TRANSPORT, chat_id, member, dispatcher.community.admin_refs, now
                ):
                    log.warning("someone without a role joined the %s' group; it is held", team)
            wrote = session.info.pop("outbox_written", False)
        if wrote and dispatcher.on_outbox is not None:
            dispatcher.on_outbox()

    async def _group_facts(self, bot, inbound: Inbound) -> RoomFacts | None:
        """For ``/bind TEAM`` in a group: how many of its members hold no place in the team.
        The Bot API cannot list a group, so the members are counted and each role holder is
        looked up; None (no check) if Telegram does not answer."""
        team = inbound.args.strip().lower()
        if team not in teams.TEAMS:
            return None
        chat_id = int(inbound.chat.chat_id)
        holders = await patiently("Telegram", self._team_ids, team, patience=PATIENCE)
        try:
            count = await bot.get_chat_member_count(chat_id)
            present = 0
            for user_id in holders:
                member = await bot.get_chat_member(chat_id, int(user_id))
                present += member.status in ("creator", "administrator", "member", "restricted")
        except TelegramError as exc:
            log.warning("could not count a group's members for /bind: %s", exc)
            return None
        return RoomFacts(
            members=(), unnamed_strangers=max(0, count - 1 - present), needs_encryption=False
        )

    def _team_ids(self, team: str) -> list[str]:
        """The Telegram ids of the team's role holders and the admins."""
        admins = self.dispatcher.community.admin_refs
        with self.dispatcher.session_factory() as session:
            people = teams.users_with_role(session, teams.TEAM_ROLES[team])
            people += teams.users_with_role(session, "admin")
            ids = {u.external_id for u in people if u.transport == TRANSPORT}
        ids |= {ref.partition(":")[2] for ref in admins if ref.startswith(f"{TRANSPORT}:")}
        return sorted(i for i in ids if i.lstrip("-").isdecimal())

    def _team_held(self, chat_id: str) -> bool:
        with self.dispatcher.session_factory() as session:
            return teams.is_held(session, TRANSPORT, chat_id)

    async def _send(
        self,
        bot,
        chat_id: int,
        reply: Reply,
        edit_id: int | None,
        own_id: int | None = None,
        key: str | None = None,
    ) -> None:
        """A direct answer. One Telegram does not take now (unreachable, a 5xx, a 429 longer
        than a reply waits) goes to the outbox, as do the chat's later replies until it is sent
        (``bot/held.py``); a timeout is not held, as Telegram may have shown it."""
        edit_ref = str(edit_id) if reply.edit and edit_id is not None else None
        if key is not None and await self.held.waiting(str(chat_id)):
            await self.held.hold(str(chat_id), reply, key, edit_ref=edit_ref)
            return
        if reply.commands is not None:  # this chat's own menu (a language chosen)
            await self._set_menu(bot, chat_id, reply.commands)
        for attempt in range(2):
            try:
                if reply.reaction:  # on the person's own message
                    await render.react(bot, chat_id, reply, own_id)
                else:
                    shown = await render.send(bot, chat_id, reply, edit_message_id=edit_id)
                    await self._replace_step(bot, chat_id, shown, transient=reply.transient)
                return
            except RetryAfter as exc:
                seconds = _seconds(exc)
                if attempt or seconds > MAX_REPLY_WAIT:
                    if key is None:
                        log.warning("a reply was dropped: Telegram asked to wait %.0f s", seconds)
                        return
                    log.info("a reply waits in the outbox: Telegram asked to wait %.0f s", seconds)
                    await self.held.hold(str(chat_id), reply, key, edit_ref=edit_ref)
                    return
                await asyncio.sleep(seconds)
            except BadRequest as exc:
                if attempt or reply.attachment is None or not reply.attachment.file_id:
                    raise
                # A person's file Telegram will not hand to a bot (over 20 MB) or no longer
                # has: the words go without it, never the file as it came (bot/scrub.py).
                log.warning("a file could not be passed on: %s", exc)
                reply = replace(reply, attachment=None)
            except TimedOut:
                raise  # it may have been shown: never sent twice (logged by on_error)
            except NetworkError as exc:
                if key is None:
                    raise
                log.info("a reply waits in the outbox: %s", exc.__class__.__name__)
                await self.held.hold(str(chat_id), reply, key, edit_ref=edit_ref)
                return

    async def _set_menu(self, bot, chat_id: int, commands: tuple[tuple[str, str], ...]) -> None:
        """Set the chat's menu; a failure leaves the old menu and never drops the reply."""
        try:
            await set_chat_menu(bot, chat_id, commands)
        except TelegramError as exc:
            log.warning("could not set a chat's command menu: %s", exc.__class__.__name__)

    async def _replace_step(self, bot, chat_id: int, shown: int, *, transient: bool) -> None:
        """Delete the previous transient step in this chat now that ``shown`` is there."""
        previous = self._steps.pop(chat_id, None)
        if transient:
            self._steps[chat_id] = shown
        if previous is not None and previous != shown:
            try:
                await bot.delete_message(chat_id, previous)
            except TelegramError as exc:  # already gone, or too old (48 h) to delete
                log.info("could not delete a form's old question: %s", exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, NetworkError | RetryAfter):  # Telegram unreachable or slowing us
            log.warning("an update could not be answered: %s", error)
            return
        if isinstance(error, DatabaseUnavailable):  # waited ``PATIENCE`` s: someone must look
            log.error("an update was dropped: the database has been away for minutes")
            return
        log.error("error while handling an update", exc_info=error)


def build_application(
    *,
    token: str,
    base_url: str,
    dispatcher: Dispatcher,
    worker: OutboxWorker,
    outbox_interval: float,
    max_concurrent_updates: int = 256,
    sweeper: Sweeper | None = None,
    private_chat_interval: float = 1.0,
    scheduler: bool = True,
) -> Application:
    """The application: concurrent across chats, ordered within one. On start it registers
    the command menus, learns the bot's username (for deep links), and starts the outbox on
    its own rate-limited bot, which leaves ``private_chat_interval`` seconds between two
    messages to one private chat (tests that are not about pacing set 0)."""
    api = f"{base_url.rstrip('/')}/bot"
    files = f"{base_url.rstrip('/')}/file/bot"
    transport = TelegramTransport(dispatcher)
    limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
    if RATE_LIMIT_FILTER not in limiter_log.filters:
        limiter_log.addFilter(RATE_LIMIT_FILTER)
    outbox_bot = ExtBot(
        token,
        base_url=api,
        base_file_url=files,
        rate_limiter=outbox_rate_limiter(),
        request=AiohttpRequest(connections=OUTBOX_CONNECTIONS),
    )
    menus = command_menus(dispatcher.registry, dispatcher.community.timezone.key)

    default_locale = dispatcher.community.default_locale

    async def post_init(application: Application) -> None:
        await outbox_bot.initialize()
        # The menu is for private chats: in a group, a command list invites commands that
        # would show private things there (they answer with a pointer anyway). Menus an
        # earlier version set for every chat are taken down.
        private = BotCommandScopeAllPrivateChats()
        for code, commands in menus.items():
            if code in MENU_LANGUAGES:
                language_code = MENU_LANGUAGES[code]
                await application.bot.set_my_commands(
                    commands, scope=private, language_code=language_code
                )
                await application.bot.delete_my_commands(language_code=language_code)
        await application.bot.set_my_commands(menus[default_locale], scope=private)
        await application.bot.delete_my_commands()
        staff = await asyncio.to_thread(
            staff_menus, dispatcher.session_factory, dispatcher.registry, dispatcher.community
        )
        await set_staff_menus(application.bot, staff)
        dispatcher.community = replace(dispatcher.community, bot_username=application.bot.username)
        if sweeper is not None:
            sweeper.community = dispatcher.community
        worker.deliverers[TRANSPORT] = TelegramDeliverer(
            outbox_bot, private_chat_interval=private_chat_interval
        )
        if scheduler:  # else the caller runs the clocks (``linli run`` with several transports)
            application.bot_data["scheduler"] = start_scheduler(
                worker, dispatcher, interval=outbox_interval, sweeper=sweeper
            )

    async def post_stop(application: Application) -> None:
        scheduler = application.bot_data.pop("scheduler", None)
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    async def post_shutdown(application: Application) -> None:
        worker.deliverers.pop(TRANSPORT, None)
        await outbox_bot.shutdown()

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(api)
        .base_file_url(files)
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        .request(AiohttpRequest(connections=REPLY_CONNECTIONS))
        .get_updates_request(AiohttpRequest(connections=1))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(TypeHandler(Update, transport.on_update))
    application.add_error_handler(transport.on_error)
    # A webhook answers 503 while the database is away (``bot.outage``).
    application.bot_data["ready"] = answering(partial(_ping, dispatcher.session_factory))
    return application


def _ping(session_factory) -> None:
    with session_factory() as session:
        session.execute(text("SELECT 1"))


ALLOWED_UPDATES = ["message", "callback_query"]


async def _start_webhook(
    application: Application, webhook: Webhook, ready: Callable[[], bool]
) -> WebhookServer:
    """Listen first, then tell Telegram where to post (``setWebhook`` with the secret). While
    the database is away (``ready`` false) an update is answered 503: Telegram sends it again."""
    secret = webhook.secret or webhook_secret(application.bot.token, None)
    server = WebhookServer(
        bot=application.bot, queue=application.update_queue, secret=secret, ready=ready
    )
    server.start(webhook.listen, webhook.port)
    await application.bot.set_webhook(
        url=webhook.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
    )
    return server


async def serve(
    application: Application,
    *,
    stop: asyncio.Event,
    webhook: Webhook | None = None,
    poll_timeout: int = 10,
) -> None:
    """Run until ``stop`` is set: long polling, or a webhook (``bot/telegram/webhook.py``) that
    checks Telegram's secret token header and the body's size before reading the body.

    python-telegram-bot's ``run_polling`` owns the event loop and the signals; this does the
    same steps inside a loop the caller owns (the CLI, a test, the benchmark), including the
    ``post_init`` / ``post_stop`` / ``post_shutdown`` hooks that only ``run_*`` would call.
    """
    updater = application.updater
    assert updater is not None
    server: WebhookServer | None = None
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        if webhook is None:
            await updater.start_polling(
                timeout=poll_timeout,
                drop_pending_updates=False,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            ready = application.bot_data.get("ready", lambda: True)
            server = await _start_webhook(application, webhook, ready)
        await application.start()
        try:
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()
            if server is not None:
                await server.stop()
            if application.running:
                await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
