"""A resident's rights over their data (PIPL; GDPR for many foreign residents): ``/mydata`` shows
what is kept about them, with a JSON file of everything; ``/deleteme`` erases it after a
confirmation, in one transaction.

The confirmation's buttons are ``EraseData`` (``pv:erase:<user id>:<token>``) and
``KeepData``; the token is kept in the conversation row and lives ``CONFIRM_WITHIN``, so a
forged, old or someone else's button is refused. Staff are asked to talk to an admin first:
their work belongs to the community's records.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import (
    awaiting,
    case_retention,
    data_export,
    erasure,
    notice_subscriptions,
    outbox,
    retention,
    room_privacy,
    shift_reads,
    shift_records,
)
from db import disputes as dp
from db import event_reads as ev_reads
from db import events as ev
from db import flood as flood_counts
from db import request_residents as residents
from db import requests as rq
from db import shifts as shift_ops
from db.conversations import put_aside, set_aside
from db.dispute_models import DisputeCase, DisputeParty
from db.models import User
from db.outbox_params import Params
from db.request_models import RequestStatus
from handlers.buttons.privacy import EraseData, EraseDetails, KeepData
from handlers.disputes.card import post_card
from handlers.i18n import LANGUAGE_FULL_NAMES, N_, Language
from handlers.requests.common import ref, update_card
from handlers.requests.intake import drop_alerts
from handlers.router import Router
from handlers.start import main_menu
from handlers.types import Attachment, Button, Community, Ctx, Keyboard, Reply

log = logging.getLogger(__name__)

router = Router("privacy")

#: How long the Yes button of /deleteme stays valid.
CONFIRM_WITHIN = timedelta(minutes=30)
#: Said to someone holding a role who asks to be erased (``Rule.not_for_staff``).
ASK_AN_ADMIN_FIRST = N_(
    "You hold a role in the community (volunteer, mediator, organiser or "
    "administrator), and your work there belongs to the community's records. "
    "Please ask an administrator to remove your role first; then send /deleteme "
    "again."
)
#: Where the confirmation's token is kept in the conversation's data (outside any form).
TOKEN_KEY = "pv_erase"

ROLE_LABELS = {
    "resident": N_("resident"),
    "volunteer": N_("volunteer"),
    "mediator": N_("mediator"),
    "organiser": N_("organiser"),
    "admin": N_("administrator"),
    "announcer": N_("announcer"),
    "coordinator": N_("volunteer coordinator"),
}

WHY = N_(
    "We keep this only to run the services you use: your signups to hold your places and "
    "remind you, your requests so a volunteer can help you, your reports so the mediators can "
    "work on them and keep you informed. An event's organisers see who signed up; volunteers "
    "and mediators see your name only where you chose to share it. To erase it, send /deleteme."
)


#: Personal data is shown and erased only in a private chat.
ABOUT_YOUR_DATA = N_("Please write to me in a private chat about your data.")


# ---------------------------------------------------------------------------- /mydata


@router.command(
    "mydata",
    description=N_("My data: see what Linli keeps about you"),
    private_only=True,
    private_hint=ABOUT_YOUR_DATA,
    blocked_ok=True,
)
def my_data(ctx: Ctx, args: str) -> None:
    """Summarise what is kept about the user and attach all of it as a JSON file."""
    counts = data_export.counts(ctx.session, ctx.user)
    roles = [ctx._(ROLE_LABELS.get(r, r)) for r in sorted(ctx.user.role_names)]
    chosen = LANGUAGE_FULL_NAMES.get(ctx.user.locale or "")
    text = ctx._(
        "Here is what Linli keeps about you (everything is in the attached file):\n"
        "• Event signups: {signups}\n"
        "• Help requests: {requests}\n"
        "• Dispute reports: {reports}\n"
        "• Disputes where you gave your side: {statements}\n"
        "• Language: {language}\n"
        "• Roles: {roles}"
    ).format(
        signups=counts.signups,
        requests=counts.requests,
        reports=counts.reports,
        statements=counts.statements,
        language=chosen or ctx._("not chosen (we follow your Telegram language)"),
        roles=ctx.lang.list(roles) if roles else ctx._("none"),
    )
    booked = room_privacy.count(ctx.session, ctx.user)
    if booked:
        text += "\n" + ctx._("• Room bookings: {count}").format(count=booked)
    data = data_export.export(ctx.session, ctx.user, now=ctx.now)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    stamp = ctx.lang.local(ctx.now).strftime("%Y%m%d")
    ctx.reply(
        text + "\n\n" + ctx._(WHY),
        attachment=Attachment(
            f"linli-my-data-{stamp}.json", content, "application/json; charset=utf-8"
        ),
    )


# ---------------------------------------------------------------------------- /deleteme


@router.command(
    "deleteme",
    description=N_("Delete my data: erase what Linli keeps about you"),
    private_only=True,
    private_hint=ABOUT_YOUR_DATA,
    not_for_staff=True,
    refusal=ASK_AN_ADMIN_FIRST,
    blocked_ok=True,
)
def delete_me(ctx: Ctx, args: str) -> None:
    """Say what erasing does and ask for a confirmation (staff are refused by the rule: they
    ask an admin first)."""
    token = secrets.token_hex(4)
    put_aside(
        ctx.conversation,
        TOKEN_KEY,
        {"token": token, "until": (ctx.now + CONFIRM_WITHIN).isoformat()},
    )
    ctx.reply(
        ctx._(
            "Delete my data? This cannot be undone.\n"
            "• Your event signups and open help requests are cancelled.\n"
            "• What you wrote to the volunteers and the mediators is deleted.\n"
            "• Your name, username and language are erased.\n"
            "Press “More” to read exactly what happens."
        ),
        _confirm_buttons(ctx, token),
    )


def _confirm_buttons(ctx: Ctx, token: str | None) -> Keyboard:
    """Yes / Keep, and More (the details) while the confirmation is still open."""
    row = [Button(ctx._("Keep my data"), KeepData().pack())]
    if token:
        row.insert(0, Button(ctx._("🗑 Yes, delete my data"), EraseData(ctx.user.id, token).pack()))
    # Translators: a button that shows the rest of a long explanation
    return (tuple(row), (Button(ctx._("ℹ️ More"), EraseDetails().pack()),))


def _details(ctx: Ctx) -> None:
    """More (``EraseDetails``): what erasing does, in detail, with the same Yes / Keep."""
    pending = set_aside(ctx.conversation, TOKEN_KEY)
    token = pending.get("token") if isinstance(pending, dict) else None
    ctx.reply(
        ctx._(
            "What deleting does:\n"
            "• Your places at events go to the waiting list.\n"
            "• In your help requests, what you wrote is deleted. The team keeps only the fact "
            "that it helped.\n"
            "• Your dispute reports lose your name. If one is still open, its description and "
            "place stay (without your name) so the mediators can go on, and are deleted when "
            "it ends.\n"
            "• If you write again later, you start as a new neighbour."
        ),
        _confirm_buttons(ctx, token)[:1],
    )


#: Your data: only in a private chat.
PRIVATELY: dict[str, Any] = {
    "private_only": True,
    "private_hint": ABOUT_YOUR_DATA,
    "blocked_ok": True,  # their own data: a block does not take it away
}


@router.button(EraseDetails, **PRIVATELY)
def details_pressed(ctx: Ctx, payload: EraseDetails) -> None:
    _details(ctx)


@router.button(KeepData, **PRIVATELY)
def keep_pressed(ctx: Ctx, payload: KeepData) -> None:
    """Keep everything: the confirmation is forgotten."""
    _forget_token(ctx)
    ctx.reply(ctx._("Nothing was deleted. Your data stays as it was."), main_menu(ctx))


@router.button(EraseData, **PRIVATELY, not_for_staff=True, refusal=ASK_AN_ADMIN_FIRST)
def erase_pressed(ctx: Ctx, payload: EraseData) -> None:
    """Erase, after re-checking the button is this user's latest, unexpired confirmation."""
    if _valid(ctx, payload, set_aside(ctx.conversation, TOKEN_KEY)):
        erase(ctx)
        return
    ctx.reply(
        ctx._(
            "That confirmation is not valid (it is old, or not yours). Nothing was deleted. "
            "Send /deleteme to start again."
        )
    )


def _valid(ctx: Ctx, payload: EraseData, pending: object) -> bool:
    """The button is this user's, from their latest /deleteme, and not expired."""
    token = payload.token
    if not isinstance(pending, dict) or payload.user != ctx.user.id:
        return False
    until = datetime.fromisoformat(str(pending.get("until")))
    return secrets.compare_digest(token, str(pending.get("token"))) and ctx.now <= until


def _forget_token(ctx: Ctx) -> None:
    put_aside(ctx.conversation, TOKEN_KEY, None)


def erase(ctx: Ctx) -> None:
    """Erase the user's data in this one transaction, through the services' own operations."""
    session, user, now = ctx.session, ctx.user, ctx.now
    for signup in ev_reads.my_signups(session, user, now=now):
        ev.cancel_signup(session, signup.event_id, user, now=now)
    for shift_signup in shift_reads.my_signups(session, user, now=now):
        shift_ops.cancel_signup(
            session, shift_signup.shift_id, user, now=now, reminders=ctx.community.event_reminders
        )
    shift_records.forget_person(session, user, erased=erasure.ERASED)
    for request in rq.residents_active(session, user):
        if request.status == RequestStatus.OPEN:
            residents.cancel(session, request.id, user, now=now)
            drop_alerts(ctx, request.id)
    ended = erasure.end_requests_in_progress(session, user, now=now)
    requests = erasure.scrub_requests(session, user)
    own_reports = [case.ref for case in dp.cases_of(session, user)]
    party_cases = session.scalars(
        select(DisputeCase)
        .join(DisputeParty, DisputeParty.case_id == DisputeCase.id)
        .where(DisputeParty.user_id == user.id)
    ).all()
    # Their words still waiting to be sent to someone else go first (deleted or blanked).
    retention.scrub_pending(
        session,
        refs=[ref(r) for r in requests] + own_reports,
        party_refs=[case.ref for case in party_cases],
    )
    roots = erasure.detach_reports(session, user, now=now)
    notice_subscriptions.forget(session, user)  # the consent to notices, and the building
    room_privacy.erase(session, user, now=now)  # bookings to come cancelled, purposes blanked
    erasure.forget(
        session,
        user,
        refs=[ref(r) for r in requests] + [case.ref for case in roots],
        card_keys=[f"rq:{r.id}" for r in requests] + [f"dp:{case.id}" for case in roots],
    )
    retention.audit(
        session,
        now=now,
        actor=f"user {user.id}",
        action="erased",
        subject_id=user.id,
        text=f"user {user.id} erased at {now.isoformat(timespec='seconds')}, by themselves",
    )
    for request in requests:
        update_card(session, ctx.community, request, now)
    for root in roots:
        post_card(session, ctx.community, dp.root_of(session, root), now)
    for request in ended:
        _tell_volunteer(ctx, request.volunteer_id, ref(request))
    ctx.reply(
        ctx._(
            "Done: your data was deleted. Thank you for being part of our community. "
            "If you write to me again, you start fresh as a new neighbour."
        )
        + "\n"
        + ctx._(
            "Notes that volunteers and mediators wrote themselves about your requests and "
            "reports are kept for the community's records, without your name."
        )
    )


def _tell_volunteer(ctx: Ctx, volunteer_id: int | None, reference: str) -> None:
    """The volunteer of a request that ended this way is told not to expect the resident."""
    volunteer = ctx.session.get(User, volunteer_id) if volunteer_id else None
    if volunteer is not None:
        outbox.enqueue_to_user(
            ctx.session,
            volunteer,
            params=RequestEnded(ref=reference),
            now=ctx.now,
            dedup_key=f"pv:ended:{reference}",
        )


class RequestEnded(Params, template="pv.request_ended"):
    """To the volunteer: the resident of their request ``ref`` deleted their data."""

    ref: str


@router.template(RequestEnded)
def request_ended(lang: Language, params: RequestEnded) -> Reply:
    """To the volunteer: the resident of their request asked us to delete their data."""
    return Reply(
        lang.gettext(
            "The resident who asked for {ref} deleted their data, so the request is closed. "
            "Your messages can no longer reach them. Thank you for your help."
        ).format(ref=params.ref)
    )


@router.sweep("pv.outbox_keep")
def expire_delivered(session: Session, community: Community, now: datetime) -> None:
    """Sent and failed messages older than ``LINLI_OUTBOX_KEEP`` lose what they said, and a
    reply to them no longer finds its conversation; messages kept that long for a choice go."""
    count = retention.expire_delivered(session, before=now - community.outbox_keep)
    awaiting.forget_before(session, now - community.outbox_keep)
    if count:
        log.info("retention: %d delivered messages blanked", count)


@router.sweep("pv.case_keep")
def expire_closed_cases(session: Session, community: Community, now: datetime) -> None:
    """Help requests and dispute cases closed longer than ``LINLI_CASE_KEEP`` ago lose what
    people wrote in them (``db/case_retention.py``)."""
    before = now - community.case_keep
    requests = case_retention.expire_requests(session, before=before, now=now)
    cases = case_retention.expire_cases(session, before=before, now=now)
    if requests or cases:
        log.info("retention: %d help requests and %d dispute cases blanked", requests, cases)


#: The flood guard's rows of senders quiet this long go (its window is seconds long).
FLOOD_QUIET = timedelta(minutes=10)


@router.sweep("pv.flood_counts")
def forget_flood_counts(session: Session, community: Community, now: datetime) -> None:
    """The flood guard's shared counts of senders who have gone quiet: kept no longer than
    needed, and swept here rather than by the messages the guard counts."""
    flood_counts.forget_quiet(session, before=(now - FLOOD_QUIET).timestamp())
