"""Outbox templates of the help requests, rendered in the recipient's language when sent: the
card in the team's room, alerts, what the resident and the volunteer are told, relayed
messages, escalations."""

from __future__ import annotations

from db.request_models import RequestStatus
from handlers.buttons.requests import (
    ClaimRequest,
    CommentOnRequest,
    RateRequest,
    ReopenRequest,
)
from handlers.i18n import N_, Language, for_reader
from handlers.requests.common import (
    AnnouncedAgain,
    BackInQueue,
    Briefing,
    Claimed,
    Feedback,
    HistoryEntry,
    MatchAlert,
    Relayed,
    ReleasedByVolunteer,
    RequestCard,
    Resolved,
    SilentForAdmins,
    SilentReminder,
    UnclaimedForAdmins,
    describe,
    router,
)
from handlers.types import Attachment, Button, Reply, keyboard


def _claim_button(lang: Language, request_id: int) -> tuple[tuple[Button, ...], ...]:
    """The card's one button."""
    return keyboard(Button(lang.gettext("✋ Claim"), ClaimRequest(request_id).pack()))


@router.template(RequestCard)
def card(lang: Language, params: RequestCard) -> Reply:
    """The request in the team's room: open with a Claim button, then who has it, then done."""
    lines = describe(lang, params)
    lines.append("")
    status, name = params.status, params.volunteer
    if status == RequestStatus.OPEN:
        lines.append(lang.gettext("Waiting for a volunteer."))
        return Reply("\n".join(lines), _claim_button(lang, params.id))
    if status == RequestStatus.IN_PROGRESS:
        lines.append(lang.gettext("✅ Claimed by {name}.").format(name=name))
    elif status == RequestStatus.RESOLVED:
        lines.append(lang.gettext("☑️ Resolved by {name}.").format(name=name))
    else:
        lines.append(lang.gettext("✖️ Cancelled by the resident."))
    return Reply("\n".join(lines))


@router.template(AnnouncedAgain)
def again(lang: Language, params: AnnouncedAgain) -> Reply:
    """A request nobody claimed in time, announced in the room again."""
    text = lang.ngettext(
        "⏰ {ref} is still waiting for a volunteer ({count} minute of service time). "
        "Can someone take it?",
        "⏰ {ref} is still waiting for a volunteer ({count} minutes of service time). "
        "Can someone take it?",
        params.minutes,
    ).format(ref=params.ref, count=params.minutes)
    return Reply(text + "\n\n" + "\n".join(describe(lang, params)), _claim_button(lang, params.id))


@router.template(BackInQueue)
def back(lang: Language, params: BackInQueue) -> Reply:
    """A request back in the queue (released or reopened), posted anew so the room notices."""
    if params.reason == "reopened":
        text = lang.gettext("↩️ The resident reopened {ref}. It needs a volunteer again.")
    else:
        # Translators: staff only. The volunteers' room: a request given back to the queue
        text = lang.gettext("↩️ {ref} is back in the queue and needs a new volunteer.")
    return Reply(
        text.format(ref=params.ref) + "\n\n" + "\n".join(describe(lang, params)),
        _claim_button(lang, params.id),
    )


@router.template(MatchAlert)
def alert(lang: Language, params: MatchAlert) -> Reply:
    """A private alert to a volunteer whose profile matches a new request."""
    text = lang.gettext("A new request matches your profile:")
    return Reply(text + "\n\n" + "\n".join(describe(lang, params)), _claim_button(lang, params.id))


@router.template(Claimed)
def claimed(lang: Language, params: Claimed) -> Reply:
    """To the resident: who is helping, and that they can simply write here."""
    return Reply(
        lang.gettext(
            "Good news: {name} from the volunteer team is helping you with {ref}.\n"
            "You can simply write here: your messages, photos and files go to {name}, "
            "and the answers arrive in this chat."
        ).format(name=params.volunteer, ref=params.ref)
    )


def briefing(lang: Language, params: Briefing) -> str:
    """To the volunteer who took a request: what it is, who asked (with consent), what was
    said so far, and how to answer."""
    lines = [lang.gettext("You are now helping with {ref}.").format(ref=params.ref), ""]
    lines += describe(lang, params)
    lines.append("")
    if params.resident:
        lines.append(lang.gettext("Resident: {name}").format(name=params.resident))
    else:
        lines.append(lang.gettext("The resident chose not to share their name."))
    if params.health_consent:
        lines.append(
            lang.gettext(
                "The resident agreed to share health information with the volunteer team. "
                "Please keep it to yourself."
            )
        )
    earlier = params.history
    if earlier:
        lines += ["", lang.gettext("What was said so far:")]
        for item in earlier:
            lines.append(history_line(lang, item))
    lines += [
        "",
        # Translators: staff only. The briefing of the volunteer who took a request
        lang.gettext(
            "Write here to answer the resident. /note adds an internal note, /release gives "
            "the request back to the queue, /resolve followed by a short summary closes it: "
            "the summary is sent to the resident, so write it in their language."
        ),
    ]
    return "\n".join(lines)


EVENTS = {
    "claimed": N_("— {name} took the request."),
    # Translators: staff only. A line of a request's history on the volunteers' card
    "released": N_("— {name} gave the request back to the queue."),
    "resolved": N_("— {name} marked the request as resolved."),
    "reopened": N_("— The resident reopened the request."),
    "cancelled": N_("— The resident cancelled the request."),
    "rated": N_("— The resident rated the help."),
    "expired": N_("— What was said here was deleted: the request was closed long enough ago."),
}


def history_line(lang: Language, item: HistoryEntry) -> str:
    """One entry of a request's history, for the volunteer."""
    if item.side == "event":
        return lang.gettext(EVENTS.get(item.text or "", "—")).format(name=item.name or "—")
    who = {
        "resident": lang.gettext("Resident"),
        "volunteer": item.name or lang.gettext("Volunteer"),
        "note": lang.gettext("Note by {name}").format(name=item.name or "—"),
    }.get(item.side, item.side)
    text = item.text or ""
    if item.file_kind == "photo":
        text = (text + " " + lang.gettext("[photo]")).strip()
    elif item.file_kind == "voice":
        text = (text + " " + lang.gettext("[voice message]")).strip()
    elif item.file_kind:
        text = (text + " " + lang.gettext("[file]")).strip()
    return "• " + lang.gettext("{label}: {value}").format(label=who, value=text)


@router.template(Briefing)
def briefing_template(lang: Language, params: Briefing) -> Reply:
    """The briefing, queued to a volunteer who claimed in the room."""
    return Reply(briefing(lang, params))


def relay_reply(lang: Language, params: Relayed) -> Reply:
    """A message passed from one side to the other, with a header naming the request."""
    if params.side == "volunteer":
        header = lang.gettext("{name} (volunteer, {ref}):").format(name=params.name, ref=params.ref)
    else:
        header = lang.gettext("{ref} · from the resident:").format(ref=params.ref)
    text = f"{header}\n{params.text}" if params.text else header
    attachment = None
    if params.file_id:
        is_photo = params.file_kind == "photo"
        is_voice = params.file_kind == "voice"
        attachment = Attachment(
            filename=params.file_name
            or ("photo.jpg" if is_photo else "voice.ogg" if is_voice else "file"),
            file_id=params.file_id,
            is_photo=is_photo,
            is_voice=is_voice,
        )
    return Reply(text, attachment=attachment)


@router.template(Relayed)
def relay(lang: Language, params: Relayed) -> Reply:
    """A relayed message (text, photo or file) to the other side."""
    return relay_reply(lang, params)


@router.template(ReleasedByVolunteer)
def released(lang: Language, params: ReleasedByVolunteer) -> Reply:
    """To the resident: their volunteer gave the request back."""
    return Reply(
        lang.gettext(
            "{name} could not continue with {ref}. It is back with the volunteer team, and "
            "someone else will take it; you will be told who."
        ).format(name=params.volunteer, ref=params.ref)
    )


#: Under the summary of a resolved request, until the resident rates it.
RATE_ASK = N_(
    "How did we do? Please rate the help from 1 to 5 stars. "
    "If the problem is not solved, you can reopen the request within 7 days."
)


def resolved_head(lang: Language, *, name: str, ref: str, summary: str | None) -> str:
    """The top of the resident's message about a resolved request: who resolved it, and the
    volunteer's summary (kept there whatever the resident presses below)."""
    return lang.gettext("{name} marked {ref} as resolved:\n{summary}").format(
        name=name, ref=ref, summary=for_reader(lang.code, summary)
    )


def rating_buttons(
    lang: Language,
    request_id: int,
    *,
    stars: bool = True,
    chosen: int | None = None,
    comment: bool = False,
    reopen: bool = True,
) -> tuple[tuple[Button, ...], ...]:
    """1 to 5 stars (the ``chosen`` one ticked), then Add a comment, then Reopen; each only
    where it still applies."""
    rows: list[tuple[Button, ...]] = []
    if stars:
        row = tuple(
            Button("⭐" * n + (" ✓" if n == chosen else ""), RateRequest(request_id, n).pack())
            for n in range(1, 6)
        )
        rows += [row[:3], row[3:]]
    if comment:
        label = lang.gettext("💬 Add a comment")
        rows.append((Button(label, CommentOnRequest(request_id).pack()),))
    if reopen:
        rows.append((Button(lang.gettext("↩️ Reopen"), ReopenRequest(request_id).pack()),))
    return tuple(rows)


@router.template(Resolved)
def resolved(lang: Language, params: Resolved) -> Reply:
    """To the resident: closed, with the summary; rate it, or reopen within 7 days. A press
    on it changes this message (``handlers/requests/rating.py``)."""
    return Reply(
        resolved_head(lang, name=params.volunteer, ref=params.ref, summary=params.summary)
        + "\n\n"
        + lang.gettext(RATE_ASK),
        rating_buttons(lang, params.id),
    )


@router.template(Feedback)
def feedback(lang: Language, params: Feedback) -> Reply:
    """To the volunteer who helped: the resident's rating, then their comment."""
    if params.comment:
        return Reply(
            lang.gettext("The resident's comment on {ref}:\n{comment}").format(
                ref=params.ref, comment=params.comment
            )
        )
    return Reply(
        lang.gettext("The resident rated your help with {ref}: {stars}").format(
            ref=params.ref, stars="⭐" * (params.stars or 0)
        )
    )


@router.template(SilentReminder)
def remind(lang: Language, params: SilentReminder) -> Reply:
    """To a volunteer who has not written in a claimed request for a day of service hours."""
    return Reply(
        lang.ngettext(
            "Reminder: you have not written to the resident who asked for {ref} for {count} hour "
            "of service time. Please write to them (/to {short} first if you hold several "
            "requests), or /release it so someone else can help.",
            "Reminder: you have not written to the resident who asked for {ref} for {count} "
            "hours of service time. Please write to them (/to {short} first if you hold several "
            "requests), or /release it so someone else can help.",
            params.hours,
        ).format(ref=params.ref, count=params.hours, short=params.ref.lstrip("#"))
    )


@router.template(UnclaimedForAdmins)
def admin_unclaimed(lang: Language, params: UnclaimedForAdmins) -> Reply:
    """To admins: a request nobody claimed in time."""
    return Reply(
        lang.ngettext(
            "⚠️ {ref} has waited {count} hour of service time and no volunteer has claimed it.",
            "⚠️ {ref} has waited {count} hours of service time and no volunteer has claimed it.",
            params.hours,
        ).format(ref=params.ref, count=params.hours)
        + "\n\n"
        + "\n".join(describe(lang, params))
    )


@router.template(SilentForAdmins)
def admin_silent(lang: Language, params: SilentForAdmins) -> Reply:
    """To admins: a volunteer silent in a claimed request."""
    return Reply(
        lang.ngettext(
            "⚠️ {ref} was claimed by {name}, who has not written to the resident for {count} "
            "hour of service time.",
            "⚠️ {ref} was claimed by {name}, who has not written to the resident for {count} "
            "hours of service time.",
            params.hours,
        ).format(ref=params.ref, name=params.volunteer, count=params.hours)
    )
