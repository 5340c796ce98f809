"""What the mediators' room and the reporters are told about a case, through the outbox:
notes to the room, a status change or an update to the reporters, the admins' escalation.

Privacy: everything here is built from ``card_params`` and the case's own text; only messages
to the reporter's own private chat name them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db import disputes as dp
from db import outbox
from db.dispute_models import DisputeCase, DisputeStatus
from db.models import User
from db.outbox_params import Params
from db.teams import MEDIATORS, notify_team, users_with_role
from db.users import users_by_id
from handlers.buttons.disputes import OpenCase
from handlers.disputes.common import CATEGORY_LABELS, REASON_LABELS, router
from handlers.i18n import N_, Language, for_reader
from handlers.types import Button, Community, Reply

ROOM_NOTES = {
    "answer": N_("{ref}: the reporter answered your question “{question}”: {text}"),
    "side": N_("{ref}: the other side gave their view: {text}"),
    "party_opened": N_("{ref}: the other side opened the invitation."),
    "meeting_yes": N_("{ref}: the reporter can come to the meeting."),
    "meeting_other": N_("{ref}: the reporter asks for another meeting time."),
    "party_meeting_yes": N_("{ref}: the other side can come to the meeting."),
    "party_meeting_other": N_("{ref}: the other side asks for another meeting time."),
    "linked": N_("{ref}: another neighbour reported the same problem (reports so far: {count})."),
    "reopened": N_("{ref} was reopened: the reporter says the problem is not solved."),
    "new": N_("{ref}: a new dispute report. Send /cases to see it."),
}


class RoomNote(Params, template="dp.room"):
    """A short note to the mediators' room (or a mediator): ``what`` names the note."""

    what: str  # a key of ROOM_NOTES
    ref: str
    question: str | None = None
    text: str | None = None
    count: int | None = None
    open: int | None = None  # a private note to one mediator: the case a button opens


class ReporterNote(Params):
    """A message to one reporter about their own report (each with their own reference)."""

    ref: str
    case: int


class StatusNews(ReporterNote, template="dp.status"):
    """Their report's status changed (``reopened`` too); the outcome or the reason."""

    status: str
    outcome: str | None = None
    reason: str | None = None


class MediatorsUpdate(ReporterNote, template="dp.update"):
    """The mediators' update to the reporter."""

    text: str


@router.template(RoomNote)
def render_room_note(lang: Language, params: RoomNote) -> Reply:
    text = lang.gettext(ROOM_NOTES[params.what]).format(
        ref=params.ref, question=params.question, text=params.text, count=params.count
    )
    if params.open:  # a private note to one mediator: the case is a press away
        label = lang.gettext("🔎 Open {ref}").format(ref=params.ref)
        return Reply(text, ((Button(label, OpenCase(params.open).pack()),),))
    return Reply(text)


def tell_room(
    session: Session,
    community: Community,
    what: str,
    now: datetime,
    *,
    case: DisputeCase | None = None,
    told: User | None = None,
    **params: Any,
) -> None:
    """A short note to the mediators' room (a new message, not the card). Without a room it
    goes privately to the case's mediator, or to every mediator if nobody holds it (or the one
    who held it is no longer a mediator); ``told``: a mediator who already had it privately."""
    note = RoomNote(what=what, **params)
    if notify_team(session, MEDIATORS, community.team_chats, params=note, now=now):
        return
    mediators = users_with_role(session, "mediator")
    allowed = {user.id for user in mediators} | {
        user.id for user in users_with_role(session, "admin")
    }
    holder = session.get(User, case.mediator_id) if case and case.mediator_id else None
    if holder is not None and holder.id not in allowed:
        holder = None
    for mediator in [holder] if holder else mediators:
        if told is not None and mediator.id == told.id:
            continue
        outbox.enqueue_to_user(session, mediator, params=note, now=now)


def tell_reporters(
    session: Session,
    root: DisputeCase,
    kind: type[ReporterNote],
    *,
    now: datetime,
    params: dict[str, Any] | None = None,
    dedup: str | None = None,
    skip: User | None = None,
    linked: dict[str, Any] | None = None,
) -> int:
    """Queue a ``kind`` message to the case's reporter, each with their own reference, except
    ``skip`` (who was just answered directly). Returns how many.

    The reporters of reports a mediator linked to the case are told only when ``linked`` is
    given (a status change), with ``linked`` overriding ``params``: they learn "in progress" or
    "resolved", never the free-text updates, the outcome, meetings or that others reported."""
    told = 0
    cases = dp.family(session, root) if linked is not None else [root]
    reporters = users_by_id(session, (case.reporter_id for case in cases if case.reporter_id))
    for case in cases:
        reporter = reporters.get(case.reporter_id) if case.reporter_id else None
        if reporter is None or reporter is skip:
            continue
        told += outbox.enqueue_to_user(
            session,
            reporter,
            params=kind(
                ref=case.ref,
                case=case.id,
                **{
                    **(params or {}),
                    **(linked if case.id != root.id and linked is not None else {}),
                },
            ),
            now=now,
            dedup_key=f"{dedup}:c{case.id}" if dedup else None,
        )
    return told


STATUS_NEWS = {
    DisputeStatus.ACKNOWLEDGED: N_(
        "Your report {ref} was received (acknowledged) by the community's mediators. "
        "They will keep you informed here."
    ),
    DisputeStatus.IN_PROGRESS: N_("A mediator is now working on your report {ref}."),
    "reopened": N_("Your report {ref} was reopened. A mediator will look at it again."),
}


@router.template(StatusNews)
def render_status(lang: Language, params: StatusNews) -> Reply:
    status = params.status
    if status == DisputeStatus.RESOLVED and params.outcome:
        text = lang.gettext("Your report {ref} was resolved. Outcome: {outcome}").format(
            ref=params.ref, outcome=params.outcome
        )
    elif status == DisputeStatus.RESOLVED:
        text = lang.gettext("Your report {ref} was resolved.").format(ref=params.ref)
    elif status == DisputeStatus.CLOSED:
        reason = lang.gettext(REASON_LABELS.get(params.reason or "", REASON_LABELS["other"]))
        text = lang.gettext("Your report {ref} was closed. Reason: {reason}").format(
            ref=params.ref, reason=reason
        )
    else:
        text = lang.gettext(STATUS_NEWS[status]).format(ref=params.ref)
    return Reply(text)


@router.template(MediatorsUpdate)
def render_update(lang: Language, params: MediatorsUpdate) -> Reply:
    return Reply(
        lang.gettext("Update on your report {ref} from the mediators: {text}").format(
            ref=params.ref, text=for_reader(lang.code, params.text)
        )
    )


class Escalated(Params, template="dp.escalated"):
    """To the admins: a report nobody acknowledged since ``since``."""

    ref: str
    category: str
    since: datetime


@router.template(Escalated)
def render_escalated(lang: Language, params: Escalated) -> Reply:
    return Reply(
        lang.gettext(
            "Dispute report {ref} ({category}) has not been acknowledged since {since}. "
            "Please make sure a mediator takes it."
        ).format(
            ref=params.ref,
            category=lang.gettext(CATEGORY_LABELS.get(params.category, CATEGORY_LABELS["other"])),
            since=lang.datetime(params.since),
        )
    )
