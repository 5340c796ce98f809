"""The other side of a dispute.

A mediator writes a neutral summary and gets a one-time link (``/start dp_<token>``; only the
token's hash is stored). Whoever opens it first sees that summary — never the report, never the
reporter — can give their side, and receives updates meant for the other side. Meetings with
them and the reporter are in ``handlers.disputes.meetings``.
"""

from __future__ import annotations

from typing import Any

from db import dispute_parties as dp_parties
from db import outbox
from db.dispute_models import (
    DisputeCase,
    DisputeParty,
)
from db.models import User
from db.outbox_params import Params
from handlers.buttons.disputes import CaseLink, GiveSide, InvitationLink, InviteOtherSide
from handlers.disputes.card import post_card
from handlers.disputes.casework import case_for_form, start_case_form
from handlers.disputes.common import MEDIATOR_PRIVATELY, log_by, log_by_mediator, router
from handlers.disputes.emergency import emergency_notice
from handlers.disputes.mediate import open_by_link
from handlers.disputes.messages import tell_room
from handlers.forms import engine
from handlers.forms.engine import Form
from handlers.forms.fields import Invalid, TextField
from handlers.i18n import N_, Language, for_reader
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
        ).format(link=ctx.community.start_link(InvitationLink(token).pack()))
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


#: Said in a group to whoever opens a case's or an invitation's link there.
IN_PRIVATE_LINK = N_("Please open this link in a private chat with me.")


@router.deep_link(CaseLink, private_only=True, private_hint=IN_PRIVATE_LINK)
def open_case_link(ctx: Ctx, link: CaseLink) -> None:
    """``/start dp_c42`` opens a case for a mediator."""
    open_by_link(ctx, link.case)


@router.deep_link(InvitationLink, private_only=True, private_hint=IN_PRIVATE_LINK)
def open_invitation_link(ctx: Ctx, link: InvitationLink | None) -> None:
    """``/start dp_<token>`` opens an invitation (a forged ``dp_`` link is one not valid)."""
    opened = (
        dp_parties.open_invitation(ctx.session, link.token, ctx.user, ctx.now) if link else None
    )
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
        log_by(ctx, case, "party_opened", role="party")
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


NOT_YOUR_PARTY = N_("This button is not for you, or the matter no longer exists.")


def _own_party(ctx: Ctx, party_id: int) -> DisputeParty | None:
    """The invitation ``party_id`` if this person opened it, else None."""
    party = ctx.session.get(DisputeParty, party_id) if party_id else None
    return party if party is not None and party.user_id == ctx.user.id else None


def _submit_side(ctx: Ctx, data: dict[str, Any]) -> None:
    party = _own_party(ctx, data["party"])
    if party is None:
        raise Invalid(NOT_YOUR_PARTY)
    case = ctx.session.get(DisputeCase, party.case_id)
    assert case is not None
    log_by(ctx, case, "side", role="party", text=data["text"])
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
    if party is None:
        ctx.reply(ctx._(NOT_YOUR_PARTY))
    else:
        engine.start(ctx, SIDE, initial={"party": party.id})


def party_users(ctx: Ctx, case: DisputeCase) -> list[User]:
    users = [
        ctx.session.get(User, p.user_id) for p in dp_parties.parties(ctx.session, case) if p.user_id
    ]
    return [user for user in users if user is not None]


class PartyUpdate(Params, template="dp.party_update"):
    """The mediators' update to the other side."""

    ref: str
    text: str


def tell_parties(ctx: Ctx, case: DisputeCase, text: str, *, dry_run: bool = False) -> int:
    """Relay an update meant for the other side; returns how many people it reaches."""
    users = party_users(ctx, case)
    if not dry_run:
        for user in users:
            outbox.enqueue_to_user(
                ctx.session,
                user,
                params=PartyUpdate(ref=case.ref, text=text),
                now=ctx.now,
            )
    return len(users)


@router.template(PartyUpdate)
def render_party_update(lang: Language, params: PartyUpdate) -> Reply:
    return Reply(
        lang.gettext("Update from the community's mediators about {ref}: {text}").format(
            ref=params.ref, text=for_reader(lang.code, params.text)
        )
    )
