"""The db operations say what happened in one way: a ``StrEnum`` outcome in a frozen result.
Each case here is what a second press, a second sweeper or a second mediator meets."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from db.disputes import clocks as dispute_clocks
from db.disputes import operations as disputes
from db.disputes import parties as dispute_parties
from db.disputes.models import DisputeStatus, FollowupStatus
from db.events import manage as event_manage
from db.events import operations as events
from db.locks import lock_row
from db.requests import operations as requests
from db.requests import residents as request_residents
from db.requests.models import HelpRequest
from db.users import get_or_create_user
from db.volunteering import operations as volunteering


def _people(session, clock, *names: str):
    return [
        get_or_create_user(
            session, transport="console", external_id=name, now=clock(), display_name=name
        )
        for name in names
    ]


def _case(session, clock, reporter):
    report = disputes.NewReport(
        category="noise",
        description="Loud music every night.",
        anonymous=True,
        place_text="Building 3, 1202",
    )
    return disputes.file_case(session, reporter=reporter, report=report, now=clock())


def test_a_mediator_taking_a_case_they_hold_is_told_so_and_a_stale_take_loses(
    session_factory, clock
):
    with session_factory() as session, session.begin():
        alice, mei, li, wang = _people(session, clock, "alice", "mei", "li", "wang")
        case = _case(session, clock, alice)
        first = disputes.take(session, case, mei, now=clock())
        assert first.outcome is disputes.Outcome.DONE
        assert first.previous_mediator_id is None
        assert disputes.take(session, case, mei, now=clock()).outcome is disputes.Outcome.ALREADY
        seen_by_wang = _detached_copy(session, case)  # Wang's screen: Mei holds it
        handed = disputes.take(session, case, li, now=clock())
        assert (handed.outcome, handed.previous_mediator_id) == (disputes.Outcome.DONE, mei.id)
        late = disputes.take(session, seen_by_wang, wang, now=clock())
        assert late.outcome is disputes.Outcome.MOVED_ON
        assert lock_row(session, type(case), case.id).mediator_id == li.id


def _detached_copy(session, case):
    """The case as someone loaded it a moment ago (not updated by what happens next)."""
    copy = type(case)(id=case.id, mediator_id=case.mediator_id, status=case.status)
    return copy


def test_a_transition_from_a_state_the_case_left_is_refused(session_factory, clock):
    with session_factory() as session, session.begin():
        [alice] = _people(session, clock, "alice")
        case = _case(session, clock, alice)
        new = (DisputeStatus.NEW,)
        moved = disputes.transition(
            session, case, allowed_from=new, to=DisputeStatus.ACKNOWLEDGED, now=clock()
        )
        again = disputes.transition(
            session, case, allowed_from=new, to=DisputeStatus.ACKNOWLEDGED, now=clock()
        )
        assert (moved.done, again.outcome) == (True, disputes.Outcome.MOVED_ON)
        assert lock_row(session, type(case), case.id).status == "acknowledged"


def test_an_answer_and_a_follow_up_count_once(session_factory, clock):
    with session_factory() as session, session.begin():
        alice, mei = _people(session, clock, "alice", "mei")
        case = _case(session, clock, alice)
        question = dispute_parties.ask(session, case, by=mei, text="Which floor?", now=clock())
        first = dispute_parties.answer_question(session, question, "12th", clock())
        second = dispute_parties.answer_question(session, question, "13th", clock())
        assert (first.done, second.outcome) == (True, disputes.Outcome.ALREADY)
        asked = dispute_clocks.set_followup(session, case, expected=None, to=FollowupStatus.ASKED)
        twice = dispute_clocks.set_followup(session, case, expected=None, to=FollowupStatus.ASKED)
        assert (asked.done, twice.outcome) == (True, disputes.Outcome.MOVED_ON)


def test_an_escalation_level_is_raised_by_one_sweeper_only(session_factory, clock):
    with session_factory() as session, session.begin():
        [alice] = _people(session, clock, "alice")
        new = requests.NewRequest(category="translation", description="A letter.", needed="asap")
        request = requests.create_request(session, alice, new, now=clock(), language="en")
        unclaimed = requests.Clock.UNCLAIMED
        assert requests.raise_level(session, request, unclaimed, 1).done
        assert not requests.raise_level(session, request, unclaimed, 1).done
        assert requests.raise_level(session, request, unclaimed, 2).done
        assert lock_row(session, HelpRequest, request.id).unclaimed_level == 2


def test_an_event_full_up_puts_the_next_person_in_line_and_keeps_its_places(session_factory, clock):
    with session_factory() as session, session.begin():
        organiser, alice, bob = _people(session, clock, "org", "alice", "bob")
        new = event_manage.NewEvent(
            title_zh=None,
            title_en="Walk",
            starts_at=clock() + timedelta(days=2),
            ends_at=clock() + timedelta(days=2, hours=2),
            place="Park",
            capacity=1,
            publish=True,
        )
        event = event_manage.create_event(session, organiser, new, now=clock())
        first = events.sign_up(session, event.id, alice, 1, now=clock(), reminders=())
        second = events.sign_up(session, event.id, bob, 1, now=clock(), reminders=())
        again = events.sign_up(session, event.id, alice, 1, now=clock(), reminders=())
        assert first.outcome is events.Outcome.CONFIRMED
        assert (second.outcome, second.position) == (events.Outcome.WAITING, 1)
        assert again.outcome is events.Outcome.EXISTS
        fewer = event_manage.set_capacity(session, event.id, 0, now=clock())
        assert (fewer.outcome, fewer.count) == (events.Outcome.TOO_LOW, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            fewer.count = 0  # type: ignore[misc]


def test_a_request_that_is_not_there_or_not_theirs_is_not_found_as_in_every_service(
    session_factory, clock
):
    """``NOT_FOUND`` means the same in requests as in events and volunteering: no such
    record, or not this person's."""
    with session_factory() as session, session.begin():
        alice, bob, vic = _people(session, clock, "alice", "bob", "vic")
        new = requests.NewRequest(category="translation", description="A letter.", needed="asap")
        request = requests.create_request(session, alice, new, now=clock(), language="en")
        not_found = requests.Outcome.NOT_FOUND
        assert request_residents.cancel(session, request.id, bob, now=clock()).outcome is not_found
        assert request_residents.reopen(session, request.id, bob, now=clock()).outcome is not_found
        assert request_residents.rate(session, request.id, bob, 5).outcome is not_found
        assert requests.claim(session, request.id + 1, vic, now=clock()).outcome is not_found
        assert (
            requests.claim(session, request.id, vic, now=clock()).outcome is requests.Outcome.DONE
        )
    for service in (requests, events, volunteering):
        assert service.Outcome.NOT_FOUND == "not_found", service.__name__
        assert "MISSING" not in service.Outcome.__members__, service.__name__
