"""/mydata and /deleteme, in both languages: the export holds what the person wrote and nothing
of others; erasing frees their event place for the next in line, cancels their open request
(the card is edited), detaches their dispute report (no more updates reach them), wipes their
name and ids from every row, and leaves other people's data alone; Keep and forged
confirmations change nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select, text

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from db.disputes.models import DisputeCase
from db.erasure import ERASED
from db.events import operations as ev
from db.events.models import EventSignup
from db.models import User
from db.registry import metadata
from db.requests.models import HelpRequest, RequestMessage
from db.users import find_user, grant_role
from tests.dispute_support import file_report, make_mediator, outbox_messages, to_chat
from tests.events_support import make_event
from tests.requests_support import file_request, make_volunteer
from tests.support import PostBox, group_command, in_group, run_outbox

ALICE_ID, ALICE_NAME = "777123456", "Alice Zhang"
ROOM = "-100777"


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=1000),
    )


@pytest.fixture
def sent(session_factory, registry, community):
    return lambda: outbox_messages(session_factory, registry, community)


def _scene(dispatcher, resident, session_factory, clock, hint: str):
    """Alice holds an event place (Dave waits), has a request in progress with a volunteer's
    note and an open one, gave her side in Carol's anonymous report, and filed her own report
    that the mediator updated, noted on and asked about."""
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    group_command(dispatcher, "9000", "/bind mediators", "en")
    alice = resident(ALICE_NAME, "en", user_id=ALICE_ID)
    alice.send("/start")
    resident("Dave Wu", "en" if hint == "en" else "zh-hans", user_id="2002").send("/start")
    event_id = make_event(session_factory, clock(), capacity=1)
    with session_factory() as session, session.begin():
        for external in (ALICE_ID, "2002"):
            user = find_user(session, "telegram", external)
            ev.sign_up(session, event_id, user, 1, now=clock(), reminders=())
    file_request(alice, description="Please translate the letter from my landlord.", photo="p-1")
    bob = make_volunteer(session_factory, clock, resident("Bob Volunteer", "en", user_id="3003"))
    bob.press_payload("rq:claim:1")
    alice.send("It is about the deposit.")
    bob.send("I will call the landlord.")
    bob.send("/note Landlord answers only in the morning.")
    bob.send("/to 1")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    carol = resident("Carol Li", "en", user_id="4004")
    file_report(carol, description="Loud music from flat 1302 every night.", anonymous=True)
    mediator.press_payload("dp:open:1")
    mediator.press("Invite the other side")
    mediator.send("Neighbours mention loud music at night.")
    mediator.press("Confirm")
    link = mediator.text.split("start=")[-1].strip()
    alice.send(f"/start {link}")
    alice.press("Give my side")
    alice.send("My music stops at 22:00.")
    alice.press("Send")
    file_report(
        alice,
        category="parking",
        place="Gate 2",
        description="The dog next door barks all day.",
        anonymous=False,
        photos=("dog-1",),
    )
    mediator.press_payload("dp:open:2")
    mediator.press("Internal note")
    mediator.send("Flat 1302 is probably the source.")
    mediator.press("Confirm")
    mediator.press("Update")
    mediator.press("The reporter")
    mediator.send("We spoke with the property office.")
    mediator.press("Send")
    mediator.press("Ask the reporter")
    mediator.send("Which floor?")
    mediator.press("Send")
    with session_factory() as session:
        question_id = session.scalar(text("SELECT max(id) FROM dispute_questions"))
    alice.press_payload(f"dp:ans:{question_id}")
    alice.send("The 13th floor.")
    alice.press("Send")
    file_request(alice, description="Please help me with my visa form.")
    if hint != "en":
        alice.send("/lang zh_Hans")
    return alice, mediator, event_id


@pytest.mark.parametrize(
    ("hint", "summary", "why"),
    [
        (
            "en",
            "• Event signups: 1\n• Help requests: 2\n• Dispute reports: 1\n"
            "• Disputes where you gave your side: 1\n• Language: not chosen",
            "We keep this only to run the services you use",
        ),
        (
            "zh",
            "• 活动报名：1\n• 求助：2\n• 纠纷反映：1\n• 您说明过情况的纠纷：1\n• 语言：简体中文",
            "我们保存这些信息只是为了提供您使用的服务",
        ),
    ],
)
def test_mydata_holds_what_they_wrote_and_nothing_of_others(
    dispatcher, resident, session_factory, clock, hint, summary, why
):
    alice, *_ = _scene(dispatcher, resident, session_factory, clock, hint)
    alice.send("/mydata")
    [reply] = alice.replies
    assert summary in reply.text and why in reply.text and "/deleteme" in reply.text
    assert reply.attachment.filename.endswith(".json")
    raw = reply.attachment.content.decode("utf-8")
    data = json.loads(raw)
    assert data["profile"]["name"] == ALICE_NAME
    assert data["profile"]["id_on_transport"] == ALICE_ID
    [signup] = data["event_signups"]
    assert signup["event"] == "中秋游园会" and signup["status"] == "confirmed"
    assert "中秋游园会" in raw, "written as UTF-8, not escaped"
    first = data["help_requests"][0]
    assert first["description"] == "Please translate the letter from my landlord."
    assert [m["text"] for m in first["your_messages"]] == [
        "Please translate the letter from my landlord.",
        "It is about the deposit.",
    ]
    assert first["your_messages"][0]["file_id"] == "p-1"
    [report] = data["dispute_reports"]
    assert report["description"] == "The dog next door barks all day."
    assert report["photos"] == ["dog-1"]
    assert [u["text"] for u in report["updates_sent_to_you"] if u["kind"] == "update"] == [
        "We spoke with the property office."
    ]
    assert report["questions_and_your_answers"][0]["answer"] == "The 13th floor."
    [side] = data["disputes_as_other_side"]
    assert side["your_statements"][0]["text"] == "My music stops at 22:00."
    assert side["invitation"] == "Neighbours mention loud music at night."
    for foreign in (
        "Landlord answers only in the morning",  # the volunteer's internal note
        "I will call the landlord",  # what the volunteer wrote
        "Flat 1302 is probably the source",  # the mediator's internal note
        "Carol",  # the anonymous reporter on the other side
        "4004",
        "Loud music from flat 1302",  # her report
        "Bob",
        "Li Mediator",
        "Dave",
    ):
        assert foreign not in raw, foreign


def _old_traces(session_factory) -> list[str]:
    """Every text cell of every table holding Alice's name or Telegram id."""
    found = []
    with session_factory() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(table.select()).mappings():
                for column, value in row.items():
                    shown = json.dumps(value, ensure_ascii=False, default=str)
                    if ALICE_NAME in shown or ALICE_ID in shown or "Alice" in shown:
                        found.append(f"{table.name}.{column}")
    return found


@pytest.mark.parametrize(
    ("hint", "ask", "yes", "done", "offer"),
    [
        (
            "en",
            (
                "Delete my data? This cannot be undone.",
                "Press “More”",
                "so the mediators can go on",
            ),
            "Yes, delete",
            "Done: your data was deleted.",
            "🎟 A place is free for you at “Mid-Autumn Garden Party”",
        ),
        (
            "zh",
            ("要删除您的数据吗？删除后无法恢复。", "点“更多”", "以便调解员继续处理"),
            "是，删除",
            "已完成：您的数据已删除。",
            "🎟 “中秋游园会",
        ),
    ],
)
def test_deleteme_erases_and_leaves_others_intact(
    dispatcher, resident, session_factory, clock, registry, community, sent,
    hint, ask, yes, done, offer,
):  # fmt: skip
    alice, mediator, event_id = _scene(dispatcher, resident, session_factory, clock, hint)
    postbox = PostBox()
    run_outbox(session_factory, registry, community, clock, postbox)
    assert "Please help me with my visa form." in "\n".join(c.text for c in postbox.cards_in(ROOM))
    alice.send("/deleteme")
    first, more, detail = ask
    assert first in alice.text and more in alice.text and detail not in alice.text
    assert len(alice.text) <= 400  # a short message; the details are behind “More”
    alice.press("ℹ️")  # ℹ️ More / ℹ️ 更多
    assert detail in alice.text
    alice.press(yes)  # the details come with the same buttons
    assert alice.text.startswith(done)

    # The event place went to Dave, who is offered it.
    with session_factory() as session:
        statuses = dict(
            session.execute(
                select(EventSignup.user_id, EventSignup.status).where(
                    EventSignup.event_id == event_id
                )
            ).all()
        )
        dave_id = find_user(session, "telegram", "2002").id
    assert statuses[dave_id] == "offered" and "cancelled" in statuses.values()
    [offered] = to_chat(sent(), "2002", "ev.offer")
    assert offered.text.startswith(offer)

    # The open request is cancelled, its card edited; the one in progress is closed and the
    # volunteer told; what Alice wrote is gone, the volunteer's own words stay.
    run_outbox(session_factory, registry, community, clock, postbox)
    cards = "\n".join(card.text for card in postbox.cards_in(ROOM))
    assert "Please help me with my visa form." not in cards
    assert "Cancelled by the resident." in cards and ERASED in cards
    assert any("deleted their data, so the request is closed" in t for t in postbox.texts("3003"))
    with session_factory() as session:
        requests = session.scalars(select(HelpRequest).order_by(HelpRequest.id)).all()
        assert [r.status for r in requests] == ["cancelled", "cancelled"]
        assert {r.description for r in requests} == {ERASED}
        said = session.execute(
            select(RequestMessage.side, RequestMessage.text, RequestMessage.file_id).where(
                RequestMessage.side.in_(("resident", "volunteer", "note"))
            )
        ).all()
    assert ("volunteer", "I will call the landlord.", None) in said
    assert ("note", "Landlord answers only in the morning.", None) in said
    assert all(text == ERASED and file is None for side, text, file in said if side == "resident")

    # Her report is detached and anonymous; the open case keeps its description; Carol's case
    # is untouched apart from Alice's statement, kept while it is open.
    with session_factory() as session:
        cases = session.scalars(select(DisputeCase).order_by(DisputeCase.id)).all()
        carol_id = find_user(session, "telegram", "4004").id
    assert cases[0].reporter_id == carol_id and cases[0].anonymous
    assert cases[0].description == "Loud music from flat 1302 every night."
    assert cases[1].reporter_id is None and cases[1].anonymous and not cases[1].contact_ok
    assert cases[1].description == "The dog next door barks all day."
    mediator.press_payload("dp:upd:2")
    mediator.press("The reporter")
    mediator.send("Any news?")
    mediator.press("Send")
    assert to_chat(sent(), ALICE_ID) == [], "nothing reaches her old chat any more"
    mediator.press_payload("dp:open:2")
    assert "Reported by: anonymous" in mediator.text
    assert "Alice" not in mediator.text

    # Nothing of her name or Telegram id is left anywhere; other people are intact.
    assert _old_traces(session_factory) == []
    with session_factory() as session:
        assert find_user(session, "telegram", ALICE_ID) is None
        names = set(session.scalars(select(User.display_name)))
    assert {"Dave Wu", "Bob Volunteer", "Carol Li", "Li Mediator"} <= names
    assert "" in names

    # Writing again starts fresh.
    alice.send("/mydata")
    data = json.loads(alice.replies[0].attachment.content)
    assert data["help_requests"] == [] and data["event_signups"] == []
    assert data["dispute_reports"] == [] and data["disputes_as_other_side"] == []


STALE = {
    "en": "That button is no longer active. Here is the menu:",
    "zh": "这个按钮已经失效。这是主菜单：",
}


@pytest.mark.parametrize(
    ("hint", "keep", "kept"),
    [("en", "Keep my data", "Nothing was deleted."), ("zh", "保留我的数据", "没有删除任何数据。")],
)
def test_keep_and_forged_confirmations_change_nothing(
    dispatcher, resident, session_factory, clock, hint, keep, kept
):
    alice = resident(ALICE_NAME, "en", user_id=ALICE_ID)
    file_request(alice, description="Please help me with my visa form.")
    if hint == "zh":
        alice.send("/lang zh_Hans")
    carol = resident("Carol Li", "en", user_id="4004")
    carol.send("/deleteme")
    forged_for_alice = carol.buttons()[0].payload
    alice.send("/deleteme")
    real = alice.buttons()[0].payload
    alice.press(keep)
    assert kept in alice.text
    alice.press_payload(real)  # the kept confirmation is no longer valid
    refused = alice.text
    assert "/deleteme" in refused
    alice.send("/deleteme")
    user_id, token = alice.buttons()[0].payload.split(":")[2:]
    for forged in (
        f"pv:erase:{user_id}:0000",
        f"pv:erase:{int(user_id) + 1}:{token}",
        forged_for_alice,
    ):
        alice.press_payload(forged)
        assert alice.text == refused, forged
    for malformed in ("pv:erase", "pv:whatever"):  # not a confirmation at all: a stale button
        alice.press_payload(malformed)
        assert alice.text == STALE[hint], malformed
    clock.advance(hours=1)
    alice.press_payload(f"pv:erase:{user_id}:{token}")  # too old
    assert alice.text == refused
    with session_factory() as session:
        user = find_user(session, "telegram", ALICE_ID)
        assert user is not None and user.display_name == ALICE_NAME
        request = session.scalars(select(HelpRequest)).one()
    assert request.status == "open" and request.description == "Please help me with my visa form."
    alice.send("/myrequests")
    assert "#R-0001" in alice.text


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("en", "Please ask an administrator"), ("zh", "请先请管理员")],
)
def test_staff_are_asked_to_see_an_admin(resident, session_factory, clock, hint, expected):
    bob = make_volunteer(session_factory, clock, resident("Bob", "en", user_id="3003"))
    if hint == "zh":
        bob.send("/lang zh_Hans")
    bob.send("/deleteme")
    assert expected in bob.text and not bob.buttons()
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/deleteme")
    assert "Please ask an administrator" in admin.text


@pytest.mark.parametrize(
    ("hint", "lines"),
    [
        ("en", ("/mydata /deleteme — your data",)),
        ("zh-hans", ("/mydata /deleteme — 您的数据",)),
    ],
)
def test_help_lists_both_commands(resident, hint, lines):
    person = resident("Eve", hint)
    person.send("/help")
    for line in lines:
        assert line in person.text


def test_the_tables_are_all_scanned(engine):
    """The scan above reads every table the models declare (a new table is covered too)."""
    assert set(inspect(engine).get_table_names()) >= {t.name for t in metadata.sorted_tables}


def test_a_role_granted_later_blocks_the_confirmation(resident, session_factory, clock):
    alice = resident(ALICE_NAME, "en", user_id=ALICE_ID)
    alice.send("/deleteme")
    payload = alice.buttons()[0].payload
    with session_factory() as session, session.begin():
        user = find_user(session, "telegram", ALICE_ID)
        grant_role(session, user, "volunteer", now=clock(), by="test")
    alice.press_payload(payload)
    assert "Please ask an administrator" in alice.text


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_form_opened_meanwhile_keeps_the_deleteme_confirmation(resident, session_factory, hint):
    """/deleteme, then /ask (a form) before answering: the confirmation still works, and the
    form, cancelled or filled, does not undo it."""
    alice = resident(ALICE_NAME, hint, user_id=ALICE_ID)
    alice.send("/deleteme")
    confirm = alice.buttons()[0].payload
    alice.send("/ask")
    assert "📝" in alice.text  # the form is open
    alice.send("/cancel")
    alice.send("/report")  # another form, left open
    alice.press_payload(confirm)
    assert ("Done: your data was deleted." if hint == "en" else "已完成：您的数据已删除。") in (
        alice.text
    )
    with session_factory() as session:
        assert find_user(session, "telegram", ALICE_ID) is None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_mydata_over_telegram_is_a_utf8_json_document(session_factory, community):
    """Over the Bot API stand-in: the file is uploaded with its caption, in Chinese."""
    from tests.telegram_support import running_bot

    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=701, text="/mydata", language_code="zh-hans", first_name="王芳")
        [document] = await api.wait_for(lambda c: c.method == "sendDocument")
        upload = document.params["document"]
        assert upload["filename"].startswith("linli-my-data-") and upload["filename"].endswith(
            ".json"
        )
        data = json.loads(upload["content"].decode("utf-8"))
        assert data["profile"]["name"] == "王芳" and "王芳".encode() in upload["content"]
        assert document.params["caption"].startswith("以下是邻里保存的您的信息")
        assert "/deleteme" in document.params["caption"]


def test_a_former_volunteer_leaves_no_trace(resident, session_factory, clock):
    """Role removed by an admin first: then their profile goes, and the grant they once made
    to someone else keeps no Telegram id of theirs."""
    from db.requests.models import VolunteerProfile
    from db.requests.volunteers import profile
    from db.users import revoke_role

    alice = resident(ALICE_NAME, "en", user_id=ALICE_ID)
    alice.send("/start")
    dave = resident("Dave Wu", "en", user_id="2002")
    dave.send("/start")
    with session_factory() as session, session.begin():
        user = find_user(session, "telegram", ALICE_ID)
        grant_role(session, user, "volunteer", now=clock(), by="test")
        profile(session, user, now=clock())
        other = find_user(session, "telegram", "2002")
        grant_role(session, other, "volunteer", now=clock(), by=user.ref)
        revoke_role(session, user, "volunteer")
    before = _old_traces(session_factory)
    assert {"users.external_id", "users.display_name", "role_grants.granted_by"} <= set(before)
    alice.send("/deleteme")
    alice.press("Yes, delete")
    assert alice.text.startswith("Done: your data was deleted.")
    assert _old_traces(session_factory) == []
    with session_factory() as session:
        assert session.scalars(select(VolunteerProfile)).all() == []
        assert find_user(session, "telegram", "2002").role_names == {"volunteer"}
