"""Outbox templates of the help requests, rendered in the recipient's language when sent: the
card in the team's room, alerts, what the resident and the volunteer are told, relayed
messages, escalations."""

from __future__ import annotations

from typing import Any

from db.request_models import RequestStatus
from handlers.buttons.requests import (
    ClaimRequest,
    CommentOnRequest,
    RateRequest,
    ReopenRequest,
)
from handlers.i18n import N_, Language, for_reader
from handlers.requests.common import describe, router
from handlers.types import Attachment, Button, Reply, keyboard


def _claim_button(lang: Language, request_id: int) -> tuple[tuple[Button, ...], ...]:
    """The card's one button."""
    return keyboard(Button(lang.gettext("✋ Claim"), ClaimRequest(request_id).pack()))


@router.template("rq.card")
def card(lang: Language, params: dict[str, Any]) -> Reply:
    """The request in the team's room: open with a Claim button, then who has it, then done."""
    lines = describe(lang, params)
    lines.append("")
    status, name = params["status"], params.get("volunteer")
    if status == RequestStatus.OPEN:
        lines.append(lang.gettext("Waiting for a volunteer."))
        return Reply("\n".join(lines), _claim_button(lang, params["id"]))
    if status == RequestStatus.IN_PROGRESS:
        lines.append(lang.gettext("✅ Claimed by {name}.").format(name=name))
    elif status == RequestStatus.RESOLVED:
        lines.append(lang.gettext("☑️ Resolved by {name}.").format(name=name))
    else:
        lines.append(lang.gettext("✖️ Cancelled by the resident."))
    return Reply("\n".join(lines))


@router.template("rq.again")
def again(lang: Language, params: dict[str, Any]) -> Reply:
    """A request nobody claimed in time, announced in the room again."""
    text = lang.ngettext(
        "⏰ {ref} is still waiting for a volunteer ({count} minute of service time). "
        "Can someone take it?",
        "⏰ {ref} is still waiting for a volunteer ({count} minutes of service time). "
        "Can someone take it?",
        params["minutes"],
    ).format(ref=params["ref"], count=params["minutes"])
    return Reply(
        text + "\n\n" + "\n".join(describe(lang, params)), _claim_button(lang, params["id"])
    )


@router.template("rq.back")
def back(lang: Language, params: dict[str, Any]) -> Reply:
    """A request back in the queue (released or reopened), posted anew so the room notices."""
    if params.get("reason") == "reopened":
        text = lang.gettext("↩️ The resident reopened {ref}. It needs a volunteer again.")
    else:
        text = lang.gettext("↩️ {ref} is back in the queue and needs a new volunteer.")
    return Reply(
        text.format(ref=params["ref"]) + "\n\n" + "\n".join(describe(lang, params)),
        _claim_button(lang, params["id"]),
    )


@router.template("rq.alert")
def alert(lang: Language, params: dict[str, Any]) -> Reply:
    """A private alert to a volunteer whose profile matches a new request."""
    text = lang.gettext("A new request matches your profile:")
    return Reply(
        text + "\n\n" + "\n".join(describe(lang, params)), _claim_button(lang, params["id"])
    )


@router.template("rq.claimed")
def claimed(lang: Language, params: dict[str, Any]) -> Reply:
    """To the resident: who is helping, and that they can simply write here."""
    return Reply(
        lang.gettext(
            "Good news: {name} from the volunteer team is helping you with {ref}.\n"
            "You can simply write here: your messages, photos and files go to {name}, "
            "and the answers arrive in this chat."
        ).format(name=params["volunteer"], ref=params["ref"])
    )


def briefing(lang: Language, params: dict[str, Any]) -> str:
    """To the volunteer who took a request: what it is, who asked (with consent), what was
    said so far, and how to answer."""
    lines = [lang.gettext("You are now helping with {ref}.").format(ref=params["ref"]), ""]
    lines += describe(lang, params)
    lines.append("")
    if params.get("resident"):
        lines.append(lang.gettext("Resident: {name}").format(name=params["resident"]))
    else:
        lines.append(lang.gettext("The resident chose not to share their name."))
    if params.get("health_consent"):
        lines.append(
            lang.gettext(
                "The resident agreed to share health information with the volunteer team. "
                "Please keep it to yourself."
            )
        )
    earlier = params.get("history") or []
    if earlier:
        lines += ["", lang.gettext("What was said so far:")]
        for item in earlier:
            lines.append(history_line(lang, item))
    lines += [
        "",
        lang.gettext(
            "Write here to answer the resident. /note adds an internal note, /release gives "
            "the request back to the queue, /resolve followed by a short summary closes it: "
            "the summary is sent to the resident, so write it in their language."
        ),
    ]
    return "\n".join(lines)


EVENTS = {
    "claimed": N_("— {name} took the request."),
    "released": N_("— {name} gave the request back to the queue."),
    "resolved": N_("— {name} marked the request as resolved."),
    "reopened": N_("— The resident reopened the request."),
    "cancelled": N_("— The resident cancelled the request."),
    "rated": N_("— The resident rated the help."),
    "expired": N_("— What was said here was deleted: the request was closed long enough ago."),
}


def history_line(lang: Language, item: dict[str, Any]) -> str:
    """One entry of a request's history, for the volunteer."""
    if item["side"] == "event":
        return lang.gettext(EVENTS.get(item.get("text") or "", "—")).format(
            name=item.get("name") or "—"
        )
    who = {
        "resident": lang.gettext("Resident"),
        "volunteer": item.get("name") or lang.gettext("Volunteer"),
        "note": lang.gettext("Note by {name}").format(name=item.get("name") or "—"),
    }.get(item["side"], item["side"])
    text = item.get("text") or ""
    if item.get("file_kind") == "photo":
        text = (text + " " + lang.gettext("[photo]")).strip()
    elif item.get("file_kind") == "voice":
        text = (text + " " + lang.gettext("[voice message]")).strip()
    elif item.get("file_kind"):
        text = (text + " " + lang.gettext("[file]")).strip()
    return "• " + lang.gettext("{label}: {value}").format(label=who, value=text)


@router.template("rq.briefing")
def briefing_template(lang: Language, params: dict[str, Any]) -> Reply:
    """The briefing, queued to a volunteer who claimed in the room."""
    return Reply(briefing(lang, params))


def relay_reply(lang: Language, params: dict[str, Any]) -> Reply:
    """A message passed from one side to the other, with a header naming the request."""
    if params["side"] == "volunteer":
        header = lang.gettext("{name} (volunteer, {ref}):").format(
            name=params["name"], ref=params["ref"]
        )
    else:
        header = lang.gettext("{ref} · from the resident:").format(ref=params["ref"])
    text = f"{header}\n{params['text']}" if params.get("text") else header
    attachment = None
    if params.get("file_id"):
        is_photo = params.get("file_kind") == "photo"
        is_voice = params.get("file_kind") == "voice"
        attachment = Attachment(
            filename=params.get("file_name")
            or ("photo.jpg" if is_photo else "voice.ogg" if is_voice else "file"),
            file_id=params["file_id"],
            is_photo=is_photo,
            is_voice=is_voice,
        )
    return Reply(text, attachment=attachment)


@router.template("rq.relay")
def relay(lang: Language, params: dict[str, Any]) -> Reply:
    """A relayed message (text, photo or file) to the other side."""
    return relay_reply(lang, params)


@router.template("rq.released")
def released(lang: Language, params: dict[str, Any]) -> Reply:
    """To the resident: their volunteer gave the request back."""
    return Reply(
        lang.gettext(
            "{name} could not continue with {ref}. It is back with the volunteer team, and "
            "someone else will take it; you will be told who."
        ).format(name=params["volunteer"], ref=params["ref"])
    )


#: Under the summary of a resolved request, until the resident rates it.
RATE_ASK = N_(
    "How did we do? Please rate the help from 1 to 5 stars. "
    "If the problem is not solved, you can reopen the request within 7 days."
)


def resolved_head(lang: Language, params: dict[str, Any]) -> str:
    """The top of the resident's message about a resolved request: who resolved it, and the
    volunteer's summary (kept there whatever the resident presses below)."""
    return lang.gettext("{name} marked {ref} as resolved:\n{summary}").format(
        name=params["volunteer"],
        ref=params["ref"],
        summary=for_reader(lang.code, params["summary"]),
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


@router.template("rq.resolved")
def resolved(lang: Language, params: dict[str, Any]) -> Reply:
    """To the resident: closed, with the summary; rate it, or reopen within 7 days. A press
    on it changes this message (``handlers/requests/rating.py``)."""
    return Reply(
        resolved_head(lang, params) + "\n\n" + lang.gettext(RATE_ASK),
        rating_buttons(lang, params["id"]),
    )


@router.template("rq.feedback")
def feedback(lang: Language, params: dict[str, Any]) -> Reply:
    """To the volunteer who helped: the resident's rating, then their comment."""
    if params.get("comment"):
        return Reply(
            lang.gettext("The resident's comment on {ref}:\n{comment}").format(
                ref=params["ref"], comment=params["comment"]
            )
        )
    return Reply(
        lang.gettext("The resident rated your help with {ref}: {stars}").format(
            ref=params["ref"], stars="⭐" * int(params.get("stars") or 0)
        )
    )


@router.template("rq.remind")
def remind(lang: Language, params: dict[str, Any]) -> Reply:
    """To a volunteer who has not written in a claimed request for a day of service hours."""
    return Reply(
        lang.ngettext(
            "Reminder: you have not written to the resident who asked for {ref} for {count} hour "
            "of service time. Please write to them (/to {short} first if you hold several "
            "requests), or /release it so someone else can help.",
            "Reminder: you have not written to the resident who asked for {ref} for {count} "
            "hours of service time. Please write to them (/to {short} first if you hold several "
            "requests), or /release it so someone else can help.",
            params["hours"],
        ).format(ref=params["ref"], count=params["hours"], short=params["ref"].lstrip("#"))
    )


@router.template("rq.admin_unclaimed")
def admin_unclaimed(lang: Language, params: dict[str, Any]) -> Reply:
    """To admins: a request nobody claimed in time."""
    return Reply(
        lang.ngettext(
            "⚠️ {ref} has waited {count} hour of service time and no volunteer has claimed it.",
            "⚠️ {ref} has waited {count} hours of service time and no volunteer has claimed it.",
            params["hours"],
        ).format(ref=params["ref"], count=params["hours"])
        + "\n\n"
        + "\n".join(describe(lang, params))
    )


@router.template("rq.admin_silent")
def admin_silent(lang: Language, params: dict[str, Any]) -> Reply:
    """To admins: a volunteer silent in a claimed request."""
    return Reply(
        lang.ngettext(
            "⚠️ {ref} was claimed by {name}, who has not written to the resident for {count} "
            "hour of service time.",
            "⚠️ {ref} was claimed by {name}, who has not written to the resident for {count} "
            "hours of service time.",
            params["hours"],
        ).format(ref=params["ref"], name=params["volunteer"], count=params["hours"])
    )
