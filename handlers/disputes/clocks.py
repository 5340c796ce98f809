"""The dispute clocks: a report nobody acknowledged in time is escalated to the admins (once);
some days after a case is resolved its reporters are asked whether the problem is solved, and
*No* reopens it and tells the mediators."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from db import dispute_clocks as dp_clocks
from db import disputes as dp
from db.dispute_models import DisputeCase, DisputeStatus, FollowupStatus
from db.teams import notify_admins
from handlers.buttons.disputes import AnswerFollowUp
from handlers.disputes.card import post_card
from handlers.disputes.common import log_by, router
from handlers.disputes.messages import (
    Escalated,
    ReporterNote,
    StatusNews,
    tell_reporters,
    tell_room,
)
from handlers.i18n import N_, Language
from handlers.types import Button, Community, Ctx, Reply

log = logging.getLogger(__name__)


@router.sweep("dp.escalate")
def escalate(session: Session, community: Community, now: datetime) -> None:
    """Tell every admin about each case still new after ``dispute_ack_within``, once."""
    for case in dp_clocks.unacknowledged_since(session, now - community.dispute_ack_within):
        if not dp_clocks.mark_escalated(session, case, now).done:
            continue
        notify_admins(
            session,
            params=Escalated(ref=case.ref, category=case.category, since=case.created_at),
            now=now,
            dedup_key=f"dp:{case.id}:escalated",
        )
        dp.log_event(session, case, now=now, kind="escalated", audience=dp.INTERNAL)
        log.info("dispute case %d escalated to admins", case.id)


@router.sweep("dp.followup")
def follow_up(session: Session, community: Community, now: datetime) -> None:
    """Ask the reporters of each case resolved ``dispute_followup_after`` ago, once; each
    reporter of a linked report is asked too, and answers for their own report."""
    for case in dp_clocks.resolved_before(session, now - community.dispute_followup_after):
        if not dp_clocks.set_followup(session, case, expected=None, to=FollowupStatus.ASKED).done:
            continue
        dp_clocks.ask_linked_followups(session, case)
        stamp = int(case.resolved_at.timestamp()) if case.resolved_at else 0
        tell_reporters(
            session,
            case,
            FollowUp,
            now=now,
            dedup=f"dp:{case.id}:followup:{stamp}",
            linked={},
        )
        log.info("dispute case %d: follow-up question sent", case.id)


FOLLOWUP_QUESTION = N_("Your report {ref} was resolved some days ago. Is the problem solved?")


class FollowUp(ReporterNote, template="dp.followup"):
    """Some days after it was resolved: is the problem solved?"""


@router.template(FollowUp)
def render_followup(lang: Language, params: FollowUp) -> Reply:
    case = params.case
    return Reply(
        lang.gettext(FOLLOWUP_QUESTION).format(ref=params.ref),
        (
            (
                Button(lang.gettext("👍 Yes, solved"), AnswerFollowUp(case, solved=True).pack()),
                Button(
                    lang.gettext("👎 No, not solved"), AnswerFollowUp(case, solved=False).pack()
                ),
            ),
        ),
    )


def _answered(ctx: Ctx, case: DisputeCase, said: str) -> None:
    """The question, in place of the message it was on, with what became of the answer under
    it and no buttons left."""
    question = ctx._(FOLLOWUP_QUESTION).format(ref=case.ref)
    ctx.reply(f"{question}\n{said}", edit=True)


def _already_news(ctx: Ctx, case: DisputeCase) -> None:
    """The follow-up was answered already, or the case moved on since it was asked: the
    question with the answer it has (a second press changes nothing)."""
    ctx.session.refresh(case)  # as the press that got there first left it
    if case.followup == FollowupStatus.YES:
        said = ctx._("You said the problem is solved. Thank you!")
    elif case.followup == FollowupStatus.NO:
        said = ctx._("You said the problem is not solved; the mediators were told.")
    else:
        said = ctx._("Thank you. There is already news about your report {ref}.").format(
            ref=case.ref
        )
    _answered(ctx, case, said)


def _log_answer(ctx: Ctx, root: DisputeCase, case: DisputeCase, kind: str) -> None:
    """The reporter's answer in the case's history (naming their report when it is linked)."""
    log_by(
        ctx, root, kind, role="reporter", named=False, text=case.ref if case.id != root.id else None
    )


@router.button(AnswerFollowUp)
def followup_answer(ctx: Ctx, payload: AnswerFollowUp) -> None:
    """A reporter's answer for their own report: Yes is noted; No (from any reporter of the
    case, linked reports included) reopens the case and tells the mediators."""
    answer = "y" if payload.solved else "n"
    case = ctx.session.get(DisputeCase, payload.case)
    if case is None or case.reporter_id != ctx.user.id:
        ctx.reply(ctx._("That question is not for you, or it no longer exists."))
        return
    root = dp.root_of(ctx.session, case)
    if root.status != DisputeStatus.RESOLVED or case.followup != FollowupStatus.ASKED:
        _already_news(ctx, case)
        return
    if answer == "y":
        if not dp_clocks.set_followup(
            ctx.session, case, expected=FollowupStatus.ASKED, to=FollowupStatus.YES
        ).done:
            _already_news(ctx, case)
            return
        _log_answer(ctx, root, case, "followup_yes")
        post_card(ctx.session, ctx.community, root, ctx.now)
        _answered(ctx, case, ctx._("Thank you! We are glad the problem is solved."))
        return
    if case.id != root.id:
        dp_clocks.set_followup(
            ctx.session, case, expected=FollowupStatus.ASKED, to=FollowupStatus.NO
        )
    if not dp.transition(
        ctx.session,
        root,
        allowed_from=(DisputeStatus.RESOLVED,),
        to=DisputeStatus.IN_PROGRESS,
        now=ctx.now,
        **({"followup": FollowupStatus.NO} if case.id == root.id else {}),
    ).done:
        _already_news(ctx, case)
        return
    _log_answer(ctx, root, case, "followup_no")
    dp.log_event(ctx.session, root, now=ctx.now, kind="reopened", audience=dp.FOR_REPORTER)
    tell_reporters(
        ctx.session,
        root,
        StatusNews,
        now=ctx.now,
        params={"status": "reopened"},
        skip=ctx.user,
        linked={},
    )
    tell_room(ctx.session, ctx.community, "reopened", ctx.now, case=root, ref=root.ref)
    post_card(ctx.session, ctx.community, root, ctx.now)
    _answered(
        ctx,
        case,
        ctx._(
            "Thank you for telling us. Your report {ref} was reopened and the mediators were told."
        ).format(ref=case.ref),
    )
