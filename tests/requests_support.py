"""Helpers for the help-request tests: volunteers and filing a request as a resident would."""

from __future__ import annotations

from handlers.types import Kind
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
