"""What happens around the end of a case: the pending meeting (kept, or cancelled with everyone
told), the other side told the outcome, and the other side's own list in ``/mycases``.

Privacy: the other side only ever sees what the mediator wrote for them (the invitation's
neutral summary, updates, the outcome), the case's status and the meetings they were invited
to — never the reporter's identity or report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from db import dispute_parties as dp_parties
from db import disputes as dp
from db import outbox
from db.dispute_models import (
    DisputeCase,
    DisputeMeeting,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeStatus,
    MeetingStatus,
)
from db.outbox_params import Params
from db.users import users_by_id
from handlers.disputes.common import REASON_LABELS, STATUS_LABELS, router
from handlers.i18n import N_, Language
from handlers.types import Ctx, Reply

KEEP = "keep"
CANCEL = "cancel"


class MeetingOff(Params, template="dp.meeting_off"):
    """The meeting is cancelled (the case ended)."""

    ref: str
    when: datetime


class PartyStatus(Params, template="dp.party_status"):
    """The other side learns the case was resolved (with the outcome) or closed."""

    ref: str
    status: str
    outcome: str | None = None


def pending_meeting(ctx: Ctx, root: DisputeCase) -> DisputeMeeting | None:
    """The case's meeting that is still to come (proposed or agreed), if any."""
    meeting = dp_parties.current_meeting(ctx.session, root)
    if meeting is None or meeting.status == MeetingStatus.CANCELLED or meeting.starts_at <= ctx.now:
        return None
    return meeting


def settle_meeting(ctx: Ctx, root: DisputeCase, choice: str) -> None:
    """At the end of a case: keep the meeting (its reminders stay), or cancel it — its
    reminders are dropped and everyone invited is told."""
    meeting = dp_parties.current_meeting(ctx.session, root)
    if meeting is None or meeting.status == MeetingStatus.CANCELLED:
        return
    if choice == KEEP and meeting.starts_at > ctx.now:
        return
    future = meeting.starts_at > ctx.now
    dp_parties.cancel_meeting(ctx.session, meeting)
    if not future:
        return
    invited = [a.user_id for a in dp_parties.meeting_answers(ctx.session, meeting)]
    for user in users_by_id(ctx.session, invited).values():
        outbox.enqueue_to_user(
            ctx.session,
            user,
            params=MeetingOff(ref=root.ref, when=meeting.starts_at),
            now=ctx.now,
            dedup_key=f"dp:off{meeting.id}:u{user.id}",
        )


@router.template(MeetingOff)
def render_meeting_off(lang: Language, params: MeetingOff) -> Reply:
    return Reply(
        lang.gettext("The mediation meeting about {ref} on {when} is cancelled.").format(
            ref=params.ref, when=lang.datetime(params.when)
        )
    )


def tell_other_side(ctx: Ctx, root: DisputeCase, status: str) -> int:
    """The other side (who opened an invitation) learns the case was resolved or closed."""
    rows = [p.user_id for p in dp_parties.parties(ctx.session, root) if p.user_id]
    told = 0
    for user in users_by_id(ctx.session, rows).values():
        told += outbox.enqueue_to_user(
            ctx.session,
            user,
            params=PartyStatus(ref=root.ref, status=status, outcome=root.outcome),
            now=ctx.now,
            dedup_key=f"dp:c{root.id}:party{user.id}:{status}:{ctx.now.isoformat()}",
        )
    return told


@router.template(PartyStatus)
def render_party_status(lang: Language, params: PartyStatus) -> Reply:
    if params.status == DisputeStatus.RESOLVED and params.outcome:
        text = lang.gettext(
            "The mediators have concluded the matter {ref}. Outcome: {outcome}"
        ).format(ref=params.ref, outcome=params.outcome)
    elif params.status == DisputeStatus.RESOLVED:
        text = lang.gettext("The mediators have concluded the matter {ref}.").format(ref=params.ref)
    else:
        text = lang.gettext("The mediators have closed the matter {ref}.").format(ref=params.ref)
    return Reply(text)


# ---------------------------------------------------------------------------- /mycases


def invited_to(ctx: Ctx) -> list[tuple[DisputeParty, DisputeCase]]:
    """The matters this person was invited to as the other side, newest first."""
    rows = ctx.session.execute(
        select(DisputeParty, DisputeCase)
        .join(DisputeCase, DisputeCase.id == DisputeParty.case_id)
        .where(DisputeParty.user_id == ctx.user.id)
        .order_by(DisputeParty.id.desc())
        .limit(5)
    )
    return [(party, case) for party, case in rows]


def _meeting_line(ctx: Ctx, case: DisputeCase) -> str | None:
    meeting = ctx.session.scalar(
        select(DisputeMeeting)
        .join(DisputeMeetingAnswer, DisputeMeetingAnswer.meeting_id == DisputeMeeting.id)
        .where(
            DisputeMeeting.case_id == case.id,
            DisputeMeeting.status.in_((MeetingStatus.PROPOSED, MeetingStatus.AGREED)),
            DisputeMeetingAnswer.user_id == ctx.user.id,
        )
        .order_by(DisputeMeeting.id.desc())
        .limit(1)
    )
    if meeting is None or meeting.starts_at <= ctx.now:
        return None
    return ctx._("Meeting: {when}, {place}").format(
        when=ctx.lang.datetime(meeting.starts_at), place=meeting.place
    )


#: The heading of the other side's part of ``/mycases``.
INVITED = N_("Matters the mediators invited you to:")


def other_side_blocks(ctx: Ctx) -> list[str]:
    """Each matter as the other side may see it: the summary written for them, the status,
    the meeting they are invited to, the outcome when it is over."""
    blocks = []
    for party, case in invited_to(ctx):
        root = dp.root_of(ctx.session, case)
        lines = [
            ctx._("{ref} · {status}").format(
                ref=case.ref, status=ctx._(STATUS_LABELS.get(root.status, root.status))
            ),
            "  " + party.summary,
        ]
        meeting = _meeting_line(ctx, root)
        if meeting:
            lines.append("  " + meeting)
        if root.status == DisputeStatus.RESOLVED and root.outcome:
            lines.append("  " + ctx._("Outcome: {outcome}").format(outcome=root.outcome))
        if root.status == DisputeStatus.CLOSED and root.close_reason:
            reason = REASON_LABELS.get(root.close_reason, REASON_LABELS["other"])
            lines.append("  " + ctx._("Closed because: {reason}").format(reason=ctx._(reason)))
        blocks.append("\n".join(lines))
    return blocks
