"""The author's side: one card per notice, edited in place as it goes out ("sent 1,200 of
3,400 · 2 unreachable"), a report at the end, and the admins' message about a held notice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db import notice_states as states
from db import notices as ops
from db import outbox
from db.models import User
from db.notice_models import Notice, NoticeStatus
from db.outbox_params import Params
from handlers.buttons.notices import CancelNotice, CorrectNotice, ReleaseNotice
from handlers.i18n import Language
from handlers.notices.common import MAX_CORRECTIONS, router, text_for, topic_label
from handlers.types import Button, Reply, keyboard

#: How many characters of the notice the author's card shows.
SNIPPET = 80


class NoticeProgress(Params, template="nt.progress"):
    """The author's card: the notice's state and how far it got."""

    id: int
    status: str
    zh: str | None = None
    en: str | None = None
    topic: str
    due: datetime
    total: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    version: int = 1


class NoticeReport(Params, template="nt.report"):
    """The end: delivered, unreachable, failed with why (counts only, never who)."""

    id: int
    status: str
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    reasons: tuple[tuple[str, int], ...] = ()
    total: int = 0


class NoticeHeld(Params, template="nt.held"):
    """To the admins: a scheduled notice whose author lost the role."""

    id: int
    zh: str | None = None
    en: str | None = None


def progress_key(notice_id: int) -> str:
    return f"ntp:{notice_id}"


def shown_key(notice: Notice, state: ops.Progress) -> str:
    """What the card shows, to tell whether it needs an update."""
    return f"{notice.status}:{notice.version}:{state.key}"


def show_progress(session: Session, notice: Notice, *, now: datetime) -> None:
    """Queue the author's card as it is now (an older unsent state of it is dropped). It is
    due as early as the notice's first copy, so it overtakes the notice's own queue."""
    author = session.get(User, notice.author_id) if notice.author_id else None
    if author is None:
        return
    state = ops.progress(session, notice.id)
    states.mark_progress_shown(session, notice, shown_key(notice, state))
    outbox.drop_pending_card(session, progress_key(notice.id))
    outbox.enqueue_to_user(
        session,
        author,
        params=NoticeProgress(
            id=notice.id,
            status=notice.status,
            zh=(notice.text_zh or "")[:SNIPPET],
            en=(notice.text_en or "")[:SNIPPET],
            topic=notice.topic,
            due=notice.due_at,
            total=notice.total,
            sent=state.delivered,
            unreachable=state.unreachable,
            failed=state.failed,
            version=notice.version,
        ),
        now=now,
        due_at=(notice.started_at or now) - timedelta(seconds=1),
        card_key=progress_key(notice.id),
    )


def report(session: Session, notice: Notice, *, now: datetime) -> None:
    """The end: delivered, unreachable, failed with why (counts only, never who)."""
    author = session.get(User, notice.author_id) if notice.author_id else None
    if author is None:
        return
    state = ops.progress(session, notice.id)
    outbox.enqueue_to_user(
        session,
        author,
        params=NoticeReport(
            id=notice.id,
            status=notice.status,
            sent=state.delivered,
            unreachable=state.unreachable,
            failed=state.failed,
            reasons=tuple((reason[:120], count) for reason, count in state.reasons),
            total=notice.total,
        ),
        now=now,
        dedup_key=f"ntr:{notice.id}",
    )


def _snippet(lang: Language, params: NoticeProgress | NoticeHeld) -> str:
    text, _ = text_for(lang, params.zh, params.en)
    return text.replace("\n", " ")[:SNIPPET]


@router.template(NoticeProgress)
def progress_card(lang: Language, params: NoticeProgress) -> Reply:
    status = params.status
    n = lang.number
    head = lang.gettext("📢 Notice #{id} · {topic}").format(
        id=params.id, topic=topic_label(lang, params.topic)
    )
    # Translators: quotation marks around the notice's text (繁體 reads 「…」)
    lines = [head, lang.gettext("“{text}”").format(text=_snippet(lang, params))]
    if status == NoticeStatus.SCHEDULED:
        lines.append(lang.gettext("Scheduled for {when}.").format(when=lang.datetime(params.due)))
    elif status == NoticeStatus.HELD:
        lines.append(
            lang.gettext(
                "On hold: its author can no longer send notices. An admin can send or cancel it."
            )
        )
    else:
        lines.append(
            lang.gettext("Sent {sent} of {total} · {unreachable} unreachable").format(
                sent=n(params.sent),
                total=n(params.total),
                unreachable=n(params.unreachable),
            )
        )
        if params.failed:
            lines.append(lang.gettext("{failed} failed").format(failed=n(params.failed)))
        if status == NoticeStatus.SENT:
            lines.append(lang.gettext("✅ Finished."))
        elif status == NoticeStatus.CANCELLED:
            lines.append(lang.gettext("Cancelled: the copies not yet sent will not go out."))
    if params.version > 1:
        lines.append(lang.gettext("✏️ Corrected"))
    buttons = []
    if status in (NoticeStatus.SCHEDULED, NoticeStatus.SENDING, NoticeStatus.HELD):
        buttons.append(Button(lang.gettext("🛑 Cancel"), CancelNotice(params.id).pack()))
    fixes_left = params.version - 1 < MAX_CORRECTIONS
    if fixes_left and (status != NoticeStatus.CANCELLED or params.sent):
        buttons.append(Button(lang.gettext("✏️ Edit"), CorrectNotice(params.id).pack()))
    return Reply("\n".join(lines), keyboard(tuple(buttons)) if buttons else ())


@router.template(NoticeReport)
def report_message(lang: Language, params: NoticeReport) -> Reply:
    n = lang.number
    if params.status == NoticeStatus.CANCELLED:
        head = lang.gettext("Notice #{id} was cancelled. Report:").format(id=params.id)
    else:
        head = lang.gettext("Notice #{id} has gone out. Report:").format(id=params.id)
    lines = [
        head,
        lang.gettext("• delivered: {count}").format(count=n(params.sent)),
        lang.gettext("• unreachable (they blocked the bot or left): {count}").format(
            count=n(params.unreachable)
        ),
        lang.gettext("• failed: {count}").format(count=n(params.failed)),
    ]
    lines += [f"   {n(count)} × {reason}" for reason, count in params.reasons]
    return Reply("\n".join(lines))


@router.template(NoticeHeld)
def held_message(lang: Language, params: NoticeHeld) -> Reply:
    """To admins: a scheduled notice whose author lost the role."""
    return Reply(
        lang.gettext(
            "Notice #{id} was due, but its author can no longer send notices, so it is held. "
            "Send it anyway (as yours), or cancel it:"
        ).format(id=params.id)
        + f"\n“{_snippet(lang, params)}”",
        keyboard(
            (
                Button(lang.gettext("📢 Send it"), ReleaseNotice(params.id).pack()),
                Button(lang.gettext("🛑 Cancel"), CancelNotice(params.id).pack()),
            )
        ),
    )
