"""What the dispute flows share: the router, the labels, the emergency check, access to a
case, the mediators' card and the messages to reporters.

Privacy: the card, the room's notes, the admins' escalation and everything the other side sees
are built from ``card_params`` and the case's own text, which never include an anonymous
reporter's name, username or id. Only messages to the reporter's own private chat go to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db import dispute_parties as dp_parties
from db import disputes as dp
from db import outbox
from db.dispute_models import DisputeCase, DisputeStatus, FollowupStatus, MeetingStatus
from db.models import User
from db.teams import MEDIATORS, notify_team, users_with_role
from db.users import users_by_id
from handlers import common, hant
from handlers.common import dispatch_action, parse_id
from handlers.i18n import LANGUAGE_NAMES, N_, Language, negotiate
from handlers.router import Handler, Router
from handlers.types import Attachment, Button, Community, Ctx, Keyboard, Reply, link_button

router = Router("disputes")

#: The actions behind ``dp:<action>:<arg>`` payloads, registered by the flow modules.
ACTIONS: dict[str, Handler] = {}


#: Said in a group for a mediator's view of a case; the button beside it opens it privately.
# Translators: staff only
CASE_IN_PRIVATE = N_("Please open the case in a private chat with me: send /cases there.")


def case_link(arg: str) -> str | None:
    """The deep link that opens case ``arg`` (``42`` of ``dp:pics:42``) in a private chat."""
    case_id = parse_id(arg)
    return f"dp_c{case_id}" if case_id is not None else None


#: A mediator's view of a case or its tools: mediators (and admins), in a private chat only.
MEDIATOR_PRIVATELY: dict[str, Any] = {
    "role": "mediator",
    "private_only": True,
    "private_hint": CASE_IN_PRIVATE,
    "private_link": case_link,
}


def action(name: str, **rule: Any) -> Callable[[Handler], Handler]:
    """Register the handler of ``dp:<name>:<arg>`` (it gets ``<arg>``); ``role=``,
    ``private_only=``… (``handlers.router.Rule``) are enforced before it runs."""

    def register(handler: Handler) -> Handler:
        ACTIONS[name] = handler
        if rule:
            router.rule("dp", name, **rule)
        return handler

    return register


@router.button("dp")
def press(ctx: Ctx, rest: str) -> None:
    """Route a ``dp:…`` button to its action; an unknown one is stale or forged."""
    dispatch_action(ctx, rest, ACTIONS)


CATEGORY_LABELS = {
    "noise": N_("🔊 Noise"),
    "parking": N_("🚗 Parking"),
    "pets": N_("🐕 Pets"),
    "water_leak": N_("💧 Water leak"),
    "shared_spaces": N_("🗑 Shared spaces and rubbish"),
    "property": N_("🏢 Property management"),
    "other": N_("📝 Other"),
}
STATUS_LABELS = {
    DisputeStatus.NEW: N_("new"),
    DisputeStatus.ACKNOWLEDGED: N_("acknowledged"),
    DisputeStatus.IN_PROGRESS: N_("in progress"),
    DisputeStatus.RESOLVED: N_("resolved"),
    DisputeStatus.CLOSED: N_("closed"),
}
REASON_LABELS = {
    "duplicate": N_("a duplicate of another report"),
    "not_neighbours": N_("not a matter between neighbours"),
    "no_response": N_("no response"),
    "other": N_("other reason"),
}

# ---------------------------------------------------------------------------- emergencies

_EMERGENCY_ZH = (
    "火灾",
    "着火",
    "起火",
    "失火",
    "冒烟",
    "煤气",
    "燃气",
    "漏气",
    "打人",
    "打架",
    "动刀",
    "持刀",
    "受伤",
    "流血",
    "救命",
    "家暴",
    "威胁",
    "杀人",
    "杀了",
    "要杀",
    "砍人",
    "殴打",
    "咬人",
    "被咬",
    "危险",
    "自杀",
    "跳楼",
)
#: The Chinese words in Simplified, Taiwan and Hong Kong characters.
_EMERGENCY_WORDS = hant.traditional_forms(_EMERGENCY_ZH)
_EMERGENCY_EN = re.compile(
    r"\b(fires?|smoke|gas leak|smell of gas|fights?|fighting|violence|violent|knife|knives|"
    r"hurts?|injured|injury|bleeding|blood|threat\w*|kill\w*|attack\w*|beat(en|ing)?|stab\w*|"
    r"bit|bites|bitten|weapon|gun|danger\w*|emergency|suicide)\b",
    re.IGNORECASE,
)


def is_emergency(text: str) -> bool:
    """True when ``text`` mentions a fire, gas, violence or someone hurt (Chinese in either
    script, or English)."""
    return any(word in text for word in _EMERGENCY_WORDS) or bool(_EMERGENCY_EN.search(text))


def emergency_text(ctx: Ctx) -> str:
    return ctx._(
        "🚨 If anyone is in danger right now, call at once: 110 police, 119 fire, "
        "120 ambulance. The mediators cannot send help."
    )


def emergency_notice(ctx: Ctx, value: Any) -> str | None:
    """A form field's ``notice``: the emergency numbers if the answer sounds like one."""
    text = value.get("text", "") if isinstance(value, dict) else str(value or "")
    return emergency_text(ctx) if is_emergency(text) else None


# ---------------------------------------------------------------------------- access


def is_mediator(ctx: Ctx) -> bool:
    """Mediators work cases; admins may too (they act as every staff role)."""
    return ctx.acts_as("mediator")


def access_case_as_mediator(ctx: Ctx, raw_id: str) -> DisputeCase | None:
    """The case (the one mediators work on) for a mediator; otherwise answer why not."""
    if not is_mediator(ctx):
        ctx.reply(ctx._("Sorry, only the community's mediators can do this."))
        return None
    case_id = parse_id(raw_id)
    case = ctx.session.get(DisputeCase, case_id) if case_id is not None else None
    if case is None:
        # Translators: staff only (mediators), so 案件 is right here
        ctx.reply(ctx._("That case does not exist. Send /cases to see the open ones."))
        return None
    return dp.root_of(ctx.session, case)


def log_by_mediator(
    ctx: Ctx, root: DisputeCase, kind: str, *, audience: str = dp.INTERNAL, text: str | None = None
) -> None:
    """One line in the case's audit log: this mediator did ``kind`` (internal unless said)."""
    dp.log_event(
        ctx.session,
        root,
        now=ctx.now,
        kind=kind,
        audience=audience,
        actor=ctx.user,
        role="mediator",
        text=text,
    )


def first_name(user: User | None) -> str:
    """A person's first name on a case; "?" when there is none."""
    return common.first_name(user, missing="?")


# ---------------------------------------------------------------------------- the card


def waited(hours: float) -> tuple[str, int]:
    """A waiting time as people say it: ("h", 26) under two days, else ("d", 3)."""
    return ("h", max(int(hours), 0)) if hours < 48 else ("d", int(hours // 24))


def waiting_text(lang: Language, since: str, now: str) -> str:
    """ "waiting 26 h" / "waiting 3 d" (a case not yet acknowledged) for the card."""
    delay = datetime.fromisoformat(now) - datetime.fromisoformat(since)
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


def card_params(
    session: Session, community: Community, root: DisputeCase, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the card shows, as plain values (the outbox renders it later). An anonymous
    reporter is ``anonymous: True`` and nothing else about them (but the language they read,
    so a question reaches them in it)."""
    reporter = session.get(User, root.reporter_id) if root.reporter_id else None
    mediator = session.get(User, root.mediator_id) if root.mediator_id else None
    meeting = dp_parties.current_meeting(session, root)
    party_rows = dp_parties.parties(session, root)
    named = not root.anonymous and reporter is not None
    duplicate = dp.possible_duplicate(session, root)
    linked_to = session.get(DisputeCase, root.linked_to_id) if root.linked_to_id else None
    return {
        "case": root.id,
        "ref": root.ref,
        "category": root.category,
        "place": root.place_text,
        "location": [root.latitude, root.longitude] if root.latitude is not None else None,
        "when": root.happens,
        "description": root.description,
        "photos": sum(len(case.photos or []) for case in dp.family(session, root)),
        "reads": reads(community, reporter),
        "holder": root.mediator_id,
        "since": root.created_at.isoformat() if root.status == DisputeStatus.NEW and now else None,
        "now": now.isoformat() if now else None,
        "anonymous": not named,
        "name": first_name(reporter) if named else None,
        "contact": (reporter.username if named and root.contact_ok and reporter else None),
        "contact_ok": bool(named and root.contact_ok),
        "status": root.status,
        "mediator": first_name(mediator) if mediator else None,
        "reports": dp.report_count(session, root),
        "parties": len(party_rows),
        "parties_joined": sum(1 for p in party_rows if p.user_id is not None),
        "meeting": meeting.starts_at.isoformat() if meeting else None,
        "meeting_place": meeting.place if meeting else None,
        "meeting_agreed": bool(meeting and meeting.status == MeetingStatus.AGREED),
        "outcome": root.outcome,
        "reason": root.close_reason,
        "followup": root.followup,
        "link": community.deep_link(f"dp_c{root.id}"),
        # Both texts, so a mediator can judge whether it is the same problem.
        "duplicate_of": duplicate.ref if duplicate else None,
        "duplicate_text": duplicate.description if duplicate else None,
        "linked_to": linked_to.ref if linked_to else None,
    }


def card_text(lang: Language, params: dict[str, Any]) -> str:
    """The case as mediators see it (the room's card and the private view)."""
    _ = lang.gettext
    status = _(STATUS_LABELS.get(params["status"], params["status"]))
    if params.get("since") and params.get("now"):
        status += " · " + waiting_text(lang, params["since"], params["now"])
    lines = [
        _("⚖️ {ref} · {category} · {status}").format(
            ref=params["ref"],
            category=_(CATEGORY_LABELS.get(params["category"], params["category"])),
            status=status,
        )
    ]
    if params.get("place"):
        lines.append(_("Place: {place}").format(place=params["place"]))
    if params.get("location"):
        latitude, longitude = params["location"]
        lines.append(
            _("Place: 📍 {latitude}, {longitude}").format(
                latitude=f"{latitude:.5f}", longitude=f"{longitude:.5f}"
            )
        )
    if params.get("when"):
        lines.append(_("When: {when}").format(when=params["when"]))
    lines.append(_("What happens: {description}").format(description=params["description"]))
    if params["photos"]:
        lines.append(_("Photos: {count}").format(count=params["photos"]))
    if params["anonymous"]:
        lines.append(_("Reported by: anonymous (ask questions through the bot)"))
    elif params.get("contact"):
        lines.append(
            _("Reported by: {name}, agrees to be contacted: @{username}").format(
                name=params["name"], username=params["contact"]
            )
        )
    elif params.get("contact_ok"):
        lines.append(
            _("Reported by: {name}, agrees to be contacted through the bot").format(
                name=params["name"]
            )
        )
    else:
        lines.append(
            _("Reported by: {name} (contact only through the bot)").format(name=params["name"])
        )
    if params.get("reads"):
        # Translators: staff only. The language the reporter reads: 简体, 繁體 or English
        lines.append(
            _("The reporter reads {language}").format(language=LANGUAGE_NAMES[params["reads"]])
        )
    if params["reports"] > 1:
        lines.append(
            lang.ngettext(
                "{count} neighbour reported this",
                "{count} neighbours reported this",
                params["reports"],
            ).format(count=params["reports"])
        )
    if params.get("mediator"):
        lines.append(_("Mediator: {name}").format(name=params["mediator"]))
    else:
        lines.append(_("Mediator: nobody yet"))
    if params["parties"]:
        lines.append(
            _("Other side: {joined} of {invited} invited opened the invitation").format(
                joined=params["parties_joined"], invited=params["parties"]
            )
        )
    if params.get("meeting"):
        moment = lang.datetime(datetime.fromisoformat(params["meeting"]))
        message = (
            _("Meeting: {when}, {place} (agreed)")
            if params["meeting_agreed"]
            else _("Meeting: {when}, {place} (proposed)")
        )
        lines.append(message.format(when=moment, place=params["meeting_place"]))
    if params.get("outcome"):
        lines.append(_("Outcome: {outcome}").format(outcome=params["outcome"]))
    if params.get("reason"):
        lines.append(
            _("Closed because: {reason}").format(
                reason=_(REASON_LABELS.get(params["reason"], params["reason"]))
            )
        )
    if params.get("followup") == FollowupStatus.YES:
        lines.append(_("The reporter confirmed the problem is solved."))
    if params.get("duplicate_of"):
        lines.append(
            _("⚠️ Possible duplicate of {ref} (same category and place). Its report: {text}").format(
                ref=params["duplicate_of"], text=params["duplicate_text"]
            )
        )
    if params.get("linked_to"):
        lines.append(
            # Translators: staff only
            _("🔗 Linked to {ref}: the mediators work on it there.").format(ref=params["linked_to"])
        )
    return "\n".join(lines)


def card_buttons(
    lang: Language,
    params: dict[str, Any],
    *,
    private: bool,
    viewer: int | None = None,
    history: bool = False,
) -> Keyboard:
    """The workflow buttons that apply to the case's status (the same payloads in the room and
    in private; every press is checked again): no Photos without photos, no Take for the
    ``viewer`` who holds it; ``history``: a button to the whole history."""
    _ = lang.gettext
    case = params["case"]
    status = params["status"]
    if params.get("linked_to"):
        return ()  # worked on through the case it was linked to
    rows: list[tuple[Button, ...]] = []
    if params.get("duplicate_of") and status in dp.OPEN:
        rows.append(
            (Button(_("🔗 Link to {ref}").format(ref=params["duplicate_of"]), f"dp:link:{case}"),)
        )
    first: list[Button] = []
    if status == DisputeStatus.NEW:
        first.append(Button(_("✅ Acknowledge"), f"dp:ack:{case}"))
    if status in dp.OPEN and not (viewer is not None and params.get("holder") == viewer):
        # Translators: staff only. Mediators' buttons on a case card: take the case (over)
        label = _("🙋 Take over") if params.get("mediator") else _("🙋 Take")
        first.append(Button(label, f"dp:take:{case}"))
    if status == DisputeStatus.ACKNOWLEDGED:
        first.append(Button(_("▶️ In progress"), f"dp:prog:{case}"))
    if first:
        rows.append(tuple(first))
    if private and status in dp.OPEN:
        rows.append(
            (
                # Translators: staff only. A mediator's button: send an update to the parties
                Button(_("✉️ Update"), f"dp:upd:{case}"),
                Button(_("📝 Internal note"), f"dp:note:{case}"),
            )
        )
        rows.append(
            (
                Button(_("❓ Ask the reporter"), f"dp:ask:{case}"),
                Button(_("🤝 Invite the other side"), f"dp:inv:{case}"),
            )
        )
        rows.append(
            (
                Button(_("📅 Propose a meeting"), f"dp:meet:{case}"),
                Button(_("✅ Resolve"), f"dp:res:{case}"),
                Button(_("✖️ Close"), f"dp:close:{case}"),
            )
        )
    if private:
        extra = []
        if params["photos"]:
            extra.append(Button(_("📷 Photos"), f"dp:pics:{case}"))
        if history:
            # Translators: staff only. A button: the case's whole history
            extra.append(Button(_("📜 History"), f"dp:hist:{case}"))
        if extra:
            rows.append(tuple(extra))
    elif status in dp.OPEN:
        rows.append(
            (link_button(_("🔎 Open in private chat"), params.get("link"), f"dp:open:{case}"),)
        )
    return tuple(rows)


@router.template("dp.card")
def render_card(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(card_text(lang, params), card_buttons(lang, params, private=False))


@router.template("dp.photo")
def render_photo(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(
        lang.gettext("{ref}: photo {number} of {count}").format(
            ref=params["ref"], number=params["number"], count=params["count"]
        ),
        attachment=Attachment("photo.jpg", file_id=params["file_id"], is_photo=True),
    )


def post_card(session: Session, community: Community, root: DisputeCase, now: datetime) -> bool:
    """Post (or edit in place) the case's card in the mediators' room; False: no room yet."""
    return notify_team(
        session,
        MEDIATORS,
        community.team_chats,
        template="dp.card",
        params=card_params(session, community, root, now),
        card_key=f"dp:{root.id}",
        now=now,
    )


def relay_photos(session: Session, community: Community, case: DisputeCase, now: datetime) -> None:
    """Send a report's photos to the mediators' room by file id, once each."""
    root = dp.root_of(session, case)
    count = len(case.photos or [])
    for number, file_id in enumerate(case.photos or [], start=1):
        notify_team(
            session,
            MEDIATORS,
            community.team_chats,
            template="dp.photo",
            params={"ref": root.ref, "file_id": file_id, "number": number, "count": count},
            dedup_key=f"dp:{case.id}:photo:{number}",
            now=now,
        )


ROOM_NOTES = {
    "answer": N_("{ref}: the reporter answered your question “{question}”: {text}"),
    "side": N_("{ref}: the other side gave their view: {text}"),
    "party_opened": N_("{ref}: the other side opened the invitation."),
    "meeting_yes": N_("{ref}: the reporter can come to the meeting."),
    "meeting_other": N_("{ref}: the reporter asks for another meeting time."),
    "party_meeting_yes": N_("{ref}: the other side can come to the meeting."),
    "party_meeting_other": N_("{ref}: the other side asks for another meeting time."),
    "linked": N_("{ref}: another neighbour reported the same problem (reports so far: {count})."),
    "reopened": N_("{ref} was reopened: the reporter says the problem is not solved."),
    "new": N_("{ref}: a new dispute report. Send /cases to see it."),
}


@router.template("dp.room")
def render_room_note(lang: Language, params: dict[str, Any]) -> Reply:
    text = lang.gettext(ROOM_NOTES[params["what"]]).format(**params)
    if params.get("open"):  # a private note to one mediator: the case is a press away
        label = lang.gettext("🔎 Open {ref}").format(ref=params["ref"])
        return Reply(text, ((Button(label, f"dp:open:{params['open']}"),),))
    return Reply(text)


def tell_room(
    session: Session,
    community: Community,
    what: str,
    now: datetime,
    *,
    case: DisputeCase | None = None,
    told: User | None = None,
    **params: Any,
) -> None:
    """A short note to the mediators' room (a new message, not the card). Without a room it
    goes privately to the case's mediator, or to every mediator if nobody holds it (or the one
    who held it is no longer a mediator); ``told``: a mediator who already had it privately."""
    params = {"what": what, **params}
    if notify_team(
        session, MEDIATORS, community.team_chats, template="dp.room", params=params, now=now
    ):
        return
    mediators = users_with_role(session, "mediator")
    allowed = {user.id for user in mediators} | {
        user.id for user in users_with_role(session, "admin", community.admin_refs)
    }
    holder = session.get(User, case.mediator_id) if case and case.mediator_id else None
    if holder is not None and holder.id not in allowed:
        holder = None
    for mediator in [holder] if holder else mediators:
        if told is not None and mediator.id == told.id:
            continue
        outbox.enqueue_to_user(session, mediator, template="dp.room", params=params, now=now)


def tell_reporters(
    session: Session,
    root: DisputeCase,
    *,
    template: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    dedup: str | None = None,
    skip: User | None = None,
    linked: dict[str, Any] | None = None,
) -> int:
    """Queue a message to the case's reporter, each with their own reference, except ``skip``
    (who was just answered directly). Returns how many.

    The reporters of reports a mediator linked to the case are told only when ``linked`` is
    given (a status change), with ``linked`` overriding ``params``: they learn "in progress" or
    "resolved", never the free-text updates, the outcome, meetings or that others reported."""
    told = 0
    cases = dp.family(session, root) if linked is not None else [root]
    reporters = users_by_id(session, (case.reporter_id for case in cases if case.reporter_id))
    for case in cases:
        reporter = reporters.get(case.reporter_id) if case.reporter_id else None
        if reporter is None or reporter is skip:
            continue
        told += outbox.enqueue_to_user(
            session,
            reporter,
            template=template,
            params={
                "ref": case.ref,
                "case": case.id,
                **(params or {}),
                **(linked if case.id != root.id and linked is not None else {}),
            },
            now=now,
            dedup_key=f"{dedup}:c{case.id}" if dedup else None,
        )
    return told


STATUS_NEWS = {
    DisputeStatus.ACKNOWLEDGED: N_(
        "Your report {ref} was received (acknowledged) by the community's mediators. "
        "They will keep you informed here."
    ),
    DisputeStatus.IN_PROGRESS: N_("A mediator is now working on your report {ref}."),
    "reopened": N_("Your report {ref} was reopened. A mediator will look at it again."),
}


@router.template("dp.status")
def render_status(lang: Language, params: dict[str, Any]) -> Reply:
    status = params["status"]
    if status == DisputeStatus.RESOLVED and params.get("outcome"):
        text = lang.gettext("Your report {ref} was resolved. Outcome: {outcome}").format(
            ref=params["ref"], outcome=params["outcome"]
        )
    elif status == DisputeStatus.RESOLVED:
        text = lang.gettext("Your report {ref} was resolved.").format(ref=params["ref"])
    elif status == DisputeStatus.CLOSED:
        reason = lang.gettext(REASON_LABELS.get(params.get("reason") or "", REASON_LABELS["other"]))
        text = lang.gettext("Your report {ref} was closed. Reason: {reason}").format(
            ref=params["ref"], reason=reason
        )
    else:
        text = lang.gettext(STATUS_NEWS[status]).format(ref=params["ref"])
    return Reply(text)


@router.template("dp.update")
def render_update(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(
        lang.gettext("Update on your report {ref} from the mediators: {text}").format(
            ref=params["ref"], text=params["text"]
        )
    )


@router.template("dp.escalated")
def render_escalated(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(
        lang.gettext(
            "Dispute report {ref} ({category}) has not been acknowledged since {since}. "
            "Please make sure a mediator takes it."
        ).format(
            ref=params["ref"],
            category=lang.gettext(
                CATEGORY_LABELS.get(params["category"], CATEGORY_LABELS["other"])
            ),
            since=lang.datetime(datetime.fromisoformat(params["since"])),
        )
    )
