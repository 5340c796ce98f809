"""The free-text router's buttons (``it:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Annotated

from handlers.payloads import MaxLen, Payload


class GoTo(Payload, prefix="it", action="go"):
    """Of two services a typed message fits, the one the person means: ``target`` is a word
    list's target (``disputes.noise``); the message itself waits in the conversation."""

    target: Annotated[str, MaxLen(24)]
