"""Check-in at the venue. The coordinator opens a shift's check-in: a six-digit code that
changes every minute (TOTP) and a QR image of the link that opens the bot with it. A volunteer
sends the code (or scans the QR) to check in, and again to check out."""

from __future__ import annotations

import io
import re

import segno

from db import shift_hours as hours_ops
from db.shift_models import Shift
from handlers.buttons.volunteering import CheckInLink, OpenCheckin, ShiftPanel
from handlers.types import Attachment, Button, Ctx, keyboard
from handlers.volunteering.common import (
    COORDINATOR,
    access_opportunity_as_coordinator,
    router,
    shift_when,
    title,
)

CODE = re.compile(r"^\d{6}$")
DEEP_LINK = "vc"


def qr_png(text: str) -> bytes:
    """A QR image of ``text``, large enough to scan from a table."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=3)
    return buffer.getvalue()


@router.button(OpenCheckin, role=COORDINATOR, private_only=True)
def open_checkin(ctx: Ctx, payload: OpenCheckin) -> None:
    """This minute's code in the chat, and its QR image; 🔄 shows the next one."""
    shift = ctx.session.get(Shift, payload.shift)
    if shift is None or access_opportunity_as_coordinator(ctx, shift.opportunity_id) is None:
        ctx.reply(ctx._("Sorry, only this opportunity's coordinator and admins can do that."))
        return
    shift = hours_ops.open_checkin(ctx.session, shift.id)
    assert shift is not None
    code = hours_ops.current_code(shift, ctx.now)
    link = ctx.community.start_link(CheckInLink(code).pack())
    text = ctx._(
        "Check-in for {title}, {when}.\n\nCode: {code}\n\nVolunteers send me this code (or "
        "scan the QR) to check in, and again to check out. It changes every minute: press 🔄 "
        "for the new one."
    ).format(title=title(ctx.lang, shift.opportunity), when=shift_when(ctx.lang, shift), code=code)
    buttons = keyboard(
        (
            Button(ctx._("🔄 New code"), OpenCheckin(shift.id).pack()),
            Button(ctx._("« Shift"), ShiftPanel(shift.id).pack()),
        )
    )
    ctx.reply(text, buttons)
    ctx.reply(
        ctx._("Scan to check in: {code}").format(code=code),
        attachment=Attachment(
            filename=f"checkin-{shift.id}.png",
            content=qr_png(link),
            mime_type="image/png",
            is_photo=True,
        ),
    )


def answer(ctx: Ctx, code: str, *, typed: bool) -> bool:
    """Check in or out with ``code``; True if it was answered (a typed number that belongs to
    no shift of theirs is left to the other services)."""
    result = hours_ops.check(ctx.session, ctx.user, code, now=ctx.now)
    outcome = result.outcome
    shift = result.shift
    if outcome == hours_ops.CheckOutcome.WRONG_CODE:
        if typed and not hours_ops.in_open_shift(ctx.session, ctx.user.id, now=ctx.now):
            return False
        ctx.reply(
            ctx._("That code is not right. Please send the six digits the coordinator shows now.")
        )
        return True
    assert shift is not None
    name = title(ctx.lang, shift.opportunity)
    if outcome == hours_ops.CheckOutcome.OLD_CODE:
        text = ctx._("That code is old: it changes every minute. Please send the code shown now.")
    elif outcome == hours_ops.CheckOutcome.NOT_SIGNED_UP:
        text = ctx._(
            "You are not signed up for this shift ({title}). Please ask the coordinator."
        ).format(title=name)
    elif outcome == hours_ops.CheckOutcome.CHECKED_IN:
        text = ctx._(
            "✅ Checked in at {time} for {title}. Thank you! Send the code again when you leave."
        ).format(time=ctx.lang.time(ctx.now), title=name)
    elif outcome == hours_ops.CheckOutcome.CHECKED_OUT:
        text = ctx._("👋 Checked out at {time}. Thank you for your help today!").format(
            time=ctx.lang.time(ctx.now)
        )
    elif outcome == hours_ops.CheckOutcome.ALREADY_IN:
        signup = result.signup
        assert signup is not None and signup.checked_in_at is not None
        text = ctx._(
            "You are already checked in since {time}. Send the code again when you leave."
        ).format(time=ctx.lang.time(signup.checked_in_at))
    else:
        text = ctx._("You have already checked out of this shift. Thank you!")
    ctx.reply(text)
    return True


@router.on_text_first
def typed_code(ctx: Ctx) -> bool:
    """Six digits typed outside any form: a check-in code, if they are in a shift now."""
    text = ctx.inbound.text.strip().replace(" ", "")
    if ctx.inbound.chat.is_group or not CODE.match(text):
        return False
    return answer(ctx, text, typed=True)


@router.deep_link(CheckInLink, private_only=True)
def scanned(ctx: Ctx, link: CheckInLink | None) -> None:
    """``/start vc_<code>``: the QR scanned."""
    if link is None or not CODE.match(link.code):
        ctx.reply(
            ctx._("That code is not right. Please send the six digits the coordinator shows now.")
        )
        return
    answer(ctx, link.code, typed=False)
