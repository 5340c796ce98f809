"""A mediator's short forms on a case: an update (for the reporter, the other side or both),
an internal note (never relayed), a question to the reporter, resolving with an outcome and
closing with a reason. Each is opened from the case's private view and checked again on submit.
"""

from __future__ import annotations

from typing import Any

from db import awaiting, outbox
from db import dispute_parties as dp_parties
from db import disputes as dp
from db.dispute_models import DisputeCase, DisputeStatus
from db.models import User
from db.outbox_params import Params
from handlers.buttons.disputes import (
    AnswerQuestion,
    AskReporter,
    CloseCase,
    InternalNote,
    ResolveCase,
    UpdateReporter,
)
from handlers.disputes.common import (
    MEDIATOR_PRIVATELY,
    REASON_LABELS,
    is_mediator,
    log_by_mediator,
    router,
)
from handlers.disputes.mediate import (
    after_change,
    case_in_private,
    change_status,
    moved_on,
    show_case,
)
from handlers.disputes.messages import MediatorsUpdate, tell_reporters
from handlers.disputes.outcome import CANCEL, KEEP, pending_meeting
from handlers.forms import engine
from handlers.forms.engine import Form
from handlers.forms.fields import Choice, ChoiceField, Invalid, TextField
from handlers.i18n import N_, Language, for_reader
from handlers.types import Button, Ctx, Reply


def case_for_form(ctx: Ctx, data: dict[str, Any]) -> DisputeCase:
    """The case a mediator's form is about, checked again at submit."""
    if not is_mediator(ctx):
        raise Invalid(N_("Sorry, only the community's mediators can do this."))
    case = ctx.session.get(DisputeCase, data.get("case"))
    if case is None:
        raise Invalid(N_("That case does not exist. Send /cases to see the open ones."))
    root = dp.root_of(ctx.session, case)
    if root.status not in dp.OPEN:
        raise Invalid(N_("This case is no longer open."))
    return root


def start_case_form(ctx: Ctx, case_id: int, form: Form) -> None:
    root = case_in_private(ctx, case_id)
    if root is None:
        return
    if root.status not in dp.OPEN:
        moved_on(ctx, root)
        return
    initial: dict[str, Any] = {"case": root.id}
    meeting = pending_meeting(ctx, root) if form is RESOLVE else None
    if meeting is not None:  # resolving asks what happens to it
        initial["pending"] = meeting.starts_at.isoformat()
    # The first question takes the case view's place; the result shows the case again.
    heading = ctx._("📝 {form} · case {ref}").format(form=ctx._(form.title), ref=root.ref)
    engine.start(ctx, form, initial=initial, in_place=heading)


AUDIENCES = (
    Choice("reporter", N_("The reporter")),
    Choice("party", N_("The other side")),
    # Translators: the update goes to both the reporter and the other side
    Choice("all", N_("Both")),
)


def _submit_update(ctx: Ctx, data: dict[str, Any]) -> None:
    from handlers.disputes.parties import tell_parties

    root = case_for_form(ctx, data)
    audience = data["audience"]
    if audience in ("party", "all") and not tell_parties(ctx, root, data["text"], dry_run=True):
        raise Invalid(N_("Nobody from the other side has opened an invitation yet."))
    log_by_mediator(ctx, root, "update", audience=audience, text=data["text"])
    if audience in ("reporter", "all"):
        tell_reporters(
            ctx.session, root, MediatorsUpdate, now=ctx.now, params={"text": data["text"]}
        )
    if audience in ("party", "all"):
        tell_parties(ctx, root, data["text"])
    show_case(ctx, root, edit=True, note=ctx._("The update was sent."))


UPDATE = router.form(
    Form(
        name="dp.mupdate",
        title=N_("Update on the case"),
        fields=(
            ChoiceField(
                name="audience",
                prompt=N_("Who is the update for?"),
                # Translators: summary label: whom the mediator's update is for
                label=N_("For"),
                options=AUDIENCES,
            ),
            TextField(
                name="text",
                prompt=N_("Please write the update."),
                # Translators: summary label: the text of the mediator's update
                label=N_("Update"),
                max_length=2000,
            ),
        ),
        on_submit=_submit_update,
        confirm_label=N_("✅ Send"),
    )
)


def _submit_note(ctx: Ctx, data: dict[str, Any]) -> None:
    root = case_for_form(ctx, data)
    log_by_mediator(ctx, root, "note", text=data["text"])
    show_case(
        ctx, root, edit=True, note=ctx._("The note was kept on the case. Only mediators see it.")
    )


NOTE = router.form(
    Form(
        name="dp.mnote",
        title=N_("Internal note"),
        fields=(
            TextField(
                name="text",
                prompt=N_("Please write the note. Only mediators see it."),
                label=N_("Note"),
                max_length=2000,
            ),
        ),
        on_submit=_submit_note,
    )
)


def _submit_question(ctx: Ctx, data: dict[str, Any]) -> None:
    root = case_for_form(ctx, data)
    reporter = ctx.session.get(User, root.reporter_id) if root.reporter_id else None
    if reporter is None:
        raise Invalid(N_("The reporter can no longer be reached."))
    question = dp_parties.ask(ctx.session, root, by=ctx.user, text=data["text"], now=ctx.now)
    log_by_mediator(ctx, root, "question", text=data["text"])
    outbox.enqueue_to_user(
        ctx.session,
        reporter,
        params=Question(
            ref=root.ref,
            text=data["text"],
            question=question.id,
            **awaiting.thread(dp.SERVICE, question.id),
        ),
        now=ctx.now,
    )
    show_case(
        ctx, root, edit=True, note=ctx._("The question was sent. The answer will appear here.")
    )


class Question(Params, template="dp.question"):
    """The mediators' question to the reporter, answered by a reply or the Answer button."""

    ref: str
    text: str
    question: int
    thread: str | None = None  # the conversation a reply belongs to (db.awaiting)


@router.template(Question)
def render_question(lang: Language, params: Question) -> Reply:
    return Reply(
        lang.gettext(
            "The mediators have a question about your report {ref}: {text}\n"
            "Write your answer here, or press Answer."
        ).format(ref=params.ref, text=for_reader(lang.code, params.text)),
        ((Button(lang.gettext("✍️ Answer"), AnswerQuestion(params.question).pack()),),),
    )


ASK = router.form(
    Form(
        name="dp.mask",
        title=N_("Ask the reporter"),
        fields=(
            TextField(
                name="text",
                prompt=N_(
                    "Please write your question. The bot passes it on; you will not learn "
                    "who an anonymous reporter is."
                ),
                label=N_("Question"),
                max_length=1000,
            ),
        ),
        on_submit=_submit_question,
        confirm_label=N_("✅ Send"),
        compact=lambda ctx, data: ctx._("Send this question to the reporter?"),
    )
)


def _submit_resolve(ctx: Ctx, data: dict[str, Any]) -> None:
    root = case_for_form(ctx, data)
    if change_status(
        ctx,
        root,
        DisputeStatus.RESOLVED,
        dp.OPEN,
        meeting=data.get("meeting") or CANCEL,
        outcome=data["outcome"],
        resolved_at=ctx.now,
        followup=None,
    ):
        after_change(ctx, root)


MEETING_CHOICES = (
    # Translators: staff only. Resolving a case: the meeting still takes place
    Choice(KEEP, N_("📅 Keep the meeting")),
    # Translators: staff only. Resolving a case: the meeting is cancelled, everyone is told
    Choice(CANCEL, N_("✖️ Cancel the meeting")),
)


RESOLVE = router.form(
    Form(
        name="dp.mresolve",
        title=N_("Resolve the case"),
        fields=(
            TextField(
                name="outcome",
                prompt=N_("What was the outcome? The reporter and the other side read it."),
                label=N_("Outcome"),
                max_length=1000,
            ),
            ChoiceField(
                name="meeting",
                prompt=N_(
                    "A meeting is still planned. Does it take place? "
                    "If it is cancelled, everyone invited is told."
                ),
                # Translators: staff only. Summary label: what happens to the planned meeting
                label=N_("Meeting"),
                options=MEETING_CHOICES,
                when=lambda data: bool(data.get("pending")),
            ),
        ),
        on_submit=_submit_resolve,
    )
)


def _submit_close(ctx: Ctx, data: dict[str, Any]) -> None:
    root = case_for_form(ctx, data)
    if change_status(ctx, root, DisputeStatus.CLOSED, dp.OPEN, close_reason=data["reason"]):
        after_change(ctx, root)


CLOSE = router.form(
    Form(
        name="dp.mclose",
        title=N_("Close the case"),
        fields=(
            ChoiceField(
                name="reason",
                prompt=N_("Why is the case closed? The reporter is told."),
                label=N_("Reason"),
                columns=1,
                options=tuple(Choice(key, label) for key, label in REASON_LABELS.items()),
            ),
        ),
        on_submit=_submit_close,
    )
)


@router.button(UpdateReporter, **MEDIATOR_PRIVATELY)
def update_button(ctx: Ctx, payload: UpdateReporter) -> None:
    start_case_form(ctx, payload.case, UPDATE)


@router.button(InternalNote, **MEDIATOR_PRIVATELY)
def note_button(ctx: Ctx, payload: InternalNote) -> None:
    start_case_form(ctx, payload.case, NOTE)


@router.button(AskReporter, **MEDIATOR_PRIVATELY)
def ask_button(ctx: Ctx, payload: AskReporter) -> None:
    start_case_form(ctx, payload.case, ASK)


@router.button(ResolveCase, **MEDIATOR_PRIVATELY)
def resolve_button(ctx: Ctx, payload: ResolveCase) -> None:
    start_case_form(ctx, payload.case, RESOLVE)


@router.button(CloseCase, **MEDIATOR_PRIVATELY)
def close_button(ctx: Ctx, payload: CloseCase) -> None:
    start_case_form(ctx, payload.case, CLOSE)
