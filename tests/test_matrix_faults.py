"""The Matrix transport when things go wrong, against the real Synapse: the homeserver drops
in the middle of a sync (the bot's connection is cut by a proxy, then mended on the same port),
a message the bot has no key for, and a burst from the outbox into Synapse's rate limit."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.matrix.client import MatrixDeliverer, MatrixTransport
from bot.outbox import DeliveryError, OutboxWorker
from db import outbox
from db.models import OutboxMessage
from handlers.types import Community
from tests.matrix_support import bot_config, people, running_bot, settled, withheld_key_message
from tests.support import Note, registry_with_notes
from tests.telegram_support import running_bot as running_telegram

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.xdist_group("synapse"),  # one homeserver per run, in one worker
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

COMMUNITY = Community(
    timezone=ZoneInfo("Asia/Shanghai"),
    default_locale="zh_Hans",
    admin_refs=frozenset(),
    bot_username="linli_test_bot",
)


class Cable:
    """A TCP proxy from a port of its own to Synapse's: ``cut`` drops every connection and
    stops listening (the homeserver is gone, mid-request); ``mend`` listens on the same port."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def mend(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        if self._server is None or not self._server.is_serving():
            # Accepted just before a cut, connected upstream just after it: no pipe survives.
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self._pipes.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._pipes.difference_update((writer, up_writer))


@asynccontextmanager
async def bot_through(cable: Cable, synapse, store: Path, dispatcher, worker):
    """The bot's transport talking to Synapse through ``cable``."""
    config = bot_config(synapse, store)
    config = dataclasses.replace(
        config,
        homeserver=f"http://127.0.0.1:{cable.port}",
        retry_first=0.1,  # tried again every 0.1–0.4 s (not 1 s doubling to a minute)
        retry_longest=0.4,
    )
    transport = MatrixTransport(config, dispatcher)
    worker.deliverers["matrix"] = MatrixDeliverer(transport)
    stop = asyncio.Event()
    task = asyncio.create_task(transport.run(stop))
    await asyncio.wait_for(transport.ready.wait(), 60)
    try:
        yield transport
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_a_homeserver_that_drops_mid_sync_is_retried_and_nothing_is_lost_or_repeated(
    synapse, fast_path, session_factory, caplog
):
    """The homeserver restarts: the sync loop and the outbox's Matrix deliverer both ride it
    out — what the person wrote meanwhile is answered once, what the outbox had for them
    arrives once and in order, with no failed attempt counted, one WARNING for the outage."""
    caplog.set_level(logging.INFO, logger="bot.matrix.client")
    cable = Cable(int(synapse.url.rsplit(":", 1)[1]))
    await cable.mend()
    async with (
        people(synapse, fast_path, "ana") as [ana],
        running_telegram(session_factory, COMMUNITY, registry=registry_with_notes()) as (
            api,
            dispatcher,
            worker,
        ),
        bot_through(cable, synapse, fast_path / "bot", dispatcher, worker) as bot,
    ):
        room = await ana.room_with(bot.client.user_id, encrypted=True)
        await ana.exchange(room, "!lang en", "in English")

        # The homeserver goes away while the bot is waiting in a sync.
        await cable.cut()
        before = len(ana.messages(room))
        await ana.say(room, "!events")  # Synapse has it; the bot cannot hear it yet
        # Telegram is served meanwhile.
        api.user_sends_text(user_id=501, text="/start", first_name="Wang")
        [welcome] = await api.wait_for(lambda c: c.method == "sendMessage", timeout=30)
        assert welcome.params["text"].startswith("Welcome to Linli")
        for _ in range(50):
            if "homeserver unavailable" in caplog.text:
                break
            await asyncio.sleep(0.1)
        assert "homeserver unavailable" in caplog.text
        # The outbox has messages for the room meanwhile: they cannot go yet.
        with session_factory() as session, session.begin():
            for n in range(1, 4):
                outbox.enqueue(
                    session,
                    transport="matrix",
                    chat_id=room,
                    params=Note(n=n),
                    now=dispatcher.clock(),
                )
        tried = await worker.tick()
        assert (tried.sent, tried.failed, tried.retried) == (0, 0, 3)
        await asyncio.sleep(1.5)  # a few failed retries of the sync (about five)
        assert not [s for s in ana.messages(room)[before:] if s.sender != ana.mxid]

        # Back on the same port: the bot catches up and answers once; the outbox sends on.
        await cable.mend()
        answer = await ana.wait_for(
            room, lambda s: s.sender != ana.mxid and "!events" not in s.body, after=before
        )
        assert answer.body
        for _ in range(50):
            await worker.tick()
            if len([s for s in ana.messages(room) if s.body.startswith("note ")]) >= 3:
                break
            await asyncio.sleep(0.2)
        await ana.exchange(room, "!lang en", "in English")  # a later round trip, then count
        answers = [s for s in ana.messages(room)[before:] if s.sender != ana.mxid]
        assert [s.body for s in answers].count(answer.body) == 1
        notes = [s.body for s in answers if s.body.startswith("note ")]
        assert notes == ["note 1", "note 2", "note 3"]
        assert len(answers) == 2 + len(notes)
    with session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {"sent"}
    assert all(row.attempts == 0 for row in rows)  # an outage is not a failed attempt
    # (matrix-nio's own lines are held at ERROR by ``linli run``: bot.runtime.configure_logging)
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and not r.name.startswith("nio")
    ]
    assert [r.getMessage()[:39] for r in warnings] == ["Matrix: homeserver unavailable (ClientC"]
    assert "the homeserver answers again" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_message_without_its_key_is_asked_again_in_the_persons_language(
    synapse, fast_path, session_factory, caplog
):
    caplog.set_level(logging.INFO, logger="bot.matrix.client")
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry_with_notes(), community=COMMUNITY
    )
    worker = OutboxWorker(
        session_factory=session_factory, registry=dispatcher.registry, community=COMMUNITY
    )
    secret = "the secret letter text"
    async with (
        people(synapse, fast_path, "ana", "wang") as [ana, wang],
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
    ):
        linli = bot.client.user_id
        rooms = {}
        for person in (ana, wang):
            rooms[person.name] = await person.room_with(linli, encrypted=True)
        await ana.exchange(rooms[ana.name], "!lang en", "in English")
        for person in (ana, wang):
            before = len(person.messages(rooms[person.name]))
            # Encrypted with a Megolm session whose key nobody was ever given.
            await person.send_as_is(
                rooms[person.name],
                "m.room.encrypted",
                withheld_key_message(person, rooms[person.name], secret),
            )
            asked = await person.wait_for(
                rooms[person.name], lambda s: s.sender == linli, after=before
            )
            expected = "Please send it again." if person is ana else "请再发送一次。"
            assert expected in asked.body
    undecrypted = [r for r in caplog.records if "could not decrypt" in r.getMessage()]
    assert len(undecrypted) == 2
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in undecrypted)
    assert secret not in caplog.text


async def test_a_burst_into_synapses_rate_limit_arrives_once_in_order(
    synapse, fast_path, session_factory
):
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry_with_notes(), community=COMMUNITY
    )
    worker = OutboxWorker(
        session_factory=session_factory, registry=dispatcher.registry, community=COMMUNITY
    )
    async with (
        people(synapse, fast_path, "ana") as [ana],
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
    ):
        linli = bot.client.user_id
        watching = Watching(bot)
        worker.deliverers["matrix"] = watching
        room = await ana.room_with(linli)
        synapse.throttle(linli, per_second=2, burst_count=3)
        try:
            with session_factory() as session, session.begin():
                for n in range(1, 13):
                    outbox.enqueue(
                        session,
                        transport="matrix",
                        chat_id=room,
                        params=Note(n=n),
                        now=dispatcher.clock(),
                    )
            retried = 0
            for _ in range(200):
                report = await worker.tick()
                retried += report.retried
                assert report.failed == 0
                if len([s for s in ana.messages(room, linli) if s.body.startswith("note ")]) >= 12:
                    break
                await asyncio.sleep(0.2)
        finally:
            synapse.throttle(linli, None)
        await settled(bot, ana)  # anything sent twice would have arrived by now
        notes = [s.body for s in ana.messages(room, linli) if s.body.startswith("note ")]
        assert notes == [f"note {n}" for n in range(1, 13)]
        assert retried > 0  # Synapse did say M_LIMIT_EXCEEDED
        with session_factory() as session:
            rows = session.scalars(select(OutboxMessage)).all()
        assert {row.status for row in rows} == {"sent"}
        assert all(row.attempts == 0 for row in rows)  # a rate limit is not a failed attempt
        # After each M_LIMIT_EXCEEDED, the next try waited at least its retry_after_ms.
        waits = [(at, wait) for at, wait in watching.tries if wait is not None]
        assert waits
        for (at, wait), (later, _) in zip(watching.tries, watching.tries[1:], strict=False):
            if wait is not None:
                assert later - at >= wait - 0.05, watching.tries


class Watching(MatrixDeliverer):
    """The bot's deliverer, noting when each try ended and the retry_after it was told."""

    def __init__(self, transport: MatrixTransport) -> None:
        super().__init__(transport)
        self.tries: list[tuple[float, float | None]] = []

    async def deliver(self, chat_id, reply, *, edit_ref=None):
        try:
            ref = await super().deliver(chat_id, reply, edit_ref=edit_ref)
        except DeliveryError as exc:
            self.tries.append((time.monotonic(), exc.retry_after))
            raise
        self.tries.append((time.monotonic(), None))
        return ref
