"""The mediators' card of a case: what it says, its workflow buttons, and the outbox template
that posts it to the mediators' room (the photos relayed there: ``photos``).

Privacy: the card is built from ``card_params`` and the case's own text, which never include
an anonymous reporter's name, username or id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.disputes import operations as dp
from db.disputes import parties as dp_parties
from db.disputes.models import DisputeCase, DisputeStatus, FollowupStatus, MeetingStatus
from db.models import User
from db.outbox_params import Params
from db.teams import MEDIATORS, notify_team
from handlers.buttons.disputes import (
    AcknowledgeCase,
    AskReporter,
    CaseHistory,
    CaseInProgress,
    CaseLink,
    CasePhotos,
    CloseCase,
    InternalNote,
    InviteOtherSide,
    LinkDuplicate,
    OpenCase,
    ProposeMeeting,
    ResolveCase,
    TakeCase,
    UpdateReporter,
)
from handlers.disputes.common import (
    CATEGORY_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    first_name,
    router,
)
from handlers.i18n import LANGUAGE_NAMES, Language, negotiate
from handlers.types import Button, Community, Keyboard, Reply, link_button


def waited(hours: float) -> tuple[str, int]:
    """A waiting time as people say it: ("h", 26) under two days, else ("d", 3)."""
    return ("h", max(int(hours), 0)) if hours < 48 else ("d", int(hours // 24))


def waiting_text(lang: Language, since: datetime, now: datetime) -> str:
    """ "waiting 26 h" / "waiting 3 d" (a case not yet acknowledged) for the card."""
    delay = now - since
    unit, count = waited(delay.total_seconds() / 3600)
    if unit == "h":
        age = lang.gettext("{hours} h").format(hours=count)
    else:
        age = lang.gettext("{days} d").format(days=count)
    # Translators: staff only. On a case card: nobody acknowledged it for {age} ("26 h", "3 d")
    return lang.gettext("waiting {age}").format(age=age)


def reads(community: Community, user: User | None) -> str | None:
    """The language the reporter reads (简体 / 繁體 / English), never who they are."""
    if user is None:
        return None
    return negotiate(user.locale, user.language_hint, community.default_locale)


class CaseCard(Params, template="dp.card"):
    """Everything the mediators' card shows. An anonymous reporter is ``anonymous`` and
    nothing else about them; ``reads`` (the language they read) only on a mediator's private
    view, never on the room's card, where it would narrow down who reported."""

    case: int
    ref: str
    category: str
    place: str | None = None
    location: tuple[float, float] | None = None  # latitude, longitude
    when: str | None = None  # as the reporter wrote it
    description: str
    photos: int = 0
    reads: str | None = None
    holder: int | None = None  # the mediator's user id
    since: datetime | None = None  # reported, while nobody acknowledged it
    now: datetime | None = None
    anonymous: bool = True
    name: str | None = None
    contact: str | None = None
    contact_ok: bool = False
    status: str
    mediator: str | None = None
    reports: int = 1
    parties: int = 0
    parties_joined: int = 0
    meeting: datetime | None = None
    meeting_place: str | None = None
    meeting_agreed: bool = False
    outcome: str | None = None
    reason: str | None = None
    followup: str | None = None
    link: str | None = None  # the deep link that opens it in a private chat
    duplicate_of: str | None = None
    duplicate_text: str | None = None
    linked_to: str | None = None


def card_params(
    session: Session,
    community: Community,
    root: DisputeCase,
    now: datetime | None = None,
    *,
    private: bool = False,
) -> CaseCard:
    """Everything the card shows (the outbox renders it later); the language the reporter
    reads (so a question reaches them in it) only on a mediator's ``private`` view."""
    reporter = session.get(User, root.reporter_id) if root.reporter_id else None
    mediator = session.get(User, root.mediator_id) if root.mediator_id else None
    meeting = dp_parties.current_meeting(session, root)
    party_rows = dp_parties.parties(session, root)
    named = not root.anonymous and reporter is not None
    duplicate = dp.possible_duplicate(session, root)
    linked_to = session.get(DisputeCase, root.linked_to_id) if root.linked_to_id else None
    return CaseCard(
        case=root.id,
        ref=root.ref,
        category=root.category,
        place=root.place_text,
        location=(root.latitude, root.longitude)
        if root.latitude is not None and root.longitude is not None
        else None,
        when=root.happens,
        description=root.description,
        photos=sum(len(case.photos or []) for case in dp.family(session, root)),
        reads=reads(community, reporter) if private else None,
        holder=root.mediator_id,
        since=root.created_at if root.status == DisputeStatus.NEW and now else None,
        now=now,
        anonymous=not named,
        name=first_name(reporter) if named else None,
        contact=(reporter.username if named and root.contact_ok and reporter else None),
        contact_ok=bool(named and root.contact_ok),
        status=root.status,
        mediator=first_name(mediator) if mediator else None,
        reports=dp.report_count(session, root),
        parties=len(party_rows),
        parties_joined=sum(1 for p in party_rows if p.user_id is not None),
        meeting=meeting.starts_at if meeting else None,
        meeting_place=meeting.place if meeting else None,
        meeting_agreed=bool(meeting and meeting.status == MeetingStatus.AGREED),
        outcome=root.outcome,
        reason=root.close_reason,
        followup=root.followup,
        link=community.deep_link(CaseLink(root.id).pack()),
        # Both texts, so a mediator can judge whether it is the same problem.
        duplicate_of=duplicate.ref if duplicate else None,
        duplicate_text=duplicate.description if duplicate else None,
        linked_to=linked_to.ref if linked_to else None,
    )


def card_text(lang: Language, params: CaseCard) -> str:
    """The case as mediators see it (the room's card and the private view)."""
    _ = lang.gettext
    status = _(STATUS_LABELS.get(params.status, params.status))
    if params.since and params.now:
        status += " · " + waiting_text(lang, params.since, params.now)
    lines = [
        _("⚖️ {ref} · {category} · {status}").format(
            ref=params.ref,
            category=_(CATEGORY_LABELS.get(params.category, params.category)),
            status=status,
        )
    ]
    if params.place:
        lines.append(_("Place: {place}").format(place=params.place))
    if params.location:
        latitude, longitude = params.location
        lines.append(
            _("Place: 📍 {latitude}, {longitude}").format(
                latitude=f"{latitude:.5f}", longitude=f"{longitude:.5f}"
            )
        )
    if params.when:
        lines.append(_("When: {when}").format(when=params.when))
    lines.append(_("What happens: {description}").format(description=params.description))
    if params.photos:
        lines.append(_("Photos: {count}").format(count=params.photos))
    if params.anonymous:
        lines.append(_("Reported by: anonymous (ask questions through the bot)"))
    elif params.contact:
        lines.append(
            _("Reported by: {name}, agrees to be contacted: @{username}").format(
                name=params.name, username=params.contact
            )
        )
    elif params.contact_ok:
        lines.append(
            _("Reported by: {name}, agrees to be contacted through the bot").format(
                name=params.name
            )
        )
    else:
        lines.append(
            _("Reported by: {name} (contact only through the bot)").format(name=params.name)
        )
    if params.reads:
        # Translators: staff only. The language the reporter reads: 简体, 繁體 or English
        lines.append(
            _("The reporter reads {language}").format(language=LANGUAGE_NAMES[params.reads])
        )
    if params.reports > 1:
        lines.append(
            lang.ngettext(
                "{count} neighbour reported this",
                "{count} neighbours reported this",
                params.reports,
            ).format(count=params.reports)
        )
    if params.mediator:
        lines.append(_("Mediator: {name}").format(name=params.mediator))
    else:
        lines.append(_("Mediator: nobody yet"))
    if params.parties:
        lines.append(
            _("Other side: {joined} of {invited} invited opened the invitation").format(
                joined=params.parties_joined, invited=params.parties
            )
        )
    if params.meeting:
        moment = lang.datetime(params.meeting)
        message = (
            _("Meeting: {when}, {place} (agreed)")
            if params.meeting_agreed
            else _("Meeting: {when}, {place} (proposed)")
        )
        lines.append(message.format(when=moment, place=params.meeting_place))
    if params.outcome:
        lines.append(_("Outcome: {outcome}").format(outcome=params.outcome))
    if params.reason:
        lines.append(
            _("Closed because: {reason}").format(
                reason=_(REASON_LABELS.get(params.reason, params.reason))
            )
        )
    if params.followup == FollowupStatus.YES:
        lines.append(_("The reporter confirmed the problem is solved."))
    if params.duplicate_of:
        lines.append(
            _("⚠️ Possible duplicate of {ref} (same category and place). Its report: {text}").format(
                ref=params.duplicate_of, text=params.duplicate_text
            )
        )
    if params.linked_to:
        lines.append(
            # Translators: staff only
            _("🔗 Linked to {ref}: the mediators work on it there.").format(ref=params.linked_to)
        )
    return "\n".join(lines)


def card_buttons(
    lang: Language,
    params: CaseCard,
    *,
    private: bool,
    viewer: int | None = None,
    history: bool = False,
) -> Keyboard:
    """The workflow buttons that apply to the case's status (the same payloads in the room and
    in private; every press is checked again): no Photos without photos, no Take for the
    ``viewer`` who holds it; ``history``: a button to the whole history."""
    _ = lang.gettext
    case = params.case
    status = params.status
    if params.linked_to:
        return ()  # worked on through the case it was linked to
    rows: list[tuple[Button, ...]] = []
    if params.duplicate_of and status in dp.OPEN:
        rows.append(
            (
                Button(
                    _("🔗 Link to {ref}").format(ref=params.duplicate_of),
                    LinkDuplicate(case).pack(),
                ),
            )
        )
    first: list[Button] = []
    if status == DisputeStatus.NEW:
        first.append(Button(_("✅ Acknowledge"), AcknowledgeCase(case).pack()))
    if status in dp.OPEN and not (viewer is not None and params.holder == viewer):
        # Translators: staff only. Mediators' buttons on a case card: take the case (over)
        label = _("🙋 Take over") if params.mediator else _("🙋 Take")
        first.append(Button(label, TakeCase(case).pack()))
    if status == DisputeStatus.ACKNOWLEDGED:
        first.append(Button(_("▶️ In progress"), CaseInProgress(case).pack()))
    if first:
        rows.append(tuple(first))
    if private and status in dp.OPEN:
        rows.append(
            (
                # Translators: staff only. A mediator's button: send an update to the parties
                Button(_("✉️ Update"), UpdateReporter(case).pack()),
                Button(_("📝 Internal note"), InternalNote(case).pack()),
            )
        )
        rows.append(
            (
                Button(_("❓ Ask the reporter"), AskReporter(case).pack()),
                Button(_("🤝 Invite the other side"), InviteOtherSide(case).pack()),
            )
        )
        rows.append(
            (
                Button(_("📅 Propose a meeting"), ProposeMeeting(case).pack()),
                Button(_("✅ Resolve"), ResolveCase(case).pack()),
                Button(_("✖️ Close"), CloseCase(case).pack()),
            )
        )
    if private:
        extra = []
        if params.photos:
            extra.append(Button(_("📷 Photos"), CasePhotos(case).pack()))
        if history:
            # Translators: staff only. A button: the case's whole history
            extra.append(Button(_("📜 History"), CaseHistory(case).pack()))
        if extra:
            rows.append(tuple(extra))
    elif status in dp.OPEN:
        rows.append(
            (link_button(_("🔎 Open in private chat"), params.link, OpenCase(case).pack()),)
        )
    return tuple(rows)


@router.template(CaseCard)
def render_card(lang: Language, params: CaseCard) -> Reply:
    return Reply(card_text(lang, params), card_buttons(lang, params, private=False))


def post_card(session: Session, community: Community, root: DisputeCase, now: datetime) -> bool:
    """Post (or edit in place) the case's card in the mediators' room; False: no room yet."""
    return notify_team(
        session,
        MEDIATORS,
        community.team_chats,
        params=card_params(session, community, root, now),
        card_key=f"dp:{root.id}",
        now=now,
    )
