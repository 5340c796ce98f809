"""The conversation through the bot: a resident's messages go to the volunteer helping them,
a volunteer's private messages go to the resident of the request they answer (a reply to a
relayed message) or of their current request (``/to`` switches), with the request named on
every relayed message. Each side's request waits for their words (``db/awaiting.py``); where
several wait, ``handlers/answers.py`` asks which. ``/note``, ``/release`` and ``/resolve``
belong here too. Everything said is kept in the request's history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased, lazyload

from db import awaiting, outbox
from db import requests as store
from db.models import User
from db.request_models import HelpRequest, RequestStatus
from handlers.buttons.requests import ReplyTo
from handlers.common import first_name
from handlers.i18n import N_
from handlers.requests.common import (
    Relayed,
    ReleasedByVolunteer,
    Resolved,
    announce_back,
    ref,
    router,
    tell_resident,
    update_card,
)
from handlers.types import Button, Ctx, Kind

RELAYED_KINDS = (Kind.TEXT, Kind.PHOTO, Kind.DOCUMENT, Kind.VOICE)
ACTIVE = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)
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
    if inbound.kind is Kind.VOICE and inbound.file_id:  # the other side plays it
        return {"file_id": inbound.file_id, "file_kind": "voice", "file_name": inbound.file_name}
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
        params=Relayed(
            ref=ref(request),
            side=side,
            name=first_name(ctx.user),
            text=text,
            **file,
            **awaiting.thread(store.SERVICE, request.id),
        ),
        now=ctx.now,
    )


IN_PRIVATE = N_("Please use this command in your private chat with me.")


def _request(ctx: Ctx, request_id: int) -> HelpRequest | None:
    """The request with both its people (whom a message goes to), read once per message."""

    def read() -> tuple[HelpRequest, User | None, User | None] | None:
        resident, volunteer = aliased(User), aliased(User)
        row = ctx.session.execute(
            select(HelpRequest, resident, volunteer)
            .outerjoin(resident, resident.id == HelpRequest.resident_id)
            .outerjoin(volunteer, volunteer.id == HelpRequest.volunteer_id)
            .where(HelpRequest.id == request_id)
            .options(lazyload(resident.roles), lazyload(volunteer.roles))
        ).first()
        return tuple(row) if row is not None else None  # held here: the session's map is weak

    found = ctx.once(("rq.request", request_id), read)
    return found[0] if found is not None else None


def _held(ctx: Ctx) -> tuple[list[HelpRequest], int | None]:
    """The requests this volunteer holds and the one chosen with /to, read once per message."""
    return ctx.once(("rq.held", ctx.user.id), lambda: store.held_and_current(ctx.session, ctx.user))


def _conversation(ctx: Ctx, request_id: int) -> tuple[HelpRequest, str] | None:
    """The request and this person's side in it ("volunteer" or "resident"), while their
    messages can go to it."""
    request = _request(ctx, request_id)
    if request is None:
        return None
    if (
        request.volunteer_id == ctx.user.id
        and request.status == RequestStatus.IN_PROGRESS
        and ctx.acts_as("volunteer")
    ):
        return request, "volunteer"
    if request.resident_id == ctx.user.id and request.status in ACTIVE:
        return request, "resident"
    return None


def _person(ctx: Ctx, user_id: int | None) -> User | None:
    """The other side, to write to: their roles are not needed (read only if asked for)."""
    if user_id is None:
        return None
    return ctx.session.get(User, user_id, options=[lazyload(User.roles)])


def _label(ctx: Ctx, request_id: int) -> str | None:
    found = _conversation(ctx, request_id)
    return ref(found[0]) if found is not None else None


def _narrow(ctx: Ctx, request_ids: list[int]) -> list[int]:
    """A volunteer's free text goes to their current request (``/to``), not to the others
    they hold; their own requests as a resident stay candidates."""
    if not ctx.acts_as("volunteer"):
        return request_ids  # holds no request (nor could their words go to one)
    current = store.current_of(*_held(ctx))
    if current is None or current.id not in request_ids:
        return request_ids
    held = {request.id for request in _held(ctx)[0]}
    return [i for i in request_ids if i == current.id or i not in held]


@router.awaits_answer(store.SERVICE, label=_label, kinds=RELAYED_KINDS, narrow=_narrow)
def relay(ctx: Ctx, request_id: int) -> bool:
    """Free text, a photo or a file for a request: the volunteer's to the resident who asked,
    the resident's to their volunteer (or kept in the request until one takes it)."""
    found = _conversation(ctx, request_id)
    if found is None:
        return False
    request, side = found
    if side == "volunteer":
        if store.current_of(*_held(ctx)) is None:
            store.select_current(ctx.session, ctx.user, request.id, now=ctx.now)
        _pass_on(ctx, request, side="volunteer", to=_person(ctx, request.resident_id))
        ctx.react(  # a 👍 on their own message, not another message
            SENT_MARK,
            ctx._("✓ Sent to the resident who asked ({ref}).").format(ref=ref(request)),
        )
    elif request.status == RequestStatus.IN_PROGRESS:
        volunteer = _person(ctx, request.volunteer_id)
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


@router.on_text
def nowhere(ctx: Ctx) -> bool:
    """What no conversation took: a sticker or the like while one is open is refused; a
    volunteer's words with no request to go to are answered."""
    if ctx.inbound.chat.is_group:
        return False
    volunteer = ctx.acts_as("volunteer")
    held = store.held_by(ctx.session, ctx.user) if volunteer else []
    if ctx.inbound.kind not in RELAYED_KINDS and (
        held or store.residents_active(ctx.session, ctx.user)
    ):
        ctx.reply(ctx._("I can pass on text, photos and files only. Please send one of those."))
        return True
    if not volunteer:
        return False
    _ask_which(ctx, held, message=True)
    return True


def _not_helping(ctx: Ctx, *, message: bool = False) -> None:
    """The volunteer holds no request (``message``: after a message that could not go)."""
    if message:
        ctx.reply(
            ctx._(
                "You are not helping with any request right now, so this message has nowhere "
                "to go. Send /queue to see open requests and claim one."
            )
        )
    else:
        ctx.reply(ctx._("You are not helping with any request right now. Send /queue."))


def _ask_which(
    ctx: Ctx, held: list[HelpRequest], *, resend: bool = True, message: bool = False
) -> None:
    """No request is current: ask which of those ``held`` (``_choose``), or say there are none
    (``_not_helping``)."""
    if held:
        _choose(ctx, held, resend=resend)
    else:
        _not_helping(ctx, message=message)


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
            _not_helping(ctx)
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
        _ask_which(ctx, store.held_by(ctx.session, ctx.user), resend=False)
        return
    switch_to(ctx, store.parse_reference(args))


def _current(ctx: Ctx) -> HelpRequest | None:
    """The volunteer's current request, or None after telling them why there is none."""
    current = store.current_for_volunteer(ctx.session, ctx.user)
    if current is not None:
        return current
    _ask_which(ctx, store.held_by(ctx.session, ctx.user))
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
    # Translators: staff only. The volunteers' command menu: give a request back to the queue
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
        ReleasedByVolunteer(ref=ref(result.request), volunteer=first_name(ctx.user)),
    )
    ctx.reply(
        # Translators: staff only. To the volunteer who released the request
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
                "Please add a short summary after the command. It is sent to the resident as you "
                "write it, so use their language, for example: "
                "/resolve Translated the letter; the landlord agreed to fix the water heater."
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
        Resolved(
            id=result.request.id,
            ref=ref(result.request),
            volunteer=first_name(ctx.user),
            summary=summary[:1000],
        ),
    )
    ctx.reply(
        ctx._("{ref} is resolved. Thank you! The resident is asked to rate the help.").format(
            ref=ref(result.request)
        )
    )
