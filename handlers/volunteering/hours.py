"""The coordinator's view of a shift: who is in it, check-in and check-out, marking people
present, confirming the hours in one tap, correcting a line, make-up hours with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db import shift_hours as hours_ops
from db import shift_reads as reads
from db.durations import parse_duration
from db.shift_models import Shift, ShiftSignup
from db.shift_models import ShiftSignupStatus as Status
from handlers.buttons.volunteering import (
    ConfirmHours,
    CorrectHours,
    MakeupHours,
    ManageOpportunity,
    MarkPresent,
    MoveShift,
    OpenCheckin,
    ShiftPanel,
)
from handlers.common import first_name
from handlers.forms import engine
from handlers.forms.fields import Field, Invalid, TextField
from handlers.i18n import N_
from handlers.types import Button, Ctx, Inbound, pressed
from handlers.volunteering.common import (
    COORDINATOR,
    access_opportunity_as_coordinator,
    hours_text,
    role_name,
    router,
    shift_when,
    title,
)

MAX_HOURS = 24


def rounding(ctx: Ctx) -> hours_ops.Rounding:
    threshold, step = ctx.community.hours_rounding
    return hours_ops.Rounding(threshold, step)


def shift_or_refuse(ctx: Ctx, shift_id: int) -> Shift | None:
    shift = ctx.session.get(Shift, shift_id)
    if shift is None or access_opportunity_as_coordinator(ctx, shift.opportunity_id) is None:
        ctx.reply(ctx._("Sorry, only this opportunity's coordinator and admins can do that."))
        return None
    return shift


def _line(ctx: Ctx, signup: ShiftSignup, shift: Shift) -> str:
    name = first_name(signup.user)
    parts = [f"• {name} ({role_name(ctx.lang, signup.role)})"]
    if signup.status == Status.NO_SHOW:
        parts.append(ctx._("no-show"))
    if signup.checked_in_at is not None:
        parts.append(ctx._("in {time}").format(time=ctx.lang.time(signup.checked_in_at)))
    if signup.checked_out_at is not None:
        parts.append(ctx._("out {time}").format(time=ctx.lang.time(signup.checked_out_at)))
    minutes = signup.minutes
    if minutes is None and signup.checked_in_at is not None:
        minutes = rounding(ctx).apply(hours_ops.raw_minutes(signup, shift))
    if minutes is not None:
        parts.append(hours_text(ctx.lang, minutes))
    if signup.makeup_reason:
        parts.append(ctx._("make-up: {reason}").format(reason=signup.makeup_reason))
    if signup.confirmed_at is not None:
        parts.append("✔")
    return " — ".join(parts)


def show_shift(ctx: Ctx, shift: Shift, *, note: str | None = None) -> None:
    """Everyone in the shift, with a button per person to mark present or correct."""
    lines = [note] if note else []
    lines.append(f"{title(ctx.lang, shift.opportunity)} — {shift_when(ctx.lang, shift)}")
    people = reads.signups_of_shift(ctx.session, shift.id)
    if not people:
        lines.append(ctx._("Nobody has signed up for this shift yet."))
    rows: list[tuple[Button, ...]] = [
        (Button(ctx._("🔢 Open check-in"), OpenCheckin(shift.id).pack()),)
    ]
    if shift.starts_at > ctx.now:
        rows[0] += (Button(ctx._("🕒 Move"), MoveShift(shift.id).pack()),)
    for signup in people:
        lines.append(_line(ctx, signup, shift))
        name = first_name(signup.user)
        if signup.checked_in_at is None:
            rows.append(
                (
                    Button(
                        ctx._("🙋 {name} was here").format(name=name)[:60],
                        MarkPresent(signup.id).pack(),
                    ),
                    Button(ctx._("➕ Make-up"), MakeupHours(signup.id).pack()),
                )
            )
        else:
            rows.append(
                (Button(ctx._("✏️ {name}").format(name=name)[:60], CorrectHours(signup.id).pack()),)
            )
    if people and shift.starts_at <= ctx.now:
        rows.append((Button(ctx._("✅ Confirm the hours"), ConfirmHours(shift.id).pack()),))
    rows.append((Button(ctx._("« Opportunity"), ManageOpportunity(shift.opportunity_id).pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(ShiftPanel, role=COORDINATOR, private_only=True)
def _panel(ctx: Ctx, payload: ShiftPanel) -> None:
    shift = shift_or_refuse(ctx, payload.shift)
    if shift is not None:
        show_shift(ctx, shift)


def _signup(ctx: Ctx, signup_id: int) -> ShiftSignup | None:
    signup = ctx.session.get(ShiftSignup, signup_id)
    if signup is None or shift_or_refuse(ctx, signup.shift_id) is None:
        return None
    return signup


@router.button(MarkPresent, role=COORDINATOR, private_only=True)
def _present(ctx: Ctx, payload: MarkPresent) -> None:
    signup = _signup(ctx, payload.signup)
    if signup is None:
        return
    hours_ops.mark_present(ctx.session, signup.id, now=ctx.now)
    show_shift(ctx, signup.shift, note=ctx._("Marked present for the whole shift."))


@router.button(ConfirmHours, role=COORDINATOR, private_only=True)
def _confirm(ctx: Ctx, payload: ConfirmHours) -> None:
    shift = shift_or_refuse(ctx, payload.shift)
    if shift is None:
        return
    if shift.starts_at > ctx.now:
        show_shift(ctx, shift, note=ctx._("The hours can be confirmed once the shift has begun."))
        return
    hours_ops.confirm_hours(ctx.session, shift.id, rounding(ctx), now=ctx.now)
    show_shift(
        ctx,
        shift,
        note=ctx._("✅ Hours confirmed. Everyone who came is told; no-shows are recorded."),
    )


@dataclass(frozen=True, kw_only=True)
class HoursField(Field):
    """Hours: ``2.5``, ``2h30``, ``90 min``, ``两小时``; 0 allowed."""

    def parse(self, ctx: Ctx, inbound: Inbound) -> int:
        text = TextField(name=self.name, prompt=self.prompt, label=self.label, max_length=30)
        typed = text.parse(ctx, inbound)
        try:
            minutes = round(float(typed.replace(",", ".")) * 60)
        except ValueError:
            duration = parse_duration(typed)
            if duration is None:
                raise Invalid(
                    N_("Please send the hours as a number, e.g. 2.5, or a duration like 2h30.")
                ) from None
            minutes = int(duration.total_seconds() // 60)
        if not 0 <= minutes <= MAX_HOURS * 60:
            raise Invalid(N_("Please send from 0 to {maximum} hours."), maximum=MAX_HOURS)
        return minutes

    def show(self, ctx: Ctx, value: Any) -> str:
        return hours_text(ctx.lang, int(value))


HOURS = HoursField(
    name="minutes", prompt=N_("How many hours? e.g. 2.5 or 2h30."), label=N_("Hours")
)


def _submit_correct(ctx: Ctx, data: dict[str, Any]) -> None:
    signup = _signup(ctx, int(data["signup_id"]))
    if signup is None:
        return
    hours_ops.correct(ctx.session, signup.id, int(data["minutes"]), now=ctx.now)
    show_shift(ctx, signup.shift, note=ctx._("Hours corrected."))


CORRECT = router.form(
    engine.Form(
        name="vs.correct", title=N_("Correct the hours"), fields=(HOURS,), on_submit=_submit_correct
    )
)


def _submit_makeup(ctx: Ctx, data: dict[str, Any]) -> None:
    signup = _signup(ctx, int(data["signup_id"]))
    if signup is None:
        return
    hours_ops.add_makeup(ctx.session, signup.id, int(data["minutes"]), data["reason"], now=ctx.now)
    show_shift(ctx, signup.shift, note=ctx._("Make-up hours added and confirmed."))


MAKEUP = router.form(
    engine.Form(
        name="vs.makeup",
        title=N_("Make-up hours"),
        fields=(
            HOURS,
            TextField(
                name="reason",
                prompt=N_("Why are they added by hand? e.g. forgot to check in."),
                label=N_("Reason"),
                max_length=300,
            ),
        ),
        on_submit=_submit_makeup,
    )
)


@router.button(CorrectHours, role=COORDINATOR, private_only=True)
def _correct(ctx: Ctx, payload: CorrectHours) -> None:
    signup = _signup(ctx, payload.signup)
    if signup is not None:
        engine.start(ctx, CORRECT, initial={"signup_id": signup.id})


@router.button(MakeupHours, role=COORDINATOR, private_only=True)
def _makeup(ctx: Ctx, payload: MakeupHours) -> None:
    signup = _signup(ctx, payload.signup)
    if signup is not None:
        engine.start(ctx, MAKEUP, initial={"signup_id": signup.id})
