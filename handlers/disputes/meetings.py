"""Mediation meetings: a mediator proposes a time and place to the reporter and the other side
(``dp.meeting``); each person invited confirms or asks for another time; those who confirm are
reminded through the outbox (``dp.reminder``; a new proposal drops the old one's reminders). At
the end of a case the meeting is kept or called off (``handlers.disputes.outcome``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db import dispute_parties as dp_parties
from db import disputes as dp
from db import outbox
from db.dispute_models import DisputeCase, DisputeMeeting, MeetingAnswer, MeetingStatus
from db.models import User
from db.outbox_params import Params
from handlers.buttons.disputes import AnswerMeeting, ProposeMeeting
from handlers.disputes.card import post_card
from handlers.disputes.casework import case_for_form, start_case_form
from handlers.disputes.common import MEDIATOR_PRIVATELY, log_by, log_by_mediator, router
from handlers.disputes.mediate import show_case
from handlers.disputes.messages import tell_room
from handlers.disputes.parties import party_users
from handlers.forms.engine import Form
from handlers.forms.fields import TextField
from handlers.forms.time_fields import DateTimeField
from handlers.i18n import N_, Language, for_reader
from handlers.types import Button, Ctx, Keyboard, Reply


def _invitees(ctx: Ctx, root: DisputeCase) -> list[tuple[User, str]]:
    """The case's reporter and the other side who opened an invitation. The reporters of
    linked reports are not invited: one of them may be the person complained about."""
    people: dict[int, tuple[User, str]] = {}
    reporter = ctx.session.get(User, root.reporter_id) if root.reporter_id else None
    if reporter is not None:
        people.setdefault(reporter.id, (reporter, "reporter"))
    for user in party_users(ctx, root):
        people.setdefault(user.id, (user, "party"))
    return list(people.values())


def _submit_meeting(ctx: Ctx, data: dict[str, Any]) -> None:
    """Propose the meeting to everyone; the old proposal and its reminders are dropped."""
    root = case_for_form(ctx, data)
    invited = _invitees(ctx, root)
    starts_at = datetime.fromisoformat(data["when"])
    meeting, replaced = dp_parties.propose_meeting(
        ctx.session,
        root,
        by=ctx.user,
        starts_at=starts_at,
        place=data["place"],
        invited=invited,
        now=ctx.now,
    )
    text = ctx._("{when}, {place}").format(when=ctx.lang.datetime(starts_at), place=data["place"])
    log_by_mediator(ctx, root, "meeting", text=text)
    for user, _role in invited:
        outbox.enqueue_to_user(
            ctx.session,
            user,
            params=MeetingProposed(
                ref=root.ref,
                meeting=meeting.id,
                when=starts_at,
                place=data["place"],
                changed=replaced is not None,
            ),
            now=ctx.now,
        )
    _remind(ctx, meeting, ctx.user)
    post_card(ctx.session, ctx.community, root, ctx.now)
    show_case(ctx, root, edit=True, note=ctx._("The meeting was proposed to everyone involved."))


MEETING = router.form(
    Form(
        name="dp.mmeet",
        title=N_("Propose a meeting"),
        fields=(
            DateTimeField(
                name="when",
                prompt=N_("When should the meeting be? For example 2026-12-24 19:00."),
                label=N_("Time"),
            ),
            TextField(
                name="place",
                prompt=N_("Where? For example “Community centre, room 2”."),
                label=N_("Place"),
                max_length=200,
            ),
        ),
        on_submit=_submit_meeting,
    )
)


@router.button(ProposeMeeting, **MEDIATOR_PRIVATELY)
def meeting_button(ctx: Ctx, payload: ProposeMeeting) -> None:
    start_case_form(ctx, payload.case, MEETING)


class MeetingProposed(Params, template="dp.meeting"):
    """A meeting proposed (or moved: ``changed``) to everyone involved: can they come?"""

    ref: str
    meeting: int
    when: datetime
    place: str
    changed: bool = False


class MeetingReminder(Params, template="dp.reminder"):
    """Before the meeting, as for events."""

    ref: str
    when: datetime
    place: str


MEETING_MESSAGES = {
    False: N_("The mediators propose a meeting about {ref}: {when}, {place}. Can you come?"),
    True: N_("The mediation meeting about {ref} is now on {when}, {place}. Can you come?"),
}


def _answer_buttons(
    lang: Language, meeting: int, *, yes: bool = True, other: bool = True
) -> Keyboard:
    """✅ I can come and 🔁 Another time, or the one the person did not choose."""
    buttons = []
    if yes:
        buttons.append(
            Button(lang.gettext("✅ I can come"), AnswerMeeting(meeting, coming=True).pack())
        )
    if other:
        buttons.append(
            Button(
                lang.gettext("🔁 Another time, please"), AnswerMeeting(meeting, coming=False).pack()
            )
        )
    return (tuple(buttons),)


@router.template(MeetingProposed)
def render_meeting(lang: Language, params: MeetingProposed) -> Reply:
    text = lang.gettext(MEETING_MESSAGES[params.changed]).format(
        ref=params.ref,
        when=lang.datetime(params.when),
        place=for_reader(lang.code, params.place),
    )
    return Reply(text, _answer_buttons(lang, params.meeting))


def _remind(ctx: Ctx, meeting: DisputeMeeting, user: User) -> None:
    """Queue ``user``'s reminders before the meeting (as for events), once each."""
    case = ctx.session.get(DisputeCase, meeting.case_id)
    assert case is not None
    for offset in ctx.community.event_reminders:
        due = meeting.starts_at - offset
        if due <= ctx.now:
            continue
        outbox.enqueue_to_user(
            ctx.session,
            user,
            params=MeetingReminder(ref=case.ref, when=meeting.starts_at, place=meeting.place),
            now=ctx.now,
            due_at=due,
            dedup_key=dp_parties.reminder_key(meeting.id, user.id, offset),
        )


@router.template(MeetingReminder)
def render_reminder(lang: Language, params: MeetingReminder) -> Reply:
    return Reply(
        lang.gettext("Reminder: the mediation meeting about {ref} is on {when}, {place}.").format(
            ref=params.ref,
            when=lang.datetime(params.when),
            place=for_reader(lang.code, params.place),
        )
    )


ANSWERED = {
    MeetingAnswer.YES: N_("✅ You can come. I will remind you before the meeting."),
    MeetingAnswer.OTHER: N_("🔁 You asked for another time. The mediators will propose one."),
}


def _show_answer(
    ctx: Ctx, meeting: DisputeMeeting, case: DisputeCase, answer: str, *, again: bool = False
) -> None:
    """The proposal, in place of the message it was on, with the person's answer under it
    and the other answer's button (they may change their mind)."""
    lines = [
        ctx._("Mediation meeting about {ref}: {when}, {place}.").format(
            ref=case.ref,
            when=ctx.lang.datetime(meeting.starts_at),
            place=for_reader(ctx.lang.code, meeting.place),
        ),
        ctx._(ANSWERED[MeetingAnswer(answer)]),
    ]
    if again:
        lines.append(ctx._("You had already answered so."))
    yes = answer == MeetingAnswer.YES
    ctx.reply(
        "\n".join(lines), _answer_buttons(ctx.lang, meeting.id, yes=not yes, other=yes), edit=True
    )


@router.button(AnswerMeeting)
def meeting_answer(ctx: Ctx, payload: AnswerMeeting) -> None:
    """Yes: remembered and reminded. Another time: the mediators are told. The answer changes
    the proposal's message in place; a press on a proposal that moved on (replaced, called off,
    the same answer again) changes nothing and says where it stands."""
    meeting_id = payload.meeting
    meeting = dp_parties.lock_meeting(ctx.session, meeting_id) if meeting_id else None
    case = ctx.session.get(DisputeCase, meeting.case_id) if meeting else None
    if (
        meeting is None
        or case is None
        or meeting.status == MeetingStatus.CANCELLED
        or (  # the case ended before it was set
            dp.root_of(ctx.session, case).status not in dp.OPEN and meeting.starts_at <= ctx.now
        )
    ):
        ctx.reply(ctx._("That meeting does not exist any more."), edit=True)
        return
    if meeting.status == MeetingStatus.REPLACED:
        ctx.reply(
            ctx._("That meeting time was changed; please answer the newest proposal."), edit=True
        )
        return
    answer = MeetingAnswer.YES if payload.coming else MeetingAnswer.OTHER
    invited = dp_parties.invitation(ctx.session, meeting, ctx.user)
    if invited is None:
        ctx.reply(ctx._("That meeting does not exist any more."), edit=True)
        return
    if invited.answer == answer:  # a second press of the same answer: nobody is told again
        _show_answer(ctx, meeting, case, answer, again=True)
        return
    row = dp_parties.answer_meeting(ctx.session, meeting, ctx.user, answer, ctx.now)
    assert row is not None
    prefix = "party_" if row.role == "party" else ""
    kind = "meeting_yes" if payload.coming else "meeting_other"
    log_by(ctx, case, kind, role=row.role)
    tell_room(ctx.session, ctx.community, prefix + kind, ctx.now, case=case, ref=case.ref)
    if payload.coming:
        _remind(ctx, meeting, ctx.user)
    else:
        outbox.cancel_pending(
            ctx.session, dedup_prefix=dp_parties.reminder_key(meeting.id, ctx.user.id)
        )
    _show_answer(ctx, meeting, case, answer)
    post_card(ctx.session, ctx.community, case, ctx.now)
