"""What the help-request flows share: the router, the categories, how a request is described
(in the team's room, to a volunteer, to the resident), and telling the room it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db import outbox
from db.base import reference
from db.models import User
from db.requests.models import HelpRequest, RequestStatus
from db.teams import VOLUNTEERS, notify_team
from handlers.common import first_name
from handlers.forms.fields import Choice
from handlers.i18n import LANGUAGE_FULL_NAMES, N_, Language
from handlers.router import Router
from handlers.types import Community, Ctx

router = Router("requests")

PREFIX = "rq"

CATEGORIES = (
    Choice("translation", N_("Translation")),
    Choice("paperwork", N_("Paperwork & visas")),
    Choice("hospital", N_("Hospital visit")),
    Choice("housing", N_("Housing")),
    Choice("transport", N_("Transport & tourism")),
    Choice("other", N_("Other")),
)
CATEGORY_LABELS = {choice.value: choice.label for choice in CATEGORIES}
#: Categories that carry health information (PIPL: sensitive), asked an explicit consent.
HEALTH_CATEGORIES = frozenset({"hospital"})

NEEDED = (
    Choice("asap", N_("As soon as possible")),
    Choice("date", N_("On a date")),
    Choice("flexible", N_("Flexible")),
)

STATUS_LABELS = {
    RequestStatus.OPEN: N_("waiting for a volunteer"),
    RequestStatus.IN_PROGRESS: N_("in progress"),
    RequestStatus.RESOLVED: N_("resolved"),
    RequestStatus.CANCELLED: N_("cancelled"),
}


def access_request_as_volunteer(ctx: Ctx, request_id: int) -> HelpRequest | None:
    """The request named in a payload, for someone acting as a volunteer; otherwise answer
    why not."""
    if not ctx.acts_as("volunteer"):
        ctx.reply(ctx._("Sorry, only members of the volunteer team can do this."))
        return None
    request = ctx.session.get(HelpRequest, request_id)
    if request is None:
        ctx.reply(ctx._("That request does not exist. Send /queue to see the open ones."))
    return request


def ref(request: HelpRequest | int) -> str:
    """``#R-0042``."""
    return reference("R", request if isinstance(request, int) else request.id)


def category_label(lang: Language, category: str) -> str:
    """The kind of help, in ``lang``."""
    return lang.gettext(CATEGORY_LABELS.get(category, N_("Other")))


def needed_text(lang: Language, needed: str, needed_at: str | None) -> str:
    """When help is needed, in ``lang``: a date and time, as soon as possible, or flexible."""
    if needed == "date" and needed_at:
        return lang.datetime(datetime.fromisoformat(needed_at))
    if needed == "day" and needed_at:  # "Today" or "Tomorrow" pressed: that day, any time
        return lang.date(datetime.fromisoformat(needed_at))
    if needed == "weekend" and needed_at:
        return lang.gettext(N_("The weekend of {date}")).format(
            date=lang.date(datetime.fromisoformat(needed_at))
        )
    if needed == "flexible":
        return lang.gettext(N_("Flexible"))
    return lang.gettext(N_("As soon as possible"))


def summary_params(request: HelpRequest) -> dict[str, Any]:
    """What every description of a request needs, as JSON-safe outbox parameters."""
    return {
        "id": request.id,
        "ref": ref(request),
        "category": request.category,
        "language": request.language,
        "urgent": request.urgent,
        "needed": request.needed,
        "needed_at": request.needed_at.isoformat() if request.needed_at else None,
        "created_at": request.created_at.isoformat(),
        "description": request.description,
    }


def describe(lang: Language, params: dict[str, Any]) -> list[str]:
    """The lines that describe a request to the team: never the resident's name or contact."""
    title = lang.gettext(N_("{ref} · {category}")).format(
        ref=params["ref"], category=category_label(lang, params["category"])
    )
    lines = [("⚡ " if params["urgent"] else "🙋 ") + title]
    lines.append(
        lang.gettext(N_("Language: {language}")).format(
            language=LANGUAGE_FULL_NAMES.get(params["language"], params["language"])
        )
    )
    if params["urgent"]:
        lines.append(lang.gettext(N_("Urgent: yes")))
    lines.append(
        lang.gettext(N_("Asked: {when}")).format(
            when=lang.datetime(datetime.fromisoformat(params["created_at"]))
        )
    )
    lines.append(
        lang.gettext(N_("Needed: {when}")).format(
            when=needed_text(lang, params["needed"], params.get("needed_at"))
        )
    )
    lines.append("")
    lines.append(params["description"])
    return lines


def card_params(session: Session, request: HelpRequest) -> dict[str, Any]:
    """The card's parameters: the request, its status and its volunteer's first name."""
    volunteer = session.get(User, request.volunteer_id) if request.volunteer_id else None
    return {
        **summary_params(request),
        "status": request.status,
        "volunteer": first_name(volunteer) if volunteer else None,
    }


def tell_resident(ctx: Ctx, request: HelpRequest, template: str, params: dict[str, Any]) -> None:
    """Queue a message to the resident who asked (in their language, when it is sent)."""
    resident = ctx.session.get(User, request.resident_id)
    if resident is not None:
        outbox.enqueue_to_user(ctx.session, resident, template=template, params=params, now=ctx.now)


def update_card(
    session: Session, community: Community, request: HelpRequest, now: datetime
) -> bool:
    """Post the request's card in the team's room, or edit it where it is already shown."""
    return notify_team(
        session,
        VOLUNTEERS,
        community.team_chats,
        template="rq.card",
        params=card_params(session, request),
        card_key=f"{PREFIX}:{request.id}",
        now=now,
    )


def announce_back(
    session: Session, community: Community, request: HelpRequest, now: datetime, reason: str
) -> None:
    """The card changes back to open, and a new message in the room says so (an edit far up
    the chat is easy to miss)."""
    update_card(session, community, request, now)
    notify_team(
        session,
        VOLUNTEERS,
        community.team_chats,
        template="rq.back",
        params={**summary_params(request), "reason": reason},
        now=now,
    )
