"""The resident's own requests: /myrequests (status, cancel, reopen); the rating and comment
after a request is resolved are ``rating``. Every button names a request: it is re-read as the
resident's own (``residents.own_request``) before anything changes."""

from collections.abc import Callable

from db.requests import operations as store
from db.requests import residents
from db.requests.models import HelpRequest, RequestStatus
from db.users import users_by_id
from handlers.buttons.requests import (
    AskForHelp,
    AskToCancelRequest,
    CancelRequest,
    KeepRequest,
    ReopenRequest,
)
from handlers.common import first_name
from handlers.i18n import N_
from handlers.requests.common import (
    STATUS_LABELS,
    announce_back,
    category_label,
    ref,
    router,
    update_card,
)
from handlers.requests.intake import ASK_PRIVATELY, drop_alerts
from handlers.types import Button, Ctx


@router.command(
    "myrequests",
    description=N_("My help requests and their status"),
    private_only=True,
    private_hint=ASK_PRIVATELY,
)
def my_requests(ctx: Ctx, args: str) -> None:
    """List the resident's requests, with Cancel for open ones and Reopen where allowed."""
    requests = residents.residents_requests(ctx.session, ctx.user)
    if not requests:
        ctx.reply(
            ctx._("You have not asked the volunteer team for help yet."),
            ((Button(ctx._("🙋 Ask a volunteer"), AskForHelp().pack()),),),
        )
        return
    helpers = users_by_id(ctx.session, [r.volunteer_id for r in requests if r.volunteer_id])
    lines = [ctx._("Your help requests:")]
    buttons = []
    for request in requests:
        values = {
            "ref": ref(request),
            "category": category_label(ctx.lang, request.category),
            "status": ctx._(STATUS_LABELS[RequestStatus(request.status)]),
            "when": ctx.lang.date(request.created_at),
        }
        if request.status == RequestStatus.IN_PROGRESS:
            line = ctx._("{ref} · {category} · {name} is helping you (asked {when})")
            values["name"] = first_name(helpers.get(request.volunteer_id or 0))
        else:
            line = ctx._("{ref} · {category} · {status} (asked {when})")
        lines.append(line.format(**values))
        if request.status == RequestStatus.OPEN:
            label = ctx._("✖️ Cancel {ref}").format(ref=ref(request))
            buttons.append((Button(label, AskToCancelRequest(request.id).pack()),))
        elif _reopenable(ctx, request):
            label = ctx._("↩️ Reopen {ref}").format(ref=ref(request))
            buttons.append((Button(label, ReopenRequest(request.id).pack()),))
    ctx.reply("\n".join(lines), tuple(buttons))


def _reopenable(ctx: Ctx, request: HelpRequest) -> bool:
    """Resolved less than 7 days ago."""
    return (
        request.status == RequestStatus.RESOLVED
        and request.resolved_at is not None
        and request.resolved_at >= ctx.now - residents.REOPEN_WITHIN
    )


def not_yours(ctx: Ctx) -> None:
    """A request id that is not the resident's own (or does not exist): nothing is revealed."""
    ctx.reply(ctx._("I could not find that request among yours. Send /myrequests to see them."))


def _own(ctx: Ctx, request_id: int) -> HelpRequest | None:
    """The resident's own request ``request_id``; else None, after saying it is not theirs."""
    request = residents.own_request(ctx.session, request_id, ctx.user)
    if request is None:
        not_yours(ctx)
    return request


def _cannot_cancel(ctx: Ctx, request: HelpRequest) -> str:
    """Why a request that is no longer open cannot be withdrawn."""
    return ctx._("{ref} can no longer be cancelled: it is {status}.").format(
        ref=ref(request), status=ctx._(STATUS_LABELS[RequestStatus(request.status)])
    )


@router.button(AskToCancelRequest)
def ask_to_cancel(ctx: Ctx, payload: AskToCancelRequest) -> None:
    """Before a request is withdrawn, ask (a tap by mistake loses nothing)."""
    request = _own(ctx, payload.request)
    if request is None:
        return
    if request.status != RequestStatus.OPEN:
        ctx.reply(_cannot_cancel(ctx, request), edit=True)
        return
    ctx.reply(
        ctx._("Cancel your request {ref}? The volunteer team will no longer see it.").format(
            ref=ref(request)
        ),
        (
            (
                Button(
                    ctx._("✖️ Yes, cancel {ref}").format(ref=ref(request)),
                    CancelRequest(request.id).pack(),
                ),
                Button(ctx._("Keep my request"), KeepRequest(request.id).pack()),
            ),
        ),
        edit=True,
    )


@router.button(KeepRequest)
def keep_request(ctx: Ctx, payload: KeepRequest) -> None:
    """The resident changed their mind: nothing changes."""
    request = _own(ctx, payload.request)
    if request is None:
        return
    ctx.reply(ctx._("{ref} stays with the volunteer team.").format(ref=ref(request)), edit=True)


def _changed(
    ctx: Ctx, result: store.Result, refusal: Callable[[HelpRequest], str]
) -> HelpRequest | None:
    """The request once the resident's change went through; else None, after telling them it
    is not theirs or, in the words of ``refusal``, why it cannot change now."""
    if result.outcome is store.Outcome.NOT_FOUND or result.request is None:
        not_yours(ctx)
        return None
    if not result.done:
        ctx.reply(refusal(result.request), edit=True)
        return None
    return result.request


@router.button(CancelRequest)
def cancel_request(ctx: Ctx, payload: CancelRequest) -> None:
    """The resident withdraws an open request."""
    request = _changed(
        ctx,
        residents.cancel(ctx.session, payload.request, ctx.user, now=ctx.now),
        lambda request: _cannot_cancel(ctx, request),
    )
    if request is None:
        return
    drop_alerts(ctx, request.id)
    update_card(ctx.session, ctx.community, request, ctx.now)
    ctx.reply(ctx._("Your request {ref} is cancelled.").format(ref=ref(request)), edit=True)


@router.button(ReopenRequest)
def reopen_request(ctx: Ctx, payload: ReopenRequest) -> None:
    """Within 7 days of being resolved, back to the queue."""
    request = _changed(
        ctx,
        residents.reopen(ctx.session, payload.request, ctx.user, now=ctx.now),
        lambda request: ctx._(
            "{ref} cannot be reopened: only a resolved request can, within 7 days. "
            "You can ask again with /ask."
        ).format(ref=ref(request)),
    )
    if request is None:
        return
    announce_back(ctx.session, ctx.community, request, ctx.now, "reopened")
    ctx.reply(
        ctx._(
            "{ref} is open again and back with the volunteer team. You will be told who takes it."
        ).format(ref=ref(request)),
        edit=True,
    )
