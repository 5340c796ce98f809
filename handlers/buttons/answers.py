"""The free-text router's button (``aw:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Annotated

from handlers.payloads import MaxLen, Payload


class PickConversation(Payload, prefix="aw", action="pick"):
    """Send the message kept while several conversations waited to this one."""

    kept: int
    service: Annotated[str, MaxLen(8)]  # the awaiting service's name ("rq", "dp")
    record: int
