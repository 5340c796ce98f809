"""The lists people see read the database a fixed number of times however long they are: the
organiser's attendee list, /myevents, /myrequests and /mycases ask the same number of queries
for one row as for four (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine

from bot.flood import SharedFloodGuard
from db.disputes import operations as dp
from db.disputes import parties as dp_parties
from db.events import operations as ops
from db.notices.models import Unreachable
from db.requests import operations as store
from db.users import find_user, get_or_create_user
from tests.events_support import make_event
from tests.query_support import counting
from tests.requests_support import file_request, make_volunteer
from tests.support import give_role


def queries_for(engine: Engine, action: Callable[[], object]) -> int:
    with counting(engine) as statements:
        action()
    return len(statements)


def people(session, clock, first: int, count: int):
    return [
        get_or_create_user(
            session,
            transport="telegram",
            external_id=str(first + n),
            now=clock(),
            display_name=f"Person{n} Lee",
        )
        for n in range(count)
    ]


def test_the_attendee_list_does_not_ask_once_per_attendee(
    engine, session_factory, clock, community, resident
):
    olivia = give_role(session_factory, clock, resident("Olivia", "en"), "organiser")
    with session_factory() as session:
        organiser_id = get_or_create_user(
            session, transport="telegram", external_id=olivia.user_id, now=clock()
        ).id
    small = make_event(session_factory, clock(), capacity=None, organiser_id=organiser_id)
    large = make_event(session_factory, clock(), capacity=None, organiser_id=organiser_id)
    with session_factory() as session, session.begin():
        for event_id, count in ((small, 1), (large, 4)):
            for user in people(session, clock, 100 * count, count):
                ops.sign_up(
                    session, event_id, user, 1, now=clock(), reminders=community.event_reminders
                )
    one = queries_for(engine, lambda: olivia.press_payload(f"ev:org:{small}"))
    assert "Person0 Lee" in olivia.text
    four = queries_for(engine, lambda: olivia.press_payload(f"ev:org:{large}"))
    assert "Person3 Lee" in olivia.text
    assert four == one


def test_myevents_does_not_ask_once_per_event(engine, session_factory, clock, community, resident):
    alice, wang = resident("Alice", "en"), resident("Wang", "en")
    events = [
        make_event(session_factory, clock(), title_en=f"Walk {n}", starts_in=timedelta(days=n + 1))
        for n in range(4)
    ]
    for person, count in ((alice, 1), (wang, 4)):
        person.send("/start")
        with session_factory() as session, session.begin():
            user = get_or_create_user(
                session, transport="telegram", external_id=person.user_id, now=clock()
            )
            for event_id in events[:count]:
                ops.sign_up(
                    session, event_id, user, 1, now=clock(), reminders=community.event_reminders
                )
    one = queries_for(engine, lambda: alice.send("/myevents"))
    assert "✅ You are signed up (1 person)." in alice.text
    four = queries_for(engine, lambda: wang.send("/myevents"))
    assert "✅ You are signed up (1 person)." in wang.replies[-1].text
    [listing] = wang.replies
    assert listing.text.count("Walk") == 4, "one list of the four events"
    assert four == one


def test_myrequests_does_not_ask_once_per_volunteer(engine, session_factory, clock, resident):
    alice, wang = resident("Alice", "en"), resident("Wang", "en")
    alice.send("/start")
    wang.send("/start")
    letter = store.NewRequest(category="translation", description="A letter.", needed="asap")
    with session_factory() as session, session.begin():
        volunteers = people(session, clock, 500, 4)
        for person, count in ((alice, 1), (wang, 4)):
            asker = get_or_create_user(
                session, transport="telegram", external_id=person.user_id, now=clock()
            )
            for volunteer in volunteers[:count]:
                request = store.create_request(session, asker, letter, now=clock(), language="en")
                store.claim(session, request.id, volunteer, now=clock())
    one = queries_for(engine, lambda: alice.send("/myrequests"))
    assert "Person0 is helping you" in alice.text
    four = queries_for(engine, lambda: wang.send("/myrequests"))
    assert "Person3 is helping you" in wang.text
    assert four == one


def test_mycases_does_not_ask_once_per_case(engine, session_factory, clock, resident):
    alice, wang = resident("Alice", "en"), resident("Wang", "en")
    alice.send("/start")
    wang.send("/start")
    with session_factory() as session, session.begin():
        for person, count in ((alice, 1), (wang, 4)):
            reporter = get_or_create_user(
                session, transport="telegram", external_id=person.user_id, now=clock()
            )
            for n in range(count):
                report = dp.NewReport(
                    category="noise",
                    description="Loud music every night.",
                    anonymous=True,
                    place_text=f"{person.name}'s building {n}",
                )
                case = dp.file_case(session, reporter=reporter, report=report, now=clock())
                dp_parties.ask(session, case, by=reporter, text=f"Which floor ({n})?", now=clock())
    one = queries_for(engine, lambda: alice.send("/mycases"))
    assert "Which floor (0)?" in alice.text
    four = queries_for(engine, lambda: wang.send("/mycases"))
    assert "Which floor (3)?" in wang.text
    assert four == one


# ---------------------------------------------------------------- budgets per kind of message
#
# How many SQL statements one message costs, all of them: the flood guard's count, the
# person, their conversation, what the flow reads and writes, BEGIN. A flow that grows past its
# budget fails here, with the statements listed. The clock moves a few seconds before each
# message, as a person types (the first message after a minute's pause also notes the time
# they were last seen: one UPDATE more).

# signup_confirm: +1 since a completed action asks whether the notices question was asked yet
# (one INSERT … ON CONFLICT DO NOTHING: the question goes to whoever never saw the welcome).
BUDGETS = {"start": 5, "form_press": 6, "signup_confirm": 9, "relayed": 8}


def within(engine: Engine, budget: str, action: Callable[[], object], clock=None) -> list[str]:
    if clock is not None:
        clock.advance(seconds=5)
    with counting(engine) as statements:
        action()
    listing = "\n".join(
        f"  {n + 1:2}. {' '.join(s.split())[:150]}" for n, s in enumerate(statements)
    )
    print(f"{budget}: {len(statements)} statements\n{listing}")
    assert len(statements) <= BUDGETS[budget], (
        f"{budget} ran {len(statements)} SQL statements (budget {BUDGETS[budget]}):\n{listing}"
    )
    return statements


def test_start_for_a_new_person_stays_within_its_budget(engine, resident, clock):
    wang = resident("Wang", "zh-hans")
    within(engine, "start", lambda: wang.send("/start"), clock)
    assert "欢迎" in wang.text
    alice = resident("Alice", "en")
    within(engine, "start", lambda: alice.send("/start"), clock)
    assert "Welcome" in alice.text


def test_a_button_press_in_a_form_stays_within_its_budget(engine, resident, clock):
    alice = resident("Alice", "en")
    alice.send("/start")
    alice.send("/ask")
    within(engine, "form_press", lambda: alice.press("Translation"), clock)
    assert "Describe" in alice.text or "describe" in alice.text


def test_a_signup_confirm_stays_within_its_budget(engine, session_factory, clock, resident):
    event_id = make_event(session_factory, clock(), capacity=5)
    alice = resident("Alice", "en")
    alice.send(f"/start ev_{event_id}")
    alice.press("Sign up")
    within(engine, "signup_confirm", lambda: alice.press("Confirm"), clock)
    assert "You are signed up for" in alice.text


def test_a_relayed_message_stays_within_its_budget(
    engine, session_factory, clock, resident, dispatcher
):
    alice = resident("Alice", "en")
    file_request(alice)
    bob = make_volunteer(session_factory, clock, resident("Bob Lee", "zh-hans"))
    bob.press_payload("rq:claim:1")
    # Ten seconds later, as people type: the flood guard's window has passed.
    dispatcher.flood = SharedFloodGuard(session_factory)
    within(engine, "relayed", lambda: alice.send("Hello! The letter is about the rent."), clock)
    assert alice.text == "✓ Sent to Bob (#R-0001)."
    within(engine, "relayed", lambda: bob.send("您好，我看一下。"), clock)
    assert bob.text == "✓ 已发给提出求助 #R-0001 的居民。"


def test_last_seen_moves_once_a_minute_and_at_once_after_being_unreachable(
    engine, session_factory, clock, resident
):
    """A form's answers do not write the person's row each time; a minute later it moves; and
    someone marked unreachable (they had blocked the bot) who writes again is reachable at once
    for notices, whatever the minute."""
    alice = resident("Alice", "en")
    alice.send("/start")
    first = clock()

    def last_seen():
        with session_factory() as session:
            return find_user(session, "telegram", alice.user_id).last_seen_at

    clock.advance(seconds=20)
    alice.send("/help")
    assert last_seen() == first
    clock.advance(seconds=50)
    alice.send("/help")
    assert last_seen() == clock()
    with session_factory() as session, session.begin():
        user = find_user(session, "telegram", alice.user_id)
        session.add(Unreachable(user_id=user.id, since=clock() + timedelta(seconds=1), error="403"))
    clock.advance(seconds=10)
    alice.send("/help")
    assert last_seen() == clock(), "writing again makes them reachable, within the minute too"
