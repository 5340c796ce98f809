"""The resident's side: /ask (the form), /myrequests (status, cancel, reopen), and the rating
with an optional comment after a request is resolved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db import outbox
from db import requests as store
from db.conversations import put_aside, set_aside
from db.models import HelpRequest, RequestStatus, User
from db.users import users_by_id
from handlers import limits
from handlers.buttons import (
    AskForHelp,
    AskToCancelRequest,
    CancelRequest,
    KeepRequest,
    RateRequest,
    ReopenRequest,
    SendDraft,
)
from handlers.common import first_name
from handlers.forms import engine
from handlers.forms.fields import (
    ChoiceField,
    ConsentField,
    DateTimeField,
    Invalid,
    PhotoField,
    TextField,
    YesNoField,
)
from handlers.i18n import N_
from handlers.requests.clocks import claim_within
from handlers.requests.common import (
    CATEGORIES,
    HEALTH_CATEGORIES,
    PREFIX,
    STATUS_LABELS,
    announce_back,
    category_label,
    ref,
    router,
    summary_params,
    update_card,
)
from handlers.requests.hours import next_opening
from handlers.requests.when import (
    WHEN,
    needed_day,
    off_duty_notice,
    on_duty,
    opening,
    urgent_notice,
)
from handlers.start import DRAFT_KEY
from handlers.types import Button, Ctx


def submit(ctx: Ctx, data: dict[str, Any]) -> None:
    """File the request, show it in the team's room, alert matching volunteers, and tell the
    resident the reference and when to expect an answer."""
    data = needed_day(ctx, data)
    if data.get("category") in HEALTH_CATEGORIES and not data.get("health_consent"):
        raise Invalid(HEALTH_REFUSAL)
    over_limit = limits.open_requests_message(ctx)
    if over_limit is not None:
        raise over_limit
    request = store.create_request(
        ctx.session, ctx.user, now=ctx.now, data=data, language=ctx.lang.code
    )
    update_card(ctx.session, ctx.community, request, ctx.now)
    _alert_volunteers(ctx, request)
    ctx.reply(
        ctx._("Thank you. Your request {ref} was sent to the volunteer team.").format(
            ref=ref(request)
        )
        + "\n"
        + expectation(ctx, urgent=request.urgent)
        + "\n"
        + ctx._("You can see it at any time with /myrequests.")
    )


def expectation(ctx: Ctx, *, urgent: bool) -> str:
    """When the resident may expect an answer, honest about service hours."""
    hours = ctx.community.service_hours
    opens, closes = (t.strftime("%H:%M") for t in hours)
    if on_duty(ctx):
        minutes = int(claim_within(ctx.community, urgent=urgent).total_seconds() // 60)
        return ctx.lang.ngettext(
            "A volunteer usually answers within {count} minute during service hours "
            "({opens}–{closes}). You will get a message here when someone takes it.",
            "A volunteer usually answers within {count} minutes during service hours "
            "({opens}–{closes}). You will get a message here when someone takes it.",
            minutes,
        ).format(count=minutes, opens=opens, closes=closes)
    return ctx._(
        "The volunteer team works from {opens} to {closes}. It is closed now; "
        "you will get an answer here after {when}."
    ).format(opens=opens, closes=closes, when=opening(ctx))


def _alert_volunteers(ctx: Ctx, request: HelpRequest) -> None:
    """A private alert to each opted-in volunteer whose profile matches — only in service
    hours: outside them the alert waits for the morning (and is dropped if claimed first)."""
    community = ctx.community
    due = next_opening(
        ctx.now, community.service_hours, community.timezone, holidays=community.closed_on_holidays
    )
    for volunteer in store.alert_recipients(ctx.session, request):
        outbox.enqueue_to_user(
            ctx.session,
            volunteer,
            template="rq.alert",
            params=summary_params(request),
            now=ctx.now,
            due_at=due,
            dedup_key=f"{PREFIX}:{request.id}:alert:u{volunteer.id}",
        )


def drop_alerts(ctx: Ctx, request_id: int) -> None:
    """Alerts not yet sent for a request someone took (or that was cancelled) are dropped."""
    outbox.cancel_pending(ctx.session, dedup_prefix=f"{PREFIX}:{request_id}:alert:")


HEALTH_REFUSAL = N_(
    "We understand. Without this consent we cannot pass a request about your health to a "
    "volunteer, so it cannot be sent. Press Yes if you change your mind, or Cancel: nothing "
    "you entered will be kept."
)

ASK = router.form(
    engine.Form(
        name="rq.ask",
        title=N_("Ask a volunteer for help"),
        confirm_label=N_("✅ Send request"),
        on_submit=submit,
        fields=(
            ChoiceField(
                name="category",
                prompt=N_("What do you need help with?"),
                label=N_("Kind of help"),
                options=CATEGORIES,
                notice=urgent_notice,
            ),
            ConsentField(
                name="health_consent",
                prompt=N_(
                    "Health information is sensitive under Chinese law (PIPL).\n"
                    "May the volunteer team see what you tell us about your health, "
                    "only for this request?"
                ),
                label=N_("Consent to share health information"),
                refusal=HEALTH_REFUSAL,
                when=lambda data: data.get("category") in HEALTH_CATEGORIES,
            ),
            TextField(
                name="description",
                prompt=N_(
                    "Please describe what you need, in any language you like "
                    "(5 to 2,000 characters)."
                ),
                label=N_("Description"),
                min_length=5,
                max_length=2000,
            ),
            PhotoField(
                name="attachment",
                prompt=N_(
                    "If you have a photo or a file that helps (for example a letter to "
                    "translate), send it now."
                ),
                label=N_("Attachment"),
                optional=True,
                accept_documents=True,
            ),
            ChoiceField(
                name="needed",
                prompt=N_("When do you need help?"),
                label=N_("When"),
                options=WHEN,
                columns=3,
            ),
            DateTimeField(
                name="needed_at",
                prompt=N_("On which day and at what time? For example: Sat 3pm"),
                label=N_("Date and time"),
                when=lambda data: data.get("needed") == "date",
            ),
            YesNoField(
                name="urgent", prompt=N_("Is it urgent?"), label=N_("Urgent"), notice=urgent_notice
            ),
            YesNoField(
                name="share_name",
                prompt=N_(
                    "May the volunteer who helps you see your Telegram name and username? "
                    "If you say No, they see only your request."
                ),
                label=N_("Show my name to the volunteer"),
            ),
        ),
    )
)


ASK_PRIVATELY = N_("Please write to me in a private chat to ask for help.")


@router.command(
    "ask",
    description=N_("Ask a volunteer for help"),
    private_only=True,
    private_hint=ASK_PRIVATELY,
)
def ask(ctx: Ctx, args: str) -> None:
    """``/ask``: open the form."""
    start_ask(ctx)


@router.command(
    "myrequests",
    description=N_("My help requests and their status"),
    private_only=True,
    private_hint=ASK_PRIVATELY,
)
def my_requests(ctx: Ctx, args: str) -> None:
    """List the resident's requests, with Cancel for open ones and Reopen where allowed."""
    requests = store.residents_requests(ctx.session, ctx.user)
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
        and request.resolved_at >= ctx.now - store.REOPEN_WITHIN
    )


def not_yours(ctx: Ctx) -> None:
    """A request id that is not the resident's own (or does not exist): nothing is revealed."""
    ctx.reply(ctx._("I could not find that request among yours. Send /myrequests to see them."))


@router.button(AskToCancelRequest)
def ask_to_cancel(ctx: Ctx, payload: AskToCancelRequest) -> None:
    """Before a request is withdrawn, ask (a tap by mistake loses nothing)."""
    request = store.own_request(ctx.session, payload.request, ctx.user)
    if request is None:
        not_yours(ctx)
        return
    if request.status != RequestStatus.OPEN:
        ctx.reply(
            ctx._("{ref} can no longer be cancelled: it is {status}.").format(
                ref=ref(request), status=ctx._(STATUS_LABELS[RequestStatus(request.status)])
            ),
            edit=True,
        )
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
    request = store.own_request(ctx.session, payload.request, ctx.user)
    if request is None:
        not_yours(ctx)
        return
    ctx.reply(ctx._("{ref} stays with the volunteer team.").format(ref=ref(request)), edit=True)


@router.button(CancelRequest)
def cancel_request(ctx: Ctx, payload: CancelRequest) -> None:
    """The resident withdraws an open request."""
    result = store.cancel(ctx.session, payload.request, ctx.user, now=ctx.now)
    if result.outcome is store.Outcome.MISSING or result.request is None:
        not_yours(ctx)
        return
    if not result.done:
        ctx.reply(
            ctx._("{ref} can no longer be cancelled: it is {status}.").format(
                ref=ref(result.request),
                status=ctx._(STATUS_LABELS[RequestStatus(result.request.status)]),
            ),
            edit=True,
        )
        return
    drop_alerts(ctx, result.request.id)
    update_card(ctx.session, ctx.community, result.request, ctx.now)
    ctx.reply(ctx._("Your request {ref} is cancelled.").format(ref=ref(result.request)), edit=True)


@router.button(ReopenRequest)
def reopen_request(ctx: Ctx, payload: ReopenRequest) -> None:
    """Within 7 days of being resolved, back to the queue."""
    result = store.reopen(ctx.session, payload.request, ctx.user, now=ctx.now)
    if result.outcome is store.Outcome.MISSING or result.request is None:
        not_yours(ctx)
        return
    if not result.done:
        ctx.reply(
            ctx._(
                "{ref} cannot be reopened: only a resolved request can, within 7 days. "
                "You can ask again with /ask."
            ).format(ref=ref(result.request)),
            edit=True,
        )
        return
    announce_back(ctx.session, ctx.community, result.request, ctx.now, "reopened")
    ctx.reply(
        ctx._(
            "{ref} is open again and back with the volunteer team. You will be told who takes it."
        ).format(ref=ref(result.request)),
        edit=True,
    )


#: How long after rating a resident may change the stars (by pressing another).
RATING_CHANGE = timedelta(minutes=10)


@router.button(RateRequest)
def rate_request(ctx: Ctx, payload: RateRequest) -> None:
    """The resident rates a resolved request, then may add a comment."""
    stars = payload.stars
    result = store.rate(
        ctx.session,
        payload.request,
        ctx.user,
        stars,
        now=ctx.now,
        change_within=RATING_CHANGE,
    )
    if result.outcome is store.Outcome.MISSING or result.request is None:
        not_yours(ctx)
        return
    if result.outcome is store.Outcome.TAKEN:  # another star pressed within 10 minutes
        ctx.reply(
            ctx._("Your rating of {ref} is now {stars}.").format(
                ref=ref(result.request), stars="⭐" * stars
            )
        )
        _tell_volunteer(ctx, result.request, stars=stars)
        return
    if not result.done:
        ctx.reply(
            ctx._("{ref} was already rated, or is not resolved. Thank you all the same!").format(
                ref=ref(result.request)
            )
        )
        return
    ctx.reply(
        ctx._("Thank you for rating {ref}: {stars}.").format(
            ref=ref(result.request), stars="⭐" * stars
        )
        + "\n"
        + ctx._("Pressed the wrong star? Press another within 10 minutes to change it.")
    )
    _tell_volunteer(ctx, result.request, stars=stars)
    engine.start(ctx, COMMENT, initial={"request_id": result.request.id})


def _tell_volunteer(ctx: Ctx, request: HelpRequest, **params: Any) -> None:
    """The volunteer who helped hears the rating and the comment (never who wrote them, beyond
    what they already know)."""
    volunteer = ctx.session.get(User, request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None:
        outbox.enqueue_to_user(
            ctx.session,
            volunteer,
            template="rq.feedback",
            params={"ref": ref(request), **params},
            now=ctx.now,
        )


def save_comment(ctx: Ctx, data: dict[str, Any]) -> None:
    """Keep the resident's comment on their rated request."""
    request = store.own_request(ctx.session, int(data["request_id"]), ctx.user)
    if request is None:
        not_yours(ctx)
        return
    if data.get("comment"):
        request.comment = data["comment"]
        _tell_volunteer(ctx, request, comment=data["comment"])
        ctx.reply(ctx._("Thank you, your comment was passed to the volunteer team."))
    else:
        ctx.reply(ctx._("Thank you."))


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


def start_ask(ctx: Ctx, *, description: str | None = None) -> None:
    """Open the /ask form (from the command, the menu or /myrequests); ``description``: the
    message the person wrote first, pre-filled (shown, and changeable, in the summary)."""
    if not limits.refused(ctx, limits.open_requests_message(ctx)):
        first = off_duty_notice(ctx)  # before any question: the hours and 120
        if first:
            ctx.reply(first)
        engine.start(ctx, ASK, answers={"description": description} if description else None)


@router.button(SendDraft, private_only=True, private_hint=ASK_PRIVATELY)
def ask_with_draft(ctx: Ctx, payload: SendDraft) -> None:
    """The free text offered by the not-understood answer becomes the
    description of a new request (once: the draft is forgotten when taken)."""
    draft = set_aside(ctx.conversation, DRAFT_KEY)
    put_aside(ctx.conversation, DRAFT_KEY, None)
    start_ask(ctx, description=draft if isinstance(draft, str) else None)
