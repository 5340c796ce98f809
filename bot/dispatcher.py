"""The dispatcher: one inbound message in, the replies to its sender out.

For each message it opens one transaction, resolves the user and their language, loads the
conversation, turns a typed button label into a press, routes the message (command, button
payload, open form, free text), remembers the buttons it showed, and commits once. Messages to
anyone else were written to the outbox inside that same transaction; the worker is woken after
the commit. A conflict with a concurrent writer (a stale conversation version, a racing insert,
a serialisation failure) re-runs the whole message; any other error is logged and answered with
an apology in the user's language, and the transaction is rolled back so nothing half-done stays.
The database away (``bot.outage``) is no error of the message: ``DatabaseUnavailable`` tells the
transport to hand it in again when the database is back.

It is synchronous on purpose: handlers are plain functions over a SQLAlchemy session, and the
async transports run ``handle`` in a worker thread, one message per thread at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.flood import FloodGuard, SharedFloodGuard
from bot.outage import DATABASE, DatabaseUnavailable, is_outage
from db.blocks import blocked_column
from db.conversations import clear_flow, new_conversation
from db.users import find_user, load_admins, load_sender, new_user, refresh_user
from handlers import answers, start
from handlers.access import admit
from handlers.blocks import answer_blocked
from handlers.cleantext import clean_inbound
from handlers.forms import engine, idle, typed_answers
from handlers.i18n import language, negotiate
from handlers.router import Registry
from handlers.types import (
    MAX_MESSAGE_LENGTH,
    Community,
    Ctx,
    Inbound,
    Kind,
    Reply,
    materialise,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
#: The block rule as a column, read with the person (built once).
BLOCKED = blocked_column()
#: Commands that show the menu: an open form is left ([Continue] [Discard]), not asked again.
LEAVING_COMMANDS = frozenset({"start", "menu"})


def utc_now() -> datetime:
    return datetime.now(UTC)


def _normalised_label(text: str) -> str:
    """Letters and digits only, case-folded: "🗓 Events" and "events" compare equal."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _is_conflict(exc: Exception) -> bool:
    """A concurrent writer got there first: worth running the message again."""
    if isinstance(exc, StaleDataError | IntegrityError):
        return True
    if isinstance(exc, DBAPIError):
        text = str(exc.orig).lower()
        return "database is locked" in text or "could not serialize" in text or "deadlock" in text
    return False


class Dispatcher:
    """Routes inbound messages to handlers inside one transaction each."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        registry: Registry,
        community: Community,
        clock: Callable[[], datetime] = utc_now,
        flood: FloodGuard | SharedFloodGuard | None = None,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.registry = registry
        self.community = community
        self.clock = clock
        # Counted in the database unless a guard is given: the limit holds across workers.
        self.flood = flood or SharedFloodGuard(session_factory)
        #: Called after a commit that wrote to the outbox (wakes the worker).
        self.on_outbox = on_outbox
        self._load_admins()

    def _load_admins(self) -> None:
        """At start, the admins the settings name go into the roles table, the one source of
        who is an admin (two processes starting at once: the loser of the race retries)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.session_factory() as session, session.begin():
                    load_admins(session, self.community.admin_refs, now=self.clock())
                return
            except IntegrityError:
                if attempt == MAX_ATTEMPTS:
                    raise

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one inbound message and return the replies to its sender. While the database
        is away this raises :class:`DatabaseUnavailable` (the transport tries again later)."""
        inbound = clean_inbound(inbound)  # no bidi controls or zero-width characters stored
        verdict = self.flood.check(f"{inbound.sender.transport}:{inbound.sender.external_id}")
        if verdict == "drop":
            return []
        if verdict == "warn":
            return [Reply(start.slow_down(self._fallback_gettext(inbound)))]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._handle_once(inbound)
            except Exception as exc:
                if is_outage(exc):  # rolled back with the connection: the message runs again later
                    DATABASE.lost("the dispatcher", exc)
                    raise DatabaseUnavailable(str(exc)) from exc
                if _is_conflict(exc) and attempt < MAX_ATTEMPTS:
                    log.info("conflict handling %s, retrying (%d)", inbound.kind, attempt)
                    continue
                # Name the person by our own row id, never their Telegram id or name: an
                # anonymous reporter's identity must not reach the logs.
                log.exception("failed to handle a %s from %s", inbound.kind, self._who(inbound))
                return [Reply(start.something_went_wrong(self._fallback_gettext(inbound)))]
        raise AssertionError("unreachable")

    def _who(self, inbound: Inbound) -> str:
        """``user 42`` for the log (our row id), or ``a new user``."""
        try:
            with self.session_factory() as session:
                user = find_user(session, inbound.sender.transport, inbound.sender.external_id)
                return f"user {user.id}" if user else "a new user"
        except Exception:  # the database itself may be what failed
            return "a user (unknown: the database failed)"

    def _fallback_gettext(self, inbound: Inbound) -> Callable[[str], str]:
        """The sender's language when the main transaction could not tell it."""
        chosen = None
        try:
            with self.session_factory() as session:
                user = find_user(session, inbound.sender.transport, inbound.sender.external_id)
                chosen = user.locale if user else None
        except Exception:  # the database itself may be what failed
            log.warning("could not read the user's language for an error reply")
        code = negotiate(chosen, inbound.sender.language_hint, self.community.default_locale)
        return language(code, self.community.timezone.key).gettext

    def _handle_once(self, inbound: Inbound) -> list[Reply]:
        with self.session_factory() as session:
            with session.begin():
                now = self.clock()
                ctx = self._context(session, inbound, now)
                self._route(ctx)
                if ctx.finished:  # a flow came to its end: what follows any completed action
                    for hook in self.registry.completed_hooks:
                        hook(ctx)
                self._remember_buttons(ctx)
                if session.is_modified(ctx.conversation):  # else no UPDATE just for the time
                    ctx.conversation.updated_at = now
            wrote_outbox = session.info.pop("outbox_written", False)
        if wrote_outbox and self.on_outbox is not None:
            self.on_outbox()
        # Files that take a while to make (a picture) are made now, the transaction over.
        return [materialise(reply) for reply in ctx.replies]

    def _context(self, session: Session, inbound: Inbound, now: datetime) -> Ctx:
        sender = inbound.sender
        private = None if inbound.chat.is_group else inbound.chat.chat_id
        # The person, their roles, whether they are blocked and their conversation: one read.
        user, blocked, conversation, unreachable = load_sender(
            session, sender.transport, sender.external_id, inbound.chat.key, blocked=BLOCKED
        )
        first_seen = user is None
        if user is None:
            user = new_user(
                session,
                transport=sender.transport,
                external_id=sender.external_id,
                now=now,
                display_name=sender.display_name,
                username=sender.username,
                language_hint=sender.language_hint,
                private_chat_id=private,
            )
        else:
            refresh_user(
                user,
                now=now,
                display_name=sender.display_name,
                username=sender.username,
                language_hint=sender.language_hint,
                unreachable=unreachable,
            )
            if private is not None and user.private_chat_id != private:
                user.private_chat_id = private
        if conversation is None:
            conversation = new_conversation(session, user, inbound.chat.key, now=now)
        code = negotiate(user.locale, user.language_hint, self.community.default_locale)
        ctx = Ctx(
            session=session,
            user=user,
            conversation=conversation,
            inbound=inbound,
            lang=language(code, self.community.timezone.key),
            community=self.community,
            registry=self.registry,
            now=now,
            blocked=blocked,
            first_seen=first_seen,
        )
        ctx.inbound = self._typed_button(ctx)
        return ctx

    def _typed_button(self, ctx: Ctx) -> Inbound:
        """Typed text that names a button shown last (its label, or its number where the
        transport numbers buttons and the question is a choice) counts as pressing it."""
        inbound = ctx.inbound
        buttons = list(inbound.reply_buttons) or ctx.conversation.keyboard or []
        if inbound.kind is not Kind.TEXT or not buttons:
            return inbound
        text = inbound.text.strip()
        payload = None
        on_card = bool(inbound.reply_buttons)  # a reply to a card: its options, numbered
        if (
            inbound.numbered_buttons
            and text.isdecimal()
            and (on_card or self._numbers_pick_buttons(ctx))
        ):
            index = int(text)
            if 1 <= index <= len(buttons):
                payload = buttons[index - 1][1]
        if payload is None and len(text) <= 64:
            wanted = _normalised_label(text)
            payload = next(
                (p for label, p in buttons if wanted and _normalised_label(label) == wanted), None
            )
        if payload is None and len(text) <= 64 and not ctx.conversation.flow:
            payload = typed_answers.pick(ctx, text, buttons)  # “三位”, “好的”, a label misspelt
        if payload is None:
            return inbound
        return Inbound(
            chat=inbound.chat,
            sender=inbound.sender,
            kind=Kind.BUTTON,
            payload=payload,
            numbered_buttons=inbound.numbered_buttons,
            message_ref=inbound.reply_to if on_card else None,
        )

    def _numbers_pick_buttons(self, ctx: Ctx) -> bool:
        """Outside a form, or at a choice or the summary, a typed number picks a button;
        where the question wants typed input (a number, a date) it is the answer."""
        form = self.registry.forms.get(ctx.conversation.flow or "")
        return form is None or not engine.wants_typed_input(ctx, form)

    def _route(self, ctx: Ctx) -> None:
        inbound = ctx.inbound
        conversation = ctx.conversation
        if (
            ctx.blocked
            and not ctx.has_role("admin")
            # Their own data (/mydata, /deleteme) stays theirs to see and erase, in private.
            and not (not inbound.chat.is_group and self.registry.open_to_blocked(inbound))
        ):
            # Nothing is routed, so nothing reaches a team; in private one neutral answer.
            if not inbound.chat.is_group:
                answer_blocked(ctx)
            return
        form = self.registry.forms.get(conversation.flow) if conversation.flow else None
        if conversation.flow and form is None:  # the form was removed in an update
            clear_flow(conversation)
        if form is not None and conversation.expires_at and conversation.expires_at <= ctx.now:
            engine.expire(ctx, form)
            form = None
            if inbound.kind is Kind.BUTTON and (inbound.payload or "").startswith("fm:"):
                return

        if inbound.kind is Kind.TEXT and len(inbound.text) > MAX_MESSAGE_LENGTH:
            start.too_long(ctx, len(inbound.text), MAX_MESSAGE_LENGTH)
            if form is not None:
                engine.prompt(ctx, form)
            return

        if inbound.kind is Kind.TEXT and inbound.reply_buttons:
            if not answers.to_replied(ctx):  # a question's words, not one of its buttons
                start.not_an_option(ctx, len(inbound.reply_buttons))
        elif inbound.kind is Kind.COMMAND:
            self._command(ctx, form)
        elif inbound.kind is Kind.BUTTON:
            self._button(ctx, form)
        elif form is not None and idle.takes_input(ctx, form):
            engine.handle(ctx, form)
        elif form is None and typed_answers.ask_again(ctx):
            pass  # a count over the most a count question offers: asked again, naming it
        elif not answers.route(ctx):  # free text: where a question was asked
            if form is not None:  # left, or an hour since the last answer: not an answer
                idle.leave(ctx, form)
            elif not typed_answers.ask_again(ctx, unread=True):  # not “choose from the menu”
                start.not_understood(ctx)

    def _command(self, ctx: Ctx, form: engine.Form | None) -> None:
        name = ctx.inbound.command or ""
        if name == "cancel" and form is not None:
            engine.cancel(ctx, form)
            start.show_menu(ctx)
            return
        command = self.registry.commands.get(name)
        if command is None:
            start.unknown_command(ctx, name)
        elif not admit(ctx, command.rule):
            pass  # refused (the role's refusal), or a private-only command in a group (a pointer)
        else:
            token = ctx.conversation.token
            command.handler(ctx, ctx.inbound.args)
            if ctx.conversation.token != token:
                return  # the command opened another form
        if form is not None and ctx.conversation.flow == form.name:
            if name in LEAVING_COMMANDS:
                idle.leave(ctx, form)  # the menu: the form waits, [Continue] [Discard]
            elif not idle.is_left(ctx):
                # Still open: ask its question again so nothing typed so far is lost.
                engine.prompt(ctx, form)

    def _button(self, ctx: Ctx, form: engine.Form | None) -> None:
        payload = ctx.inbound.payload or ""
        prefix = payload.partition(":")[0]
        if prefix == engine.PREFIX:
            if form is not None:
                engine.handle(ctx, form)
            else:
                start.stale_button(ctx)
            return
        found = self.registry.button(payload)
        if found is None:
            start.stale_button(ctx)
            if form is not None:
                engine.prompt(ctx, form)
            return
        route, parsed = found
        rule = route.rule
        link = rule.private_link(parsed) if rule and rule.private_link else None
        if admit(ctx, rule, link_payload=link):
            token = ctx.conversation.token
            route.handler(ctx, parsed)
            if (
                form is not None
                and ctx.conversation.flow == form.name
                and ctx.conversation.token == token
                and not idle.is_left(ctx)
            ):
                idle.leave(ctx, form)  # a menu button: the form waits for Continue

    @staticmethod
    def _remember_buttons(ctx: Ctx) -> None:
        """Keep the last keyboard shown, so typing a label (or number) presses it next time."""
        for reply in reversed(ctx.replies):
            if reply.buttons:
                ctx.conversation.keyboard = [
                    [button.label, button.payload]
                    for row in reply.buttons
                    for button in row
                    if button.payload is not None
                ]
                return
        if ctx.replies:
            ctx.conversation.keyboard = []
