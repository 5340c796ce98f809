"""What the fuzz drill types and presses (Hypothesis strategies), and the invariants it checks
after every step against the database and everything sent."""

from __future__ import annotations

import logging
import os
import re

from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.intents import SETS, examples
from db.disputes.models import DisputeCase
from db.events.models import Event, EventSignup, SignupStatus
from db.requests.models import HelpRequest, RequestStatus
from db.rooms.models import LIVE, BookedSlot, Booking, Room
from db.volunteering.models import ShiftRole, ShiftSignup, ShiftSignupStatus
from handlers.types import Reply

#: Total steps of the fuzz drill: small in CI, ``LINLI_FUZZ_STEPS=10000`` for the long run.
FUZZ_STEPS = int(os.environ.get("LINLI_FUZZ_STEPS", "400"))
#: Steps in one example (one fresh community).
STEPS_PER_EXAMPLE = 80

#: (first name, Telegram id, app language, role): every role at once. First names are unique
#: words, so an anonymous reporter's name is recognised wherever it would leak.
PEOPLE = (
    ("Quokka", "61001", "en", None),
    ("Wombat", "61002", "zh-hans", None),
    ("Numbat", "61003", "en", "volunteer"),
    ("Bilby", "61004", "zh-hans", "mediator"),
    ("Dingo", "61005", "en", "organiser"),
    ("Echidna", "9000", "zh-hans", "admin"),  # the community's admin (telegram:9000)
    ("Quoll", "61007", "zh-hans", "coordinator"),
)
VOLUNTEER_ROOM = "-100777"
MEDIATOR_ROOM = "-100888"

#: Typed text that means something somewhere: labels, numbers, dates, durations, formulas.
MEANINGFUL = (
    "",
    " ",
    "\n\n",
    "Skip",
    "skip",
    "跳过",
    "Back",
    "返回",
    "Confirm",
    "确认",
    "Cancel",
    "取消",
    "Yes",
    "No",
    "是",
    "否",
    "0",
    "1",
    "2",
    "3",
    "5",
    "-1",
    "１２",
    "²",
    "99999999999999999999",
    "3.5",
    "2026-12-24 19:00",
    "12/24 19:00",
    "12月24日晚上7点",
    "明天下午3点",
    "tomorrow 19:00",
    "2026-02-30 10:00",
    "1970-01-01 00:00",
    "9999-12-31 23:59",
    "2h",
    "90 min",
    "2小时",
    "21:30",
    "25:61",
    '=HYPERLINK("http://x")',
    "eve\u202egpj.exe",
    "a\u200bb\u200d",
    "👨\u200d👩\u200d👧",
    "\x00\x01",
    "R-0001",
    "#D-0001",
    "Please help me translate a letter from my landlord.",
    "Loud music every night after midnight in building 3.",
    "Building 3, 2nd floor",
    "English",
    "中文",
    "引导 / Usher × 2 | en",
    "123456",
)
#: Commands that open a flow or a list with buttons.
FLOWS = (
    "ask",
    "report",
    "newevent",
    "events",
    "myevents",
    "myrequests",
    "mycases",
    "cases",
    "queue",
    "myorganised",
    "profile",
    "menu",
    "rooms",
    "mybookings",
    "volunteer",
    "myhours",
    "newopportunity",
    "coordinate",
)
STAFF_WORK = (
    (2, "queue"),
    (2, "profile"),
    (3, "cases"),
    (4, "newevent"),
    (4, "myorganised"),
    (5, "newevent"),
    (5, "cases"),
    (5, "myorganised"),
    (5, "teamstats"),
    (4, "roomsday"),
    (4, "roomscsv"),
    (6, "newopportunity"),
    (6, "coordinate"),
    (6, "hoursexport"),
    (2, "resolve Done: the letter is translated."),
    (2, "note Called the clinic."),
    (2, "release Sorry, I travel tomorrow."),
    (2, "to R-0001"),
    (2, "to #R-0002"),
)
RESIDENT_FLOWS = (
    "ask",
    "report",
    "events",
    "myevents",
    "myrequests",
    "mycases",
    "rooms",
    "mybookings",
    "menu",
    "lang",
    "mydata",
    "deleteme",
    "volunteer",
    "myshifts",
    "myhours",
)
#: What a person types when a question wants typed input.
SENSIBLE = (
    "Please help me translate a letter from my landlord.",
    "Loud music every night after midnight in building 3.",
    "Building 3, 2nd floor",
    "Mid-Autumn lantern walk",
    "2027-06-01 19:00",
    "2027-05-30 12:00",
    "2h",
    "10",
    "2",
    "Skip",
    "We talked and agreed on quiet hours.",
)
SKIP = frozenset({"Skip", "跳过"})
NAVIGATION = frozenset({"Back", "Cancel", "Skip", "返回", "取消", "跳过"})
ROOM_COMMANDS = (
    "bind",
    "queue",
    "cases",
    "start",
    "teamstats",
    "help",
    "menu",
    "report",
    # views of one's own data or the team's: a pointer in a room, never the content
    "mycases",
    "myevents",
    "stats",
    "notices",
    "block",
)
PRIVATE_VIEWS = frozenset({"queue", "cases", "teamstats", "mycases", "myevents", "stats", "block"})
#: What people type outside a form (the routing sets): read for the service they want.
FREE_TEXT = tuple(message for path in SETS.values() for _label, message in examples(path))
HOSTILE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60
)
HUGE = st.sampled_from(["x" * 4097, "字" * 5000, "a" * 2001, "长" * 301, "🙂" * 1200])
TEXT = st.one_of(st.sampled_from(MEANINGFUL), HOSTILE, HUGE)
COMMAND_ARGS = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "ev_1",
            "ev_2",
            "ev_999999",
            "ev_abc",
            "dp_1",
            "dp_x",
            "rq_1",
            "volunteers",
            "mediators",
            "R-0001",
            "#R-0002",
            "en",
            "zh",
            "done",
            "vo_1",
            "vc_123456",
        ]
    ),
    TEXT,
)
JUNK_PAYLOAD = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=64
).filter(lambda s: len(s.encode()) <= 64)
LATITUDE = st.floats(min_value=-90, max_value=90, allow_nan=False)
LONGITUDE = st.floats(min_value=-180, max_value=180, allow_nan=False)
APOLOGY = ("Sorry, something went wrong on our side", "抱歉，我们这边出了问题")


def forge(payload: str, number: int) -> str:
    """A shown payload with its numbers replaced: another event, request, case or meeting."""
    return re.sub(r"\d+", str(number), payload, count=1)


class ErrorLog(logging.Handler):
    """Keeps every ERROR logged (a handler or a sweep that raised is logged, not raised)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        found = [self.format(record) for record in self.records]
        self.records.clear()
        return found


def texts_of(reply: Reply) -> list[str]:
    """The text of a reply and of a CSV or other text file it carries."""
    found = [reply.text, *(b.label for row in reply.buttons for b in row)]
    attachment = reply.attachment
    if attachment is not None and attachment.content and not attachment.is_photo:
        found.append(attachment.content.decode("utf-8", "replace"))
    return found


def check_database(session: Session) -> None:
    """Places never above capacity (events and volunteer roles); a request in progress has one
    holder, an open one none."""
    held = dict(
        session.execute(
            select(EventSignup.event_id, func.sum(EventSignup.party_size))
            .where(EventSignup.status.in_([SignupStatus.CONFIRMED, SignupStatus.OFFERED]))
            .group_by(EventSignup.event_id)
        ).all()
    )
    for event in session.scalars(select(Event).where(Event.capacity.is_not(None))):
        assert held.get(event.id, 0) <= event.capacity, f"event {event.id} over capacity"
    # A live booking holds exactly its slots; any other holds none (UNIQUE(room, start) in
    # booked_slots makes a double booking impossible).
    slots = dict(
        session.execute(
            select(BookedSlot.booking_id, func.count()).group_by(BookedSlot.booking_id)
        ).all()
    )
    for booking in session.scalars(select(Booking)):
        room = session.get(Room, booking.room_id)
        length = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
        expected = length // room.slot_minutes if booking.status in LIVE else 0
        assert slots.get(booking.id, 0) == expected, f"booking {booking.id} holds wrong slots"
    taken = dict(
        session.execute(
            select(ShiftSignup.role_id, func.count())
            .where(ShiftSignup.status == ShiftSignupStatus.CONFIRMED)
            .group_by(ShiftSignup.role_id)
        ).all()
    )
    for role in session.scalars(select(ShiftRole)):
        assert taken.get(role.id, 0) <= role.capacity, f"shift role {role.id} over capacity"
    for request in session.scalars(select(HelpRequest)):
        if request.status == RequestStatus.IN_PROGRESS:
            assert request.volunteer_id is not None, f"request {request.id} in progress, no one"
        if request.status == RequestStatus.OPEN:
            assert request.volunteer_id is None, f"open request {request.id} has a holder"


def case_refs(session: Session, names: dict[int, str]) -> tuple[dict[str, str], set[str]]:
    """(reference of each anonymous case filed by a resident we know → their first name, the
    references of every other case)."""
    anonymous, others = {}, set()
    for case in session.scalars(select(DisputeCase)):
        name = names.get(case.reporter_id or 0)
        if case.anonymous and name:
            anonymous[case.ref] = name
        else:
            others.add(case.ref)
    return anonymous, others


def _mentions(text: str, ref: str) -> bool:
    return re.search(re.escape(ref) + r"(?!\d)", text) is not None


def assert_not_named(text: str, anonymous: dict[str, str], others: set[str]) -> None:
    """A message about an anonymous case never names its reporter; in a message about
    several cases (a list, a CSV), no line about the anonymous one does."""
    for ref, name in anonymous.items():
        if not _mentions(text, ref):
            continue
        if any(_mentions(text, other) for other in [*others, *anonymous] if other != ref):
            for line in text.splitlines():
                if _mentions(line, ref):
                    assert name not in line, f"anonymous reporter of {ref} named: {line!r}"
        else:
            assert name not in text, f"anonymous reporter of {ref} named in: {text!r}"
