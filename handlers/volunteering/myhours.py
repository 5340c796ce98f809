"""``/myhours``: confirmed hours this month, this year and in all, and each shift; the
certificate as a PDF (the name for it is asked once and kept only for certificates)."""

from __future__ import annotations

from typing import Any

from db import shift_records as records
from handlers.buttons.volunteering import GetCertificate, ListOpportunities, MyHours
from handlers.forms import engine
from handlers.forms.fields import TextField
from handlers.i18n import N_
from handlers.types import Attachment, Button, Ctx, keyboard, pressed
from handlers.volunteering import certificate
from handlers.volunteering.common import hours_text, role_name, router, title


@router.command("myhours", description=N_("My volunteer hours"))
def my_hours(ctx: Ctx, args: str) -> None:
    """The totals and the shifts, with the certificate button."""
    lines = records.confirmed_lines(ctx.session, ctx.user.id)
    if not lines:
        ctx.reply(
            ctx._(
                "You have no confirmed volunteer hours yet. After a shift, the coordinator "
                "confirms the hours and they appear here."
            ),
            keyboard(Button(ctx._("🤝 Volunteer opportunities"), ListOpportunities().pack())),
            edit=pressed(ctx),
        )
        return
    local = ctx.now.astimezone(ctx.community.timezone)
    month = year = total = 0
    rows = []
    for signup, shift, opportunity in lines:
        minutes = signup.minutes or 0
        day = shift.starts_at.astimezone(ctx.community.timezone)
        total += minutes
        year += minutes if day.year == local.year else 0
        month += minutes if (day.year, day.month) == (local.year, local.month) else 0
        mark = ctx._(" (make-up)") if signup.makeup_reason else ""
        rows.append(
            f"• {ctx.lang.date(shift.starts_at)} {title(ctx.lang, opportunity)} — "
            f"{role_name(ctx.lang, signup.role)} — {hours_text(ctx.lang, minutes)}{mark}"
        )
    text = "\n".join(
        [
            ctx._("Your confirmed volunteer hours:"),
            ctx._("This month: {month}").format(month=hours_text(ctx.lang, month)),
            ctx._("This year: {year}").format(year=hours_text(ctx.lang, year)),
            ctx._("In all: {total}").format(total=hours_text(ctx.lang, total)),
            "",
            *rows[-30:],
        ]
    )
    ctx.reply(
        text,
        keyboard(Button(ctx._("📄 Certificate (PDF)"), GetCertificate().pack())),
        edit=pressed(ctx),
    )


@router.button(MyHours)
def _hours(ctx: Ctx, payload: MyHours) -> None:
    my_hours(ctx, "")


def send_certificate(ctx: Ctx, name: str) -> None:
    """Issue a certificate of the confirmed hours now and send it as a PDF."""
    issued = records.issue(ctx.session, ctx.user, name, now=ctx.now)
    if issued is None:
        ctx.reply(
            ctx._("You have no confirmed volunteer hours yet, so there is nothing to certify.")
        )
        return
    lines = [
        certificate.ShiftLine(
            day=shift.starts_at,
            activity=f"{title(ctx.lang, opportunity)} · {role_name(ctx.lang, signup.role)}",
            minutes=signup.minutes or 0,
        )
        for signup, shift, opportunity in records.confirmed_lines(ctx.session, ctx.user.id)
    ]
    contents = certificate.contents(
        ctx.lang,
        name=name,
        issuer=ctx.community.certificate_issuer,
        number=issued.number,
        code=issued.code,
        issued_at=issued.issued_at,
        lines=lines,
        total_minutes=issued.minutes,
    )
    ctx.reply(
        ctx._(
            "📄 Your Volunteer Service Record {number}. Confirmed hours: {hours}. Anyone can "
            "check it with the code {code}."
        ).format(
            number=issued.number, hours=hours_text(ctx.lang, issued.minutes), code=issued.code
        ),
        attachment=Attachment(
            filename=f"{issued.number}.pdf",
            mime_type="application/pdf",
            make=lambda: certificate.pdf(contents),
        ),
    )


def _submit_name(ctx: Ctx, data: dict[str, Any]) -> None:
    records.set_certificate_name(ctx.session, ctx.user, data["name"], now=ctx.now)
    send_certificate(ctx, data["name"])


NAME = router.form(
    engine.Form(
        name="vs.name",
        title=N_("Your name for certificates"),
        fields=(
            TextField(
                name="name",
                prompt=N_(
                    "What name should the certificate show? (It is kept only for your "
                    "certificates; /deleteme erases it.)"
                ),
                label=N_("Name"),
                max_length=100,
            ),
        ),
        on_submit=_submit_name,
    )
)


@router.button(GetCertificate, private_only=True)
def _certificate(ctx: Ctx, payload: GetCertificate) -> None:
    name = records.certificate_name(ctx.session, ctx.user)
    if name is None:
        engine.start(ctx, NAME)
        return
    send_certificate(ctx, name)
