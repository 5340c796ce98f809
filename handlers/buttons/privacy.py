"""The privacy buttons (``pv:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Annotated

from handlers.payloads import MaxLen, Payload


class EraseDetails(Payload, prefix="pv", action="details", aliases=("more",)):
    """The rest of the /deleteme explanation."""


class KeepData(Payload, prefix="pv", action="keep"):
    """/deleteme answered No: nothing is deleted."""


class EraseData(Payload, prefix="pv", action="erase"):
    """/deleteme confirmed, for this user with the token of their latest /deleteme."""

    user: int
    token: Annotated[str, MaxLen(16)]  # secrets.token_hex(4) today
