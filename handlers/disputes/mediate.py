"""The mediators' side: ``/cases``, a case's private view and history, the workflow buttons
(acknowledge, take or take over, in progress), the photos and the CSV. The short forms (update,
note, question, resolve, close) are in ``casework.py``.

Every press is checked again: the presser must be a mediator (or an admin), the case must exist
and still be in a state the change applies to (a conditional UPDATE decides between two
mediators pressing at once). In the group room a successful press answers nothing: the card is
edited in place through the outbox."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from db import outbox
from db.disputes import operations as dp
from db.disputes.models import DisputeCase, DisputeEvent, DisputeStatus
from db.models import User
from db.outbox_params import Params
from db.users import users_by_id
from handlers.buttons.disputes import (
    AcknowledgeCase,
    CaseHistory,
    CaseInProgress,
    CasePhotos,
    ExportCases,
    OpenCase,
    TakeCase,
)
from handlers.csvfile import csv_attachment
from handlers.disputes.card import card_buttons, card_params, card_text, post_card
from handlers.disputes.common import (
    CATEGORY_LABELS,
    MEDIATOR_PRIVATELY,
    STATUS_LABELS,
    access_case_as_mediator,
    first_name,
    log_by_mediator,
    router,
)
from handlers.disputes.messages import StatusNews, tell_reporters
from handlers.disputes.outcome import CANCEL, settle_meeting, tell_other_side
from handlers.disputes.photos import media
from handlers.i18n import N_, Language
from handlers.types import Button, Ctx, Reply, rows_of

log = logging.getLogger(__name__)

EVENT_TEXTS = {
    "reported": N_("reported"),
    "linked": N_("another neighbour reported the same problem ({text})"),
    "linked_to": N_("linked this report to {text}"),
    "status": N_("status changed to {text}"),
    "take": N_("took the case"),
    "takeover": N_("took the case over"),
    "update": N_("update: {text}"),
    "note": N_("internal note: {text}"),
    "question": N_("asked the reporter: {text}"),
    "answer": N_("answered: {text}"),
    "invite": N_("invited the other side: {text}"),
    "party_opened": N_("the other side opened the invitation"),
    "side": N_("gave their side: {text}"),
    "meeting": N_("proposed a meeting: {text}"),
    "meeting_yes": N_("can come to the meeting"),
    "meeting_other": N_("asks for another meeting time"),
    "followup_yes": N_("says the problem is solved"),
    "followup_no": N_("says the problem is not solved"),
    "reopened": N_("reopened"),
    "escalated": N_("not acknowledged in time: admins were told"),
    "reporter_erased": N_("the reporter asked us to delete their data"),
    "expired": N_("what people wrote here was deleted: the case was closed long enough ago"),
}
ROLE_NAMES = {
    "reporter": N_("reporter"),
    "party": N_("other side"),
    "system": N_("Linli"),
}


def _who(ctx: Ctx, event: DisputeEvent) -> str:
    """The actor of an audit line: a mediator by first name; a reporter only as "reporter"."""
    if event.actor_role == "mediator":
        return first_name(ctx.session.get(User, event.actor_id) if event.actor_id else None)
    return ctx._(ROLE_NAMES.get(event.actor_role, "Linli"))


def _event_text(ctx: Ctx, event: DisputeEvent) -> str:
    text = event.text or ""
    if event.kind == "status":
        text = ctx._(STATUS_LABELS.get(text, text))
    return ctx._(EVENT_TEXTS.get(event.kind, "reported")).format(text=text)


def _history(ctx: Ctx, root: DisputeCase) -> list[DisputeEvent]:
    return [
        e
        for e in dp.events(
            ctx.session, root, (dp.INTERNAL, dp.FOR_REPORTER, dp.FOR_PARTY, dp.FOR_ALL)
        )
        if e.kind != "viewed"
    ]


def _history_line(ctx: Ctx, event: DisputeEvent) -> str:
    return f"• {ctx.lang.datetime(event.at)} — " + ctx._("{label}: {value}").format(
        label=_who(ctx, event), value=_event_text(ctx, event)
    )


#: History lines on a case's private view; the rest are behind the "History" button.
SHOWN_HISTORY = 3


def show_case(ctx: Ctx, root: DisputeCase, *, edit: bool = False, note: str | None = None) -> None:
    """A case's private view for a mediator: the card, the last three history lines, the
    actions that apply. Opening it is itself logged (who saw the case)."""
    log_by_mediator(ctx, root, "viewed")
    params = card_params(ctx.session, ctx.community, root, ctx.now, private=True)
    lines = [note] if note else []
    lines.append(card_text(ctx.lang, params))
    history = _history(ctx, root)
    if history:
        lines.append("")
        lines.append(ctx._("History:"))
        lines.extend(_history_line(ctx, event) for event in history[-SHOWN_HISTORY:])
    buttons = card_buttons(
        ctx.lang,
        params,
        private=True,
        viewer=ctx.user.id,
        history=len(history) > SHOWN_HISTORY,
    )
    ctx.reply("\n".join(lines), buttons, edit=edit)


@router.button(CaseHistory, **MEDIATOR_PRIVATELY)
def whole_history(ctx: Ctx, payload: CaseHistory) -> None:
    """A case's history, the last 30 lines, with a way back to the case."""
    root = access_case_as_mediator(ctx, payload.case)
    if root is None:
        return
    lines = [ctx._("History of {ref}:").format(ref=root.ref)]
    lines.extend(_history_line(ctx, event) for event in _history(ctx, root)[-30:])
    # Translators: staff only. A button back from a case's history to the case
    back = Button(ctx._("⬅️ Back to {ref}").format(ref=root.ref), OpenCase(root.id).pack())
    ctx.reply("\n".join(lines), ((back,),), edit=True)


def after_change(ctx: Ctx, root: DisputeCase) -> None:
    """The card follows every change; in private the mediator sees the case again."""
    post_card(ctx.session, ctx.community, root, ctx.now)
    if not ctx.inbound.chat.is_group:
        show_case(ctx, root, edit=True)


def moved_on(ctx: Ctx, root: DisputeCase, note: str | None = None) -> None:
    """A press that no longer applies (someone changed the case first, or it is already so):
    nothing changes, and the case is shown as it stands — in private, the view in place of the
    pressed one, under ``note`` (by default, what it is now); in the room, the card again."""
    if ctx.inbound.chat.is_group:
        post_card(ctx.session, ctx.community, root, ctx.now)
        return
    ctx.session.refresh(root)  # as the press that got there first left it
    if note is None:
        note = ctx._("{ref} was changed in the meantime: it is now {status}.").format(
            ref=root.ref, status=ctx._(STATUS_LABELS.get(root.status, root.status))
        )
    show_case(ctx, root, edit=True, note=note)


def change_status(
    ctx: Ctx,
    root: DisputeCase,
    to: str,
    allowed: tuple[str, ...],
    *,
    meeting: str = CANCEL,
    **values: Any,
) -> bool:
    """Move the case, log it, tell every reporter in their language, update the card. At the
    end of a case the pending meeting is kept or cancelled (``meeting``) and the other side is
    told too."""
    if not dp.transition(
        ctx.session, root, allowed_from=allowed, to=to, now=ctx.now, **values
    ).done:
        moved_on(ctx, root)
        return False
    log_by_mediator(ctx, root, "status", audience=dp.FOR_REPORTER, text=to)
    if to in (DisputeStatus.RESOLVED, DisputeStatus.CLOSED):
        settle_meeting(ctx, root, meeting)
        tell_other_side(ctx, root, to)
    tell_reporters(
        ctx.session,
        root,
        StatusNews,
        now=ctx.now,
        params={"status": to, "outcome": root.outcome, "reason": root.close_reason},
        linked={"outcome": None},  # linked reporters learn the status, not the outcome text
    )
    log.info("dispute case %d is now %s", root.id, to)
    return True


@router.command(
    "cases",
    description=N_("Open dispute cases"),
    role="mediator",
    private_only=True,
    private_hint=N_("Please send /cases to me in a private chat."),
)
def cases(ctx: Ctx, args: str) -> None:
    """Open cases, oldest first, each with a button to open it."""
    rows = dp.open_cases(ctx.session)
    if not rows:
        ctx.reply(
            ctx._("There are no open cases."), ((Button(ctx._("📄 CSV"), ExportCases().pack()),),)
        )
        return
    lines = [ctx._("Open cases, oldest first:")]
    buttons = []
    for case in rows[:30]:
        lines.append(
            ctx._("{ref} · {category} · {status} · since {date}").format(
                ref=case.ref,
                category=ctx._(CATEGORY_LABELS.get(case.category, CATEGORY_LABELS["other"])),
                status=ctx._(STATUS_LABELS.get(case.status, case.status)),
                date=ctx.lang.date(case.created_at),
            )
        )
        buttons.append(Button(f"🔎 {case.ref}", OpenCase(case.id).pack()))
    keyboard = rows_of(buttons, 3)
    keyboard.append((Button(ctx._("📄 CSV"), ExportCases().pack()),))
    ctx.reply("\n".join(lines), tuple(keyboard))


CSV_HEADER = (
    "reference",
    "category",
    "status",
    "reported",
    "place",
    "reporter",
    "mediator",
    "linked_to",
    "outcome",
    "closed_because",
)


@router.button(
    ExportCases,
    role="mediator",
    private_only=True,
    private_hint=N_("Please send /cases to me in a private chat."),
)
def export_csv(ctx: Ctx, payload: ExportCases) -> None:
    """Every case as a CSV file; an anonymous reporter is "anonymous", nothing more."""
    all_cases = list(ctx.session.scalars(select(DisputeCase).order_by(DisputeCase.id)))
    by_id = {case.id: case for case in all_cases}
    people = users_by_id(
        ctx.session, [i for case in all_cases for i in (case.reporter_id, case.mediator_id) if i]
    )
    rows = []
    for case in all_cases:
        reporter = people.get(case.reporter_id) if case.reporter_id else None
        mediator = people.get(case.mediator_id) if case.mediator_id else None
        linked = by_id.get(case.linked_to_id) if case.linked_to_id else None
        rows.append(
            [
                case.ref,
                case.category,
                case.status,
                case.created_at.isoformat(),
                case.place_text or "",
                "anonymous" if case.anonymous else first_name(reporter),
                first_name(mediator) if mediator else "",
                linked.ref if linked else "",
                case.outcome or "",
                case.close_reason or "",
            ]
        )
    count = len(all_cases)
    ctx.reply(
        ctx.lang.ngettext("{count} case", "{count} cases", count).format(count=count),
        attachment=csv_attachment("disputes.csv", CSV_HEADER, rows),
    )


def case_in_private(ctx: Ctx, case_id: int) -> DisputeCase | None:
    """The case for a mediator (the registration keeps it to a private chat)."""
    return access_case_as_mediator(ctx, case_id)


@router.button(OpenCase, **MEDIATOR_PRIVATELY)
def open_case(ctx: Ctx, payload: OpenCase) -> None:
    root = case_in_private(ctx, payload.case)
    if root is not None:
        show_case(ctx, root, edit=True)


def open_by_link(ctx: Ctx, case_id: int | None) -> None:
    """``/start dp_c42``: the card's "open in private chat" link."""
    root = access_case_as_mediator(ctx, case_id)
    if root is not None:
        show_case(ctx, root)


@router.button(AcknowledgeCase, role="mediator")
def acknowledge(ctx: Ctx, payload: AcknowledgeCase) -> None:
    root = access_case_as_mediator(ctx, payload.case)
    if root is not None and change_status(
        ctx, root, DisputeStatus.ACKNOWLEDGED, (DisputeStatus.NEW,), acknowledged_at=ctx.now
    ):
        after_change(ctx, root)


@router.button(CaseInProgress, role="mediator")
def in_progress(ctx: Ctx, payload: CaseInProgress) -> None:
    root = access_case_as_mediator(ctx, payload.case)
    if root is not None and change_status(
        ctx,
        root,
        DisputeStatus.IN_PROGRESS,
        (DisputeStatus.NEW, DisputeStatus.ACKNOWLEDGED),
        acknowledged_at=func.coalesce(DisputeCase.acknowledged_at, ctx.now),
    ):
        after_change(ctx, root)


@router.button(TakeCase, role="mediator")
def take(ctx: Ctx, payload: TakeCase) -> None:
    """Take the case, or take it over from another mediator (who is told)."""
    root = access_case_as_mediator(ctx, payload.case)
    if root is None:
        return
    if root.status not in dp.OPEN:
        moved_on(ctx, root)
        return
    taken = dp.take(ctx.session, root, ctx.user, now=ctx.now)
    previous = taken.previous_mediator_id
    if not taken.done:
        if root.mediator_id == ctx.user.id:
            moved_on(ctx, root, ctx._("You already hold {ref}.").format(ref=root.ref))
        else:
            moved_on(ctx, root)
        return
    log_by_mediator(ctx, root, "takeover" if previous else "take")
    if previous:
        earlier = ctx.session.get(User, previous)
        if earlier is not None:
            outbox.enqueue_to_user(
                ctx.session,
                earlier,
                params=TakenOver(ref=root.ref, name=first_name(ctx.user)),
                now=ctx.now,
            )
    after_change(ctx, root)


class TakenOver(Params, template="dp.takenover"):
    """To the mediator who held the case: ``name`` took it over."""

    ref: str
    name: str


@router.template(TakenOver, staff=True)
def render_taken_over(lang: Language, params: TakenOver) -> Reply:
    return Reply(
        lang.gettext("{name} took over case {ref} from you.").format(
            name=params.name, ref=params.ref
        )
    )


@router.button(CasePhotos, **MEDIATOR_PRIVATELY)
def photos(ctx: Ctx, payload: CasePhotos) -> None:
    """The photos of the case and of every report linked to it, by file id."""
    root = access_case_as_mediator(ctx, payload.case)
    if root is None:
        return
    file_ids = [f for case in dp.family(ctx.session, root) for f in case.photos or []]
    if not file_ids:
        ctx.reply(ctx._("{ref} has no photos.").format(ref=root.ref))
        return
    for number, file_id in enumerate(file_ids, start=1):
        shown = media(ctx.lang, root.ref, file_id, number, len(file_ids))
        ctx.reply(shown.text, attachment=shown.attachment)
