"""The volunteering buttons (``vs:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Annotated, Literal

from handlers.payloads import MaxLen, Payload, StartLink


class ListOpportunities(Payload, prefix="vs", action="list"):
    """The upcoming volunteer opportunities (those matching the person first)."""

    page: int = 0


class ShowOpportunity(Payload, prefix="vs", action="show"):
    """An opportunity's card: its shifts and the places left per role."""

    opportunity: int


class ChooseRole(Payload, prefix="vs", action="role"):
    """A role in a shift chosen: ask to confirm the signup."""

    role: int


class SignUpShift(Payload, prefix="vs", action="signup"):
    """Confirm the signup for this role (or its waiting list)."""

    role: int


class AskToLeaveShift(Payload, prefix="vs", action="ask_leave"):
    """Cancel my signup for a shift pressed: ask first."""

    shift: int


class LeaveShift(Payload, prefix="vs", action="leave"):
    """The cancellation confirmed."""

    shift: int


class ShiftCalendar(Payload, prefix="vs", action="calendar"):
    """The shift as an .ics file."""

    shift: int


class MyShifts(Payload, prefix="vs", action="mine"):
    """The shifts I signed up for."""


class MyHours(Payload, prefix="vs", action="hours"):
    """My confirmed hours."""


class GetCertificate(Payload, prefix="vs", action="certificate"):
    """My certificate as a PDF (the name is asked the first time)."""


class ManageOpportunity(Payload, prefix="vs", action="manage"):
    """The coordinator's panel of an opportunity."""

    opportunity: int


class AddShift(Payload, prefix="vs", action="add_shift"):
    """Open the form that adds a shift with its roles."""

    opportunity: int


class EditOpportunity(Payload, prefix="vs", action="edit"):
    """Open the form that changes the words of an opportunity."""

    opportunity: int


class PublishOpportunity(Payload, prefix="vs", action="publish"):
    """Publish a draft."""

    opportunity: int


class SendOpportunityNotice(Payload, prefix="vs", action="notice"):
    """Send a notice about it to the volunteer opportunities topic."""

    opportunity: int


class AskToCancelOpportunity(Payload, prefix="vs", action="ask_cancel"):
    """Cancel the opportunity pressed: ask first."""

    opportunity: int


class CancelOpportunity(Payload, prefix="vs", action="cancel"):
    """The cancellation confirmed: everyone signed up is told."""

    opportunity: int


class ShiftPanel(Payload, prefix="vs", action="shift"):
    """The coordinator's view of one shift: who is in it, check-in, hours."""

    shift: int


class OpenCheckin(Payload, prefix="vs", action="checkin"):
    """Show the shift's check-in code (new every minute) and its QR image."""

    shift: int


class MarkPresent(Payload, prefix="vs", action="present"):
    """The coordinator marks one person present."""

    signup: int


class ConfirmHours(Payload, prefix="vs", action="confirm_hours"):
    """Confirm the shift's hours in one tap."""

    shift: int


class CorrectHours(Payload, prefix="vs", action="correct"):
    """Open the form that corrects one line's hours."""

    signup: int


class MakeupHours(Payload, prefix="vs", action="makeup"):
    """Open the form that adds make-up hours, with a reason."""

    signup: int


class ExportHours(Payload, prefix="vs", action="export"):
    """A month's confirmed hours as a file: ``month`` is YYYYMM."""

    month: int
    kind: Literal["xlsx", "csv"] = "xlsx"


class NewOpportunity(Payload, prefix="vs", action="new"):
    """Open the form of a new opportunity."""


class MoveShift(Payload, prefix="vs", action="move"):
    """Open the form that moves a shift to another time."""

    shift: int


class ReconfirmShift(Payload, prefix="vs", action="reconfirm"):
    """The shift was moved: I still come."""

    signup: int


class OpportunityLink(StartLink, prefix="vo"):
    """``/start vo_42``: the opportunity's card (a notice links here)."""

    opportunity: int


class CheckInLink(StartLink, prefix="vc"):
    """``/start vc_123456``: the check-in QR the coordinator shows, scanned."""

    code: Annotated[str, MaxLen(6)]
