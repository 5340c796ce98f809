"""Erasure and retention are complete: an erased reporter's open case is blanked when it ends;
meeting answers and the other side's row no longer name them; closed help requests and cases
lose what people wrote after ``LINLI_CASE_KEEP``; a blocked person keeps /mydata and /deleteme."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ConfigError, load_settings
from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.sweeper import Sweeper
from db.disputes.blank import ERASED
from db.disputes.models import (
    DisputeCase,
    DisputeEvent,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeQuestion,
)
from db.disputes.retention import EXPIRED
from db.models import User
from db.registry import metadata
from db.requests.models import HelpRequest, RequestMessage
from db.retention import BLANKED
from tests.dispute_support import bind_mediators, file_report, make_mediator, outbox_messages
from tests.dispute_support import to_chat as messages_to
from tests.requests_support import file_request, make_volunteer
from tests.support import in_group

HOME = "I live in unit 1202 myself"
DESCRIPTION = "Drilling from the flat below every morning at 6."
PLACE = "Building 3, unit 1102"
PASSPORT = "My passport number is E12345678"


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=1000),
    )


def _user_id(session_factory, external: str) -> int:
    with session_factory() as session:
        return session.scalar(select(User.id).where(User.external_id == external))


def _answer_question(person, session_factory, text: str, send: str) -> None:
    with session_factory() as session:
        question_id = session.scalar(select(DisputeQuestion.id).order_by(DisputeQuestion.id.desc()))
    person.press_payload(f"dp:ans:{question_id}")
    person.send(text)
    person.press(send)


def _words_of_case(session_factory, case_id: int = 1) -> str:
    with session_factory() as session:
        case = session.get(DisputeCase, case_id)
        events = session.scalars(select(DisputeEvent.text).where(DisputeEvent.case_id == case_id))
        questions = session.scalars(
            select(DisputeQuestion.answer).where(DisputeQuestion.case_id == case_id)
        )
        return "\n".join(
            str(value)
            for value in (
                case.description,
                case.place_text,
                case.place_key,
                case.latitude,
                case.photos,
                *events,
                *questions,
            )
        )


@pytest.mark.parametrize(
    ("hint", "yes", "send"), [("en", "Yes, delete", "Send"), ("zh-hans", "是，删除", "发送")]
)
def test_an_erased_reporters_open_case_is_blanked_when_it_ends(
    dispatcher, resident, session_factory, clock, registry, community, hint, yes, send
):
    bind_mediators(dispatcher, "en")
    alice = resident("Alice", hint, user_id="1112")
    file_report(alice, place=PLACE, description=DESCRIPTION, photos=("ph-1",), anonymous=False)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:ask:1")
    mediator.send("Where exactly?")
    mediator.press("Send")
    _answer_question(alice, session_factory, HOME, send)
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    [invitation] = messages_to(
        outbox_messages(session_factory, registry, community), "1112", "dp.meeting"
    )
    alice.press_payload(invitation.reply.buttons[0][0].payload)  # she can come
    alice_id = _user_id(session_factory, "1112")

    alice.send("/deleteme")
    alice.press_payload("pv:details")
    assert ("deleted when it ends" if hint == "en" else "处理结束后即删除") in alice.text
    alice.press(yes)
    words = _words_of_case(session_factory)
    assert DESCRIPTION in words and PLACE in words  # open: mediation goes on
    with session_factory() as session:
        assert not session.scalars(
            select(DisputeMeetingAnswer).where(DisputeMeetingAnswer.user_id == alice_id)
        ).all(), "her meeting answer no longer ties her to the case"

    mediator.press_payload("dp:res:1")
    mediator.send("The works now start at 8.")
    mediator.press("Cancel the meeting")
    mediator.press("Confirm")
    words = _words_of_case(session_factory)
    for said in (DESCRIPTION, PLACE, HOME, "ph-1", "30."):
        assert said not in words
    with session_factory() as session:
        case = session.get(DisputeCase, 1)
        assert (case.place_text, case.place_key, case.latitude, case.longitude) == (None,) * 4
        assert case.description == ERASED and case.photos == [] and case.happens is None
        assert case.outcome == "The works now start at 8."  # the mediators' own record
    mediator.press_payload("dp:open:1")
    assert DESCRIPTION not in mediator.text and ERASED in mediator.text


def test_the_other_sides_row_no_longer_names_an_erased_person(
    dispatcher, resident, session_factory, clock
):
    bind_mediators(dispatcher, "en")
    carol = resident("Carol", "en", user_id="4004")
    file_report(carol)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:inv:1")
    mediator.send("Neighbours mention loud music at night.")
    mediator.press("Confirm")
    link = mediator.text.split("start=")[-1].strip()
    alice = resident("Alice", "zh-hans", user_id="1112")
    alice.send(f"/start {link}")
    alice.press("说明我的情况")
    alice.send("My music stops at 22:00.")
    alice.press("发送")
    alice_id = _user_id(session_factory, "1112")
    with session_factory() as session:
        [party] = session.scalars(select(DisputeParty)).all()
        assert party.user_id == alice_id
        token_hash = party.token_hash
    alice.send("/deleteme")
    alice.press("是，删除")
    with session_factory() as session:
        [party] = session.scalars(select(DisputeParty)).all()
        assert party.user_id is None and party.token_hash != token_hash
    mallory = resident("Mallory", "en", user_id="6666")
    mallory.send(f"/start {link}")  # the old link opens for nobody
    with session_factory() as session:
        assert session.scalar(select(DisputeParty.user_id)) is None


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_closed_requests_and_cases_lose_their_words_after_the_keep_period(
    dispatcher, resident, session_factory, clock, registry, community, hint
):
    keep = replace(community, case_keep=timedelta(days=90))
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=keep, clock=clock
    )
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    bind_mediators(dispatcher, "en")
    alice = resident("Alice", "en", user_id="1511")
    file_request(alice, description="Please help me read my tenancy contract.", photo="doc-1")
    bob = make_volunteer(session_factory, clock, resident("Bob", hint, user_id="1512"))
    bob.press_payload("rq:claim:1")
    alice.send(PASSPORT)
    bob.send("Thank you, I will call the office.")
    bob.send("/resolve Read the contract together.")
    file_request(alice, description="Please help with my visa form.")  # stays open
    file_report(alice, place=PLACE, description=DESCRIPTION, photos=("ph-1",), anonymous=False)
    mediator = make_mediator(resident, session_factory, clock, hint=hint)
    mediator.press_payload("dp:ask:1")
    mediator.send("Where exactly?")
    mediator.press("Send" if hint == "en" else "发送")
    _answer_question(alice, session_factory, HOME, "Send")
    mediator.press_payload("dp:inv:1")
    mediator.send("Neighbours mention drilling at 6.")
    mediator.press("Confirm" if hint == "en" else "确认")
    carl = resident("Carl", "en", user_id="1513")
    carl.send("/start " + mediator.text.split("start=")[-1].strip())
    mediator.press_payload("dp:res:1")
    mediator.send("The works now start at 8 (Mr Carl Wang, 1102).")
    mediator.press("Confirm" if hint == "en" else "确认")
    alice_id = _user_id(session_factory, "1511")

    clock.advance(days=89)
    sweeper.run()
    assert DESCRIPTION in _words_of_case(session_factory)
    clock.advance(days=1, minutes=1)
    sweeper.run()
    sweeper.run()  # once only: a second run changes nothing

    with session_factory() as session:
        done, still_open = session.scalars(select(HelpRequest).order_by(HelpRequest.id)).all()
        assert done.description == BLANKED and done.summary is None
        assert still_open.description == "Please help with my visa form."
        said = session.scalars(
            select(RequestMessage).where(
                RequestMessage.request_id == done.id, RequestMessage.side != "event"
            )
        ).all()
        assert said and all(m.text == BLANKED and m.file_id is None for m in said)
        assert [
            m.text
            for m in session.scalars(select(RequestMessage).where(RequestMessage.text == EXPIRED))
        ] == [EXPIRED]
        case = session.get(DisputeCase, 1)
        assert case.reporter_id is None and case.outcome == BLANKED
        assert case.description == BLANKED and case.photos == []
        [party] = session.scalars(select(DisputeParty)).all()
        assert party.user_id is None and party.summary == BLANKED
        assert session.scalar(select(DisputeCase.category).where(DisputeCase.id == 1)) == "noise"
    words = _words_of_case(session_factory)
    for gone in (DESCRIPTION, PLACE, HOME, "Where exactly?", "Carl Wang", "drilling at 6"):
        assert gone not in words
    mediator.press_payload("dp:open:1")
    assert BLANKED in mediator.text and DESCRIPTION not in mediator.text
    mediator.press_payload("dp:hist:1")
    expired = "the case was closed long enough ago" if hint == "en" else "关闭已满保存期限"
    assert expired in mediator.text and "Carl Wang" not in mediator.text
    alice.send("/mydata")
    exported = alice.replies[-1].attachment.content.decode("utf-8")
    assert PASSPORT not in exported and "tenancy contract" not in exported
    assert "visa form" in exported  # an open request keeps its words
    assert alice_id


@pytest.mark.parametrize(
    ("hint", "summary", "yes", "done", "neutral"),
    [
        (
            "en",
            "Here is what Linli keeps about you",
            "Yes, delete",
            "Done: your data was deleted.",
            "Sorry, this service is not available to you at the moment.",
        ),
        (
            "zh-hans",
            "以下是邻里保存的您的信息",
            "是，删除",
            "已完成：您的数据已删除。",
            "抱歉，您目前无法使用此服务。",
        ),
    ],
)
def test_a_blocked_person_can_still_see_and_delete_their_data(
    dispatcher, resident, session_factory, hint, summary, yes, done, neutral
):
    li = resident("Li", hint, user_id="1611")
    file_report(li, description=DESCRIPTION)
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/block telegram:1611")
    li.send("/ask")
    assert li.text.startswith(neutral)
    assert in_group(dispatcher, "1611", "Li", command="/mydata", hint=hint) == []  # groups: silence
    li.send("/mydata")
    assert summary in li.text
    exported = json.loads(li.replies[-1].attachment.content.decode("utf-8"))
    assert DESCRIPTION in json.dumps(exported, ensure_ascii=False)
    li.send("/deleteme")
    li.press(yes)
    assert done in li.text
    with session_factory() as session:
        assert session.scalar(select(User.external_id).where(User.id == 1)) != "1611"
        assert not session.scalar(select(User.id).where(User.external_id == "1611"))


def test_every_table_is_in_the_privacy_inventory():
    """docs/privacy.md lists every table, with who can see it and how long it is kept."""
    inventory = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text(
        encoding="utf-8"
    )
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in inventory.splitlines()
        if line.startswith("| `") and line.count("|") == 5
    }
    assert set(metadata.tables) - rows == set()


def test_case_keep_is_read_from_the_settings():
    assert load_settings({}).community().case_keep == timedelta(days=365)
    assert load_settings({"LINLI_CASE_KEEP": "90d"}).community().case_keep == timedelta(days=90)
    with pytest.raises(ConfigError, match="LINLI_CASE_KEEP"):
        load_settings({"LINLI_CASE_KEEP": "forever"})
