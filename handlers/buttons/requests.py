"""The requests buttons (``rq:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from handlers.payloads import Payload, StartLink


class AskForHelp(Payload, prefix="rq", action="ask", aliases=("new",)):
    """Start a help request."""


class SendDraft(Payload, prefix="rq", action="send_draft", aliases=("draft",)):
    """Send the message just typed to the volunteer team as a request."""


class ClaimRequest(Payload, prefix="rq", action="claim"):
    """A volunteer takes the request."""

    request: int


class AskToCancelRequest(Payload, prefix="rq", action="ask_to_cancel", aliases=("cx",)):
    """The resident asks to cancel their request: ask them to confirm."""

    request: int


class KeepRequest(Payload, prefix="rq", action="keep"):
    """The resident keeps their request after all."""

    request: int


class CancelRequest(Payload, prefix="rq", action="cancel"):
    """The resident confirms cancelling their request."""

    request: int


class ReopenRequest(Payload, prefix="rq", action="reopen"):
    """The resident asks again for help with a closed request."""

    request: int


class RateRequest(Payload, prefix="rq", action="rate"):
    """The resident rates the help (1 to 5 stars)."""

    request: int
    stars: int


class CommentOnRequest(Payload, prefix="rq", action="comment"):
    """The resident adds a comment to the help they rated."""

    request: int


class ReplyTo(Payload, prefix="rq", action="reply_to", aliases=("to",)):
    """A volunteer's answers go to this request from now on."""

    request: int


class RequestLink(StartLink, prefix="rq"):
    """``/start rq_42``: a volunteer opens a request they hold in a private chat."""

    request: int
