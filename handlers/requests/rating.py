"""The resident rates the help after a request is resolved, and may add a comment.

The stars are on the message that told them the request was resolved (``rq.resolved``), and a
press changes that message in place: the volunteer's summary stays on top, the stars under it
show the rating (another star changes it for 10 minutes), then 💬 Add a comment and ↩️ Reopen
while they apply. A press on a button that no longer applies — the same star again, a star after
10 minutes, a request reopened since — changes nothing and shows the message as it stands now;
the volunteer hears of each rating once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db import outbox
from db.models import User
from db.requests import operations as store
from db.requests import residents
from db.requests.models import HelpRequest, RequestStatus
from handlers.buttons.requests import CommentOnRequest, RateRequest
from handlers.common import first_name
from handlers.forms import engine
from handlers.forms.fields import TextField
from handlers.i18n import N_
from handlers.requests.cards import RATE_ASK, rating_buttons, resolved_head
from handlers.requests.common import STATUS_LABELS, Feedback, ref, router
from handlers.requests.own import not_yours
from handlers.types import Ctx

#: How long after rating a resident may change the stars (by pressing another).
RATING_CHANGE = timedelta(minutes=10)


def _stars(count: int) -> str:
    return "⭐" * count


def show_rating(ctx: Ctx, request: HelpRequest, *, said: str | None = None) -> None:
    """The resolved request's message as it stands now, in place of the one pressed: the
    summary, then ``said`` (or what the rating is), then the buttons that still apply."""
    volunteer = ctx.session.get(User, request.volunteer_id) if request.volunteer_id else None
    head = resolved_head(
        ctx.lang, name=first_name(volunteer), ref=ref(request), summary=request.summary
    )
    resolved = request.status == RequestStatus.RESOLVED
    reopenable = (
        resolved
        and request.resolved_at is not None
        and request.resolved_at >= ctx.now - residents.REOPEN_WITHIN
    )
    rated_at = residents.rated_at(ctx.session, request.id) if request.rating else None
    changeable = rated_at is not None and rated_at >= ctx.now - RATING_CHANGE
    lines = [head, ""]
    if not resolved:
        lines.append(
            said
            or ctx._("{ref} is {status} now.").format(
                ref=ref(request), status=ctx._(STATUS_LABELS[RequestStatus(request.status)])
            )
        )
        ctx.reply("\n".join(lines), edit=True)
        return
    if request.rating is None:
        lines.append(said or ctx._(RATE_ASK))
    else:
        lines.append(
            said
            or ctx._("Thank you for rating {ref}: {stars}.").format(
                ref=ref(request), stars=_stars(request.rating)
            )
        )
        if changeable:
            lines.append(
                ctx._("Pressed the wrong star? Press another within 10 minutes to change it.")
            )
        if request.comment:
            lines.append(ctx._("Your comment was passed to the volunteer team."))
    buttons = rating_buttons(
        ctx.lang,
        request.id,
        stars=request.rating is None or changeable,
        chosen=request.rating,
        comment=request.rating is not None and not request.comment,
        reopen=reopenable,
    )
    ctx.reply("\n".join(lines), buttons, edit=True)


@router.button(RateRequest)
def rate_request(ctx: Ctx, payload: RateRequest) -> None:
    """The resident rates a resolved request (or, within 10 minutes, changes the stars)."""
    stars = payload.stars
    result = residents.rate(
        ctx.session,
        payload.request,
        ctx.user,
        stars,
        now=ctx.now,
        change_within=RATING_CHANGE,
    )
    request = result.request
    if result.outcome is store.Outcome.NOT_FOUND or request is None:
        not_yours(ctx)
        return
    if result.outcome is store.Outcome.TAKEN:  # another star pressed within 10 minutes
        said = ctx._("Your rating of {ref} is now {stars}.")
    elif result.done:
        said = ctx._("Thank you for rating {ref}: {stars}.")
    elif request.status == RequestStatus.RESOLVED and request.rating is not None:
        # the same star again, or another after 10 minutes: nothing changes, nobody is told
        said = ctx._("You have already rated {ref}: {stars}. Thank you!")
    else:
        show_rating(ctx, request)
        return
    show_rating(ctx, request, said=said.format(ref=ref(request), stars=_stars(request.rating or 0)))
    if result.outcome is store.Outcome.TAKEN or result.done:
        _tell_volunteer(ctx, request, stars=request.rating)


@router.button(CommentOnRequest)
def comment_button(ctx: Ctx, payload: CommentOnRequest) -> None:
    """💬 Add a comment: the comment form, for a rated request that has none yet."""
    request = residents.own_request(ctx.session, payload.request, ctx.user)
    if request is None:
        not_yours(ctx)
        return
    if request.status != RequestStatus.RESOLVED or request.rating is None or request.comment:
        show_rating(ctx, request)
        return
    engine.start(ctx, COMMENT, initial={"request_id": request.id})


def _tell_volunteer(
    ctx: Ctx, request: HelpRequest, *, stars: int | None = None, comment: str | None = None
) -> None:
    """The volunteer who helped hears the rating and the comment (never who wrote them, beyond
    what they already know)."""
    volunteer = ctx.session.get(User, request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        outbox.enqueue_to_user(
            ctx.session,
            volunteer,
            params=Feedback(ref=ref(request), stars=stars, comment=comment),
            now=ctx.now,
        )


def save_comment(ctx: Ctx, data: dict[str, Any]) -> None:
    """Keep the resident's comment on their rated request (one comment: a second is refused)."""
    request = residents.own_request(ctx.session, int(data["request_id"]), ctx.user)
    if request is None:
        not_yours(ctx)
        return
    if not data.get("comment"):
        ctx.reply(ctx._("Thank you."))
        return
    if request.comment:
        ctx.reply(ctx._("Your comment was passed to the volunteer team."))
        return
    residents.set_comment(ctx.session, request, data["comment"])
    _tell_volunteer(ctx, request, comment=data["comment"])
    ctx.reply(ctx._("Thank you, your comment was passed to the volunteer team."))


COMMENT = router.form(
    engine.Form(
        name="rq.comment",
        title=N_("A comment on the help you got"),
        confirm_label=N_("✅ Send"),
        compact=lambda ctx, data: (
            ctx._("Send your comment to the volunteer team?")
            if data.get("comment")
            else ctx._("Finish without a comment?")
        ),
        on_submit=save_comment,
        fields=(
            TextField(
                name="comment",
                prompt=N_("Would you like to add a comment? Write it here, or press Skip."),
                label=N_("Comment"),
                optional=True,
                max_length=1000,
            ),
        ),
    )
)
