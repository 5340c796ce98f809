"""Drill: a Hypothesis state machine plays a whole community at once — two residents (one
Chinese, one English), a volunteer, a mediator, an organiser and an admin, with the two team
rooms bound — and drives the real dispatcher with random commands, typed text (hostile Unicode,
huge, empty, dates and durations in every format), presses of the buttons it was last shown,
forged and other people's payloads, photos, files, stickers and locations, presses on the cards
in the team rooms, and time passing (sweeps, the outbox).

After every step: nothing raised (no ERROR logged, no apology sent), every private input got an
answer, places never exceed an event's capacity, a request in progress has one holder and an
open one none, and nothing sent to anyone else names the reporter of an anonymous case.

The budget is ``LINLI_FUZZ_STEPS`` steps (400 by default, so CI stays short); the long run is
``LINLI_FUZZ_STEPS=10000 .venv/bin/python -m pytest tests/test_drill_fuzz.py -s`` (README).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select, text

from bot.outbox import OutboxWorker
from bot.sweeper import Sweeper
from db.disputes.models import DisputeCase, DisputeEvent
from db.events.models import Event, EventSignup
from db.models import User
from db.registry import metadata
from db.requests.models import HelpRequest, RequestMessage
from db.rooms.models import Booking
from db.users import get_or_create_user, grant_role
from handlers.types import ChatRef, Inbound, Kind, Reply, Sender
from tests import fuzz_support as fz
from tests.events_support import make_event
from tests.rooms_support import make_room
from tests.support import FakeClock, PostBox, Resident, loose_dispatcher
from tests.volunteering_support import make_opportunity

WHO = st.integers(0, len(fz.PEOPLE) - 1)
PICK = st.integers(0, 63)
PICKS = st.lists(st.integers(0, 5), min_size=1, max_size=24)
ANSWERS = st.lists(st.sampled_from(fz.SENSIBLE), min_size=1, max_size=12)


class CommunityMachine(RuleBasedStateMachine):
    """One fresh community per example (the tables are emptied)."""

    wiring: ClassVar[dict[str, Any]] = {}
    steps: ClassVar[int] = 0
    reached: ClassVar[dict[str, int]] = {}  # rows made over all examples, by kind

    def __init__(self) -> None:
        super().__init__()
        w = self.wiring
        _empty(w["engine"])
        self.session_factory = w["session_factory"]
        self.clock = FakeClock()
        self.dispatcher = loose_dispatcher(
            self.session_factory, w["registry"], w["community"], self.clock, limit=10**6
        )
        self.postbox = PostBox()
        self.worker = OutboxWorker(
            session_factory=self.session_factory,
            registry=w["registry"],
            community=w["community"],
            deliverers={"telegram": self.postbox},
            clock=self.clock,
        )
        self.sweeper = Sweeper(
            session_factory=self.session_factory,
            registry=w["registry"],
            community=w["community"],
            clock=self.clock,
        )
        self.people = [
            Resident(self.dispatcher, name, lang, user_id=uid) for name, uid, lang, _ in fz.PEOPLE
        ]
        self.payloads: list[str] = []  # every payload shown to anyone so far
        self.checked = 0  # deliveries already checked
        for person, (_, uid, _, role) in zip(self.people, fz.PEOPLE, strict=True):
            person.send("/start")
            with self.session_factory() as session, session.begin():
                user = get_or_create_user(
                    session, transport="telegram", external_id=uid, now=self.clock()
                )
                if role in ("volunteer", "mediator", "organiser", "coordinator"):
                    grant_role(session, user, role, now=self.clock(), by="fuzz")
        # One small event to sign up for from the start (places 2, up to 3 per signup).
        make_event(
            self.session_factory, self.clock(), capacity=2, max_party=3, starts_in=timedelta(days=9)
        )
        make_room(self.session_factory, self.clock(), week_hours=4)  # a room to book
        # And one volunteer opportunity with a shift in nine days (2 ushers who speak English).
        make_opportunity(
            self.session_factory,
            self.clock(),
            starts_in=timedelta(days=9),
            roles=(("引导", "Usher", 2, "en"),),
        )
        self.typed = [0] * len(self.people)  # where each person is in fz.SENSIBLE
        self._in_room(5, fz.VOLUNTEER_ROOM, "bind", "volunteers")
        self._in_room(5, fz.MEDIATOR_ROOM, "bind", "mediators")
        self._deliver()

    # --- what people do ----------------------------------------------------------------------

    @rule(who=WHO, typed=fz.TEXT)
    def type_text(self, who: int, typed: str) -> None:
        person = self.people[who]
        self._private(who, person.send_kind(Kind.TEXT, text=typed))

    @rule(who=WHO, data=st.data(), args=fz.COMMAND_ARGS)
    def command(self, who: int, data: st.DataObject, args: str) -> None:
        names = [*sorted(self.wiring["registry"].commands), "nosuchcommand"]
        name = data.draw(st.sampled_from(names), label="command")
        self._private(who, self.people[who].send(f"/{name} {args}"))

    @rule(who=WHO, name=st.sampled_from(fz.FLOWS))
    def open_a_flow(self, who: int, name: str) -> None:
        self._private(who, self.people[who].send(f"/{name}"))

    @rule(who=WHO, picks=PICKS, answers=ANSWERS)
    def play_along(self, who: int, picks: list[int], answers: list[str]) -> None:
        """Answer what was asked, several times in a row, as a person would: one of the
        buttons shown, else a plausible answer (a description, a time, a number, a place)."""
        for pick, answer in zip(picks, answers * len(picks), strict=False):
            self._play_along(who, pick, answer)

    @rule(who=st.sampled_from([0, 1]), flow=st.sampled_from(fz.RESIDENT_FLOWS), picks=PICKS)
    def resident_goes_through(self, who: int, flow: str, picks: list[int]) -> None:
        """A resident opens a flow and goes through it."""
        self._private(who, self.people[who].send(f"/{flow}"))
        for pick in picks:
            self._play_along(who, pick, None)

    @rule(who=WHO, typed=st.sampled_from(fz.FREE_TEXT), picks=PICKS)
    def type_what_they_want(self, who: int, typed: str, picks: list[int]) -> None:
        """Someone types what they want instead of tapping, then goes on with what opened (a
        list, a form pre-filled, two services to choose from)."""
        self._private(who, self.people[who].send(typed))
        for pick in picks:
            self._play_along(who, pick, None)

    @rule(work=st.sampled_from(fz.STAFF_WORK), picks=PICKS)
    def staff_works(self, work: tuple[int, str], picks: list[int]) -> None:
        """A volunteer, mediator, organiser or admin does their own work."""
        who, flow = work
        self._private(who, self.people[who].send(f"/{flow}"))
        for pick in picks:
            self._play_along(who, pick, None)

    @rule(who=st.sampled_from([2, 3, 4, 5]), flow=st.sampled_from(fz.FLOWS), picks=PICKS)
    def staff_goes_through(self, who: int, flow: str, picks: list[int]) -> None:
        """Someone on the staff opens a flow (theirs, or one they may not use) and goes on."""
        self._private(who, self.people[who].send(f"/{flow}"))
        for pick in picks:
            self._play_along(who, pick, None)

    def _play_along(self, who: int, pick: int, answer: str | None) -> None:
        """Press one of the buttons that answer (not Back, Skip or Cancel); where there is
        none, type ``answer``, or else the next of the plausible answers in turn (so a refused
        one is followed by another)."""
        person = self.people[who]
        if answer is None:
            answer = fz.SENSIBLE[self.typed[who] % len(fz.SENSIBLE)]
            self.typed[who] += 1
        shown = [b for b in person.buttons() if b.payload]
        choices = [b.payload for b in shown if b.label not in fz.NAVIGATION]
        skips = [b.payload for b in shown if b.label in fz.SKIP]
        confirm = [b.payload for b in shown if b.label.startswith("✅")]
        if confirm and pick < 3:  # at a summary: mostly send it, sometimes change an answer
            self._private(who, person.press_payload(confirm[0]))
        elif choices:
            self._private(who, person.press_payload(choices[pick % len(choices)]))
        elif skips and pick % 2 == 0:
            self._private(who, person.press_payload(skips[0]))
        else:  # a question that wants typed input (its buttons are Back, Skip, Cancel)
            self._private(who, person.send_kind(Kind.TEXT, text=answer))

    @rule(who=WHO, pick=PICK)
    def press_shown(self, who: int, pick: int) -> None:
        person = self.people[who]
        shown = [b.payload for b in person.buttons() if b.payload]
        pool = shown or self.payloads or ["ev:list"]
        self._private(who, person.press_payload(pool[pick % len(pool)]))

    @rule(who=WHO, pick=PICK, number=st.integers(0, 10**12), junk=fz.JUNK_PAYLOAD)
    def press_forged(self, who: int, pick: int, number: int, junk: str) -> None:
        person = self.people[who]
        if self.payloads and pick % 3:
            payload = self.payloads[pick % len(self.payloads)]  # someone else's, perhaps
            payload = fz.forge(payload, number) if pick % 3 == 2 else payload
        else:
            payload = junk
        self._private(who, person.press_payload(payload[:64]))

    @rule(
        who=WHO,
        kind=st.sampled_from([Kind.PHOTO, Kind.DOCUMENT, Kind.STICKER, Kind.VOICE, Kind.OTHER]),
        caption=fz.TEXT,
    )
    def send_media(self, who: int, kind: Kind, caption: str) -> None:
        person = self.people[who]
        values: dict[str, Any] = {"text": caption}
        if kind in (Kind.PHOTO, Kind.DOCUMENT):
            values.update(file_id=f"file-{self.steps}", file_name="scan.pdf")
        self._private(who, person.send_kind(kind, **values))

    @rule(who=WHO, pick=PICK, typed=fz.TEXT)
    def reply_to_a_message(self, who: int, pick: int, typed: str) -> None:
        """A reply to something delivered to them (a relayed message, a question, a notice)
        or to a message that was never there: it reaches its conversation or is free text."""
        person = self.people[who]
        uid = fz.PEOPLE[who][1]
        refs = [d.ref for d in self.postbox.received if d.chat_id == uid] or ["1"]
        ref = refs[pick % len(refs)] if pick % 4 else str(pick)
        self._private(who, person.send_kind(Kind.TEXT, text=typed, reply_to=ref))

    @rule(who=WHO, latitude=fz.LATITUDE, longitude=fz.LONGITUDE)
    def send_location(self, who: int, latitude: float, longitude: float) -> None:
        person = self.people[who]
        self._private(who, person.send_kind(Kind.LOCATION, location=(latitude, longitude)))

    @rule(who=WHO, pick=PICK, room=st.sampled_from([fz.VOLUNTEER_ROOM, fz.MEDIATOR_ROOM]))
    def press_in_room(self, who: int, pick: int, room: str) -> None:
        buttons = [
            b.payload for card in self.postbox.cards_in(room) for row in card.buttons for b in row
        ]
        buttons = [payload for payload in buttons if payload]
        if buttons:
            self._in_room(who, room, payload=buttons[pick % len(buttons)])

    @rule(
        who=WHO,
        name=st.sampled_from(fz.ROOM_COMMANDS),
        args=fz.COMMAND_ARGS,
        room=st.sampled_from([fz.VOLUNTEER_ROOM, fz.MEDIATOR_ROOM]),
    )
    def command_in_room(self, who: int, name: str, args: str, room: str) -> None:
        self._in_room(who, room, name, args)

    @rule(minutes=st.sampled_from([1, 11, 45, 3 * 60, 13 * 60, 25 * 60, 4 * 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        assert self.sweeper.run() == [], "a sweep failed"

    # --- after every step --------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        type(self).steps += 1
        self._deliver()
        errors = self.wiring["errors"].take()
        assert not errors, "\n\n".join(errors)
        with self.session_factory() as session:
            fz.check_database(session)
            anonymous, others = fz.case_refs(session, _resident_names(session))
        for delivered in self.postbox.received[self.checked :]:
            reporter_here = {
                ref: name
                for ref, name in anonymous.items()
                if self._external_id(name) != delivered.chat_id
            }
            for part in fz.texts_of(delivered.reply):
                fz.assert_not_named(part, reporter_here, others)
        self.checked = len(self.postbox.received)
        self.anonymous, self.others = anonymous, others

    def teardown(self) -> None:
        with self.session_factory() as session:
            for model in (
                Event,
                EventSignup,
                HelpRequest,
                RequestMessage,
                DisputeCase,
                DisputeEvent,
                Booking,
            ):
                count = session.scalar(select(func.count()).select_from(model)) or 0
                self.reached[model.__name__] = self.reached.get(model.__name__, 0) + count

    # --- helpers -----------------------------------------------------------------------------

    def _private(self, who: int, replies: list[Reply]) -> None:
        assert replies, "a private message got no answer"
        self._seen(who, replies)

    def _seen(self, who: int, replies: list[Reply]) -> None:
        name = fz.PEOPLE[who][0]
        with self.session_factory() as session:
            anonymous, others = fz.case_refs(session, _resident_names(session))
        not_theirs = {ref: n for ref, n in anonymous.items() if n != name}
        for reply in replies:
            for part in fz.texts_of(reply):
                assert not any(apology in part for apology in fz.APOLOGY), part
                fz.assert_not_named(part, not_theirs, others)
            self.payloads.extend(b.payload for row in reply.buttons for b in row if b.payload)
        del self.payloads[:-200]

    def _in_room(self, who: int, room: str, command: str = "", args: str = "", payload: str = ""):
        name, uid, lang, _ = fz.PEOPLE[who]
        chat = ChatRef("telegram", room, is_group=True)
        sender = Sender("telegram", uid, name, None, lang)
        if payload:
            inbound = Inbound(chat, sender, Kind.BUTTON, payload=payload)
        else:
            inbound = Inbound(
                chat, sender, Kind.COMMAND, text=f"/{command} {args}", command=command, args=args
            )
        replies = self.dispatcher.handle(inbound)
        if command in fz.PRIVATE_VIEWS:  # a pointer to the private chat, never the content
            for reply in replies:
                assert reply.attachment is None and "#D-" not in reply.text, reply
                assert "#R-" not in reply.text, reply
        self._seen(who, replies)

    def _deliver(self) -> None:
        asyncio.run(self.worker.tick())

    @staticmethod
    def _external_id(name: str) -> str:
        return next(uid for first, uid, _, _ in fz.PEOPLE if first == name)


def _resident_names(session) -> dict[int, str]:
    """User row id → first name, for the residents (a resident who erased their data and
    wrote again has a new row)."""
    residents = {uid: name for name, uid, _, role in fz.PEOPLE if role is None}
    rows = session.execute(
        select(User.id, User.external_id).where(User.external_id.in_(list(residents)))
    )
    return {row_id: residents[external_id] for row_id, external_id in rows}


def _empty(engine) -> None:
    """Every table emptied: a new community for the next example."""
    tables = metadata.sorted_tables
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.mark.timeout(max(300, fz.FUZZ_STEPS))
def test_fuzz_the_community(engine, session_factory, registry, community):
    errors = fz.ErrorLog()
    root = logging.getLogger()
    root.addHandler(errors)
    CommunityMachine.wiring = {
        "engine": engine,
        "session_factory": session_factory,
        "registry": registry,
        "community": community,
        "errors": errors,
    }
    CommunityMachine.steps = 0
    CommunityMachine.reached = {}
    started = time.monotonic()
    try:
        while CommunityMachine.steps < fz.FUZZ_STEPS:
            left = fz.FUZZ_STEPS - CommunityMachine.steps
            run_state_machine_as_test(
                CommunityMachine,
                settings=settings(
                    max_examples=max(1, math.ceil(left / fz.STEPS_PER_EXAMPLE)),
                    stateful_step_count=fz.STEPS_PER_EXAMPLE,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    print_blob=True,
                ),
            )
    finally:
        root.removeHandler(errors)
    took = time.monotonic() - started
    with session_factory() as session:
        assert session.scalar(select(User.id).limit(1)) is not None
    print(
        f"\nfuzz drill: {CommunityMachine.steps} steps in {took:.0f} s "
        f"({CommunityMachine.steps / took:.0f} steps/s), nothing broke; made "
        + ", ".join(f"{count} {name}" for name, count in CommunityMachine.reached.items())
    )


@pytest.mark.timeout(max(300, fz.FUZZ_STEPS))
def test_fuzz_matrix_as_a_closed_community(engine, session_factory, registry, community, tmp_path):
    """The Matrix transport's guard under random events (``tests/fuzz_matrix.py``): a
    foreign-server sender, a stranger in the team room, undecryptable bursts."""
    from dataclasses import replace

    from tests import fuzz_matrix as fm

    errors = fz.ErrorLog()
    root = logging.getLogger()
    root.addHandler(errors)
    fm.MatrixMachine.wiring = {
        "empty": lambda: _empty(engine),
        "session_factory": session_factory,
        "registry": registry,
        "community": community,
        "matrix_community": replace(
            community, admin_refs=community.admin_refs | {f"matrix:{fm.ADMIN}"}
        ),
        "errors": errors,
        "tmp": tmp_path,
    }
    fm.MatrixMachine.steps = 0
    budget = max(40, fz.FUZZ_STEPS // 4)
    try:
        while fm.MatrixMachine.steps < budget:
            left = budget - fm.MatrixMachine.steps
            run_state_machine_as_test(
                fm.MatrixMachine,
                settings=settings(
                    max_examples=max(1, math.ceil(left / 40)),
                    stateful_step_count=40,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    print_blob=True,
                ),
            )
    finally:
        root.removeHandler(errors)
    print(f"\nmatrix fuzz drill: {fm.MatrixMachine.steps} steps, nothing broke")
