"""What the bot waits for each person to say (``db/awaiting.py``): recorded when a service
asks, removed in the transaction that finishes the record, and recorded for the conversations
already open when the migration runs."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from db.awaiting import AwaitedAnswer
from db.disputes import operations as dp
from db.disputes import parties as dp_parties
from db.disputes.models import DisputeCase, DisputeStatus
from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.requests import operations as rq
from db.requests import residents as request_residents
from db.users import get_or_create_user
from tests.dispute_support import file_report, make_mediator
from tests.requests_support import file_request, make_volunteer


def _waiting(session_factory) -> set[tuple[str, str, int]]:
    """(person's external id, service, record) of every awaited answer."""
    from db.models import User

    with session_factory() as session:
        rows = session.execute(
            select(User.external_id, AwaitedAnswer.service, AwaitedAnswer.record_id).join(
                User, User.id == AwaitedAnswer.user_id
            )
        )
        return {tuple(row) for row in rows}


def test_a_request_waits_for_its_people_until_it_is_finished(resident, session_factory, clock):
    ana = resident("Ana", "en", user_id="1201")
    file_request(ana)
    assert _waiting(session_factory) == {("1201", "rq", 1)}
    bob = make_volunteer(session_factory, clock, resident("Bob", "en", user_id="1202"))
    bob.press_payload("rq:claim:1")
    assert _waiting(session_factory) == {("1201", "rq", 1), ("1202", "rq", 1)}
    bob.send("/release")
    assert _waiting(session_factory) == {("1201", "rq", 1)}, "Ana's words still go to it"
    bob.press_payload("rq:claim:1")
    bob.send("/resolve Translated the letter.")
    assert _waiting(session_factory) == set()
    ana.send("Thank you!")  # nothing waits: not relayed, not kept
    assert "Bob" not in ana.text


def test_a_question_waits_until_answered_or_the_case_is_closed(resident, session_factory, clock):
    ana = resident("Ana", "en", user_id="1201")
    file_report(ana)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    for question in ("Which floor?", "Since when?"):
        mediator.press_payload("dp:ask:1")
        mediator.send(question)
        mediator.press("Send")
    assert _waiting(session_factory) == {("1201", "dp", 1), ("1201", "dp", 2)}
    ana.press_payload("dp:ans:1")
    ana.send("The 13th.")
    ana.press("Send")
    assert _waiting(session_factory) == {("1201", "dp", 2)}
    with session_factory() as session, session.begin():
        case = session.get(DisputeCase, 1)
        assert dp.transition(
            session, case, allowed_from=dp.OPEN, to=DisputeStatus.CLOSED, now=clock()
        ).done
    assert _waiting(session_factory) == set()


def test_the_migration_records_the_conversations_already_open(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    with factory() as session, session.begin():
        people = [
            get_or_create_user(session, transport="telegram", external_id=str(i), now=now)
            for i in (1, 2, 3)
        ]
        letter = rq.NewRequest(category="translation", description="A letter.", needed="asap")
        kept = rq.create_request(session, people[0], letter, now=now, language="en")
        rq.claim(session, kept.id, people[1], now=now)
        done = rq.create_request(session, people[2], letter, now=now, language="en")
        request_residents.cancel(session, done.id, people[2], now=now)
        report = dp.NewReport(category="noise", description="Loud.", anonymous=False)
        case = dp.file_case(session, reporter=people[2], report=report, now=now)
        dp_parties.ask(session, case, by=people[1], text="Which floor?", now=now)
        expected = {(people[0].id, "rq", kept.id), (people[1].id, "rq", kept.id)}
        expected.add((people[2].id, "dp", 1))
    command.downgrade(alembic_config(engine), "0007")
    upgrade(engine)
    with factory() as session:
        rows = session.execute(
            select(AwaitedAnswer.user_id, AwaitedAnswer.service, AwaitedAnswer.record_id)
        )
        assert {tuple(row) for row in rows} == expected
    engine.dispose()
