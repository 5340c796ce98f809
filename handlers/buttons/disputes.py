"""The disputes buttons (``dp:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Annotated

from handlers.payloads import MaxLen, Payload, StartLink


class ReportDispute(Payload, prefix="dp", action="report", aliases=("new",)):
    """Start a dispute report."""


class ExportCases(Payload, prefix="dp", action="export_csv", aliases=("csv",)):
    """Every case as a CSV file."""

    page: int = 0  # one file today; older buttons carry 0


class OpenCase(Payload, prefix="dp", action="open"):
    """A mediator opens the case (in a private chat)."""

    case: int


class CaseHistory(Payload, prefix="dp", action="history", aliases=("hist",)):
    """The case's whole history."""

    case: int


class AcknowledgeCase(Payload, prefix="dp", action="acknowledge", aliases=("ack",)):
    """A mediator acknowledges a new case."""

    case: int


class CaseInProgress(Payload, prefix="dp", action="in_progress", aliases=("prog",)):
    """A mediator marks the case in progress."""

    case: int


class TakeCase(Payload, prefix="dp", action="take"):
    """A mediator takes the case (over)."""

    case: int


class CasePhotos(Payload, prefix="dp", action="photos", aliases=("pics",)):
    """The photos sent with the report."""

    case: int


class UpdateReporter(Payload, prefix="dp", action="update", aliases=("upd",)):
    """Open the form that writes an update to the reporter."""

    case: int


class InternalNote(Payload, prefix="dp", action="note"):
    """Open the form for a note only mediators see."""

    case: int


class AskReporter(Payload, prefix="dp", action="ask_reporter", aliases=("ask",)):
    """Open the form that asks the reporter a question."""

    case: int


class ResolveCase(Payload, prefix="dp", action="resolve", aliases=("res",)):
    """Open the form that resolves the case."""

    case: int


class CloseCase(Payload, prefix="dp", action="close"):
    """Open the form that closes the case without a resolution."""

    case: int


class InviteOtherSide(Payload, prefix="dp", action="invite", aliases=("inv",)):
    """Open the form that invites the other side."""

    case: int


class ProposeMeeting(Payload, prefix="dp", action="propose_meeting", aliases=("meet",)):
    """Open the form that proposes a meeting."""

    case: int


class LinkDuplicate(Payload, prefix="dp", action="link_duplicate", aliases=("link",)):
    """Link the case to the earlier one it duplicates."""

    case: int


class GiveSide(Payload, prefix="dp", action="give_side", aliases=("side",)):
    """The invited party writes their side."""

    party: int


class AnswerMeeting(Payload, prefix="dp", action="answer_meeting", aliases=("mt",)):
    """A party answers a proposed meeting: coming, or another time please."""

    meeting: int
    coming: bool


class AnswerFollowUp(Payload, prefix="dp", action="answer_follow_up", aliases=("fu",)):
    """The reporter answers the follow-up: solved or not."""

    case: int
    solved: bool


class AnswerQuestion(Payload, prefix="dp", action="answer_question", aliases=("ans",)):
    """The reporter answers a mediator's question."""

    question: int


class CaseLink(StartLink, prefix="dp", tag="c"):
    """``/start dp_c42``: the card's "open in private chat" link, for a mediator."""

    case: int


class InvitationLink(StartLink, prefix="dp"):
    """``/start dp_<token>``: the other side opens a one-time invitation (declared after
    ``CaseLink``: a forged ``dp_`` link is answered as an invitation that is not valid)."""

    token: Annotated[str, MaxLen(61)]
