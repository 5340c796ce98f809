"""The other side and mediation meetings.

A mediator writes a neutral summary and gets a one-time link (``/start dp_<token>``; only the
token's hash is stored). Whoever opens it first sees that summary — never the report, never the
reporter — can give their side, and receives updates meant for the other side. A meeting is
proposed with a time and place; each person invited confirms or asks for another time; those
who confirm are reminded through the outbox (reminders are removed when the meeting changes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db import dispute_parties as dp_parties
from db import disputes as dp
from db import outbox
from db.dispute_models import (
    DisputeCase,
    DisputeMeeting,
    DisputeParty,
    MeetingAnswer,
    MeetingStatus,
)
from db.models import User
from handlers.buttons.disputes import AnswerMeeting, GiveSide, InviteOtherSide, ProposeMeeting
from handlers.disputes.card import post_card
from handlers.disputes.casework import case_for_form, start_case_form
from handlers.disputes.common import MEDIATOR_PRIVATELY, log_by_mediator, router
from handlers.disputes.emergency import emergency_notice
from handlers.disputes.mediate import open_by_link, show_case
from handlers.disputes.messages import tell_room
from handlers.forms import engine
from handlers.forms.engine import Form
from handlers.forms.fields import Invalid, TextField
from handlers.forms.time_fields import DateTimeField
from handlers.i18n import N_, Language
from handlers.payloads import parse_id
from handlers.types import Button, Ctx, Reply

# ---------------------------------------------------------------------------- invitations


def _submit_invite(ctx: Ctx, data: dict[str, Any]) -> None:
    """Create the one-time link and show it to this mediator only (never logged)."""
    root = case_for_form(ctx, data)
    _, token = dp_parties.invite(
        ctx.session, root, by=ctx.user, summary=data["summary"], now=ctx.now
    )
    log_by_mediator(ctx, root, "invite", text=data["summary"])
    post_card(ctx.session, ctx.community, root, ctx.now)
    ctx.reply(
        ctx._(
            "Pass this one-time link to the other neighbour in any way you like. The first "
            "person to open it sees your summary and can give their side:\n{link}"
        ).format(link=ctx.community.start_link(f"dp_{token}"))
    )


INVITE = router.form(
    Form(
        name="dp.minvite",
        title=N_("Invite the other side"),
        fields=(
            TextField(
                name="summary",
                prompt=N_(
                    "Please write a neutral summary for the other side: what the concern is, "
                    "without saying who reported it. They see only this."
                ),
                label=N_("Summary"),
                max_length=1500,
            ),
        ),
        on_submit=_submit_invite,
    )
)


@router.button(InviteOtherSide, **MEDIATOR_PRIVATELY)
def invite_button(ctx: Ctx, payload: InviteOtherSide) -> None:
    start_case_form(ctx, payload.case, INVITE)


@router.deep_link(
    "dp", private_only=True, private_hint=N_("Please open this link in a private chat with me.")
)
def deep_link(ctx: Ctx, rest: str) -> None:
    """``/start dp_c42`` opens a case for a mediator; ``/start dp_<token>`` an invitation."""
    if rest.startswith("c") and rest[1:].isdecimal() and len(rest) < 12:
        open_by_link(ctx, parse_id(rest[1:]))
        return
    opened = dp_parties.open_invitation(ctx.session, rest[:64], ctx.user, ctx.now) if rest else None
    if opened is None or opened.party is None:
        ctx.reply(
            ctx._(
                "This invitation link is not valid or was already used by someone else. "
                "Please ask the mediator who sent it for a new one."
            )
        )
        return
    party = opened.party
    case = ctx.session.get(DisputeCase, party.case_id)
    assert case is not None
    if opened.first_time:
        dp.log_event(
            ctx.session,
            case,
            now=ctx.now,
            kind="party_opened",
            audience=dp.INTERNAL,
            actor=ctx.user,
            role="party",
        )
        tell_room(ctx.session, ctx.community, "party_opened", ctx.now, case=case, ref=case.ref)
        post_card(ctx.session, ctx.community, case, ctx.now)
    _show_party(ctx, party, case)


def _show_party(ctx: Ctx, party: DisputeParty, case: DisputeCase) -> None:
    ctx.reply(
        ctx._(
            "The community's mediators would like to hear from you about a matter between "
            "neighbours (reference {ref}). What it is about:\n{summary}\n\n"
            "You can give your side; the mediators will read it and keep you informed here."
        ).format(ref=case.ref, summary=party.summary),
        ((Button(ctx._("✍️ Give my side"), GiveSide(party.id).pack()),),),
    )


def _own_party(ctx: Ctx, party_id: int) -> DisputeParty | None:
    party = ctx.session.get(DisputeParty, party_id) if party_id else None
    if party is None or party.user_id != ctx.user.id:
        ctx.reply(ctx._("This button is not for you, or the matter no longer exists."))
        return None
    return party


def _submit_side(ctx: Ctx, data: dict[str, Any]) -> None:
    party = ctx.session.get(DisputeParty, data["party"])
    if party is None or party.user_id != ctx.user.id:
        raise Invalid(N_("This button is not for you, or the matter no longer exists."))
    case = ctx.session.get(DisputeCase, party.case_id)
    assert case is not None
    dp.log_event(
        ctx.session,
        case,
        now=ctx.now,
        kind="side",
        audience=dp.INTERNAL,
        actor=ctx.user,
        role="party",
        text=data["text"],
    )
    tell_room(
        ctx.session, ctx.community, "side", ctx.now, case=case, ref=case.ref, text=data["text"]
    )
    ctx.reply(ctx._("Thank you. The mediators will read your side and keep you informed here."))


SIDE = router.form(
    Form(
        name="dp.side",
        title=N_("Your side"),
        fields=(
            TextField(
                name="text",
                prompt=N_("Please tell the mediators your side of the matter."),
                label=N_("Your side"),
                max_length=2000,
                notice=emergency_notice,
            ),
        ),
        on_submit=_submit_side,
        confirm_label=N_("✅ Send"),
    )
)


@router.button(GiveSide)
def side_button(ctx: Ctx, payload: GiveSide) -> None:
    party = _own_party(ctx, payload.party)
    if party is not None:
        engine.start(ctx, SIDE, initial={"party": party.id})


def party_users(ctx: Ctx, case: DisputeCase) -> list[User]:
    users = [
        ctx.session.get(User, p.user_id) for p in dp_parties.parties(ctx.session, case) if p.user_id
    ]
    return [user for user in users if user is not None]


def tell_parties(ctx: Ctx, case: DisputeCase, text: str, *, dry_run: bool = False) -> int:
    """Relay an update meant for the other side; returns how many people it reaches."""
    users = party_users(ctx, case)
    if not dry_run:
        for user in users:
            outbox.enqueue_to_user(
                ctx.session,
                user,
                template="dp.party_update",
                now=ctx.now,
                params={"ref": case.ref, "text": text},
            )
    return len(users)


@router.template("dp.party_update")
def render_party_update(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(
        lang.gettext("Update from the community's mediators about {ref}: {text}").format(
            ref=params["ref"], text=params["text"]
        )
    )


# ---------------------------------------------------------------------------- meetings


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
    if replaced is not None:
        outbox.cancel_pending(ctx.session, dedup_prefix=f"dp:m{replaced.id}:")
    text = ctx._("{when}, {place}").format(when=ctx.lang.datetime(starts_at), place=data["place"])
    log_by_mediator(ctx, root, "meeting", text=text)
    for user, _role in invited:
        outbox.enqueue_to_user(
            ctx.session,
            user,
            template="dp.meeting",
            now=ctx.now,
            params={
                "ref": root.ref,
                "meeting": meeting.id,
                "when": starts_at.isoformat(),
                "place": data["place"],
                "changed": replaced is not None,
            },
        )
    _remind(ctx, meeting, ctx.user)
    post_card(ctx.session, ctx.community, root, ctx.now)
    show_case(ctx, root, note=ctx._("The meeting was proposed to everyone involved."))


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


MEETING_MESSAGES = {
    False: N_("The mediators propose a meeting about {ref}: {when}, {place}. Can you come?"),
    True: N_("The mediation meeting about {ref} is now on {when}, {place}. Can you come?"),
}


@router.template("dp.meeting")
def render_meeting(lang: Language, params: dict[str, Any]) -> Reply:
    text = lang.gettext(MEETING_MESSAGES[bool(params.get("changed"))]).format(
        ref=params["ref"],
        when=lang.datetime(datetime.fromisoformat(params["when"])),
        place=params["place"],
    )
    meeting = params["meeting"]
    return Reply(
        text,
        (
            (
                Button(lang.gettext("✅ I can come"), AnswerMeeting(meeting, coming=True).pack()),
                Button(
                    lang.gettext("🔁 Another time, please"),
                    AnswerMeeting(meeting, coming=False).pack(),
                ),
            ),
        ),
    )


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
            template="dp.reminder",
            now=ctx.now,
            due_at=due,
            params={"ref": case.ref, "when": meeting.starts_at.isoformat(), "place": meeting.place},
            dedup_key=f"dp:m{meeting.id}:u{user.id}:{int(offset.total_seconds())}",
        )


@router.template("dp.reminder")
def render_reminder(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(
        lang.gettext("Reminder: the mediation meeting about {ref} is on {when}, {place}.").format(
            ref=params["ref"],
            when=lang.datetime(datetime.fromisoformat(params["when"])),
            place=params["place"],
        )
    )


@router.button(AnswerMeeting)
def meeting_answer(ctx: Ctx, payload: AnswerMeeting) -> None:
    """Yes: remembered and reminded. Another time: the mediators are told."""
    answer = "y" if payload.coming else "n"
    meeting_id = payload.meeting
    meeting = dp_parties.lock_meeting(ctx.session, meeting_id) if meeting_id else None
    case = ctx.session.get(DisputeCase, meeting.case_id) if meeting else None
    if meeting is None or case is None:
        ctx.reply(ctx._("That meeting does not exist any more."))
        return
    if (
        meeting.status == MeetingStatus.CANCELLED
        or (  # cancelled, or the case ended before it was set
            dp.root_of(ctx.session, case).status not in dp.OPEN and meeting.starts_at <= ctx.now
        )
    ):
        ctx.reply(ctx._("That meeting does not exist any more."))
        return
    if meeting.status == MeetingStatus.REPLACED:
        ctx.reply(ctx._("That meeting time was changed; please answer the newest proposal."))
        return
    row = dp_parties.answer_meeting(
        ctx.session,
        meeting,
        ctx.user,
        MeetingAnswer.YES if answer == "y" else MeetingAnswer.OTHER,
        ctx.now,
    )
    if row is None:
        ctx.reply(ctx._("That meeting does not exist any more."))
        return
    prefix = "party_" if row.role == "party" else ""
    kind = "meeting_yes" if answer == "y" else "meeting_other"
    dp.log_event(
        ctx.session,
        case,
        now=ctx.now,
        kind=kind,
        audience=dp.INTERNAL,
        actor=ctx.user,
        role=row.role,
    )
    tell_room(ctx.session, ctx.community, prefix + kind, ctx.now, case=case, ref=case.ref)
    if answer == "y":
        _remind(ctx, meeting, ctx.user)
        ctx.reply(
            ctx._("Thank you. See you on {when}, {place}. I will remind you before.").format(
                when=ctx.lang.datetime(meeting.starts_at), place=meeting.place
            )
        )
    else:
        outbox.cancel_pending(ctx.session, dedup_prefix=f"dp:m{meeting.id}:u{ctx.user.id}:")
        ctx.reply(ctx._("Thank you. The mediators will propose another time."))
    post_card(ctx.session, ctx.community, case, ctx.now)
