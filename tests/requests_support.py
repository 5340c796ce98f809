"""Helpers for the help-request tests: volunteers, filing a request as a resident would, and
the same path over the Bot API stand-in (the people's ids, waiting for what a chat was sent)."""

from __future__ import annotations

from datetime import time

from bot.outbox import OutboxWorker
from handlers.types import Kind
from standin.botapi import BotApiStandin
from tests.support import Resident, give_role


def make_volunteer(session_factory, clock, person: Resident) -> Resident:
    """Grant ``person`` the volunteer role (they have written to the bot before)."""
    return give_role(session_factory, clock, person, "volunteer")


def file_request(
    person: Resident,
    *,
    category: str = "Translation",
    description: str = "Please translate the letter from my landlord.",
    photo: str | None = None,
    urgent: bool = False,
    share_name: bool = False,
) -> None:
    """Go through /ask as an English speaker and send the request."""
    person.send("/ask")
    person.press(category)
    if category == "Hospital visit":
        person.press("Yes")
    person.send(description)
    if photo:
        person.send_kind(Kind.PHOTO, file_id=photo)
    else:
        person.press("Skip")
    person.press("As soon as possible")
    person.press("Yes" if urgent else "No")
    person.press("Yes" if share_name else "No")
    person.press("Send request")


RESIDENT, BOB, CAROL, ADMIN = 101, 201, 202, 9000


def calls_to_chat(
    chat_id: int, methods=("sendMessage", "sendPhoto", "sendDocument", "editMessageText")
):
    return lambda call: call.method in methods and int(call.params.get("chat_id", 0)) == chat_id


def buttons_of(call) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {}
    return {
        button["text"]: button.get("callback_data")
        for row in markup.get("inline_keyboard", [])
        for button in row
    }


async def answer_as_resident(
    api: BotApiStandin, count: int, label: str | None = None, text: str | None = None
):
    """Wait for the resident's ``count``-th message, then press ``label`` or type ``text``."""
    calls = await api.wait_for(calls_to_chat(RESIDENT), count=count)
    last = calls[-1]
    if label is not None:
        payload = next(p for t, p in buttons_of(last).items() if label in t)
        api.user_presses(user_id=RESIDENT, data=payload, first_name="Alice")
    elif text is not None:
        api.user_sends_text(user_id=RESIDENT, text=text, first_name="Alice")
    return last


#: The bot runs on the real clock here: the team is on duty at any hour of the test run (off
#: duty, an extra notice comes before the form and the counts below would be off).
ALWAYS_ON_DUTY = {"service_hours": (time(0), time.max), "holidays": "off"}


async def said_in_chat(
    api: BotApiStandin, worker: OutboxWorker, chat_id: int, words: str, method: str | None = None
):
    """Wait for a message (or an edit) to ``chat_id`` whose text or caption holds ``words``.

    The outbox is woken after every write, but a wake that comes while a run is still pacing
    a private chat is skipped by APScheduler and left to the next interval (``linli run``: 2 s;
    here an hour) — so while waiting, the test runs the worker itself as that interval would.
    """

    def matches(call) -> bool:
        said = call.params.get("text") or call.params.get("caption") or ""
        return calls_to_chat(chat_id)(call) and words in said and method in (None, call.method)

    for _ in range(15):
        try:
            [call] = await api.wait_for(matches, timeout=1)
            return call
        except TimeoutError:
            await worker.tick()
    raise AssertionError(f"nobody said {words!r} to {chat_id}")
