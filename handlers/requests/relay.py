"""The conversation through the bot: a resident's messages go to the volunteer helping them,
a volunteer's private messages go to the resident of their current request (``/to`` switches),
with the request named on every relayed message. ``/note``, ``/release`` and ``/resolve``
belong here too. Everything said is kept in the request's history."""

from __future__ import annotations

from datetime import datetime

from db import outbox
from db import requests as store
from db.models import HelpRequest, RequestStatus, User
from handlers.buttons.requests import ReplyTo
from handlers.common import first_name
from handlers.i18n import N_
from handlers.requests.common import announce_back, ref, router, tell_resident, update_card
from handlers.types import Button, Ctx, Kind

RELAYED_KINDS = (Kind.TEXT, Kind.PHOTO, Kind.DOCUMENT)
MIN_SUMMARY = 3


#: The reaction that says “passed on” on the person's own message (where the transport cannot
#: react, the “✓ Sent to…” line is sent instead).
SENT_MARK = "👍"


def _file(ctx: Ctx) -> dict[str, str | None]:
    """The photo or file the inbound message carries, as history columns."""
    inbound = ctx.inbound
    if inbound.kind is Kind.PHOTO and inbound.file_id:
        return {"file_id": inbound.file_id, "file_kind": "photo", "file_name": None}
    if inbound.kind is Kind.DOCUMENT and inbound.file_id:
        return {"file_id": inbound.file_id, "file_kind": "document", "file_name": inbound.file_name}
    return {"file_id": None, "file_kind": None, "file_name": None}


def _pass_on(ctx: Ctx, request: HelpRequest, *, side: str, to: User | None) -> bool:
    """Keep the message in the history and queue it to the other side; False when it could not
    be queued (nobody on the other side yet, or they never opened a chat with the bot)."""
    text = ctx.inbound.text.strip()
    file = _file(ctx)
    store.add_message(
        ctx.session, request, author=ctx.user, side=side, text=text, now=ctx.now, **file
    )
    if to is None:
        return False
    return outbox.enqueue_to_user(
        ctx.session,
        to,
        template="rq.relay",
        params={
            "ref": ref(request),
            "side": side,
            "name": first_name(ctx.user),
            "text": text,
            **file,
        },
        now=ctx.now,
    )


IN_PRIVATE = N_("Please use this command in your private chat with me.")


def _relay_recency(ctx: Ctx) -> datetime | None:
    """When the request this person's free text would go to last had anything said in it."""
    if ctx.inbound.chat.is_group:
        return None
    target = None
    if ctx.acts_as("volunteer"):
        target = store.current_for_volunteer(ctx.session, ctx.user)
    if target is None:
        active = store.residents_active(ctx.session, ctx.user)
        target = active[0] if active else None
    return store.last_activity(ctx.session, target) if target is not None else None


@router.on_text(recency=_relay_recency)
def relay(ctx: Ctx) -> bool:
    """Free text, a photo or a file outside a form, in a private chat."""
    if ctx.inbound.chat.is_group:
        return False
    if ctx.acts_as("volunteer"):
        current = store.current_for_volunteer(ctx.session, ctx.user)
        if current is not None:
            if _refuse_kind(ctx):
                return True
            _pass_on(ctx, current, side="volunteer", to=ctx.session.get(User, current.resident_id))
            ctx.react(  # a 👍 on their own message, not another message
                SENT_MARK,
                ctx._("✓ Sent to the resident who asked ({ref}).").format(ref=ref(current)),
            )
            return True
        held = store.held_by(ctx.session, ctx.user)
        if held:
            _choose(ctx, held)
            return True
    active = store.residents_active(ctx.session, ctx.user)
    if active:
        if _refuse_kind(ctx):
            return True
        request = active[0]
        if request.status == RequestStatus.IN_PROGRESS:
            volunteer = ctx.session.get(User, request.volunteer_id)
            names = {"name": first_name(volunteer), "ref": ref(request)}
            if _pass_on(ctx, request, side="resident", to=volunteer):
                ctx.react(SENT_MARK, ctx._("✓ Sent to {name} ({ref}).").format(**names))
            else:  # kept in the request's history, which the volunteer reads on opening the chat
                ctx.reply(
                    ctx._(
                        "✓ Kept for {name} ({ref}): they will read it as soon as they open "
                        "their chat with me."
                    ).format(**names)
                )
        else:
            _pass_on(ctx, request, side="resident", to=None)
            ctx.reply(
                ctx._(
                    "Your request {ref} is still waiting for a volunteer. I added your message "
                    "to it, so the volunteer who takes it will see it."
                ).format(ref=ref(request))
            )
        return True
    if ctx.acts_as("volunteer"):
        ctx.reply(
            ctx._(
                "You are not helping with any request right now, so this message has nowhere "
                "to go. Send /queue to see open requests and claim one."
            )
        )
        return True
    return False


def _refuse_kind(ctx: Ctx) -> bool:
    """Answer a sticker, a location or the like; True if refused."""
    if ctx.inbound.kind in RELAYED_KINDS:
        return False
    ctx.reply(ctx._("I can pass on text, photos and files only. Please send one of those."))
    return True


def _choose(ctx: Ctx, held: list[HelpRequest], *, resend: bool = True) -> None:
    """Ask which request messages go to: after a message that could not be sent (several
    requests, none chosen; nothing is sent), or after /to (``resend`` False)."""
    ctx.reply(
        ctx._(
            "You are helping with several requests. Choose where your messages go, then send "
            "your message again:"
        )
        if resend
        else ctx._("Choose which request your messages go to:"),
        tuple((Button(ctx._("➡️ {ref}").format(ref=ref(r)), ReplyTo(r.id).pack()),) for r in held),
    )


def switch_to(ctx: Ctx, request_id: int | None) -> None:
    """Make a request the volunteer holds their current one."""
    held = {r.id: r for r in store.held_by(ctx.session, ctx.user)}
    if request_id is None or request_id not in held:
        if not held:
            ctx.reply(ctx._("You are not helping with any request right now. Send /queue."))
            return
        ctx.reply(ctx._("That is not one of the requests you are helping with."))
        _choose(ctx, list(held.values()), resend=False)
        return
    store.select_current(ctx.session, ctx.user, request_id, now=ctx.now)
    ctx.reply(
        ctx._("From now on your messages go to the resident who asked ({ref}).").format(
            ref=ref(held[request_id])
        )
    )


@router.command(
    "to",
    description=N_("Choose which request your messages go to"),
    role="volunteer",
    private_only=True,
    private_hint=IN_PRIVATE,
)
def to(ctx: Ctx, args: str) -> None:
    """``/to R-0042`` switches; ``/to`` alone offers the requests held."""
    if not args.strip():
        held = store.held_by(ctx.session, ctx.user)
        if not held:
            ctx.reply(ctx._("You are not helping with any request right now. Send /queue."))
        else:
            _choose(ctx, held, resend=False)
        return
    switch_to(ctx, store.parse_reference(args))


def _current(ctx: Ctx) -> HelpRequest | None:
    """The volunteer's current request, or None after telling them why there is none."""
    current = store.current_for_volunteer(ctx.session, ctx.user)
    if current is not None:
        return current
    held = store.held_by(ctx.session, ctx.user)
    if held:
        _choose(ctx, held)
    else:
        ctx.reply(ctx._("You are not helping with any request right now. Send /queue."))
    return None


@router.command(
    "note",
    description=N_("Add an internal note to your request"),
    role="volunteer",
    private_only=True,
    private_hint=IN_PRIVATE,
)
def note(ctx: Ctx, args: str) -> None:
    """An internal note the resident never sees, kept for whoever takes over."""
    text = args.strip()
    if not text:
        ctx.reply(
            ctx._("Please write the note after the command, for example: /note Called the clinic.")
        )
        return
    current = _current(ctx)
    if current is None:
        return
    store.add_message(ctx.session, current, author=ctx.user, side="note", text=text, now=ctx.now)
    ctx.reply(ctx._("Note added to {ref}. The resident does not see it.").format(ref=ref(current)))


@router.command(
    "release",
    description=N_("Give your request back to the queue"),
    role="volunteer",
    private_only=True,
    private_hint=IN_PRIVATE,
)
def release(ctx: Ctx, args: str) -> None:
    """Back to the queue, with an optional note for the next volunteer; the resident is told."""
    current = _current(ctx)
    if current is None:
        return
    text = args.strip()
    if text:
        store.add_message(
            ctx.session, current, author=ctx.user, side="note", text=text, now=ctx.now
        )
    result = store.release(ctx.session, current.id, ctx.user, now=ctx.now)
    if not result.done or result.request is None:
        ctx.reply(
            ctx._("{ref} is not assigned to you any more, so you cannot release it.").format(
                ref=ref(current)
            )
        )
        return
    announce_back(ctx.session, ctx.community, result.request, ctx.now, "released")
    tell_resident(
        ctx,
        result.request,
        "rq.released",
        {"ref": ref(result.request), "volunteer": first_name(ctx.user)},
    )
    ctx.reply(
        ctx._("{ref} is back in the queue. Thank you for your help so far.").format(
            ref=ref(result.request)
        )
    )


@router.command(
    "resolve",
    description=N_("Close your request with a short summary"),
    role="volunteer",
    private_only=True,
    private_hint=IN_PRIVATE,
)
def resolve(ctx: Ctx, args: str) -> None:
    """Close the current request; the resident gets the summary and is asked to rate it."""
    summary = args.strip()
    if len(summary) < MIN_SUMMARY:
        ctx.reply(
            ctx._(
                "Please add a short summary after the command, for example: "
                "/resolve Translated the letter; the landlord agreed to fix the heating."
            )
        )
        return
    current = _current(ctx)
    if current is None:
        return
    result = store.resolve(ctx.session, current.id, ctx.user, summary=summary[:1000], now=ctx.now)
    if not result.done or result.request is None:
        ctx.reply(
            ctx._("{ref} is not assigned to you any more, so you cannot resolve it.").format(
                ref=ref(current)
            )
        )
        return
    store.add_message(
        ctx.session, result.request, author=ctx.user, side="note", text=summary, now=ctx.now
    )
    update_card(ctx.session, ctx.community, result.request, ctx.now)
    tell_resident(
        ctx,
        result.request,
        "rq.resolved",
        {
            "id": result.request.id,
            "ref": ref(result.request),
            "volunteer": first_name(ctx.user),
            "summary": summary[:1000],
        },
    )
    ctx.reply(
        ctx._("{ref} is resolved. Thank you! The resident is asked to rate the help.").format(
            ref=ref(result.request)
        )
    )
