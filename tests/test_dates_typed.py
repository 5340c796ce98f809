"""Dates typed into a form, round two: a passed date is refused with its reason (never moved
to next year), a day without an hour is asked for it or its evening proposed and echoed,
“tomorrow 7.30pm” and day-first “24/12 19:00” are read, the end is echoed too, and moving
the start keeps the length. In English, 简体 and 繁體. (The clock: 26 Nov 2026, 16:00 in
Shanghai.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from db.event_models import Event
from tests.events_support import make_event
from tests.forms_support import SUBMITTED
from tests.support import Resident


@pytest.mark.parametrize(
    ("hint", "typed", "said"),
    [
        ("zh-hans", "11月1日 10:00", "11月1日"),
        ("zh-hant", "11月1日 10:00", "11月1日"),
        ("en", "Nov 1 10:00", "Nov 1"),
    ],
)
def test_a_passed_date_is_refused_with_its_reason_not_moved_to_next_year(
    plan_dispatcher,
    hint,
    typed,
    said,
):
    person = Resident(plan_dispatcher, "P", hint)
    person.send("/plan")
    person.send(typed)
    assert said in person.text
    assert any(word in person.text for word in ("已经过去了", "已經過去了", "has already passed"))
    assert "2027" not in person.text


@pytest.mark.parametrize(
    ("hint", "typed", "echo", "asked"),
    [
        ("zh-hans", "12月24日晚上", "19:00 ✔", "几点"),
        ("zh-hant", "12月24日晚上", "19:00 ✔", "幾點"),
        ("en", "Dec 24 evening", "18:00 ✔", "At what time"),
    ],
)
def test_a_day_without_an_hour(plan_dispatcher, hint, typed, echo, asked):
    person = Resident(plan_dispatcher, "P", hint)
    person.send("/plan")
    person.send(typed.replace("晚上", "").replace(" evening", ""))  # the day alone: which hour?
    assert asked in person.text and "19:00" in person.text  # the example names the day
    person.send(typed)  # with a part of the day: its hour proposed, echoed with Change
    assert echo in person.text
    assert any(b.payload.startswith("fm:r") or "✏️" in b.label for b in person.buttons())


@pytest.mark.parametrize(
    ("hint", "typed", "start_utc"),
    [
        ("en", "tomorrow 7.30pm", "2026-11-27T11:30:00+00:00"),
        ("zh-hans", "24/12 19:00", "2026-12-24T11:00:00+00:00"),
        ("zh-hant", "24/12 19:00", "2026-12-24T11:00:00+00:00"),
    ],
)
def test_tomorrow_730pm_and_day_first(plan_dispatcher, hint, typed, start_utc):
    person = Resident(plan_dispatcher, "P", hint)
    person.send("/plan")
    person.send(typed)
    assert "✔" in person.text  # echoed
    person.send("2h")
    assert "✔" in person.text  # the end is echoed too
    person.send("12")
    person.press_payload(person.buttons()[0].payload)  # confirm
    (submitted,) = SUBMITTED
    assert submitted["start"] == start_utc


@pytest.mark.parametrize(("hint", "start"), [("en", "Start"), ("zh-hans", "开始")])
def test_moving_the_start_keeps_the_length(plan_dispatcher, hint, start):
    person = Resident(plan_dispatcher, "P", hint)
    person.send("/plan")
    person.send("2026-12-24 19:00")
    person.send("2h")
    person.send("12")
    person.press_payload(next(b.payload for b in person.buttons() if start in b.label))
    person.send("2026-12-26 10:00")
    person.press_payload(person.buttons()[0].payload)  # confirm
    (submitted,) = SUBMITTED
    assert submitted["start"] == "2026-12-26T02:00:00+00:00"
    assert submitted["end"] == "2026-12-26T04:00:00+00:00"  # two hours still


@pytest.mark.parametrize(("hint", "skip"), [("en", "Skip"), ("zh-hans", "跳过")])
def test_rescheduling_keeps_the_length_unless_the_end_is_typed(
    resident, session_factory, clock, hint, skip
):
    event_id = make_event(session_factory, clock(), starts_in=timedelta(days=3))
    olivia = resident("Admin", hint, user_id="9000")  # admins manage every event
    olivia.send("/start")
    olivia.press_payload(f"ev:reschedule:{event_id}")
    olivia.send("2026-12-24 19:00")
    olivia.press(skip)
    olivia.press_payload(olivia.buttons()[0].payload)  # confirm
    with session_factory() as session:
        event = session.scalar(select(Event))
        assert event.ends_at - event.starts_at == timedelta(hours=2)
        assert event.starts_at == datetime.fromisoformat("2026-12-24T11:00:00+00:00")
