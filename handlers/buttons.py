"""Every button the bot shows, as a payload type (``handlers/payloads.py``), by service.

A handler registers for one of these with ``@router.button(Type, role=…, private_only=…)`` and
receives the parsed payload; buttons are built as ``Button(label, Type(…).pack())``. The wire
action says what pressing does; ``aliases`` are the short names older releases put on buttons
people may still press (parsed to the same type, never packed). Field order is the old order.

This module imports nothing of the services, so anyone may build any button without a cycle.
"""

from __future__ import annotations

from typing import Annotated, Literal

from db.notice_models import Topic
from handlers.payloads import MaxLen, Payload

# ---------------------------------------------------------------------------- language (lang)


class ChooseLanguage(Payload, prefix="lang", action="choose", aliases=("menu",)):
    """Show the language buttons."""


class SetLanguage(Payload, prefix="lang", action="set"):
    """Write to me in this language from now on."""

    code: Literal["zh_Hans", "zh_Hant", "en"]


# ---------------------------------------------------------------------------- privacy (pv)


class EraseDetails(Payload, prefix="pv", action="details", aliases=("more",)):
    """The rest of the /deleteme explanation."""


class KeepData(Payload, prefix="pv", action="keep"):
    """/deleteme answered No: nothing is deleted."""


class EraseData(Payload, prefix="pv", action="erase"):
    """/deleteme confirmed, for this user with the token of their latest /deleteme."""

    user: int
    token: Annotated[str, MaxLen(16)]  # secrets.token_hex(4) today


# ---------------------------------------------------------------------------- requests (rq)


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


class ReplyTo(Payload, prefix="rq", action="reply_to", aliases=("to",)):
    """A volunteer's answers go to this request from now on."""

    request: int


# ---------------------------------------------------------------------------- events (ev)


class ListEvents(Payload, prefix="ev", action="list"):
    """A page of the upcoming events."""

    page: int = 0


class EventsMenu(Payload, prefix="ev", action="menu"):
    """Back to the main menu."""


class ShowEvent(Payload, prefix="ev", action="show", aliases=("card",)):
    """The event's card."""

    event: int


class JoinEvent(Payload, prefix="ev", action="join"):
    """Sign up (or join the waiting list): ask how many people come."""

    event: int


class ChooseParty(Payload, prefix="ev", action="party", aliases=("size",)):
    """The party size chosen: ask to confirm it."""

    event: int
    places: int


class SignUp(Payload, prefix="ev", action="signup", aliases=("ok",)):
    """Confirm the signup for this many places."""

    event: int
    places: int


class AskToCancelSignup(Payload, prefix="ev", action="ask_to_cancel", aliases=("cancel",)):
    """Cancel my signup pressed: ask first."""

    event: int


class CancelSignup(Payload, prefix="ev", action="cancel_signup", aliases=("cx",)):
    """The signup's cancellation confirmed."""

    event: int


class ShareEvent(Payload, prefix="ev", action="share"):
    """Where there are no links: the command that opens the card."""

    event: int


class AddToCalendar(Payload, prefix="ev", action="calendar", aliases=("ics",)):
    """The event as an .ics file."""

    event: int


class AcceptOffer(Payload, prefix="ev", action="accept_offer", aliases=("acc",)):
    """A freed place offered: take it."""

    signup: int


class DeclineOffer(Payload, prefix="ev", action="decline_offer", aliases=("dec",)):
    """A freed place offered: let it go to the next in line."""

    signup: int


class UndoDecline(Payload, prefix="ev", action="undo_decline", aliases=("undo",)):
    """Take back a decline (for a minute)."""

    signup: int


class MyEvents(Payload, prefix="ev", action="my_events", aliases=("my",)):
    """The events I signed up for."""


class MyEvent(Payload, prefix="ev", action="my_event", aliases=("mine",)):
    """A card opened from my events (with « My events to go back)."""

    event: int


class ManageEvent(Payload, prefix="ev", action="manage", aliases=("org",)):
    """The organiser's panel: who is coming, and the tools."""

    event: int


class AttendeesCsv(Payload, prefix="ev", action="attendees_csv", aliases=("csv",)):
    """The attendees as a CSV file."""

    event: int


class PublishEvent(Payload, prefix="ev", action="publish", aliases=("pub",)):
    """Publish a draft."""

    event: int


class MessageAttendees(Payload, prefix="ev", action="message", aliases=("msg",)):
    """Open the form that writes to everyone coming."""

    event: int


class RescheduleEvent(Payload, prefix="ev", action="reschedule", aliases=("resch",)):
    """Open the form that moves the event."""

    event: int


class EditPlaces(Payload, prefix="ev", action="edit_places", aliases=("cap",)):
    """Open the form that changes the number of places."""

    event: int


class AskToCancelEvent(Payload, prefix="ev", action="ask_to_cancel_event", aliases=("kill",)):
    """Cancel the event pressed: ask first."""

    event: int


class CancelEvent(Payload, prefix="ev", action="cancel_event", aliases=("killok",)):
    """The event's cancellation confirmed."""

    event: int


class MyOrganisedEvents(Payload, prefix="ev", action="organised", aliases=("orgs",)):
    """The events I organise (the menu's “🛠 My events”)."""

    page: int = 0  # one page today; older buttons carry 0


# ---------------------------------------------------------------------------- disputes (dp)


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


# ---------------------------------------------------------------------------- notices (nt)


class WelcomeNotices(Payload, prefix="nt", action="welcome"):
    """The welcome's offer answered."""

    answer: Literal["yes", "choose", "no"]


class ToggleTopic(Payload, prefix="nt", action="toggle_topic", aliases=("t",)):
    """Receive a topic's notices, or stop."""

    topic: Topic


class StopNotices(Payload, prefix="nt", action="stop"):
    """Receive no notices."""


class ChooseBuilding(Payload, prefix="nt", action="choose_building", aliases=("b",)):
    """Show the buildings to choose from."""


class SetBuilding(Payload, prefix="nt", action="set_building", aliases=("bs",)):
    """Live in this building (0: none)."""

    building: int


class RecentNotices(Payload, prefix="nt", action="recent"):
    """The last notices for me."""


class CancelNotice(Payload, prefix="nt", action="cancel"):
    """Its author (or an admin) cancels a notice."""

    notice: int


class CorrectNotice(Payload, prefix="nt", action="correct", aliases=("edit",)):
    """Open the form that corrects a notice already sent."""

    notice: int


class ReleaseNotice(Payload, prefix="nt", action="release"):
    """An admin sends a held notice."""

    notice: int


# ---------------------------------------------------------------------------- forms (fm)
# Every form button carries the open form's token (new with every form), so a button from an
# earlier form is recognised as stale rather than obeyed. The wire form changed from
# ``fm:<token>:<code>`` to ``fm:<action>:<token>``: a form button from before that upgrade is
# answered as one from an earlier message (the question is asked again) — forms expire anyway.

#: The form's token (``secrets.token_hex(3)`` today).
Token = Annotated[str, MaxLen(8)]


class FormBack(Payload, prefix="fm", action="back"):
    """Back to the previous question (or, changing an answer, keep the one given)."""

    token: Token


class FormSkip(Payload, prefix="fm", action="skip"):
    """Skip an optional question."""

    token: Token


class FormCancel(Payload, prefix="fm", action="cancel"):
    """Close the form; nothing is kept (also Discard on a form that was left)."""

    token: Token


class FormDone(Payload, prefix="fm", action="done"):
    """Enough answers to a question that takes several (photos)."""

    token: Token


class FormConfirm(Payload, prefix="fm", action="confirm"):
    """Confirm the summary: the form is submitted."""

    token: Token


class FormContinue(Payload, prefix="fm", action="continue"):
    """Take up a form that was left where it was."""

    token: Token


class FormChoose(Payload, prefix="fm", action="choose"):
    """Choice ``index`` of the current question."""

    token: Token
    index: int


class FormEdit(Payload, prefix="fm", action="edit"):
    """From the summary: change the answer to question ``step``."""

    token: Token
    step: int


class FormChange(Payload, prefix="fm", action="change"):
    """Answer the earlier question ``step`` again (the Change under an echoed date)."""

    token: Token
    step: int


FORM_BUTTONS = (
    FormBack,
    FormSkip,
    FormCancel,
    FormDone,
    FormConfirm,
    FormContinue,
    FormChoose,
    FormEdit,
    FormChange,
)
