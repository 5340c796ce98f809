"""Volunteering under load, on SQLite and on PostgreSQL: many neighbours pressing Confirm for
one role at once never overbook it and keep the waiting list in order; a crowd checking in with
the same code at the same moment (some sending it twice) is recorded once each."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from db import shift_hours as hours_ops
from db.shift_models import Shift, ShiftSignup
from db.shift_models import ShiftSignupStatus as Status
from handlers import build_registry
from tests.concurrency_support import TickingClock, no_error, run_in_threads
from tests.support import Resident, loose_dispatcher
from tests.volunteering_support import lines, make_opportunity

CROWD = 120
PLACES = 8


@pytest.fixture
def ticking() -> TickingClock:
    return TickingClock()


@pytest.fixture
def racing(session_factory, community, ticking) -> Dispatcher:
    return loose_dispatcher(session_factory, build_registry(), community, ticking, limit=10_000)


def test_a_crowd_signs_up_for_one_role_at_once(racing, session_factory, ticking, apologies):
    """120 neighbours confirm at the same moment for 8 places: exactly 8 get them, the rest
    are told their place in line 1…112 in the database's order; a double tap signs nobody up
    twice."""
    _, shift, [role] = make_opportunity(
        session_factory, ticking(), roles=(("引导", "Usher", PLACES, ""),)
    )
    crowd = [
        Resident(racing, f"N{i}", "en" if i % 2 else "zh-hans", user_id=str(70_000 + i))
        for i in range(CROWD)
    ]
    run_in_threads([lambda p=p: no_error(p.send("/start"), apologies, p.name) for p in crowd], 16)
    together = threading.Barrier(sum(int(p.user_id) % 8 == 0 for p in crowd))

    def confirm(person: Resident) -> str:
        if int(person.user_id) % 8 == 0:
            together.wait(timeout=30)
        return no_error(person.press_payload(f"vs:signup:{role}"), apologies, person.name)

    answers = run_in_threads([lambda p=p: confirm(p) for p in crowd], threads=16)
    again = run_in_threads(
        [
            lambda p=p: no_error(p.press_payload(f"vs:signup:{role}"), apologies, p.name)
            for p in crowd[:10]
        ],
        threads=8,
    )
    rows = lines(session_factory, shift)
    assert len(rows) == CROWD and len({row[0] for row in rows}) == CROWD
    assert [row[1] for row in rows] == [Status.CONFIRMED] * PLACES + [Status.WAITING] * (
        CROWD - PLACES
    )
    told = {}
    for person, text in zip(crowd, answers, strict=True):
        if match := re.search(r"(?:number |候补名单第 )(\d+)", text):
            told[person.user_id] = int(match[1])
    waiting = [row[0] for row in rows if row[1] == Status.WAITING]
    assert [told[external] for external in waiting] == list(range(1, CROWD - PLACES + 1))
    assert all("already signed up" in text or "已报名" in text for text in again)


def test_a_crowd_checks_in_with_one_code_at_once(racing, session_factory, ticking, apologies):
    """100 volunteers send the same code within the same second, a fifth of them twice: each
    is checked in once, nobody is checked out, nobody sees an error."""
    crowd_size = 100
    _, shift_id, [role] = make_opportunity(
        session_factory,
        ticking(),
        starts_in=timedelta(minutes=5),
        roles=(("引导", "Usher", crowd_size, ""),),
    )
    crowd = [
        Resident(racing, f"V{i}", "en" if i % 2 else "zh-hans", user_id=str(80_000 + i))
        for i in range(crowd_size)
    ]
    run_in_threads(
        [
            lambda p=p: no_error(p.press_payload(f"vs:signup:{role}"), apologies, p.name)
            for p in crowd
        ],
        16,
    )
    with session_factory() as session, session.begin():
        shift = hours_ops.open_checkin(session, shift_id)
        code = hours_ops.current_code(shift, ticking())
    senders = crowd + crowd[::5]
    answers = run_in_threads(
        [lambda p=p: no_error(p.send(code), apologies, p.name) for p in senders], threads=16
    )
    checked = sum("checked in" in text.lower() or "签到" in text for text in answers)
    assert checked == len(senders)  # the second sends say "already checked in since…"
    with session_factory() as session:
        rows = session.execute(
            select(ShiftSignup.checked_in_at, ShiftSignup.checked_out_at).where(
                ShiftSignup.shift_id == shift_id
            )
        ).all()
        assert session.scalar(select(func.count()).select_from(Shift)) == 1
    assert len(rows) == crowd_size
    assert all(checked_in is not None and out is None for checked_in, out in rows)


def test_cancellations_and_signups_at_once_keep_the_line(
    racing, session_factory, ticking, apologies
):
    """8 places taken, 12 waiting. At once: 5 of the 8 cancel and 10 newcomers confirm. The
    role is never overbooked, and the places freed went to the first 5 waiting, in order."""
    _, shift, [role] = make_opportunity(
        session_factory, ticking(), roles=(("引导", "Usher", PLACES, ""),)
    )
    first = [Resident(racing, f"F{i}", "en", user_id=str(90_000 + i)) for i in range(PLACES + 12)]
    for person in first:  # in order: 8 confirmed, then 12 waiting
        no_error(person.press_payload(f"vs:signup:{role}"), apologies, person.name)
    newcomers = [Resident(racing, f"M{i}", "en", user_id=str(91_000 + i)) for i in range(10)]
    leaving = first[:5]
    jobs = [
        lambda p=p: no_error(p.press_payload(f"vs:leave:{shift}"), apologies, p.name)
        for p in leaving
    ] + [
        lambda p=p: no_error(p.press_payload(f"vs:signup:{role}"), apologies, p.name)
        for p in newcomers
    ]
    run_in_threads(jobs, threads=15)
    rows = lines(session_factory, shift)
    status = {external: state for external, state, _, _ in rows}
    assert sum(state == Status.CONFIRMED for state in status.values()) == PLACES
    assert [status[p.user_id] for p in leaving] == [Status.CANCELLED] * 5
    waiting_before = [p.user_id for p in first[PLACES:]]
    assert [status[u] for u in waiting_before[:5]] == [Status.CONFIRMED] * 5
    assert [status[u] for u in waiting_before[5:]] == [Status.WAITING] * 7
    assert all(status[p.user_id] == Status.WAITING for p in newcomers)
