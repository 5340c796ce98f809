"""The outbox worker: claims due messages, renders each in its recipient's language, hands it
to the transport, and records what happened.

- ``retry_after`` (Telegram's 429) puts the message — and the rest of that chat's batch — back
  for exactly that long, without counting it as a failed attempt.
- Any other temporary failure is retried with exponential back-off; after ``max_attempts`` the
  message is left ``failed`` with its error, visible to admins.
- A permanent failure (the user blocked the bot, the chat is gone) fails at once.
- A file known by another transport's id is fetched from that transport first (``bot.media``).
- One chat's messages go out in order, at most one per ``Deliverer.min_interval`` seconds;
  different chats are served concurrently. The overall and per-group limits are the transport's
  (python-telegram-bot's ``AIORateLimiter`` on Telegram).
- The database away for a moment (``bot.outage``): a tick that cannot claim ends quietly (the
  next one tries again); a message already handed to the transport is recorded once the
  database is back (so it is not sent again), and nothing more is sent until then.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatcher import utc_now
from bot.media import carried
from bot.outage import DATABASE, DatabaseUnavailable, guarded, patiently
from db import awaiting, outbox
from db.models import User
from db.notices import subscriptions as notice_subscriptions
from handlers.i18n import language, negotiate
from handlers.router import Registry
from handlers.types import Community, Reply, materialise

log = logging.getLogger(__name__)

#: When a chat's messages are tried again after their transport's server did not answer.
AWAY_RETRY = timedelta(seconds=2)


#: The outbox row being delivered, for transports that make a transaction id of it (Matrix),
#: so a send repeated after a crash is recognised by the server and not shown twice.
delivering: ContextVar[int | None] = ContextVar("delivering", default=None)
#: Whether that message is for one person's private chat (a transport refuses to post it in a
#: chat that others have joined since).
#: That row's dedup key (a held direct reply's names the transaction id its first try used, so
#: the homeserver recognises it if that try did arrive; ``handlers/held.py``).
delivering_key: ContextVar[str | None] = ContextVar("delivering_key", default=None)
delivering_private: ContextVar[bool] = ContextVar("delivering_private", default=False)


class DeliveryError(Exception):
    """A transport could not deliver. ``retry_after``: try again after that many seconds;
    ``permanent``: never try again; ``unreachable``: the person cannot be reached at all any
    more (Telegram 403: they blocked the bot; Matrix: they left) — permanent, and remembered,
    so that notices skip them until they write again. ``away``: the transport's server does
    not answer (a homeserver restarting); the transport logged it once, the message is tried
    again in ``AWAY_RETRY``, and this is no failed attempt."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        unreachable: bool = False,
        away: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent or unreachable
        self.unreachable = unreachable
        self.away = away


class Deliverer(Protocol):
    """What a transport offers the outbox."""

    async def deliver(
        self, chat_id: str, reply: Reply, *, edit_ref: str | None = None
    ) -> str | None:
        """Send ``reply`` (or, with ``edit_ref``, edit that earlier message, falling back to a
        new one); return the id of the message now showing it, where the transport has one."""
        ...

    def min_interval(self, chat_id: str) -> float:
        """Seconds to leave between two messages to this chat."""
        ...


@dataclass(slots=True)
class TickReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Job:
    message: outbox.ClaimedMessage
    reply: Reply | None
    error: str | None = None
    edit_ref: str | None = None  # a card's message to edit


class OutboxWorker:
    """Sends what the outbox holds; ``tick`` is called by the scheduler (or a test)."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        registry: Registry,
        community: Community,
        deliverers: dict[str, Deliverer] | None = None,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = 100,
        lease: timedelta = outbox.CLAIM_LEASE,
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=30),
        concurrency: int = 32,
    ) -> None:
        self.session_factory = session_factory
        self.registry = registry
        self.community = community
        self.deliverers: dict[str, Deliverer] = dict(deliverers or {})
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._concurrency = concurrency
        self._last_sent: dict[str, float] = {}
        self._lock = threading.Lock()
        self._again = False
        self._stopping = False
        self._held: set[int] = set()  # ids claimed by this worker and not yet recorded
        self._running = False
        self._slowed: dict[str, float] = {}  # chats Telegram slowed down in this tick: wait
        #: ``linli run`` sets this: claim only messages for transports this process can send
        #: now (a worker that does not hold the Matrix sync leaves Matrix messages to the one
        #: that does). Unset, a message for a missing transport fails, visibly.
        self.only_deliverable = False

    @property
    def running(self) -> bool:
        """A tick is sending now."""
        return self._running

    async def run_scheduled(self) -> None:
        """The scheduler's job: a tick, unless one is running (then that one looks again
        before it ends). Returns at once in that case, so the scheduler never finds the job
        still running and never warns about skipped runs."""
        if self._running:
            self.wake()
            return
        try:
            await self.tick()
        except asyncio.CancelledError:
            # The process is stopping (the scheduler shut down under a run that had just
            # begun): nothing to act on, and what this run claimed is claimed again once its
            # lease ends. APScheduler would log the cancellation as an ERROR with a traceback.
            log.info("an outbox run was stopped by the shutdown")

    def wake(self) -> None:
        """Something was queued: a tick that is running now looks once more before it ends
        (the scheduler starts no second tick while one runs, so that wake would be lost)."""
        self._again = True

    def stop(self) -> None:
        """Finish the batch being sent and claim no more (a graceful restart: what was
        claimed is recorded, nothing waits for a lease to run out)."""
        self._stopping = True

    async def tick(self) -> TickReport:
        """Send everything that is due now, batch by batch, and again if woken meanwhile."""
        report = TickReport()
        limit = asyncio.Semaphore(self._concurrency)

        async def run(chat: tuple[str, str], chat_jobs: list[_Job]) -> None:
            async with limit:
                await self._send_chat(chat, chat_jobs, report)

        self._again = True
        self._running = True
        heartbeat = asyncio.create_task(self._renew_while_held())
        try:
            while self._again and not self._stopping:
                self._again = False
                while not self._stopping:
                    try:
                        jobs = await asyncio.to_thread(guarded, "the outbox", self._claim)
                    except DatabaseUnavailable:
                        return report  # the next tick tries again
                    by_chat: dict[tuple[str, str], list[_Job]] = {}
                    for job in jobs:
                        key = (job.message.transport, job.message.chat_id)
                        by_chat.setdefault(key, []).append(job)
                    await asyncio.gather(*(run(chat, items) for chat, items in by_chat.items()))
                    if len(jobs) < self.batch_size:
                        break
        finally:
            heartbeat.cancel()
            self._running = False
            with self._lock:
                self._held.clear()
            self._log_slowed()
        return report

    async def _renew_while_held(self) -> None:
        """Renew this worker's claims every third of the lease while it holds any: a live
        worker's rows never become claimable by another, however long its tick takes."""
        every = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            with self._lock:
                held = list(self._held)
            if held:
                try:
                    await asyncio.to_thread(guarded, "the outbox", self._renew, held)
                except DatabaseUnavailable:  # logged once; try again at the next beat
                    pass
                except Exception as exc:
                    log.warning("outbox: could not renew claims: %s", exc)

    def _renew(self, held: list[int]) -> None:
        with self.session_factory() as session, session.begin():
            outbox.renew_claims(session, held, until=self.clock() + self.lease)

    def _log_slowed(self) -> None:
        """One line per tick for every 429 Telegram answered, not one per message."""
        if self._slowed:
            log.info(
                "Telegram asked to slow down: %d chat(s) wait up to %.0f s (handled)",
                len(self._slowed),
                max(self._slowed.values()),
            )
            self._slowed.clear()

    def _claim(self) -> list[_Job]:
        now = self.clock()
        with self.session_factory() as session, session.begin():
            claimed = outbox.claim_due(
                session,
                now=now,
                limit=self.batch_size,
                lease=self.lease,
                transports=list(self.deliverers) if self.only_deliverable else None,
            )
            with self._lock:
                self._held.update(m.id for m in claimed)
            user_ids = {m.user_id for m in claimed if m.user_id is not None}
            users = (
                {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
                if user_ids
                else {}
            )
            refs = outbox.card_refs(session, claimed)
            return [
                self._render(
                    message,
                    users.get(message.user_id or -1),
                    refs.get((message.transport, message.chat_id, message.card_key or ""))
                    or message.params.get(outbox.EDIT_PARAM),  # a held edit's message
                )
                for message in claimed
            ]

    def _render(
        self, message: outbox.ClaimedMessage, user: User | None, edit_ref: str | None
    ) -> _Job:
        """Render in the recipient's language (their choice, else their app's, else the
        row's own locale, else the community's)."""
        code = negotiate(
            user.locale if user else None,
            (user.language_hint if user else None) or message.locale,
            self.community.default_locale,
        )
        lang = language(code, self.community.timezone.key)
        try:
            reply = self.registry.render(message.template, lang, message.params)
            return _Job(message, reply, edit_ref=edit_ref)
        except Exception as exc:  # a template bug must not stop the other messages
            log.exception("outbox message %d: template %r failed", message.id, message.template)
            return _Job(message, None, error=f"render: {exc.__class__.__name__}: {exc}")

    async def _send_chat(self, chat: tuple[str, str], jobs: list[_Job], report: TickReport) -> None:
        transport, chat_id = chat
        deliverer = self.deliverers.get(transport)
        shown: dict[str, str] = {}  # cards sent earlier in this batch: key → message id
        for index, job in enumerate(jobs):
            if job.reply is None or deliverer is None:
                error = job.error or f"no transport {transport!r} in this process"
                await self._record(self._record_failed, job.message, error, False)
                report.failed += 1
                continue
            reply = job.reply
            if reply.attachment is not None and reply.attachment.make is not None:
                try:  # a deferred file (a picture) is made here, off the loop and the claim
                    reply = await asyncio.to_thread(materialise, reply)
                except Exception as exc:
                    log.exception("outbox message %d: making its file failed", job.message.id)
                    await self._record(self._record_failed, job.message, f"file: {exc!r}")
                    report.failed += 1
                    continue
            if DATABASE.away:  # what is sent now could not be recorded: wait for it
                await patiently("the outbox", self._ping)
            await self._pace(transport, chat_id, deliverer.min_interval(chat_id))
            card = job.message.card_key
            edit_ref = shown.get(card, job.edit_ref) if card else job.edit_ref
            delivering.set(job.message.id)
            delivering_key.set(job.message.dedup_key)
            delivering_private.set(job.message.user_id is not None)
            try:  # a file another transport knows is fetched from it first
                reply = await carried(reply, transport, self.deliverers)
                ref = await deliverer.deliver(chat_id, reply, edit_ref=edit_ref)
            except Exception as exc:
                if not isinstance(exc, DeliveryError):  # a bug or an unexpected transport error
                    log.exception("outbox message %d: delivery raised", job.message.id)
                    exc = DeliveryError(f"{exc.__class__.__name__}: {exc}")
                if exc.permanent or (
                    exc.retry_after is None
                    and not exc.away
                    and job.message.attempts + 1 >= self.max_attempts
                ):
                    await self._record(self._record_failed, job.message, str(exc), exc.unreachable)
                    report.failed += 1
                    continue
                # Retry later; the rest of this chat waits behind it, so order is kept.
                later = [j.message for j in jobs[index:]]
                await self._record(self._record_postponed, transport, chat_id, later, exc)
                report.retried += len(later)
                return
            if card and ref:
                shown[card] = ref
            await self._record(self._record_sent, job.message, ref)
            report.sent += 1

    async def _pace(self, transport: str, chat_id: str, interval: float) -> None:
        if interval <= 0:
            return
        key = f"{transport}:{chat_id}"
        with self._lock:
            wait = self._last_sent.get(key, float("-inf")) + interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        with self._lock:
            now = time.monotonic()
            self._last_sent[key] = now
            if len(self._last_sent) > 4096:  # a notice to thousands: forget chats long quiet
                self._last_sent = {k: t for k, t in self._last_sent.items() if now - t < 60}

    async def _record(self, step: Callable[..., None], *args: object) -> None:
        """Record an outcome, waiting for the database if it is away: a message that went out
        is marked sent when it is back, not sent again."""
        await patiently("the outbox", step, *args)

    def _ping(self) -> None:
        with self.session_factory() as session:
            session.execute(text("SELECT 1"))

    def _record_sent(self, message: outbox.ClaimedMessage, ref: str | None) -> None:
        """Mark it sent; remember where a card is shown, and which conversation a relayed
        message belongs to (a reply to it goes there)."""
        thread = awaiting.parse_thread(message.params.get(awaiting.THREAD_PARAM))
        with self.session_factory() as session, session.begin():
            now = self.clock()
            outbox.mark_sent(session, message.id, now=now)
            if ref and message.card_key:
                outbox.remember_card(
                    session,
                    transport=message.transport,
                    chat_id=message.chat_id,
                    card_key=message.card_key,
                    message_ref=ref,
                    now=now,
                )
            if ref and thread is not None:
                awaiting.remember_relayed(
                    session,
                    transport=message.transport,
                    chat_id=message.chat_id,
                    message_ref=ref,
                    service=thread[0],
                    record_id=thread[1],
                    now=now,
                )
        self._let_go([message.id])

    def _let_go(self, ids: list[int]) -> None:
        with self._lock:
            self._held.difference_update(ids)

    def _record_postponed(
        self,
        transport: str,
        chat_id: str,
        messages: list[outbox.ClaimedMessage],
        exc: DeliveryError,
    ) -> None:
        """A 429 waits exactly ``retry_after`` and is not a failed attempt; another temporary
        error backs off exponentially and counts. Either way the chat's later messages wait
        behind the first one."""
        first = messages[0]
        if exc.retry_after is not None:
            delay = timedelta(seconds=exc.retry_after)
            self._slowed[f"{transport}:{chat_id}"] = exc.retry_after
        elif exc.away:  # the transport said so once; back soon, most likely
            delay = AWAY_RETRY
        else:
            delay = min(self.backoff * 2**first.attempts, timedelta(hours=1))
            log.warning("outbox message %d: %s; retrying in %s", first.id, exc, delay)
        with self.session_factory() as session, session.begin():
            outbox.postpone_chat(
                session,
                transport=transport,
                chat_id=chat_id,
                claimed_ids=[m.id for m in messages],
                until=self.clock() + delay,
                error=str(exc),
                count_attempt_of=first.id if exc.retry_after is None and not exc.away else None,
            )
        self._let_go([m.id for m in messages])

    def _record_failed(
        self, message: outbox.ClaimedMessage, error: str, unreachable: bool = False
    ) -> None:
        with self.session_factory() as session, session.begin():
            outbox.mark_failed(session, message.id, error=error)
            if unreachable and message.user_id is not None:
                notice_subscriptions.mark_unreachable(
                    session, message.user_id, now=self.clock(), error=error
                )
        self._let_go([message.id])
        if unreachable:  # their choice, nothing to act on
            log.info("outbox message %d: recipient unreachable: %s", message.id, error)
        else:
            log.warning("outbox message %d failed for good: %s", message.id, error)
