"""Answers typed where buttons were offered (``handlers/forms/typed_answers.py``): a number of
people, a yes or a no, an option's label typed loosely — at the event's party-size question,
at its confirmation, and in a form. In English, 简体 and 繁體."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.events.models import EventSignup
from db.requests.models import HelpRequest
from handlers.forms.typed_answers import count, loose_choice, yes_no
from tests.events_support import make_event


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("我和孙子两个人", 2),
        ("三位", 3),
        ("兩個人", 2),
        ("我们一家三口", 3),
        ("就我一个", 1),
        ("我和老伴", 2),
        ("2 people", 2),
        ("two of us", 2),
        ("me and my wife", 2),
        ("just me", 1),
        ("３", 3),
        ("十二月", None),  # a month, not a count
        ("2 or 3", None),  # two numbers: not sure
        ("lots", None),
    ],
)
def test_a_count_is_read(typed, expected):
    assert count(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("是的", True),
        ("好", True),
        ("好的！", True),
        ("對", True),
        ("yes", True),
        ("OK", True),
        ("Yes please", True),
        ("不用了", False),
        ("不要", False),
        ("no", False),
        ("maybe", None),
        ("是不是", None),
    ],
)
def test_a_yes_or_a_no_is_read(typed, expected):
    assert yes_no(typed) is expected if expected is not None else yes_no(typed) is None


def test_a_label_typed_loosely_picks_it_only_when_clear():
    labels = [("Translation", "翻译"), ("Hospital visit", "陪同就医"), ("Housing", "住房")]
    assert loose_choice("hospitl visit", labels) == 1
    assert loose_choice("translaton", labels) == 0
    assert loose_choice("hous", labels) is None  # too far from anything
    assert loose_choice("陪同就诊", labels) == 1  # one character off, in four


def _signups(session_factory):
    with session_factory() as session:
        return [(s.party_size, str(s.status)) for s in session.scalars(select(EventSignup))]


@pytest.mark.parametrize(
    ("hint", "typed", "asked", "over", "confirm"),
    [
        ("zh-hans", "我和孙子两个人", "一共几个人参加", "最多 3 人", "好的"),
        ("zh-hant", "兩位", "一共幾個人參加", "最多 3 人", "是的"),
        ("en", "2 people", "How many people are coming", "At most 3 people", "ok"),
    ],
)
def test_the_party_size_typed(resident, session_factory, clock, hint, typed, asked, over, confirm):
    event_id = make_event(session_factory, clock(), capacity=10, max_party=3)
    person = resident("P", hint)
    person.press_payload(f"ev:join:{event_id}")
    assert asked in person.text
    person.send("5")  # more than the most: asked again, naming it, the buttons still there
    assert over in person.text
    assert [b.label for b in person.buttons()][:3] == ["1", "2", "3"]
    person.send("嗯……让我想想")  # nothing read: the question again, not the menu
    assert asked in person.text and [b.label for b in person.buttons()][:3] == ["1", "2", "3"]
    person.send(typed)
    assert "2" in person.text and _signups(session_factory) == []  # asked to confirm
    person.send(confirm)  # a typed yes presses ✅ Confirm
    assert _signups(session_factory) == [(2, "confirmed")]


@pytest.mark.parametrize(
    ("hint", "loose", "kind", "yes", "no"),
    [
        ("zh-hans", "交通旅游", "transport", "好", "不用"),
        ("zh-hant", "翻譯", "translation", "是的", "不要"),
        ("en", "translaton", "translation", "yes", "no"),
    ],
)
def test_typed_answers_in_a_form(resident, session_factory, hint, loose, kind, yes, no):
    """/ask: the kind typed loosely, then Yes/No questions answered by typing."""
    person = resident("P", hint)
    person.send("/ask")
    person.send(loose)
    person.send("Please help me read a letter from the bank.")
    person.press_payload(next(b.payload for b in person.buttons() if "skip" in b.payload))
    person.press_payload(person.buttons()[0].payload)  # as soon as possible
    person.send(no)  # urgent? no
    person.send(yes)  # share my name? yes
    person.press_payload(person.buttons()[0].payload)  # send
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert request is not None
        assert (request.category, request.urgent, request.share_name) == (
            kind,
            False,
            True,
        )
