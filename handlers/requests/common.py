"""What the help-request flows share: the router, the categories, how a request is described
(in the team's room, to a volunteer, to the resident), and telling the room it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from sqlalchemy.orm import Session

from db import outbox
from db.base import reference
from db.models import User
from db.outbox_params import Params, Record
from db.request_models import HelpRequest, RequestStatus
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


def needed_text(lang: Language, needed: str, needed_at: datetime | None) -> str:
    """When help is needed, in ``lang``: a date and time, as soon as possible, or flexible."""
    if needed == "date" and needed_at:
        return lang.datetime(needed_at)
    if needed == "day" and needed_at:  # "Today" or "Tomorrow" pressed: that day, any time
        return lang.date(needed_at)
    if needed == "weekend" and needed_at:
        return lang.gettext(N_("The weekend of {date}")).format(date=lang.date(needed_at))
    if needed == "flexible":
        return lang.gettext(N_("Flexible"))
    return lang.gettext(N_("As soon as possible"))


# ------------------------------------------------- what the outbox carries (cards.py renders)


class RequestSummary(Params):
    """What every description of a request needs (never the resident's name or contact)."""

    id: int
    ref: str
    category: str
    language: str
    urgent: bool = False
    needed: str
    needed_at: datetime | None = None
    created_at: datetime
    description: str

    @classmethod
    def of(cls, request: HelpRequest, **more: Any) -> Self:
        """The parameters describing ``request``, and ``more``."""
        return cls(
            id=request.id,
            ref=ref(request),
            category=request.category,
            language=request.language,
            urgent=request.urgent,
            needed=request.needed,
            needed_at=request.needed_at,
            created_at=request.created_at,
            description=request.description,
            **more,
        )


class RequestCard(RequestSummary, template="rq.card"):
    """The request in the team's room: its status and its volunteer's first name."""

    status: str
    volunteer: str | None = None


class AnnouncedAgain(RequestSummary, template="rq.again"):
    """Nobody claimed it in ``minutes`` of service time: announced in the room again."""

    minutes: int


class BackInQueue(RequestSummary, template="rq.back"):
    """Back in the queue, ``released`` or ``reopened``, posted anew so the room notices."""

    reason: str | None = None


class MatchAlert(RequestSummary, template="rq.alert"):
    """A private alert to a volunteer whose profile matches a new request."""


class UnclaimedForAdmins(RequestSummary, template="rq.admin_unclaimed"):
    """To the admins: nobody claimed it in ``hours`` of service time."""

    hours: int


class HistoryEntry(Record):
    """One entry of the request's history, for the volunteer's briefing."""

    side: str  # resident, volunteer, note, event
    name: str | None = None
    text: str | None = None
    file_kind: str | None = None


class Briefing(RequestSummary, template="rq.briefing"):
    """To the volunteer who took it: the resident's name (with consent) and the history."""

    resident: str | None = None
    health_consent: bool = False
    history: tuple[HistoryEntry, ...] = ()


class Relayed(Params, template="rq.relay"):
    """A message (text, photo, file) passed from one side to the other."""

    ref: str
    side: str  # who wrote it: resident or volunteer
    name: str | None = None
    text: str | None = None
    file_id: str | None = None
    file_kind: str | None = None
    file_name: str | None = None
    thread: str | None = None  # the conversation a reply to it belongs to (db.awaiting)


class VolunteerNamed(Params):
    """A request and its volunteer's first name."""

    ref: str
    volunteer: str | None = None


class Claimed(VolunteerNamed, template="rq.claimed"):
    """To the resident: who is helping, and that they can simply write here."""


class ReleasedByVolunteer(VolunteerNamed, template="rq.released"):
    """To the resident: their volunteer gave the request back."""


class Resolved(VolunteerNamed, template="rq.resolved"):
    """To the resident: closed, with the summary; rate it or reopen it."""

    id: int
    summary: str


class Feedback(Params, template="rq.feedback"):
    """To the volunteer who helped: the resident's rating, or their comment."""

    ref: str
    stars: int | None = None
    comment: str | None = None


class SilentReminder(Params, template="rq.remind"):
    """To a volunteer who has not written in a claimed request for ``hours``."""

    ref: str
    hours: int


class SilentForAdmins(VolunteerNamed, template="rq.admin_silent"):
    """To the admins: a volunteer silent in a claimed request for ``hours``."""

    hours: int


def describe(lang: Language, params: RequestSummary) -> list[str]:
    """The lines that describe a request to the team: never the resident's name or contact."""
    title = lang.gettext(N_("{ref} · {category}")).format(
        ref=params.ref, category=category_label(lang, params.category)
    )
    lines = [("⚡ " if params.urgent else "🙋 ") + title]
    lines.append(
        lang.gettext(N_("Language: {language}")).format(
            language=LANGUAGE_FULL_NAMES.get(params.language, params.language)
        )
    )
    if params.urgent:
        lines.append(lang.gettext(N_("Urgent: yes")))
    lines.append(lang.gettext(N_("Asked: {when}")).format(when=lang.datetime(params.created_at)))
    lines.append(
        lang.gettext(N_("Needed: {when}")).format(
            when=needed_text(lang, params.needed, params.needed_at)
        )
    )
    lines.append("")
    lines.append(params.description)
    return lines


def card_params(session: Session, request: HelpRequest) -> RequestCard:
    """The card's parameters: the request, its status and its volunteer's first name."""
    volunteer = session.get(User, request.volunteer_id) if request.volunteer_id else None
    return RequestCard.of(
        request, status=request.status, volunteer=first_name(volunteer) if volunteer else None
    )


def tell_resident(ctx: Ctx, request: HelpRequest, params: Params) -> None:
    """Queue a message to the resident who asked (in their language, when it is sent)."""
    resident = ctx.session.get(User, request.resident_id)
    if resident is not None:
        outbox.enqueue_to_user(ctx.session, resident, params=params, now=ctx.now)


def update_card(
    session: Session, community: Community, request: HelpRequest, now: datetime
) -> bool:
    """Post the request's card in the team's room, or edit it where it is already shown."""
    return notify_team(
        session,
        VOLUNTEERS,
        community.team_chats,
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
        params=BackInQueue.of(request, reason=reason),
        now=now,
    )
