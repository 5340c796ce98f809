"""The author's buttons on a notice's card — Cancel, Edit (a correction) — and the admins'
Send it for a held notice. Every press is checked again: the notice exists, the person may."""

from __future__ import annotations

from typing import Any

from db.models import Role
from db.notices import operations as ops
from db.notices import states
from db.notices.models import Notice, NoticeStatus
from handlers.buttons.notices import CancelNotice, CorrectNotice, ReleaseNotice
from handlers.forms import engine
from handlers.forms.fields import Invalid
from handlers.i18n import N_
from handlers.notices.common import MAX_CORRECTIONS, may_manage, router, when_due
from handlers.notices.compose import check_texts, text_fields
from handlers.notices.progress import report, show_progress
from handlers.types import Ctx

LIVE = (NoticeStatus.SCHEDULED, NoticeStatus.SENDING, NoticeStatus.HELD)
CANNOT_CHANGE = N_("Sorry, you cannot change this notice.")


def _notice(ctx: Ctx, notice_id: int | None):
    """The notice, locked, if this person may change it: its author or an admin (who may
    press which button is declared on its registration)."""
    notice = ops.lock(ctx.session, notice_id) if notice_id else None
    if notice is None or not may_manage(ctx, notice):
        ctx.reply(ctx._(CANNOT_CHANGE))
        return None
    return notice


@router.button(CancelNotice, role=Role.ANNOUNCER)
def _cancel(ctx: Ctx, payload: CancelNotice) -> None:
    notice = _notice(ctx, payload.notice)
    if notice is None:
        return
    if notice.status not in LIVE:
        ctx.reply(ctx._("Notice #{id} has already finished.").format(id=notice.id))
        return
    dropped = states.cancel(ctx.session, notice, now=ctx.now)
    ctx.reply(
        ctx.lang.ngettext(
            "Notice #{id} is cancelled; {count} copy not yet sent will not go out.",
            "Notice #{id} is cancelled; {count} copies not yet sent will not go out.",
            dropped,
        ).format(id=notice.id, count=ctx.lang.number(dropped))
    )
    show_progress(ctx.session, notice, now=ctx.now)
    if notice.started_at is not None:
        report(ctx.session, notice, now=ctx.now)


@router.button(ReleaseNotice, role=Role.ADMIN)
def _release(ctx: Ctx, payload: ReleaseNotice) -> None:
    """An admin sends a held notice as their own."""
    notice = _notice(ctx, payload.notice)
    if notice is None:
        return
    if notice.status != NoticeStatus.HELD:
        ctx.reply(ctx._("Notice #{id} is not held.").format(id=notice.id))
        return
    states.release(
        ctx.session,
        notice,
        ctx.user,
        due_at=when_due(ctx.community, notice, max(ctx.now, notice.due_at)),
    )
    ctx.reply(ctx._("Notice #{id} will go out as yours.").format(id=notice.id))
    show_progress(ctx.session, notice, now=ctx.now)


def _corrections_left(ctx: Ctx, notice: Notice) -> bool:
    """Each correction reaches every reader again, so a notice has a few at most."""
    if notice.version - 1 < MAX_CORRECTIONS:
        return True
    ctx.reply(
        ctx.lang.ngettext(
            "Notice #{id} has already been corrected {count} time, which is the most allowed: "
            "readers are not sent more corrections. If it is still wrong, please write a "
            "new notice.",
            "Notice #{id} has already been corrected {count} times, which is the most allowed: "
            "readers are not sent more corrections. If it is still wrong, please write a "
            "new notice.",
            MAX_CORRECTIONS,
        ).format(id=notice.id, count=ctx.lang.number(MAX_CORRECTIONS))
    )
    return False


@router.button(CorrectNotice, role=Role.ANNOUNCER)
def _edit(ctx: Ctx, payload: CorrectNotice) -> None:
    notice = _notice(ctx, payload.notice)
    if notice is None or not _corrections_left(ctx, notice):
        return
    if notice.status == NoticeStatus.CANCELLED and notice.started_at is None:
        ctx.reply(ctx._("Notice #{id} was cancelled before it went out.").format(id=notice.id))
        return
    engine.start(
        ctx,
        FIX_FORM,
        initial={"notice_id": notice.id},
    )


def _fix(ctx: Ctx, data: dict[str, Any]) -> None:
    """Keep the new text: unsent copies carry it; readers who had it get the correction."""
    notice_id = data.get("notice_id")
    notice = _notice(ctx, notice_id if isinstance(notice_id, int) else None)
    if notice is None or not _corrections_left(ctx, notice):
        return
    check_texts(data, notice.attachment)
    if data.get("text_zh") == notice.text_zh and data.get("text_en") == notice.text_en:
        raise Invalid(N_("The text is the same as before. Please change it, or Cancel."))
    ops.correct(ctx.session, notice, text_zh=data.get("text_zh"), text_en=data.get("text_en"))
    ctx.reply(
        ctx._(
            "The correction of notice #{id} is saved. Readers who already had it will see it "
            "corrected (edited where their app allows, otherwise a short note)."
        ).format(id=notice.id)
    )
    show_progress(ctx.session, notice, now=ctx.now)


FIX_FORM = router.form(
    engine.Form(
        name="notice_fix",
        title=N_("Correct a notice"),
        fields=text_fields(),
        on_submit=_fix,
        confirm_label=N_("✅ Send the correction"),
    )
)
