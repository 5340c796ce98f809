"""The resident's side: /ask (the form, or a message they wrote first) and the alerts to the
volunteer team. Their requests afterwards (/myrequests, cancel, reopen, rate) are ``own``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db import outbox, volunteers
from db import requests as store
from db.conversations import put_aside, set_aside
from db.request_models import HelpRequest
from handlers import limits
from handlers.buttons.requests import SendDraft
from handlers.forms import engine
from handlers.forms.fields import (
    ChoiceField,
    ConsentField,
    Invalid,
    PhotoField,
    TextField,
    YesNoField,
)
from handlers.forms.time_fields import DateTimeField
from handlers.i18n import N_
from handlers.requests.clocks import claim_within
from handlers.requests.common import (
    CATEGORIES,
    CATEGORY_LABELS,
    HEALTH_CATEGORIES,
    PREFIX,
    MatchAlert,
    ref,
    router,
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
from handlers.types import Ctx


def new_request(data: dict[str, Any]) -> store.NewRequest:
    """The intake form's answers, as the request to file."""
    attachment = data.get("attachment")
    return store.NewRequest(
        category=data["category"],
        description=data["description"],
        needed=data["needed"],
        needed_at=datetime.fromisoformat(data["needed_at"]) if data.get("needed_at") else None,
        urgent=bool(data.get("urgent")),
        share_name=bool(data.get("share_name")),
        health_consent=bool(data.get("health_consent")),
        attachment=store.Attachment(
            attachment["file_id"], attachment.get("kind"), attachment.get("name")
        )
        if attachment
        else None,
    )


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
        ctx.session, ctx.user, new_request(data), now=ctx.now, language=ctx.lang.code
    )
    update_card(ctx.session, ctx.community, request, ctx.now)
    _alert_volunteers(ctx, request)
    ctx.completed()
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
    for volunteer in volunteers.alert_recipients(ctx.session, request):
        outbox.enqueue_to_user(
            ctx.session,
            volunteer,
            params=MatchAlert.of(request),
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
                accept_voice=True,
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
                    "May the volunteer who helps you see your name (and your username, if "
                    "your app has one)? If you say No, they see only your request."
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


def start_ask(ctx: Ctx, *, description: str | None = None, category: str | None = None) -> None:
    """Open the /ask form (from the command, the menu or /myrequests); ``description``: the
    message the person wrote first, and ``category``, the kind of help it reads as,
    pre-filled (shown, and changeable, in the summary)."""
    if not limits.refused(ctx, limits.open_requests_message(ctx)):
        first = off_duty_notice(ctx)  # before any question: the hours and 120
        if first:
            ctx.reply(first)
        answers = {"description": description} if description else {}
        if category in CATEGORY_LABELS:
            answers["category"] = category  # a health request's consent is still asked
        engine.start(ctx, ASK, answers=answers or None)


@router.button(SendDraft, private_only=True, private_hint=ASK_PRIVATELY)
def ask_with_draft(ctx: Ctx, payload: SendDraft) -> None:
    """The free text offered by the not-understood answer becomes the
    description of a new request (once: the draft is forgotten when taken)."""
    draft = set_aside(ctx.conversation, DRAFT_KEY)
    put_aside(ctx.conversation, DRAFT_KEY, None)
    start_ask(ctx, description=draft if isinstance(draft, str) else None)
