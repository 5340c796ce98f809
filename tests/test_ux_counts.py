"""Measured, not asserted: each flow is driven through the Bot API stand-in by the real
python-telegram-bot application, and the test counts the taps it took and the bot's messages the
person is left with in their chat (messages sent; an edit adds none). The figures are the table
“How much the bot says” in README.md: a flow that needs more taps or leaves more messages than
the table says fails here, so the table can only get better."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.requests import operations as requests_db
from db.requests.models import HelpRequest
from db.users import get_or_create_user, grant_role
from standin.botapi import BotApiStandin
from tests.events_support import make_event
from tests.notices_support import add_buildings
from tests.requests_support import file_request, make_volunteer
from tests.telegram_support import running_bot
from tests.volunteering_support import make_opportunity

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(
    r"^\| (?P<flow>[^|]+?) \| (?P<taps>\d+) \| (?P<typed>\d+) \| "
    r"(?P<before>\d+) → (?P<after>\d+) \|$"
)
BOT_SAYS = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText", "setMessageReaction")


def table() -> dict[str, tuple[int, int, int]]:
    """README's table: flow → (taps, messages typed, messages left)."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match["flow"]] = (int(match["taps"]), int(match["typed"]), int(match["after"]))
    return rows


@dataclass
class Person:
    """One Telegram user in a private chat, counting the buttons they press."""

    api: BotApiStandin
    user_id: int
    language_code: str = "en"
    taps: int = 0
    typed: int = 0  # messages the person typed (a command, an answer)
    last: dict = field(default_factory=dict)

    def answered(self, call) -> bool:
        """A call that ends the bot's answer: a message with buttons (every screen here has
        them; a notice before it has none), or a reaction."""
        if call.method not in BOT_SAYS or int(call.params.get("chat_id", 0)) != self.user_id:
            return False
        return call.method == "setMessageReaction" or bool(call.params.get("reply_markup"))

    async def _after(self, action) -> None:
        before = sum(1 for c in self.api.calls if self.answered(c))
        action()
        calls = await self.api.wait_for(self.answered, count=before + 1)
        if calls[-1].method != "setMessageReaction":
            message_id = (calls[-1].response or {})["result"]["message_id"]
            self.last = self.api.message(self.user_id, message_id) or {}

    async def send(self, text: str) -> dict:
        update: dict = {}

        def sending() -> None:
            update.update(
                self.api.user_sends_text(
                    user_id=self.user_id, text=text, language_code=self.language_code
                )
            )

        self.typed += 1
        await self._after(sending)
        return update["message"]

    async def press(self, label: str) -> None:
        """Press the button holding ``label`` on the message the bot showed last."""
        rows = (self.last.get("reply_markup") or {}).get("inline_keyboard", [])
        found = [b["callback_data"] for row in rows for b in row if label in b["text"]]
        assert found, f"no {label!r} in {[b['text'] for row in rows for b in row]}"
        self.taps += 1
        await self._after(
            lambda: self.api.user_presses(
                user_id=self.user_id,
                data=found[0],
                message_id=self.last["message_id"],
                language_code=self.language_code,
            )
        )

    @property
    def text(self) -> str:
        return self.last.get("text", "")

    def messages_left(self) -> int:
        return self.api.messages_left(self.user_id)


def check(measured: dict[str, tuple[int, int, int]]) -> None:
    """Every measured flow is in README's table, and no flow takes more taps or typing, or is
    chattier, than it says."""
    rows = table()
    for flow, (taps, typed, left) in measured.items():
        assert flow in rows, f"README's table has no row for {flow!r}"
        most_taps, most_typed, most_left = rows[flow]
        assert taps <= most_taps, f"{flow}: {taps} taps, the table says {most_taps}"
        assert typed <= most_typed, f"{flow}: {typed} typed, the table says {most_typed}"
        assert left <= most_left, f"{flow}: {left} messages left, the table says {most_left}"


async def test_event_flows_leave_one_message(session_factory, community, clock):
    year = clock().replace(year=2030)
    make_event(session_factory, year, title_en="Garden Party", capacity=10, max_party=4)
    small = make_event(
        session_factory, year, title_en="Tea", title_zh="茶话会", capacity=3, max_party=4
    )
    measured = {}
    async with running_bot(session_factory, community) as (api, _, _):
        alice = Person(api, 701)
        await alice.send("/start")  # a resident the welcome greeted (and asked about notices)
        alice.typed, welcome = 0, alice.messages_left()
        await alice.send("/events")
        await alice.press("Garden Party")
        await alice.press("Sign up")
        await alice.press("2")
        await alice.press("Confirm")
        assert "You are signed up for “Garden Party” (2 people)" in alice.text
        assert alice.last.get("reply_markup"), "the card, with its buttons"
        measured["Sign up: /events → card → party size → confirmed"] = (
            alice.taps,
            alice.typed,
            alice.messages_left() - welcome,
        )
        assert alice.messages_left() - welcome == 1

        bob = Person(api, 702, "zh-hans")
        await bob.send("/start")
        bob.typed, bob_welcome = 0, bob.messages_left()
        await bob.send("/events")
        await bob.press("茶话会")
        # Someone took a place meanwhile: two are left, Bob's group is three.
        carol = Person(api, 703)
        await carol.send(f"/start ev_{small}")
        await carol.press("Sign up")
        await carol.press("1")
        await carol.press("Confirm")
        await api.wait_for(  # the notices question follows the card, asked once
            lambda c: (
                c.method == "sendMessage"
                and int(c.params.get("chat_id", 0)) == 703
                and "Would you like to receive them?" in c.params.get("text", "")
            )
        )
        measured[
            "First signup through a shared link: card → Sign up → 1 → confirmed, then the "
            "notices question"
        ] = (carol.taps, carol.typed, carol.messages_left())
        await bob.press("报名")
        assert [b["text"] for b in bob.last["reply_markup"]["inline_keyboard"][0]] == [
            "1",
            "2",
            "3",
        ], "never more than the event holds"
        await bob.press("3")
        assert "只剩 2 个名额" in bob.text
        await bob.press("先报名 2 人")
        assert "（2 人）" in bob.text
        measured["A group bigger than the places left: comes with fewer"] = (
            bob.taps,
            bob.typed,
            bob.messages_left() - bob_welcome,
        )

        await alice.send("/myevents")
        await alice.press("Garden Party")
        assert alice.text.startswith("🗓 Garden Party")
        await alice.press("My events")
        assert alice.text.startswith("Your events:")
        measured["/myevents → open an event → back to the list"] = (
            alice.taps - 4,
            alice.typed - 1,
            alice.messages_left() - welcome - 1,
        )
    check(measured)


async def test_a_relayed_message_is_acknowledged_by_a_reaction(
    session_factory, community, clock, resident
):
    ana, vic = resident("Ana", "en", user_id="711"), resident("Vic", "en", user_id="712")
    vic.send("/start")
    make_volunteer(session_factory, clock, vic)
    file_request(ana)
    with session_factory() as session, session.begin():
        helper = get_or_create_user(session, transport="telegram", external_id="712", now=clock())
        request = session.query(HelpRequest).one()
        requests_db.claim(session, request.id, helper, now=clock())
    measured = {}
    async with running_bot(session_factory, community) as (api, _, _):
        alice = Person(api, 711)
        said = await alice.send("Thank you, it is about the deposit.")
        assert api.reactions(711, said["message_id"]) == ["👍"]
        measured["A message to the volunteer, acknowledged"] = (
            0,
            alice.typed,
            alice.messages_left(),
        )
        assert alice.messages_left() == 0
    check(measured)


async def test_newevent_leaves_its_title_and_the_event(session_factory, community, clock):
    """/newevent from start to published: each question is replaced by the next, and Confirm
    turns the summary into the event; what stays is the form's title, the person's own answers,
    and the published event."""
    year = datetime.now(UTC).year + 1
    measured = {}
    async with running_bot(session_factory, community) as (api, _, _):
        olivia = Person(api, 721)
        await olivia.send("/start")
        with session_factory() as session, session.begin():
            user = get_or_create_user(session, transport="telegram", external_id="721", now=clock())
            grant_role(session, user, "organiser", now=clock(), by="test")
        left_before = olivia.messages_left()
        await olivia.send("/newevent")
        for answer in ("七夕交友晚会", "Qixi Evening"):
            await olivia.send(answer)
        await olivia.press("Skip")
        for answer in (
            "Meet your neighbours.",
            f"{year}-06-24 19:00",
            "2.5h",
            "Community centre, 2nd floor hall",
            "30",
            "4",
            f"{year}-06-24 12:00",
        ):
            await olivia.send(answer)
        assert "Publish" in olivia.text, olivia.text
        await olivia.press("Publish now")
        assert "Please check your answers:" in olivia.text
        summary = olivia.last["message_id"]
        await olivia.press("Confirm")
        assert "The event is published." in olivia.text
        shown = api.message(721, summary)
        assert shown is not None and "The event is published." in shown["text"], (
            "Confirm turns the summary into the event: one message, not two"
        )
        measured["/newevent → published"] = (
            olivia.taps,
            olivia.typed - 1,
            olivia.messages_left() - left_before,
        )
    check(measured)


async def test_typed_instead_of_tapped(session_factory, community, clock):
    """An older neighbour types every step: what they want, the party size, the yes."""
    year = clock().replace(year=2030)
    make_event(session_factory, year, title_zh="包饺子", title_en="Dumplings", max_party=3)
    measured = {}
    async with running_bot(session_factory, community) as (api, _, _):
        wang = Person(api, 731, "zh-hans")
        await wang.send("周六有什么活动吗")
        assert "包饺子" in wang.text
        await wang.press("包饺子")
        await wang.press("报名")
        await wang.send("我和孙子两个人")
        assert "2 人" in wang.text
        await wang.send("好")
        assert "报名成功" in wang.text or "已报名" in wang.text, wang.text
        measured["Sign up by typing: “周六有什么活动吗” → card → “我和孙子两个人” → “好”"] = (
            wang.taps,
            wang.typed,
            wang.messages_left(),
        )
    check(measured)


async def test_a_one_off_room_booking_leaves_one_message(session_factory, community):
    """/rooms → a room → a day → a time → until when → purpose and people typed → Confirm: at
    most 5 taps, and the booked screen is the one message left (the week view became the
    form's first question, the questions went, the summary became the booking)."""
    from datetime import UTC, datetime

    from tests.rooms_support import make_room

    make_room(
        session_factory,
        datetime.now(UTC),
        hours="mon-sun 00:00-23:30",
        slot_minutes=30,
        notice_minutes=0,
    )
    async with running_bot(session_factory, community) as (api, _, _):
        alice = Person(api, 712)
        await alice.send("/rooms")
        await alice.press("Chess and card room")
        days = [
            b["text"]
            for row in alice.last["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("rm:day:")
        ]
        paging = 0
        if not days:  # the last half hour of a Sunday: this week has no time left
            await alice.press("Next week »")
            paging = 1
            days = [
                b["text"]
                for row in alice.last["reply_markup"]["inline_keyboard"]
                for b in row
                if b["callback_data"].startswith("rm:day:")
            ]
        await alice.press(days[-1])
        times = [
            b["text"]
            for row in alice.last["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("rm:slot:")
        ]
        await alice.press(times[0])
        if "Until when?" in alice.text:
            await alice.press("until")
        await alice.send("Chess club")
        await alice.send("4")
        await alice.press("Confirm")
        assert "✅ Booked." in alice.text and "#B-0001" in alice.text
        measured = {
            "Book a room once: /rooms → room → day → time → until → confirmed": (
                alice.taps - paging,
                alice.typed,
                alice.messages_left(),
            )
        }
        assert alice.messages_left() == 1
    check(measured)


async def test_volunteer_signup_leaves_one_message(session_factory, community, clock):
    """/volunteer → the card → a role → Confirm: one message that changes."""
    make_opportunity(session_factory, clock().replace(year=2030))
    async with running_bot(session_factory, community) as (api, _, _):
        lin = Person(api, 711)
        await lin.send("/volunteer")
        await lin.press("Community sports day")
        await lin.press("Usher")
        await lin.press("Confirm")
        assert "You are signed up as Usher" in lin.text
        check(
            {
                "Volunteer: /volunteer → card → role → signed up": (
                    lin.taps,
                    lin.typed,
                    lin.messages_left(),
                )
            }
        )
        assert lin.messages_left() == 1


async def test_a_star_changes_the_resolved_message(session_factory, community, clock, resident):
    """The stars under a resolved request: a press turns that message into the thank-you (the
    summary stays, the stars show the rating); the same star again changes nothing."""
    ana, vic = resident("Ana", "en", user_id="741"), resident("Vic", "en", user_id="742")
    make_volunteer(session_factory, clock, vic)
    file_request(ana)
    vic.press_payload("rq:claim:1")
    vic.send("/resolve Translated the letter.")  # the outbox sends Ana the stars
    async with running_bot(session_factory, community) as (api, _, worker):
        alice = Person(api, 741)
        await worker.tick()
        [resolved] = await api.wait_for(alice.answered)
        alice.last = api.message(741, resolved.response["result"]["message_id"]) or {}
        assert "How did we do?" in alice.text
        left_before = alice.messages_left()
        await alice.press("⭐⭐⭐⭐")
        assert "Thank you for rating #R-0001: ⭐⭐⭐⭐." in alice.text
        assert alice.text.startswith("Vic marked #R-0001 as resolved:\nTranslated the letter.")
        await alice.press("⭐⭐⭐⭐")  # again: said, not counted twice
        assert "You have already rated #R-0001: ⭐⭐⭐⭐. Thank you!" in alice.text
        measured = {
            "Rate the help: a star under “resolved”": (
                alice.taps - 1,
                alice.typed,
                alice.messages_left() - left_before + 1,
            )
        }
        assert alice.messages_left() == left_before, "one message, changed in place"
    check(measured)


async def test_the_notices_panel_stays_one_message(session_factory, community, clock):
    """/notices → 🏠 My building → a building: the panel becomes the list and the list the
    panel again."""
    add_buildings(session_factory, clock, "1栋", "3栋")
    async with running_bot(session_factory, community) as (api, _, _):
        wu = Person(api, 751, "zh-hans")
        await wu.send("/notices")
        left_before = wu.messages_left()
        await wu.press("我的楼栋")
        await wu.press("3栋")
        assert "您的楼栋：3栋" in wu.text
        measured = {
            "Notices: /notices → 🏠 My building → 3栋": (
                wu.taps,
                wu.typed,
                wu.messages_left() - left_before + 1,
            )
        }
        assert wu.messages_left() == left_before
    check(measured)
