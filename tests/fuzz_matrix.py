"""The fuzz drill's Matrix side: the real Matrix transport (``MatrixTransport._handle_event``
and its guard) fed random events without a homeserver — the rooms are nio's own room objects,
what the bot sends is captured. A closed community: a Matrix admin, a volunteer and two
residents on the bot's server, their encrypted team room, and people from another server.

Rules: residents and the volunteer type text and commands; a foreign-server sender writes,
reacts and invites; a stranger joins the team room (or is invited), an admin removes them and
binds again; a resident's direct chat gains a third member; undecryptable events arrive in
bursts; requests are filed and the outbox delivers. Invariants: nothing raised, nothing is
posted to the team room while it is held, a foreign sender gets at most one line and nothing
of theirs is stored, an undecryptable burst is answered at most once an hour per sender, no
Matrix id ever appears in what the bot sends, and no private message reaches a room that others
joined.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from nio import Event
from nio.rooms import MatrixRoom
from sqlalchemy import select

from bot.matrix.client import MatrixDeliverer, MatrixTransport
from bot.matrix.device import MatrixConfig
from bot.outbox import OutboxWorker
from db.models import TeamChat, User
from db.users import get_or_create_user, grant_role
from handlers.types import Reply
from tests import fuzz_support as fz
from tests.support import FakeClock, Resident, loose_dispatcher

BOT = "@linli:linli.test"
ADMIN = "@boss:linli.test"
VOLUNTEER = "@li.wei:linli.test"
RESIDENTS = ("@mei:linli.test", "@tom:linli.test")
FOREIGN = ("@spam1:evil.example", "@spam2:evil.example")
STRANGER = "@nosy:linli.test"
TEAM = "!team:linli.test"
LOCAL = (ADMIN, VOLUNTEER, *RESIDENTS)
#: Residents' and the staff's direct chats.
DIRECT = {who: f"!dm-{who[1:].split(':')[0]}:linli.test" for who in (*LOCAL, *FOREIGN)}
TEXTS = st.one_of(
    st.sampled_from(["!start", "!help", "!ask", "!report", "!mycases", "!bind volunteers", "1"]),
    fz.TEXT,
)


class MatrixMachine(RuleBasedStateMachine):
    """One fresh closed community per example (the tables are emptied by the caller)."""

    wiring: ClassVar[dict[str, Any]] = {}
    steps: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        w = self.wiring
        w["empty"]()
        self.session_factory = w["session_factory"]
        self.clock = FakeClock()
        # Started once with the community's settings, then again with the Matrix admins named
        # too (a dispatcher loads the settings' admins when it starts).
        for community in (w["community"], w["matrix_community"]):
            self.dispatcher = loose_dispatcher(
                self.session_factory, w["registry"], community, self.clock, limit=10**6
            )
        store = Path(w["tmp"]) / f"bot{next(_stores)}"
        config = MatrixConfig("http://127.0.0.1:9", BOT, "pw", None, store)
        self.transport = MatrixTransport(config, self.dispatcher)
        self.sent: list[tuple[str, Reply]] = []
        self.ids = itertools.count(1)
        self._stub()
        self.worker = OutboxWorker(
            session_factory=self.session_factory,
            registry=w["registry"],
            community=self.dispatcher.community,
            deliverers={"matrix": MatrixDeliverer(self.transport), "telegram": _Nowhere()},
            clock=self.clock,
        )
        for who in LOCAL:
            self._room(DIRECT[who], who)
        for who in FOREIGN:  # rooms from before the server list: still joined
            self._room(DIRECT[who], who)
        team = self._room(TEAM, ADMIN, VOLUNTEER, named=True)
        team.encrypted = True
        with self.session_factory() as session, session.begin():
            user = get_or_create_user(
                session, transport="matrix", external_id=VOLUNTEER, now=self.clock()
            )
            grant_role(session, user, "volunteer", now=self.clock(), by="fuzz")
        for who in LOCAL:
            self._say(who, DIRECT[who], "!start")
        self._say(ADMIN, TEAM, "!bind volunteers")
        self.foreign_told: dict[str, int] = {}
        self.undecryptable_told: dict[str, int] = {}
        self.private_gone: set[str] = set()
        self.checked = 0

    # -- wiring without a homeserver -------------------------------------------------------

    def _stub(self) -> None:
        transport = self.transport

        async def send(room_id: str, reply: Reply, *, edit_ref=None, txn=None) -> str:
            self.sent.append((room_id, reply))
            return f"$e{next(self.ids)}"

        async def options(room_id: str, event_id: str):
            return transport.cards.known(event_id) or ()

        async def join(room_id: str):
            return SimpleNamespace()

        transport.client.user_id = BOT  # as after logging in
        transport.send = send  # type: ignore[method-assign]
        transport.cards.options = options  # type: ignore[method-assign]
        transport.client.join = join  # type: ignore[method-assign]
        transport.client.room_leave = join  # type: ignore[method-assign]

    def _room(self, room_id: str, *members: str, named: bool = False) -> MatrixRoom:
        room = MatrixRoom(room_id, BOT)
        room.add_member(BOT, "Linli", None)
        for who in members:
            room.add_member(who, who[1:].split(":")[0].title(), None)
        if named:
            room.name = "YAM"
        self.transport.client.rooms[room_id] = room
        return room

    def _event(self, room_id: str, sender: str, kind: str, content: dict) -> None:
        source = {
            "type": kind,
            "sender": sender,
            "event_id": f"$in{next(self.ids)}",
            "origin_server_ts": int(time.time() * 1000),
            "content": content,
        }
        if kind == "m.room.member":
            source["state_key"] = content.pop("state_key")
        event: Any = Event.parse_event(source)  # as nio hands it over from a sync
        # One event at a time, synchronously, as a hypothesis rule needs: the sync loop
        # (``run``) would need a stand-in homeserver and a running loop between rules.
        asyncio.run(self.transport._handle_room(room_id, [event]))

    def _say(self, who: str, room_id: str, text: str) -> None:
        self._event(room_id, who, "m.room.message", {"msgtype": "m.text", "body": text})

    def _to(self, room_id: str) -> int:
        return sum(1 for where, _ in self.sent if where == room_id)

    # -- rules -------------------------------------------------------------------------------

    @rule(who=st.sampled_from((*RESIDENTS, VOLUNTEER, ADMIN)), text=TEXTS)
    def type_in_private(self, who: str, text: str) -> None:
        self._say(who, DIRECT[who], text)

    @rule(who=st.sampled_from((VOLUNTEER, ADMIN)), text=TEXTS)
    def type_in_team_room(self, who: str, text: str) -> None:
        self._say(who, TEAM, text)

    @rule(who=st.sampled_from(FOREIGN), text=TEXTS, react=st.booleans())
    def foreign_sender(self, who: str, text: str, react: bool) -> None:
        before = self._to(DIRECT[who])
        if react:
            relates = {"rel_type": "m.annotation", "event_id": "$x", "key": "✋"}
            self._event(DIRECT[who], who, "m.reaction", {"m.relates_to": relates})
        else:
            self._say(who, DIRECT[who], text)
        self._say(who, TEAM, text)  # in the team room: never an answer
        self.foreign_told[who] = self.foreign_told.get(who, 0) + self._to(DIRECT[who]) - before

    @rule(invited=st.booleans(), foreign=st.booleans())
    def stranger_joins_the_team_room(self, invited: bool, foreign: bool) -> None:
        who = FOREIGN[0] if foreign else STRANGER
        room = self.transport.client.rooms[TEAM]
        room.add_member(who, "Nosy", None, invited=invited)
        membership = "invite" if invited else "join"
        sender = ADMIN if invited else who
        self._event(TEAM, sender, "m.room.member", {"membership": membership, "state_key": who})
        with self.session_factory() as session:
            assert session.get(TeamChat, "volunteers").held_since is not None

    @rule()
    def admin_removes_strangers_and_binds_again(self) -> None:
        room = self.transport.client.rooms[TEAM]
        for who in (STRANGER, *FOREIGN):
            room.remove_member(who)
        self._say(ADMIN, TEAM, "!bind volunteers")
        with self.session_factory() as session:
            assert session.get(TeamChat, "volunteers").held_since is None

    @rule(who=st.sampled_from(RESIDENTS))
    def direct_chat_gains_a_member(self, who: str) -> None:
        room = self.transport.client.rooms[DIRECT[who]]
        room.add_member(STRANGER, "Nosy", None)
        self._event(
            DIRECT[who], STRANGER, "m.room.member", {"membership": "join", "state_key": STRANGER}
        )
        self.private_gone.add(DIRECT[who])

    @rule(who=st.sampled_from(RESIDENTS), burst=st.integers(1, 30))
    def undecryptable_burst(self, who: str, burst: int) -> None:
        before = self._to(DIRECT[who])
        for n in range(burst):
            content = {
                "algorithm": "m.megolm.v1.aes-sha2",
                "sender_key": "key",
                "device_id": "DEVICE",
                "session_id": f"s{n}",
                "ciphertext": "AwgAEnAf",
            }
            self._event(DIRECT[who], who, "m.room.encrypted", content)
        self.undecryptable_told[who] = self.undecryptable_told.get(who, 0)
        self.undecryptable_told[who] += self._to(DIRECT[who]) - before

    @rule(description=st.sampled_from(fz.SENSIBLE[:2]))
    def a_telegram_resident_asks(self, description: str) -> None:
        from tests.requests_support import file_request

        alice = Resident(self.dispatcher, "Alice", "en", user_id=str(5000 + next(self.ids)))
        file_request(alice, description=description)  # one each: the per-person limit

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def closed_community_holds(self) -> None:
        type(self).steps += 1
        held_before = self._held()
        team_before = self._to(TEAM)
        asyncio.run(self.worker.tick())
        if held_before:
            assert self._to(TEAM) == team_before, "the outbox posted to a held team room"
        errors = self.wiring["errors"].take()
        assert not errors, "\n\n".join(errors)
        assert all(count <= 1 for count in self.foreign_told.values()), self.foreign_told
        assert all(count <= 1 for count in self.undecryptable_told.values())
        with self.session_factory() as session:
            kept = session.scalars(select(User.external_id).where(User.transport == "matrix"))
            assert not any(who.endswith(":evil.example") for who in kept)
            gone = set(
                session.scalars(
                    select(User.private_chat_id).where(User.private_chat_id.in_(self.private_gone))
                )
            )
            assert not gone, "a private chat others joined is still someone's"
        owners = {room: who for who, room in DIRECT.items()}
        for room_id, reply in self.sent[self.checked :]:
            others = [who for who in (*LOCAL, STRANGER) if who != owners.get(room_id)]
            for part in fz.texts_of(reply):
                assert not any(who in part for who in others), (room_id, part)
                assert "\ue000" not in part
        self.checked = len(self.sent)

    def _held(self) -> bool:
        with self.session_factory() as session:
            row = session.get(TeamChat, "volunteers")
            return bool(row and row.held_since)


class _Nowhere:
    """The Telegram resident's replies: dropped (the drill checks the Matrix side)."""

    def min_interval(self, chat_id: str) -> float:
        return 0.0

    async def deliver(self, chat_id: str, reply: Reply, *, edit_ref: str | None = None) -> str:
        return "1"


_stores = itertools.count(1)
