"""Sending: the notice as each reader sees it (their language, or the other with a line
saying so), and the sweep that moves notices along — a scheduled one becomes due (after the
quiet hours; held if its author lost the role), its readers are queued window by window, the
author's card follows, corrections reach those who had it, and the report comes at the end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db import notice_states as states
from db import notices as ops
from db.models import User
from db.notice_messages import NoticeCopy, NoticeFix, NoticeFixNote, NoticeText
from db.notice_models import Notice, NoticeStatus
from db.teams import notify_admins
from handlers.i18n import Language
from handlers.notices.common import (
    may_announce,
    router,
    skips_quiet_hours,
    text_for,
    topic_label,
)
from handlers.notices.progress import NoticeHeld, report, show_progress, shown_key
from handlers.quiet import in_quiet_hours, quiet_end
from handlers.types import Attachment, Community, Reply

#: Readers are queued this many at a time (one INSERT … SELECT each), ...
CHUNK = 400
#: ... when fewer than LOW copies are waiting, up to WINDOW. At Telegram's 30 messages/s the
#: window lasts about 25 s, more than the 10 s between sweeps, so the outbox never runs dry;
#: and other messages queued meanwhile wait at most that long behind the notice.
LOW, WINDOW = 400, 800


def _render(lang: Language, params: NoticeText, *, corrected: bool) -> Reply:
    head = "📢 " + topic_label(lang, params.topic)
    if params.urgent:
        head += " · " + lang.gettext("⚠️ Urgent")
    text, fallback = text_for(lang, params.zh, params.en)
    lines = [head]
    if corrected:
        lines.append(lang.gettext("✏️ Corrected"))
    lines += ["", text]
    if fallback:
        lines += ["", fallback]
    lines += ["", lang.gettext("Choose what you receive: /notices")]
    att = params.att
    attachment = None
    if att:
        attachment = Attachment(
            filename=att.name or "notice",
            file_id=att.file_id,
            is_photo=att.kind == "photo",
        )
    return Reply("\n".join(lines), attachment=attachment)


@router.template(NoticeCopy)
def notice_message(lang: Language, params: NoticeCopy) -> Reply:
    return _render(lang, params, corrected=params.v > 1)


@router.template(NoticeFix)
def corrected_notice(lang: Language, params: NoticeFix) -> Reply:
    """Edits the notice where it was shown (the outbox's card machinery)."""
    return _render(lang, params, corrected=True)


@router.template(NoticeFixNote)
def corrected_note(lang: Language, params: NoticeFixNote) -> Reply:
    """Where the notice cannot be edited (a photo's caption): a short note with the new text."""
    text, fallback = text_for(lang, params.zh, params.en)
    lines = [lang.gettext("✏️ A notice you received was corrected. It now reads:"), "", text]
    if fallback:
        lines += ["", fallback]
    return Reply("\n".join(lines))


def _start(session: Session, community: Community, notice: Notice, now: datetime) -> bool:
    """A scheduled notice whose time came: held, postponed by quiet hours, or started."""
    author = session.get(User, notice.author_id) if notice.author_id else None
    if not may_announce(author, community, notice.topic):
        states.hold(session, notice)
        notify_admins(
            session,
            params=NoticeHeld(id=notice.id, zh=notice.text_zh, en=notice.text_en),
            now=now,
            dedup_key=f"nth:{notice.id}:{notice.version}",
        )
        show_progress(session, notice, now=now)
        return False
    if not skips_quiet_hours(notice) and in_quiet_hours(community, now):
        states.schedule(session, notice, due_at=quiet_end(community, now))
        show_progress(session, notice, now=now)
        return False
    readers = ops.count_by_language(
        session, notice.topic, notice.building_ids, default_locale=community.default_locale
    )
    states.start(session, notice, now=now, total=readers.total)
    return True


def step(session: Session, community: Community, notice: Notice, now: datetime) -> None:
    """One sweep's work on one notice."""
    if notice.status == NoticeStatus.SCHEDULED and not _start(session, community, notice, now):
        return
    quiet = not skips_quiet_hours(notice) and in_quiet_hours(community, now)
    sending = notice.status == NoticeStatus.SENDING
    if sending and not notice.queued_all and not quiet:
        waiting = ops.in_flight(session, notice.id)
        if waiting < LOW:
            while waiting < WINDOW and not notice.queued_all:
                waiting += ops.queue_window(session, notice, now=now, chunk=CHUNK)
    queued = 0
    while not quiet and queued < WINDOW and notice.fixed_version < notice.version:
        queued += ops.queue_fixes(session, notice, now=now, chunk=CHUNK) or WINDOW
    if sending and notice.queued_all and ops.in_flight(session, notice.id) == 0:
        states.finish(session, notice, now=now)
        report(session, notice, now=now)
    shown = notice.status in (NoticeStatus.SENDING, NoticeStatus.SENT, NoticeStatus.CANCELLED)
    if shown and shown_key(notice, ops.progress(session, notice.id)) != notice.progress_shown:
        show_progress(session, notice, now=now)


@router.sweep("nt.send")
def send_notices(session: Session, community: Community, now: datetime) -> None:
    """Every notice that is due, being sent or being corrected, one step each."""
    for notice_id in ops.due_notices(session, now=now):
        notice = ops.lock(session, notice_id)
        if notice is not None:
            step(session, community, notice, now)
