"""The volunteer team's side: Claim (race-safe, from the room's card, an alert or /queue),
the briefing a volunteer gets on taking a request, /queue and /profile."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db import outbox, volunteers
from db import requests as store
from db.models import User
from db.request_models import HelpRequest, RequestStatus, VolunteerProfile
from db.users import users_by_id
from handlers.buttons.requests import ClaimRequest, RequestLink
from handlers.common import first_name
from handlers.forms import engine
from handlers.forms.fields import Choice, MultiChoiceField, YesNoField
from handlers.i18n import LANGUAGE_FULL_NAMES, N_
from handlers.requests.cards import briefing, relay_reply
from handlers.requests.common import (
    CATEGORIES,
    Briefing,
    Claimed,
    HistoryEntry,
    Relayed,
    access_request_as_volunteer,
    category_label,
    ref,
    router,
    tell_resident,
    update_card,
)
from handlers.requests.intake import drop_alerts
from handlers.types import Button, Ctx

#: At most this many earlier entries (and attachments) in a briefing.
HISTORY_SHOWN = 30
ATTACHMENTS_SHOWN = 10


def briefing_params(session: Session, request: HelpRequest) -> Briefing:
    """Everything a volunteer taking the request sees: the request, the resident's name only
    with their consent, and the history so far."""
    resident = session.get(User, request.resident_id)
    shown_name = None
    if request.share_name and resident is not None:
        shown_name = resident.display_name or "—"
        if resident.username:
            shown_name += f" (@{resident.username})"
    entries = store.history(session, request.id)[1:]  # the first is the description itself
    authors = {e.author_id for e in entries if e.author_id and e.author_id != request.resident_id}
    # volunteers' first names; a resident is never named in the history
    names = {i: first_name(user) for i, user in users_by_id(session, authors).items()}
    return Briefing.of(
        request,
        resident=shown_name,
        health_consent=request.health_consent,
        history=tuple(
            HistoryEntry(
                side=entry.side,
                name=names.get(entry.author_id or 0),
                text=entry.text,
                file_kind=entry.file_kind,
            )
            for entry in entries[-HISTORY_SHOWN:]
        ),
    )


def attachments(session: Session, request: HelpRequest) -> list[Relayed]:
    """The files said in the request so far, as relay parameters (sent after the briefing)."""
    files = [entry for entry in store.history(session, request.id) if entry.file_id]
    return [
        Relayed(
            ref=ref(request),
            side="volunteer" if entry.side == "volunteer" else "resident",
            name=first_name(session.get(User, entry.author_id))
            if entry.side == "volunteer" and entry.author_id
            else "",
            text="",
            file_id=entry.file_id,
            file_kind=entry.file_kind,
            file_name=entry.file_name,
        )
        for entry in files[-ATTACHMENTS_SHOWN:]
    ]


def brief_here(ctx: Ctx, request: HelpRequest) -> None:
    """Show the briefing (and the files) as replies in this private chat."""
    ctx.reply(briefing(ctx.lang, briefing_params(ctx.session, request)))
    for params in attachments(ctx.session, request):
        reply = relay_reply(ctx.lang, params)
        ctx.reply(reply.text, attachment=reply.attachment)


def brief_privately(ctx: Ctx, request: HelpRequest) -> bool:
    """Queue the briefing (and the files) to the volunteer's private chat; False if they never
    opened one."""
    if not outbox.enqueue_to_user(
        ctx.session,
        ctx.user,
        params=briefing_params(ctx.session, request),
        now=ctx.now,
    ):
        return False
    for params in attachments(ctx.session, request):
        outbox.enqueue_to_user(ctx.session, ctx.user, params=params, now=ctx.now)
    return True


@router.button(
    ClaimRequest,
    role="volunteer",
    refusal=N_("Only members of the volunteer team can claim requests."),
)
def claim(ctx: Ctx, payload: ClaimRequest) -> None:
    """First come, first served; volunteers (and admins, who act as every staff role: the
    registration says so); the request re-checked every time."""
    existing = access_request_as_volunteer(ctx, payload.request)
    if existing is None:
        return
    request_id = existing.id
    if existing.resident_id == ctx.user.id:
        ctx.reply(ctx._("This is your own request; another volunteer will take it."))
        return
    result = store.claim(ctx.session, request_id, ctx.user, now=ctx.now)
    request = result.request
    assert request is not None
    if result.outcome is store.Outcome.TAKEN:
        if request.volunteer_id == ctx.user.id:
            ctx.reply(ctx._("You are already helping with {ref}.").format(ref=ref(request)))
        else:
            holder = ctx.session.get(User, request.volunteer_id)
            ctx.reply(
                ctx._("Sorry, {name}: {ref} was already taken by {holder}.").format(
                    name=first_name(ctx.user), ref=ref(request), holder=first_name(holder)
                )
            )
        return
    if result.outcome is not store.Outcome.DONE:
        if request.status == RequestStatus.CANCELLED:
            ctx.reply(
                ctx._("{ref} was cancelled by the resident; there is nothing to do.").format(
                    ref=ref(request)
                )
            )
        else:
            ctx.reply(ctx._("{ref} is already resolved.").format(ref=ref(request)))
        return
    drop_alerts(ctx, request.id)
    update_card(ctx.session, ctx.community, request, ctx.now)
    tell_resident(ctx, request, Claimed(ref=ref(request), volunteer=first_name(ctx.user)))
    if not ctx.inbound.chat.is_group:
        brief_here(ctx, request)
    elif brief_privately(ctx, request):
        ctx.reply(
            ctx._("{name} is helping with {ref}. I sent the details in a private chat.").format(
                name=first_name(ctx.user), ref=ref(request)
            )
        )
    else:
        ctx.reply(
            ctx._(
                "{name} is helping with {ref}. Please open a private chat with me to talk with "
                "the resident: {link}"
            ).format(
                name=first_name(ctx.user),
                ref=ref(request),
                link=ctx.community.start_link(RequestLink(request.id).pack()),
            )
        )


#: Said to anyone who opens a request's link and is not helping with it (the role taken away
#: included: nothing of it is shown).
NOT_HELPING = N_("That request is not one you are helping with. Send /queue to see the open ones.")


@router.deep_link(RequestLink, role="volunteer", refusal=NOT_HELPING, private_only=True)
def open_claimed(ctx: Ctx, link: RequestLink | None) -> None:
    """``/start rq_42`` — a volunteer opens a request they hold in a private chat."""
    request = ctx.session.get(HelpRequest, link.request) if link is not None else None
    if (
        request is None
        or request.volunteer_id != ctx.user.id
        or request.status != RequestStatus.IN_PROGRESS
    ):
        ctx.reply(ctx._(NOT_HELPING))
        return
    store.select_current(ctx.session, ctx.user, request.id, now=ctx.now)
    brief_here(ctx, request)


@router.command("queue", description=N_("Open help requests"), role="volunteer", private_only=True)
def queue(ctx: Ctx, args: str) -> None:
    """Open requests, those matching the volunteer's profile first, then urgent, then oldest."""
    rows = volunteers.queue(ctx.session, ctx.user)
    if not rows:
        ctx.reply(ctx._("No request is waiting for a volunteer right now. Thank you!"))
        return
    mine = ctx.session.get(VolunteerProfile, ctx.user.id)
    # An empty profile matches everything: a star on every line would mean nothing.
    profiled = mine is not None and bool(mine.languages or mine.categories)
    lines = [ctx._("Open requests:")]
    buttons = []
    for request in rows:
        mark = "★ " if profiled and volunteers.matches(mine, request) else ""
        lines.append(
            ctx._("{mark}{ref} · {category} · {language}{urgent} · waiting since {when}").format(
                mark=mark,
                ref=ref(request),
                category=category_label(ctx.lang, request.category),
                language=LANGUAGE_FULL_NAMES.get(request.language, request.language),
                urgent=" · ⚡" if request.urgent else "",
                when=ctx.lang.datetime(request.queued_at),
            )
        )
        lines.append("   " + request.description[:120].replace("\n", " "))
        label = ctx._("✋ Claim {ref}").format(ref=ref(request))
        buttons.append((Button(label, ClaimRequest(request.id).pack()),))
    if profiled:
        lines.append(ctx._("★ matches your profile."))
    ctx.reply("\n".join(lines), tuple(buttons))


LANGUAGES = (Choice("zh_Hans", N_("Chinese")), Choice("en", N_("English")))


def save_profile(ctx: Ctx, data: dict[str, Any]) -> None:
    """Keep the volunteer's languages, categories and alert choice."""
    row = volunteers.save_profile(
        ctx.session,
        ctx.user,
        languages=data.get("languages") or (),
        categories=data.get("categories") or (),
        alerts=bool(data.get("alerts")),
        now=ctx.now,
    )
    ctx.reply(
        ctx._("Your profile is saved. /queue shows matching requests first.")
        + (
            "\n"
            + ctx._("You will get a private alert for new matching requests during service hours.")
            if row.alerts
            else ""
        )
    )


PROFILE = router.form(
    engine.Form(
        name="rq.profile",
        title=N_("Your volunteer profile"),
        on_submit=save_profile,
        fields=(
            MultiChoiceField(
                name="languages",
                prompt=N_("Which languages do you speak? Press each one, then Done."),
                label=N_("Languages"),
                options=LANGUAGES,
            ),
            MultiChoiceField(
                name="categories",
                prompt=N_("Which kinds of help do you take on? Press each one, then Done."),
                label=N_("Kinds of help"),
                options=CATEGORIES,
            ),
            YesNoField(
                name="alerts",
                prompt=N_(
                    "Would you like a private message when a new request matches your "
                    "profile? (Only during service hours.)"
                ),
                label=N_("Alerts"),
            ),
        ),
    )
)


@router.command(
    "profile",
    description=N_("Your volunteer profile"),
    role="volunteer",
    private_only=True,
    private_hint=N_("Please write to me in a private chat to change your profile."),
)
def profile(ctx: Ctx, args: str) -> None:
    """``/profile``: show the profile as it is, then open the form to change it."""
    row = ctx.session.get(VolunteerProfile, ctx.user.id)
    if row is not None:
        languages = MultiChoiceField(name="l", prompt="", label="", options=LANGUAGES)
        kinds = MultiChoiceField(name="c", prompt="", label="", options=CATEGORIES)
        anything = ctx._("any")
        ctx.reply(
            ctx._(
                "Your profile now: languages {languages}; kinds of help {kinds}; alerts {alerts}."
            ).format(
                languages=languages.show(ctx, row.languages) if row.languages else anything,
                kinds=kinds.show(ctx, row.categories) if row.categories else anything,
                alerts=ctx._("on") if row.alerts else ctx._("off"),
            )
        )
    engine.start(ctx, PROFILE)
